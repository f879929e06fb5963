"""The end of the classic dilemma: the room's move sequences against the strategy library.

Each participant's sequence (the moves chosen on their seat, before noise; rounds the bot
played for them included, and marked) becomes a fixed player, `FixedSequence`, that replays it
whatever the opponent does. A round robin (`game.Tournament`) of those players and the library
strategies, with the room's length, noise and payoffs, gives two things at once:

* the *what-if*: how your sequence fares against tft, all-d, ... (your row of the tournament);
* the *room tournament*: everyone's sequence ranked among the library strategies.

Noise and the stochastic strategies (random, gtft, joss) make those numbers random, so the
tournament is replayed ``replays`` times with independent random streams, and every number
shown comes with its spread (lowest to highest over the replays), never one draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from linkages_sim.game.players import Player, parse_players
from linkages_sim.game.strategies import STRATEGIES, C, History, Strategy
from linkages_sim.game.tournament import Tournament
from linkages_sim.rng import MAX_SEED, Purpose, Streams
from linkages_sim.workshop.classic import ClassicSettings

DEFAULT_REPLAYS = 20
MAX_TURNS_PLAYED = 400_000
"""Budget of turns for the reveal's tournament: fewer replays (never under 5) past it."""
MIN_REPLAYS = 5
REVEAL_KEY = 7
"""Spawn-key integer that separates the reveal's seed from the live session's streams."""


