"""The stage game: a 2x2 payoff table, its validation and its class.

Kept apart from matches because the market's payoff matrix (contracts issue) is classified with
the same rules: a facilitator compares the textbook game with the one the market produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkages_sim.game.strategies import AXELROD_PAYOFFS, C

GAME_CLASSES = ("prisoners_dilemma", "stag_hunt", "chicken", "harmony", "deadlock", "other")


@dataclass(frozen=True)
class Game:
    """Payoffs of a symmetric prisoner's dilemma: T, R, P and S, with T > R > P > S.

    Temptation T, reward R, punishment P and sucker's payoff S; the ordering is checked on
    construction.
    """

    T: float = AXELROD_PAYOFFS[0]
    R: float = AXELROD_PAYOFFS[1]
    P: float = AXELROD_PAYOFFS[2]
    S: float = AXELROD_PAYOFFS[3]

    def __post_init__(self) -> None:
        """Reject payoffs that are not a prisoner's dilemma, naming the game they make instead."""
        if not self.T > self.R > self.P > self.S:
            raise ValueError(
                f"payoffs T={self.T:g}, R={self.R:g}, P={self.P:g}, S={self.S:g} are not a "
                "prisoner's dilemma: it needs T > R > P > S "
                f"(here the game is {classify(self.T, self.R, self.P, self.S).replace('_', ' ')})"
            )

    @classmethod
    def parse(cls, text: str) -> Game:
        """Read ``"T,R,P,S"`` as a user types it, e.g. ``"5,3,1,0"``."""
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"payoffs must be four numbers T,R,P,S, got '{text}'") from None
        if len(values) != 4:
            raise ValueError(f"payoffs must be four numbers T,R,P,S, got {len(values)} in '{text}'")
        return cls(*values)

    @property
    def values(self) -> tuple[float, float, float, float]:
        """The payoffs as (T, R, P, S)."""
        return (self.T, self.R, self.P, self.S)

    def as_dict(self) -> dict[str, float]:
        """The payoffs by letter, for JSON."""
        return {"T": self.T, "R": self.R, "P": self.P, "S": self.S}

    def scores(self, a: str, b: str) -> tuple[float, float]:
        """The two players' payoffs for one turn of moves ``a`` and ``b``."""
        if a == C:
            return (self.R, self.R) if b == C else (self.S, self.T)
        return (self.T, self.S) if b == C else (self.P, self.P)

    @property
    def sustains_alternation(self) -> bool:
        """2R > T + S: mutual cooperation beats taking turns exploiting each other.

        The extra condition Axelrod imposed on the iterated game.
        """
        return 2 * self.R > self.T + self.S

    @property
    def critical_continuation(self) -> float:
        """The continuation probability above which grim-trigger cooperation is an equilibrium."""
        return critical_continuation(self.T, self.R, self.P)


def critical_continuation(T: float, R: float, P: float) -> float:
    """The continuation probability w above which grim-trigger cooperation is an equilibrium.

    Cooperating forever earns R / (1 - w); defecting once earns T now and P for ever after,
    T + w P / (1 - w). Cooperation is sustainable iff w >= (T - R) / (T - P).
    """
    return (T - R) / (T - P)


def classify(T: float, R: float, P: float, S: float) -> str:
    """The class of a 2x2 game from one player's payoffs (standard ordinal taxonomy).

    prisoner's dilemma T > R > P > S; stag hunt R > T >= P > S; chicken T > R > S > P;
    harmony R > T and S > P (cooperating dominates); deadlock T > P > R > S (defecting
    dominates and mutual defection is preferred); anything else, including ties that break
    these orders, is ``other``.
    """
    if T > R > P > S:
        return "prisoners_dilemma"
    if R > T >= P > S:
        return "stag_hunt"
    if T > R > S > P:
        return "chicken"
    if R > T and S > P:
        return "harmony"
    if T > P > R > S:
        return "deadlock"
    return "other"
