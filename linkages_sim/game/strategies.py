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
    """The other move: D for C, C for D."""
    return D if move == C else C


class Strategy:
    """A rule for choosing C or D from the history of a repeated game."""

    name: ClassVar[str]
    description: ClassVar[str]
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 1, "stochastic": False}

    def first_move(self, rng: np.random.Generator) -> str:
        """The opening move: cooperate, unless a strategy says otherwise."""
        return C

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The next move from both histories (never empty); each strategy defines it."""
        raise NotImplementedError

    def play(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The next move: the first move on an empty history, else `move`."""
        if not own:
            return self.first_move(rng)
        return self.move(own, opponent, rng)

    def for_payoffs(self, payoffs: Payoffs) -> Strategy:
        """The strategy as it plays a stage game with these (T, R, P, S) payoffs.

        A match calls it with its own payoff table before the first move, as Axelrod-Python
        passes the game to a player's match attributes. Most strategies ignore payoffs and
        return themselves; one whose default depends on them (`gtft`) returns a copy tuned to
        them.
        """
        return self

    def __repr__(self) -> str:
        """Constructor-style representation, e.g. ``TitForTat()``."""
        return f"{type(self).__name__}()"


class AlwaysCooperate(Strategy):
    """Cooperates on every move, whatever the opponent does."""

    name = "all-c"
    description = "Always cooperates."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Always C."""
        return C


class AlwaysDefect(Strategy):
    """Defects on every move, whatever the opponent does."""

    name = "all-d"
    description = "Always defects."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": False}

    def first_move(self, rng: np.random.Generator) -> str:
        """Defect from the start."""
        return D

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Always D."""
        return D


class TitForTat(Strategy):
    """Axelrod (1980): the winner of both of his tournaments."""

    name = "tft"
    description = "Tit-for-tat: cooperates first, then copies the opponent's last move."

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Copy the opponent's last move."""
        return opponent[-1]


class SuspiciousTitForTat(Strategy):
    """Tit-for-tat that opens with a defection."""

    name = "stft"
    description = "Suspicious tit-for-tat: defects first, then copies the opponent's last move."

    def first_move(self, rng: np.random.Generator) -> str:
        """Defect on the first move."""
        return D

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Copy the opponent's last move."""
        return opponent[-1]


class GrimTrigger(Strategy):
    """Friedman (1971): the trigger strategy of the folk theorem."""

    name = "grim"
    description = "Grim trigger: cooperates until the opponent defects once, then always defects."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": float("inf"), "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Defect for ever once the opponent has defected at all."""
        return D if D in opponent else C


class WinStayLoseShift(Strategy):
    """Nowak & Sigmund (1993), "Pavlov": repeats its move after R or T, switches after S or P."""

    name = "wsls"
    description = (
        "Win-stay-lose-shift (Pavlov): repeats its move after R or T, switches after S or P."
    )

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Repeat the last move if the opponent cooperated (R or T), else switch (S or P)."""
        won = opponent[-1] == C  # R (both C) or T (own D against C)
        return own[-1] if won else flip(own[-1])


class TitForTwoTats(Strategy):
    """Axelrod (1984): the forgiving entry that would have won his first tournament."""

    name = "tf2t"
    description = "Tit-for-two-tats: defects only after two consecutive opponent defections."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 2, "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Defect only when the opponent's last two moves were both D."""
        return D if len(opponent) >= 2 and opponent[-1] == D and opponent[-2] == D else C


