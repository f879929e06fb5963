"""Strategies for repeated supplier-distributor games (model.md §5).

One small class per strategy behind one interface, in the manner of Axelrod-Python: a name, a
one-line description, a classifier, a first move and a `move` computed from the two histories.
Strategies are stateless: every decision is a function of the histories (and, for stochastic
ones, of the random generator passed in), so one object can play many matches and the same
objects drive both the abstract prisoner's dilemma and the market's contract parties.

A move is the character ``"C"`` (cooperate: meet the other side's expectations) or ``"D"``
(defect). Histories are sequences of moves, oldest first; in the market, the opponent's history
is what the party *observed*, which monitoring noise may have garbled.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

C = "C"
D = "D"

History = Sequence[str]
Payoffs = tuple[float, float, float, float]
"""(T, R, P, S): temptation, reward, punishment, sucker's payoff."""

AXELROD_PAYOFFS: Payoffs = (5.0, 3.0, 1.0, 0.0)
"""The standard payoffs of Axelrod (1980, 1984)."""


def flip(move: str) -> str:
    return D if move == C else C


class Strategy:
    """A rule for choosing C or D from the history of a repeated game."""

    name: ClassVar[str]
    description: ClassVar[str]
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 1, "stochastic": False}

    def first_move(self, rng: np.random.Generator) -> str:
        return C

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        raise NotImplementedError

    def play(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The next move: the first move on an empty history, else `move`."""
        if not own:
            return self.first_move(rng)
        return self.move(own, opponent, rng)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class AlwaysCooperate(Strategy):
    name = "all-c"
    description = "Always cooperates."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return C


class AlwaysDefect(Strategy):
    name = "all-d"
    description = "Always defects."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": False}

    def first_move(self, rng: np.random.Generator) -> str:
        return D

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return D


class TitForTat(Strategy):
    """Axelrod (1980): the winner of both of his tournaments."""

    name = "tft"
    description = "Tit-for-tat: cooperates first, then copies the opponent's last move."

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return opponent[-1]


class SuspiciousTitForTat(Strategy):
    name = "stft"
    description = "Suspicious tit-for-tat: defects first, then copies the opponent's last move."

    def first_move(self, rng: np.random.Generator) -> str:
        return D

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return opponent[-1]


class GrimTrigger(Strategy):
    """Friedman (1971): the trigger strategy of the folk theorem."""

    name = "grim"
    description = "Grim trigger: cooperates until the opponent defects once, then always defects."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": float("inf"), "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return D if D in opponent else C


class WinStayLoseShift(Strategy):
    """Nowak & Sigmund (1993), "Pavlov": repeats its move after R or T, switches after S or P."""

    name = "wsls"
    description = (
        "Win-stay-lose-shift (Pavlov): repeats its move after R or T, switches after S or P."
    )

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        won = opponent[-1] == C  # R (both C) or T (own D against C)
        return own[-1] if won else flip(own[-1])


class TitForTwoTats(Strategy):
    """Axelrod (1984): the forgiving entry that would have won his first tournament."""

    name = "tf2t"
    description = "Tit-for-two-tats: defects only after two consecutive opponent defections."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 2, "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return D if len(opponent) >= 2 and opponent[-1] == D and opponent[-2] == D else C


class GenerousTitForTat(Strategy):
    """Nowak & Sigmund (1992): TFT that forgives a defection with probability
    ``min(1 - (T - R) / (R - S), (R - P) / (T - P))`` (1/3 for Axelrod's payoffs)."""

    name = "gtft"
    description = "Generous tit-for-tat: like tft, but forgives a defection with probability p."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 1, "stochastic": True}

    def __init__(self, p: float | None = None, payoffs: Payoffs = AXELROD_PAYOFFS) -> None:
        if p is None:
            t, r, pun, s = payoffs
            p = max(0.0, min(1.0 - (t - r) / (r - s), (r - pun) / (t - pun)))
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"gtft forgiveness probability must be in [0, 1], got {p}")
        self.p = float(p)

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        if opponent[-1] == C:
            return C
        return C if rng.random() < self.p else D

    def __repr__(self) -> str:
        return f"GenerousTitForTat(p={self.p:.4g})"


class Alternator(Strategy):
    name = "alternator"
    description = "Alternator: cooperates, then alternates D, C, D, ..."

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return flip(own[-1])


class Random(Strategy):
    name = "random"
    description = "Random: cooperates with probability p (0.5 by default)."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": True}

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"random cooperation probability must be in [0, 1], got {p}")
        self.p = float(p)

    def first_move(self, rng: np.random.Generator) -> str:
        return C if rng.random() < self.p else D

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return self.first_move(rng)

    def __repr__(self) -> str:
        return f"Random(p={self.p:.4g})"


class GoByMajority(Strategy):
    """Axelrod (1984): cooperates while the opponent has cooperated at least as often as not."""

    name = "majority"
    description = (
        "Go-by-majority: cooperates unless the opponent has defected more than cooperated."
    )
    classifier: ClassVar[dict[str, object]] = {"memory_depth": float("inf"), "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        defections = opponent.count(D)
        return C if defections <= len(opponent) - defections else D


class Joss(Strategy):
    """Joss, in Axelrod's first tournament (1980): TFT that sneaks in 10% defections."""

    name = "joss"
    description = "Joss: tit-for-tat that defects 10% of the time it would cooperate."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 1, "stochastic": True}

    def __init__(self, p_defect: float = 0.1) -> None:
        self.p_defect = float(p_defect)

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        if opponent[-1] == D:
            return D
        return D if rng.random() < self.p_defect else C


class TrustBased(Strategy):
    """The seed's relationship view: trust rises slowly when expectations are met and falls fast
    when they are not (model.md §3.8); cooperate while trust stays at or above a threshold."""

    name = "trust"
    description = "Trust-based: cooperates while trust (slow up on C, fast down on D) >= threshold."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": float("inf"), "stochastic": False}

    def __init__(
        self, initial: float = 0.7, gain: float = 0.1, loss: float = 0.35, threshold: float = 0.5
    ) -> None:
        self.initial, self.gain, self.loss, self.threshold = initial, gain, loss, threshold

    def trust_after(self, opponent: History) -> float:
        level = self.initial
        for m in opponent:
            level = update_trust(level, m == C, self.gain, self.loss)
        return level

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        return C if self.trust_after(opponent) >= self.threshold else D


def update_trust(level: float, met: bool, gain: float, loss: float) -> float:
    """One trust update: up by `gain` of the gap to 1 when expectations were met, else down by
    `loss` of the current level. Asymmetric on purpose: trust is slow to build, quick to lose."""
    return level + gain * (1.0 - level) if met else level - loss * level


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        AlwaysCooperate,
        AlwaysDefect,
        TitForTat,
        SuspiciousTitForTat,
        GrimTrigger,
        WinStayLoseShift,
        TitForTwoTats,
        GenerousTitForTat,
        Alternator,
        Random,
        GoByMajority,
        Joss,
        TrustBased,
    )
}
"""Every strategy by its CLI name."""


def unknown_strategy_message(name: str) -> str:
    """Name the unknown strategy, suggest the closest valid one and list them all."""
    close = difflib.get_close_matches(name, list(STRATEGIES), n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown strategy '{name}'{hint}; valid: {', '.join(STRATEGIES)}"


def make_strategy(name: str, **params: object) -> Strategy:
    """Build a strategy by name; an unknown name lists the valid ones."""
    if name not in STRATEGIES:
        raise ValueError(unknown_strategy_message(name))
    return STRATEGIES[name](**params)
