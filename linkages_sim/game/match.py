"""One iterated prisoner's dilemma match between two strategies.

Moves are simultaneous. With ``noise`` each intended move is flipped independently with that
probability and both players see (and are scored on) the flipped move, as in Axelrod-Python.
With ``prob_end`` the match ends after each turn with that probability, so its length is
geometric with mean 1 / prob_end and the shadow of the future is w = 1 - prob_end; ``turns``
then caps the length (None: no cap).

Every random draw comes from a stream keyed by the seed and the match's key, split by purpose
(length, noise, each player's own draws): the same seed replays the same match wherever and in
whatever order it is played, and two matches that differ only in one player share the rest of
their randomness (common random numbers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkages_sim.game.players import Player, parse_player
from linkages_sim.game.stage import Game
from linkages_sim.game.strategies import C, D, Strategy
from linkages_sim.rng import Purpose, Streams, fresh_seed

DEFAULT_TURNS = 200


def check_match_settings(turns: int | None, prob_end: float | None, noise: float) -> None:
    """Reject settings a match cannot be played with, naming the setting and the rule."""
    if turns is None and prob_end is None:
        raise ValueError("give a number of turns or a probability of ending (prob_end)")
    if turns is not None and (isinstance(turns, bool) or int(turns) != turns or turns < 1):
        raise ValueError(f"turns must be a whole number >= 1, got {turns}")
    if prob_end is not None and not 0.0 < prob_end <= 1.0:
        raise ValueError(f"prob_end must be in (0, 1], got {prob_end}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise}")


def as_player(player: Player | Strategy | str) -> Player:
    """Accept what a notebook user has at hand: a spec string, a strategy or a `Player`."""
    if isinstance(player, Player):
        return player
    if isinstance(player, Strategy):
        return Player(player.name, player)
    return parse_player(player)


@dataclass(frozen=True)
class MatchResult:
    """The moves and scores of a played match."""

    a: str
    b: str
    moves_a: str
    moves_b: str
    game: Game
    noise: float
    prob_end: float | None
    seed: int
    flips: int = 0
    """How many moves noise flipped (both players together)."""

    @property
    def turns(self) -> int:
        """The number of turns played."""
        return len(self.moves_a)

    @property
    def state_counts(self) -> dict[str, int]:
        """How often each outcome CC, CD, DC, DD occurred (a's move first)."""
        counts = Counter(map(str.__add__, self.moves_a, self.moves_b))
        return {state: counts.get(state, 0) for state in ("CC", "CD", "DC", "DD")}

    @property
    def scores(self) -> tuple[float, float]:
        """Both players' total scores over the match, (a, b)."""
        n = self.state_counts
        g = self.game
        a = g.R * n["CC"] + g.S * n["CD"] + g.T * n["DC"] + g.P * n["DD"]
        b = g.R * n["CC"] + g.T * n["CD"] + g.S * n["DC"] + g.P * n["DD"]
        return float(a), float(b)

    @property
    def score_a(self) -> float:
        """Player a's total score."""
        return self.scores[0]

    @property
    def score_b(self) -> float:
        """Player b's total score."""
        return self.scores[1]

    @property
    def cooperation(self) -> tuple[float, float]:
        """Each player's share of turns cooperated."""
        return self.moves_a.count(C) / self.turns, self.moves_b.count(C) / self.turns

    @property
    def winner(self) -> str | None:
        """The label with the higher total score; None on a tie."""
        a, b = self.scores
        return None if a == b else (self.a if a > b else self.b)

    def frame(self) -> pd.DataFrame:
        """Turn by turn: moves, payoffs and running scores (tidy, one row per turn)."""
        payoff = [self.game.scores(x, y) for x, y in zip(self.moves_a, self.moves_b, strict=True)]
        pa = np.array([p[0] for p in payoff])
        pb = np.array([p[1] for p in payoff])
        return pd.DataFrame(
            {
                "turn": np.arange(1, self.turns + 1),
                "move_a": list(self.moves_a),
                "move_b": list(self.moves_b),
                "payoff_a": pa,
                "payoff_b": pb,
                "score_a": pa.cumsum(),
                "score_b": pb.cumsum(),
            }
        )

    def as_dict(self) -> dict:
        """The JSON record: the issue's keys plus what a reader needs to interpret them."""
        return {
            "a": self.a,
            "b": self.b,
            "turns": self.turns,
            "noise": self.noise,
            "prob_end": self.prob_end,
            "seed": self.seed,
            "payoffs": self.game.as_dict(),
            "moves_a": self.moves_a,
            "moves_b": self.moves_b,
            "score_a": self.score_a,
            "score_b": self.score_b,
            "score_per_turn_a": self.score_a / self.turns,
            "score_per_turn_b": self.score_b / self.turns,
            "cooperation_a": self.cooperation[0],
            "cooperation_b": self.cooperation[1],
            "noise_flips": self.flips,
        }


@dataclass
class Match:
    """Two strategies, a length rule, noise, payoffs and a seed; `play()` returns the result.

    >>> Match("tft", "all-d", turns=200).play().scores
    (199.0, 204.0)
    """

    a: Player | Strategy | str
    b: Player | Strategy | str
    turns: int | None = DEFAULT_TURNS
    prob_end: float | None = None
    noise: float = 0.0
    game: Game = field(default_factory=Game)
    seed: int | None = None
    key: tuple[int, ...] = ()
    """Extra spawn-key integers, so that the matches of a tournament get distinct streams."""

    def __post_init__(self) -> None:
        """Check the settings, turn specs into players, and draw a seed when none is given."""
        check_match_settings(self.turns, self.prob_end, self.noise)
        self.a, self.b = as_player(self.a), as_player(self.b)
        if self.seed is None:
            self.seed = fresh_seed()

    def length(self) -> int:
        """The number of turns: `turns`, or a geometric draw with `prob_end` capped at `turns`."""
        if self.prob_end is None:
            return int(self.turns)
        drawn = int(self._rng(Purpose.MATCH_LENGTH).geometric(self.prob_end))
        return drawn if self.turns is None else min(drawn, int(self.turns))

    def _rng(self, purpose: Purpose) -> np.random.Generator:
        return Streams(self.seed).generator(purpose, *self.key)

    def play(self) -> MatchResult:
        """Play the match and return its result.

        Noise flips moves as they are played, and both histories record the flipped moves.
        """
        n = self.length()
        sa, sb = self.a.strategy, self.b.strategy
        ra, rb = self._rng(Purpose.PLAYER_A), self._rng(Purpose.PLAYER_B)
        flips = (
            self._rng(Purpose.MATCH_NOISE).random((n, 2)) < self.noise
            if self.noise > 0
            else np.zeros((n, 2), dtype=bool)
        )
        flip = {C: D, D: C}
        ha: list[str] = []
        hb: list[str] = []
        for t in range(n):
            ma = sa.play(ha, hb, ra)
            mb = sb.play(hb, ha, rb)
            if flips[t, 0]:
                ma = flip[ma]
            if flips[t, 1]:
                mb = flip[mb]
            ha.append(ma)
            hb.append(mb)
        return MatchResult(
            a=self.a.label,
            b=self.b.label,
            moves_a="".join(ha),
            moves_b="".join(hb),
            game=self.game,
            noise=self.noise,
            prob_end=self.prob_end,
            seed=int(self.seed),
            flips=int(flips.sum()),
        )