class GenerousTitForTat(Strategy):
    """Nowak & Sigmund (1992): TFT that forgives a defection with a fixed probability.

    By default the probability is the one Nowak & Sigmund ("Tit for tat in heterogeneous
    populations", Nature 355: 250-253) found optimal for the game's payoffs,
    ``min(1 - (T - R) / (R - S), (R - P) / (T - P))``: the most generous a tit-for-tat can be
    while all-d still cannot invade it. It follows the payoffs of the match that plays it
    (`for_payoffs`), as Axelrod-Python's ``GTFT`` reads them from its match's game: 1/3 for
    Axelrod's (5, 3, 1, 0), 2/3 for (4, 3, 1, 0). Outside a match (a contract party in the
    market, which has no stage payoff table) it uses Axelrod's payoffs. An explicit ``p``
    overrides the formula for every game.
    """

    name = "gtft"
    description = (
        "Generous tit-for-tat: like tft, but forgives a defection with probability p "
        "(default from the payoffs: min(1-(T-R)/(R-S), (R-P)/(T-P)), 1/3 for 5,3,1,0)."
    )
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 1, "stochastic": True}

    def __init__(self, p: float | None = None, payoffs: Payoffs = AXELROD_PAYOFFS) -> None:
        """Set the forgiveness probability `p`: by default the Nowak & Sigmund value for `payoffs`.

        That value is floored at 0 (the formula is negative when T - R > R - S); a `p` outside
        [0, 1] is an error.
        """
        self.explicit = p is not None
        self.payoffs: Payoffs = tuple(float(v) for v in payoffs)  # type: ignore[assignment]
        if p is None:
            p = nowak_sigmund_generosity(self.payoffs)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"gtft forgiveness probability must be in [0, 1], got {p}")
        self.p = float(p)

    def for_payoffs(self, payoffs: Payoffs) -> Strategy:
        """Itself when `p` was given or the payoffs are its own; else a copy tuned to them."""
        payoffs = tuple(float(v) for v in payoffs)  # type: ignore[assignment]
        if self.explicit or payoffs == self.payoffs:
            return self
        return GenerousTitForTat(payoffs=payoffs)

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Cooperate after C; after D, forgive (cooperate) with probability `p`."""
        if opponent[-1] == C:
            return C
        return C if rng.random() < self.p else D

    def __repr__(self) -> str:
        """Representation with the forgiveness probability."""
        return f"GenerousTitForTat(p={self.p:.4g})"


def nowak_sigmund_generosity(payoffs: Payoffs) -> float:
    """Generous tit-for-tat's optimal forgiveness for (T, R, P, S), floored at 0.

    Nowak & Sigmund (1992), Nature 355: 250-253: ``min(1 - (T - R) / (R - S),
    (R - P) / (T - P))``. The second term keeps all-d from invading; the first keeps the
    generosity below the level at which an alternating exploiter would gain.
    """
    t, r, pun, s = payoffs
    return max(0.0, min(1.0 - (t - r) / (r - s), (r - pun) / (t - pun)))


class Alternator(Strategy):
    """Cooperates first, then alternates, whatever the opponent does."""

    name = "alternator"
    description = "Alternator: cooperates, then alternates D, C, D, ..."

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The opposite of its own last move."""
        return flip(own[-1])


class Random(Strategy):
    """Cooperates with probability `p` on every move, ignoring the histories."""

    name = "random"
    description = "Random: cooperates with probability p (0.5 by default)."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": True}

    def __init__(self, p: float = 0.5) -> None:
        """Set the cooperation probability `p`, which must be in [0, 1]."""
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"random cooperation probability must be in [0, 1], got {p}")
        self.p = float(p)

    def first_move(self, rng: np.random.Generator) -> str:
        """C with probability `p`, else D."""
        return C if rng.random() < self.p else D

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """C with probability `p`, as on the first move."""
        return self.first_move(rng)

    def __repr__(self) -> str:
        """Representation with the cooperation probability."""
        return f"Random(p={self.p:.4g})"


class GoByMajority(Strategy):
    """Axelrod (1984): cooperates while the opponent has cooperated at least as often as not."""

    name = "majority"
    description = (
        "Go-by-majority: cooperates unless the opponent has defected more than cooperated."
    )
    classifier: ClassVar[dict[str, object]] = {"memory_depth": float("inf"), "stochastic": False}

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Cooperate unless the opponent has defected more often than it cooperated."""
        defections = opponent.count(D)
        return C if defections <= len(opponent) - defections else D


class Joss(Strategy):
    """Joss, in Axelrod's first tournament (1980): TFT that sneaks in 10% defections."""

    name = "joss"
    description = "Joss: tit-for-tat that defects 10% of the time it would cooperate."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 1, "stochastic": True}

    def __init__(self, p_defect: float = 0.1) -> None:
        """Set `p_defect`, the chance of defecting when tit-for-tat would cooperate."""
        self.p_defect = float(p_defect)

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Defect after D; after C, defect with probability `p_defect`."""
        if opponent[-1] == D:
            return D
        return D if rng.random() < self.p_defect else C


TRUST_INITIAL, TRUST_GAIN, TRUST_LOSS = 0.7, 0.10, 0.35
"""The one set of default trust dynamics: the trust strategy's and a contract's (`Trust`)."""


class TrustBased(Strategy):
    """The seed's relationship view: cooperate while trust stays at or above a threshold.

    Trust rises slowly when expectations are met and falls fast when they are not (model.md §3.8).
    """

    name = "trust"
    description = "Trust-based: cooperates while trust (slow up on C, fast down on D) >= threshold."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": float("inf"), "stochastic": False}

    def __init__(
        self, initial: float = TRUST_INITIAL, gain: float = TRUST_GAIN,
        loss: float = TRUST_LOSS, threshold: float = 0.5,
    ) -> None:  # fmt: skip
        """Set the opening trust, `update_trust`'s gain and loss, and the cooperation threshold."""
        self.initial, self.gain, self.loss, self.threshold = initial, gain, loss, threshold

    def trust_after(self, opponent: History) -> float:
        """Trust in the opponent: `initial`, updated once per move of the opponent's history."""
        level = self.initial
        for m in opponent:
            level = update_trust(level, m == C, self.gain, self.loss)
        return level

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """Cooperate while trust after the opponent's history is at or above the threshold."""
        return C if self.trust_after(opponent) >= self.threshold else D


def update_trust(level: float, met: bool, gain: float, loss: float) -> float:
    """One trust update, asymmetric on purpose: trust is slow to build, quick to lose.

    Up by `gain` of the gap to 1 when expectations were met, else down by `loss` of the current
    level.
    """
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