class FixedSequence(Strategy):
    """Replays a given sequence of moves, whatever the opponent does (then its last move)."""

    name = "sequence"
    description = "Plays a fixed sequence of moves."
    classifier: ClassVar[dict[str, object]] = {"memory_depth": 0, "stochastic": False}

    def __init__(self, moves: str) -> None:
        """Replay ``moves``, a string of C and D."""
        if not moves or set(moves) - {"C", "D"}:
            raise ValueError("a fixed sequence needs at least one move, each C or D")
        self.moves = moves

    def play(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The next move of the sequence, whatever the histories."""
        k = len(own)
        return self.moves[k] if k < len(self.moves) else self.moves[-1]

    def move(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The move after the first (as `play`)."""
        return self.play(own, opponent, rng)

    def __repr__(self) -> str:
        """The sequence, for tables and debugging."""
        return f"FixedSequence({self.moves!r})"


@dataclass(frozen=True)
class Entry:
    """One participant's sequence: id, display name, moves chosen, and which the bot chose."""

    participant: int
    name: str
    moves: str
    by_bot: tuple[bool, ...]
    actual_score: float


def spread(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Mean, lowest and highest of some values (the spread shown beside a mean)."""
    a = np.asarray(values, dtype=float)
    return {"mean": float(a.mean()), "low": float(a.min()), "high": float(a.max())}


def reveal_seed(seed: int, match_index: int) -> int:
    """The reveal's seed, derived from the session's seed and the match.

    It keeps the replays' draws apart from the streams the live match drew from.
    """
    return int(Streams(seed).generator(Purpose.SAMPLE, REVEAL_KEY, match_index).integers(MAX_SEED))


def replays_for(players: int, turns: int, wanted: int) -> int:
    """As many replays as wanted while the tournament stays within the turn budget."""
    per_replay = players * (players - 1) // 2 * turns
    affordable = MAX_TURNS_PLAYED // max(per_replay, 1)
    return max(1, min(wanted, max(MIN_REPLAYS, affordable)))


def room_reveal(
    entries: Sequence[Entry],
    settings: ClassicSettings,
    seed: int,
    match_index: int = 0,
    replays: int = DEFAULT_REPLAYS,
    strategies: Sequence[str] | None = None,
) -> dict:
    """The what-if tables, the room tournament and the lesson, as one JSON-ready record."""
    if not entries:
        raise ValueError("no one played: nothing to reveal")
    turns = len(entries[0].moves)
    if any(len(e.moves) != turns for e in entries):
        raise ValueError("every sequence must have the match's length")
    library = parse_players(list(strategies) if strategies is not None else list(STRATEGIES))
    people = [Player(f"p{e.participant}", FixedSequence(e.moves)) for e in entries]
    players = people + library
    random = settings.noise > 0 or any(p.stochastic for p in players)
    reps = replays_for(len(players), turns, replays) if random else 1
    result = Tournament(
        players,
        turns=turns,
        repetitions=reps,
        noise=settings.noise,
        game=settings.game,
        seed=reveal_seed(seed, match_index),
        self_play=False,
        workers=1,
    ).play()

    names = {f"p{e.participant}": e.name for e in entries}
    labels = result.labels
    per_rep = result.normalised_scores  # player x repetition: mean score per round
    ranks = per_rep.rank(ascending=False, method="min")
    matches = result.matches
    coop = {e.participant: e.moves.count(C) / turns for e in entries}
    bot_rounds = {e.participant: sum(e.by_bot) for e in entries}

    table = []
    for label in labels:
        person = label in names
        row = {
            "label": label,
            "name": names.get(label, label),
            "kind": "participant" if person else "strategy",
            "score_per_round": spread(per_rep.loc[label]),
            "rank": {
                "median": float(np.median(ranks.loc[label])),
                "best": int(ranks.loc[label].min()),
                "worst": int(ranks.loc[label].max()),
            },
        }
        if person:
            row["participant"] = int(label[1:])
            row["cooperation"] = coop[int(label[1:])]
            row["bot_rounds"] = bot_rounds[int(label[1:])]
        table.append(row)
    table.sort(key=lambda r: (-r["score_per_round"]["mean"], r["rank"]["median"], r["name"]))

    what_if = []
    for e in entries:
        mine = matches[(matches["player"] == f"p{e.participant}")]
        rows = []
        for strategy in library:
            m = mine[mine["opponent"] == strategy.label]
            rows.append(
                {
                    "strategy": strategy.label,
                    "score": spread(m["score"]),
                    "opponent_score": spread(m["opponent_score"]),
                }
            )
        rows.sort(key=lambda r: (-r["score"]["mean"], r["strategy"]))
        what_if.append(
            {
                "participant": e.participant,
                "name": e.name,
                "moves": e.moves,
                "by_bot": list(e.by_bot),
                "actual_score": e.actual_score,
                "cooperation": coop[e.participant],
                "rows": rows,
            }
        )

    record = {
        "turns": turns,
        "replays": reps,
        "random": random,
        "noise": settings.noise,
        "payoffs": settings.game.as_dict(),
        "strategies": [p.label for p in library],
        "tournament": table,
        "what_if": what_if,
    }
    chose = {e.participant for e in entries if not all(e.by_bot)}
    record["lesson"] = lesson(record, per_rep, {p: c for p, c in coop.items() if p in chose})
    return record


def _span(s: dict[str, float], reps: int, unit: str = "") -> str:
    if reps == 1:
        return f"{s['mean']:.2f}{unit} (no randomness: the same in every replay)"
    return f"{s['mean']:.2f}{unit} (from {s['low']:.2f} to {s['high']:.2f} over {reps} replays)"


def _ranked(rank: dict, reps: int) -> str:
    if rank["best"] == rank["worst"]:
        return f"ranked {rank['best']} in every replay" if reps > 1 else f"ranked {rank['best']}"
    return f"ranked {rank['best']} to {rank['worst']} over {reps} replays"


def lesson(record: dict, per_rep, coop: dict[int, float]) -> list[str]:
    """A few sentences for the projector; every number that depends on chance has its spread.

    ``coop`` holds the cooperation of the sequences someone chose at least once: a seat the
    bot played throughout is the bot's sequence, not a person's, and draws no lesson.
    """
    reps = record["replays"]
    table = record["tournament"]
    paragraphs = [
        "Each sequence here is fixed: it plays the moves you chose whatever the other side "
        "does. So this shows what your pattern of moves earns against strategies it was "
        "never aimed at, not how you would have played against them."
    ]
    top = table[0]
    paragraphs.append(
        f"Top of the room tournament: {top['name']}, {_span(top['score_per_round'], reps)} "
        f"points per round, {_ranked(top['rank'], reps)}."
    )
    people = [r for r in table if r.get("participant") in coop]
    if not people:
        paragraphs.append("No one chose a move in this match: the bot played every seat.")
        return paragraphs
    best_person = people[0]
    paragraphs.append(
        f"Best sequence from the room: {best_person['name']}, {_ranked(best_person['rank'], reps)}"
        f" among {len(table)} players, cooperating in {best_person['cooperation']:.0%} of the "
        "rounds."
    )
    nice = [f"p{p}" for p, share in coop.items() if share >= 0.5]
    nasty = [f"p{p}" for p, share in coop.items() if share < 0.5]
    if nice and nasty:
        gap = spread(per_rep.loc[nice].mean(axis=0) - per_rep.loc[nasty].mean(axis=0))
        groups = (
            f"Sequences that cooperated in at least half of the rounds ({len(nice)}) "
            f"against the others ({len(nasty)}):"
        )
        if gap["low"] > 0 or gap["high"] < 0:
            word = "more" if gap["low"] > 0 else "less"
            size = {k: abs(v) for k, v in gap.items()}
            if word == "less":
                size["low"], size["high"] = size["high"], size["low"]
            paragraphs.append(
                f"{groups} the cooperators earned {word} per round, by {_span(size, reps)} points."
            )
        else:
            paragraphs.append(
                f"{groups} neither group earned consistently more; the difference per round ran "
                f"from {gap['low']:.2f} to {gap['high']:.2f} over {reps} replays."
            )
    else:
        side = "at least half" if nice else "fewer than half"
        paragraphs.append(f"Every sequence in the room cooperated in {side} of the rounds.")
    paragraphs.append(
        "In Axelrod's tournaments the strategies that did well were nice (never the first to "
        "defect), retaliated when defected against, forgave, and were easy to read. A fixed "
        "sequence can be nice, but it can neither retaliate nor forgive."
    )
    return paragraphs
