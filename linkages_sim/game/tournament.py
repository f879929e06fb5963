"""Round-robin tournaments with repetitions, in the manner of Axelrod (1980) and Axelrod-Python.

Every pair of players meets once per repetition (each player also meets a copy of itself when
``self_play`` is on, as in Axelrod's original tournaments). A player's score in a repetition is
its mean per-turn score over its matches (its *normalised* score); the ranking is by the mean of
that over repetitions. Axelrod-Python plays the self-interaction but leaves it out of the score;
``self_play=False`` gives that convention's ranking.

Each match draws from streams keyed by (seed, repetition, player, opponent), so a tournament is
the same for any number of worker processes and any order of play.

Match lengths follow `Match`'s rule (Axelrod-Python's): 200 fixed turns by default; with
``prob_end`` a geometric length with no cap unless ``turns`` is given too, in which case the
result counts the matches the cap cut (`TournamentResult.matches_cut`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np
import pandas as pd

from linkages_sim.game.match import (
    Match,
    as_player,
    check_match_settings,
    cut_probability,
    expected_length,
    resolve_turns,
)
from linkages_sim.game.players import Player, parse_players
from linkages_sim.game.stage import Game
from linkages_sim.game.strategies import Strategy
from linkages_sim.rng import fresh_seed
from linkages_sim.stats import json_number

PARALLEL_FROM_TURNS = 400_000
"""Below this many turns in total, starting worker processes costs more than it saves."""

MATCH_COLUMNS = (
    "repetition",
    "player",
    "opponent",
    "turns",
    "score",
    "opponent_score",
    "cooperation",
    "win",
    "cut",
)


@dataclass(frozen=True)
class _PairJob:
    """All repetitions of one pairing: the unit of work sent to a process."""

    i: int
    j: int
    a: Player
    b: Player
    repetitions: int
    turns: int | None
    prob_end: float | None
    noise: float
    game: Game
    seed: int


def _play_pair(job: _PairJob) -> list[tuple]:
    """Play one pairing for every repetition; rows from both players' points of view."""
    rows = []
    for rep in range(job.repetitions):
        m = Match(
            job.a,
            job.b,
            turns=job.turns,
            prob_end=job.prob_end,
            noise=job.noise,
            game=job.game,
            seed=job.seed,
            key=(rep, job.i, job.j),
        ).play()
        (sa, sb), (ca, cb), n = m.scores, m.cooperation, m.turns
        rows.append((rep, job.i, job.j, n, sa, sb, ca, sa > sb, m.cut))
        if job.i != job.j:
            rows.append((rep, job.j, job.i, n, sb, sa, cb, sb > sa, m.cut))
    return rows


