"""A participant against the computer: the game logic of `linkages play`, free of terminal I/O.

The session replays exactly what `Match` would do with the participant as player A: the same
noise stream and the same opponent stream. So the closing "what would each strategy have
scored" table meets the opponent under common random numbers, and is a fair comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkages_sim.game.match import Match, check_match_settings
from linkages_sim.game.players import Player, parse_player
from linkages_sim.game.stage import Game
from linkages_sim.game.strategies import STRATEGIES, C, D, flip
from linkages_sim.rng import Purpose, Streams, fresh_seed

WORDS = {"c": C, "cooperate": C, "d": D, "defect": D}


def parse_moves(text: str) -> list[str]:
    """Parse moves as people type them.

    ``C``/``D`` in any case, ``cooperate``/``defect``, runs such as ``CCDC``, separated by spaces,
    commas or new lines.
    """
    moves: list[str] = []
    for k, token in enumerate(re.split(r"[\s,;]+", text.strip()), 1):
        if not token:
            continue
        word = token.lower()
        if word in WORDS:
            moves.append(WORDS[word])
        elif re.fullmatch(r"[cd]+", word):
            moves.extend(WORDS[ch] for ch in word)
        else:
            raise ValueError(f"move {k}: '{token}' is not a move; type C (cooperate) or D (defect)")
    return moves


def pick_hidden_opponent(seed: int) -> str:
    """A strategy drawn from the library, reproducible from the seed."""
    names = list(STRATEGIES)
    return names[int(Streams(seed).generator(Purpose.HIDDEN_OPPONENT).integers(len(names)))]


@dataclass(frozen=True)
class Round:
    """One round as the participant sees it: both moves as played, payoffs and running totals."""

    number: int
    you: str
    opponent: str
    your_payoff: float
    opponent_payoff: float
    your_total: float
    opponent_total: float
    flipped: bool
    """Noise changed at least one of the two moves this round."""


@dataclass
class PlaySession:
    """One game of `turns` rounds against `opponent` (a spec such as ``tft``, or ``hidden``)."""

    opponent: str = "hidden"
    turns: int = 10
    noise: float = 0.0
    game: Game = field(default_factory=Game)
    seed: int | None = None

    def __post_init__(self) -> None:
        """Check the settings, pick the opponent (from the seed if hidden), draw the noise flips."""
        check_match_settings(self.turns, None, self.noise)
        if self.seed is None:
            self.seed = fresh_seed()
        self.hidden = self.opponent == "hidden"
        spec = pick_hidden_opponent(self.seed) if self.hidden else self.opponent
        # seated for the payoffs, as a Match seats it (gtft's generosity follows them)
        self.player: Player = parse_player(spec).for_payoffs(self.game.values)
        streams = Streams(self.seed)
        self._rng = streams.generator(Purpose.PLAYER_B)
        self._flips = (
            streams.generator(Purpose.MATCH_NOISE).random((self.turns, 2)) < self.noise
            if self.noise > 0
            else np.zeros((self.turns, 2), dtype=bool)
        )
        self.yours: list[str] = []
        self.theirs: list[str] = []
        self.rounds: list[Round] = []

    @property
    def done(self) -> bool:
        """Whether every round has been played."""
        return len(self.rounds) >= self.turns

    @property
    def opponent_label(self) -> str:
        """The opponent's label, kept "hidden" until the game is over."""
        return "hidden" if self.hidden and not self.done else self.player.label

    def respond(self, move: str) -> Round:
        """Play one round with the participant's intended move (C or D)."""
        if self.done:
            raise ValueError(f"the game is over after {self.turns} rounds")
        if move not in (C, D):
            raise ValueError(f"'{move}' is not a move; use C or D")
        t = len(self.rounds)
        theirs = self.player.strategy.play(self.theirs, self.yours, self._rng)
        mine = flip(move) if self._flips[t, 0] else move
        theirs = flip(theirs) if self._flips[t, 1] else theirs
        self.yours.append(mine)
        self.theirs.append(theirs)
        pay_you, pay_them = self.game.scores(mine, theirs)
        previous = self.rounds[-1] if self.rounds else None
        r = Round(
            number=t + 1,
            you=mine,
            opponent=theirs,
            your_payoff=pay_you,
            opponent_payoff=pay_them,
            your_total=(previous.your_total if previous else 0.0) + pay_you,
            opponent_total=(previous.opponent_total if previous else 0.0) + pay_them,
            flipped=bool(self._flips[t].any()),
        )
        self.rounds.append(r)
        return r

    def what_if(self) -> pd.DataFrame:
        """Every library strategy against the same opponent, same rounds, noise and seed.

        With the participant's own row, best first.
        """
        rows = (
            [
                {
                    "strategy": "you",
                    "score": self.rounds[-1].your_total,
                    "opponent_score": self.rounds[-1].opponent_total,
                }
            ]
            if self.rounds
            else []
        )
        for name in STRATEGIES:
            m = Match(
                name,
                self.player,
                turns=self.turns,
                noise=self.noise,
                game=self.game,
                seed=self.seed,
            ).play()
            rows.append({"strategy": name, "score": m.score_a, "opponent_score": m.score_b})
        table = pd.DataFrame(rows).sort_values(["score", "strategy"], ascending=[False, True])
        return table.reset_index(drop=True)
