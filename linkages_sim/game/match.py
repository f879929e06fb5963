"""One iterated prisoner's dilemma match between two strategies.

Moves are simultaneous. With ``noise`` each intended move is flipped independently with that
probability and both players see (and are scored on) the flipped move, as in Axelrod-Python.
With ``prob_end`` the match ends after each turn with that probability, so its length is
geometric with mean 1 / prob_end and the shadow of the future is w = 1 - prob_end.

The length rule is Axelrod-Python's (``axelrod/match.py``): neither ``turns`` nor ``prob_end``
gives `DEFAULT_TURNS` fixed turns; ``prob_end`` alone gives a geometric length with no cap;
both give a geometric length capped at ``turns``, the user's cap, and the result says whether
it cut the match (`MatchResult.cut`). A cap that binds changes the game: with prob_end 0.002
and a cap of 200 turns the mean length is (1 - 0.998^200) / 0.002 = 165 instead of 500 and
0.998^200 = 67% of matches are cut, so there is no default cap on a random length.

The payoff table reaches the strategies too: each player is seated with
`Strategy.for_payoffs`, so generous tit-for-tat forgives at Nowak & Sigmund's rate for this
game.

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
"""The length of a match given neither ``turns`` nor ``prob_end`` (Axelrod-Python's default)."""


def resolve_turns(turns: int | None, prob_end: float | None) -> int | None:
    """The turn count (or cap) a match plays with: Axelrod-Python's rule.

    `DEFAULT_TURNS` when neither is given; otherwise ``turns`` as given, so a random length
    (``prob_end``) without ``turns`` has no cap.
    """
    return DEFAULT_TURNS if turns is None and prob_end is None else turns


def expected_length(turns: int | None, prob_end: float | None) -> float:
    """The expected number of turns of a match: ``turns``, 1 / prob_end, or E[min(L, turns)].

    For a geometric L with P(L > k) = (1 - p)^k, E[min(L, n)] = sum_{k<n} (1 - p)^k
    = (1 - (1 - p)^n) / p.
    """
    turns = resolve_turns(turns, prob_end)
    if prob_end is None:
        return float(turns)
    if turns is None:
        return 1.0 / prob_end
    return (1.0 - (1.0 - prob_end) ** turns) / prob_end


def cut_probability(turns: int | None, prob_end: float | None) -> float:
    """The probability that a cap of ``turns`` cuts a random-length match: (1 - p)^turns."""
    if prob_end is None or turns is None:
        return 0.0
    return (1.0 - prob_end) ** turns


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
    cap: int | None = None
    """The turn cap on a random length (``turns`` given with ``prob_end``); None: no cap."""
    drawn: int | None = None
    """The geometric length drawn before the cap (random lengths only)."""

    @property
    def cut(self) -> bool:
        """Whether the cap ended the match before its drawn length."""
        return self.cap is not None and self.drawn is not None and self.drawn > self.cap

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
            "turn_cap": self.cap,
            "drawn_turns": self.drawn,
            "cut_by_cap": self.cut,
        }


@dataclass
class Match:
    """Two strategies, a length rule, noise, payoffs and a seed; `play()` returns the result.

    ``turns`` None: `DEFAULT_TURNS` (200) fixed turns, or with ``prob_end`` a geometric length
    with no cap; ``turns`` and ``prob_end`` together: the geometric length capped at ``turns``
    (the result's `MatchResult.cut` says whether the cap bound).

    >>> Match("tft", "all-d", turns=200).play().scores
    (199.0, 204.0)
    """

    a: Player | Strategy | str
    b: Player | Strategy | str
    turns: int | None = None
    prob_end: float | None = None
    noise: float = 0.0
    game: Game = field(default_factory=Game)
    seed: int | None = None
    key: tuple[int, ...] = ()
    """Extra spawn-key integers, so that the matches of a tournament get distinct streams."""

    def __post_init__(self) -> None:
        """Resolve the length rule, check it, seat the players for the payoffs, draw a seed."""
        self.turns = resolve_turns(self.turns, self.prob_end)
        check_match_settings(self.turns, self.prob_end, self.noise)
        payoffs = self.game.values
        self.a = as_player(self.a).for_payoffs(payoffs)
        self.b = as_player(self.b).for_payoffs(payoffs)
        if self.seed is None:
            self.seed = fresh_seed()

    def drawn_length(self) -> int | None:
        """The geometric length drawn with `prob_end`, before any cap; None for fixed turns."""
        if self.prob_end is None:
            return None
        return int(self._rng(Purpose.MATCH_LENGTH).geometric(self.prob_end))

    def length(self) -> int:
        """The number of turns: `turns`, or the geometric draw, capped at `turns` if given."""
        return self._capped(self.drawn_length())

    def _capped(self, drawn: int | None) -> int:
        if drawn is None:
            return int(self.turns)
        return drawn if self.turns is None else min(drawn, int(self.turns))

    def _rng(self, purpose: Purpose) -> np.random.Generator:
        return Streams(self.seed).generator(purpose, *self.key)

    def play(self) -> MatchResult:
        """Play the match and return its result.

        Noise flips moves as they are played, and both histories record the flipped moves.
        """
        drawn = self.drawn_length()
        n = self._capped(drawn)
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
            cap=None if self.prob_end is None or self.turns is None else int(self.turns),
            drawn=drawn,
        )