@dataclass
class Tournament:
    """A round robin: players, match settings, repetitions and a seed.

    ``turns`` None: 200 fixed turns, or with ``prob_end`` a geometric length with no cap (as
    `Match`). ``workers`` is the number of processes: None picks 1 for small tournaments and
    every core for big ones; results never depend on it.
    """

    players: Sequence[Player | Strategy | str] | str
    turns: int | None = None
    repetitions: int = 10
    prob_end: float | None = None
    noise: float = 0.0
    game: Game = field(default_factory=Game)
    seed: int | None = None
    self_play: bool = True
    workers: int | None = None

    def __post_init__(self) -> None:
        """Check the settings, turn specs into uniquely labelled players, draw a missing seed.

        Each player is seated for the tournament's payoffs (`Player.for_payoffs`), so the
        players listed are the strategies as they play (gtft's generosity for this game).
        """
        self.turns = resolve_turns(self.turns, self.prob_end)
        check_match_settings(self.turns, self.prob_end, self.noise)
        if self.repetitions < 1:
            raise ValueError(f"repetitions must be >= 1, got {self.repetitions}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        raw = parse_players(self.players) if isinstance(self.players, str) else self.players
        self.players = [as_player(p).for_payoffs(self.game.values) for p in raw]
        labels = [p.label for p in self.players]
        if len(set(labels)) != len(labels):
            raise ValueError(f"player labels must be unique, got {labels}")
        if len(self.players) < 2:
            raise ValueError("a tournament needs at least two strategies")
        if self.seed is None:
            self.seed = fresh_seed()

    def jobs(self) -> list[_PairJob]:
        """One job per pairing of players (with each player against itself when `self_play`)."""
        n = len(self.players)
        return [
            _PairJob(
                i,
                j,
                self.players[i],
                self.players[j],
                self.repetitions,
                self.turns,
                self.prob_end,
                self.noise,
                self.game,
                int(self.seed),
            )
            for i in range(n)
            for j in range(i if self.self_play else i + 1, n)
        ]

    def expected_turns(self) -> float:
        """The expected number of turns over every pairing and repetition (sets the workers)."""
        return len(self.jobs()) * self.repetitions * expected_length(self.turns, self.prob_end)

    @property
    def turn_cap(self) -> int | None:
        """The cap on a random length: ``turns`` when given with ``prob_end``; else None."""
        return None if self.prob_end is None else self.turns

    @property
    def cut_probability(self) -> float:
        """The probability that the cap cuts any one match, (1 - prob_end)^turns (0: no cap)."""
        return cut_probability(self.turn_cap, self.prob_end)

    def worker_count(self) -> int:
        """`workers` if given; else 1 below `PARALLEL_FROM_TURNS` expected turns, else one per core.

        Never more than one worker per pairing.
        """
        if self.workers is not None:
            return self.workers
        if self.expected_turns() < PARALLEL_FROM_TURNS:
            return 1
        return max(1, min(os.cpu_count() or 1, len(self.jobs())))

    def play(self, progress: Callable[[int, int], None] | None = None) -> TournamentResult:
        """Play every match; ``progress(done, total)`` is called after each pairing."""
        jobs = self.jobs()
        workers = self.worker_count()
        rows: list[tuple] = []
        if workers == 1:
            for k, job in enumerate(jobs, 1):
                rows.extend(_play_pair(job))
                if progress:
                    progress(k, len(jobs))
        else:
            # spawn, not fork: the parent may hold numba's worker threads.
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                for k, chunk in enumerate(pool.map(_play_pair, jobs), 1):
                    rows.extend(chunk)
                    if progress:
                        progress(k, len(jobs))
        matches = pd.DataFrame(rows, columns=list(MATCH_COLUMNS))
        matches = matches.sort_values(["repetition", "player", "opponent"], ignore_index=True)
        return TournamentResult(self, matches)


class TournamentResult:
    """What a tournament produced, as tidy tables and the summaries a facilitator shows."""

    def __init__(self, tournament: Tournament, matches: pd.DataFrame) -> None:
        """Keep the tournament and label its match rows with player names and per-turn scores."""
        self.tournament = tournament
        self.labels: list[str] = [p.label for p in tournament.players]
        m = matches.assign(
            player=pd.Categorical.from_codes(matches["player"], self.labels),
            opponent=pd.Categorical.from_codes(matches["opponent"], self.labels),
            score_per_turn=matches["score"] / matches["turns"],
        )
        self.matches = m
        """One row per match and point of view: repetition, player, opponent, turns, score,
        opponent_score, cooperation, win, score_per_turn. A self-play match is one row."""

    @property
    def played(self) -> pd.DataFrame:
        """One row per match played: a match between two players is two rows of `matches`."""
        m = self.matches
        return m[m["player"].cat.codes <= m["opponent"].cat.codes]

    @property
    def match_count(self) -> int:
        """The number of matches played."""
        return len(self.played)

    @property
    def mean_turns(self) -> float:
        """The mean length of the matches played."""
        return float(self.played["turns"].mean())

    @property
    def matches_cut(self) -> int:
        """How many matches the turn cap ended before their drawn length (0 without a cap)."""
        return int(self.played["cut"].sum())

    @property
    def normalised_scores(self) -> pd.DataFrame:
        """Per player and repetition: the mean per-turn score over its matches.

        Wide: one column per repetition.
        """
        return (
            self.matches.groupby(["player", "repetition"], observed=True)["score_per_turn"]
            .mean()
            .unstack("repetition")
            .reindex(self.labels)
        )

    @property
    def pairwise(self) -> pd.DataFrame:
        """``pairwise.loc[A, B]``: A's score per turn against B over all repetitions.

        A ratio of sums (total score / total turns), so with random lengths it estimates the
        expected payoff per expected turn, the quantity the folk theorem compares: all-d then
        invades grim exactly when w < (T - R) / (T - P). With fixed lengths it is the mean of
        the per-match scores per turn.
        """
        totals = self.matches.groupby(["player", "opponent"], observed=False)[["score", "turns"]]
        sums = totals.sum()
        table = (sums["score"] / sums["turns"].where(sums["turns"] > 0)).unstack("opponent")
        return table.reindex(index=self.labels, columns=self.labels).astype(float)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per player, best first.

        Rank, mean/median/min/max normalised score, wins per repetition, cooperation rate.
        """
        scores = self.normalised_scores
        others = self.matches[self.matches["player"] != self.matches["opponent"]]
        wins = others.groupby("player", observed=False)["win"].sum() / self.tournament.repetitions
        coop = self.matches.groupby("player", observed=False).apply(
            lambda g: float(np.average(g["cooperation"], weights=g["turns"])),
            include_groups=False,
        )
        table = pd.DataFrame(
            {
                "strategy": self.labels,
                "mean_score_per_turn": scores.mean(axis=1).to_numpy(),
                "median_score_per_turn": scores.median(axis=1).to_numpy(),
                "min_score_per_turn": scores.min(axis=1).to_numpy(),
                "max_score_per_turn": scores.max(axis=1).to_numpy(),
                "wins_per_repetition": wins.reindex(self.labels).to_numpy(),
                "cooperation_rate": coop.reindex(self.labels).to_numpy(),
            }
        )
        table = table.sort_values(
            ["mean_score_per_turn", "median_score_per_turn", "strategy"],
            ascending=[False, False, True],
            ignore_index=True,
        )
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        return table

    @property
    def ranking(self) -> list[str]:
        """The players' labels, best first."""
        return list(self.summary["strategy"])

    @property
    def payoff_matrix(self) -> np.ndarray:
        """The pairwise table as an array in player order: what evolution runs on."""
        return self.pairwise.to_numpy(dtype=float)

    def as_dict(self) -> dict:
        """The tournament's settings and per-player results as a JSON-ready record."""
        t = self.tournament
        summary = self.summary.set_index("strategy")
        pairwise = self.pairwise
        return {
            "strategies": self.labels,
            "turns": t.turns,
            "prob_end": t.prob_end,
            "repetitions": t.repetitions,
            "noise": t.noise,
            "seed": t.seed,
            "self_play": t.self_play,
            "payoffs": t.game.as_dict(),
            "mean_turns": self.mean_turns,
            "turn_cap": t.turn_cap,
            "matches": self.match_count,
            "matches_cut_by_cap": self.matches_cut,
            "strategy_settings": {p.label: repr(p.strategy) for p in t.players},
            "mean_score_per_turn": {
                s: float(summary.loc[s, "mean_score_per_turn"]) for s in self.labels
            },
            "median_score_per_turn": {
                s: float(summary.loc[s, "median_score_per_turn"]) for s in self.labels
            },
            "wins_per_repetition": {
                s: float(summary.loc[s, "wins_per_repetition"]) for s in self.labels
            },
            "pairwise_score_per_turn": {
                a: {b: json_number(pairwise.loc[a, b]) for b in self.labels} for a in self.labels
            },
            "ranking": self.ranking,
        }
