"""The channel game's debrief: what the room played, against what it could have played.

The same market, with the same random numbers, replayed with other moves: the game's market
is rebuilt exactly as the game built it (`ChannelGame.start`: ``MarketModel(scenario,
seed=...)`` for the session's first game, the drawn-afresh seed of a later one) and its
rounds played again through the game's own `ChannelGame.play_round`. Two comparisons:

* **per seat**: for each seat and each alternative of `ALTERNATIVES` (tit-for-tat, always
  keep, always cut), the seat plays that strategy at every review of the game (tit-for-tat
  reads the partner's *observed* record, misreadings included, as the bots do) and everything
  else is as in the game. "Had your seat played tit-for-tat, your firm's profit would have
  been ...";
* **room-wide**: every seat always keeps, and every seat always cuts, against the game as
  played: customers churned, silently churned, their satisfaction, each brand's equity, the
  channel's profit and the contracts still active.

**How the other seats respond.** People's moves are held fixed, bots react. A round in which a
team chose its move replays that move as it was, lever by lever (the levers it cut): people
cannot react to a history that did not happen. A round the bot played (no one there, no one in
time) is played by the bot again, reading the replayed record, so it reacts to the replaced
seat as it would have in the room. A recorded move for a review the replay does not hold (the
replayed contract broke earlier) is not used; a review the game never held (its contract broke
in the game, not in the replay) has no recorded move, so the bot plays it, as the game does for
a team that does not move. With no one replaced, the replay is the game itself, bit for bit (a
test checks it).

Per seat: ``moves``, the moves played (K keep, X cut, - not reviewed; X whenever any lever was
cut, as the partner's strategy reads it) and ``cuts``, per round the levers cut; ``profit``,
the seat's firm's (the game shows each seat its firm's figures) summed over the game's periods;
``trust`` and ``partner_trust``, the contract's ``<side>_trust`` of the seat and of its
partner, and ``relationship_active``, all in the game's last period; ``breaks``, how often the
contract broke (`Relationship.breaks`). Room-wide, the market's own metrics (docs/metrics.md):
``churned`` and ``churned_silent`` summed over the game's periods (simulated customers),
``satisfaction`` (market) and ``brand_equity`` (each supplier) in the last period, ``profit``
of every supplier and distributor summed, and ``relationship_active`` of every contract in the
last period.

Each replay is one market run of the game's rounds: the market is built once and copied per
replay (building it is most of a short replay's cost), 3 x seats + 3 replays in all. Pure
computation: no time, sockets or pages.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from linkages_sim.config.schema import Scenario
from linkages_sim.market.relationships import contract_strategy
from linkages_sim.workshop.channel import ChannelGame, ChannelSettings, Cuts, ordered

ACTUAL = "actual"
ALTERNATIVES = {"tft": "tit-for-tat", "all-c": "always keep", "all-d": "always cut"}
"""The strategies each seat is replayed with, by library name, and what the pages call them."""
EXTREMES = {ACTUAL: "as played", "all-c": "everyone always keeps",
            "all-d": "everyone always cuts"}  # fmt: skip
"""The room-wide replays: the game as played and every seat playing one strategy."""
SEAT_METRICS = ("profit", "trust", "partner_trust", "relationship_active", "breaks")
ROOM_METRICS = ("churned", "churned_silent", "satisfaction", "profit", "relationship_active")
LETTERS = {"C": "K", "D": "X", None: "-"}


@dataclass(frozen=True)
class GamePlan:
    """What a replay needs of a channel game, copied off it (a worker thread reads only this).

    ``chosen[seat][round]`` is the team's own choice in that round, the levers it cut (empty:
    it kept all), None where it gave none.
    """

    scenario: Scenario
    settings: ChannelSettings
    seed: int
    index: int
    rounds: int
    chosen: tuple[tuple[Cuts | None, ...], ...]

    @classmethod
    def of(cls, game: ChannelGame) -> GamePlan:
        """The plan of ``game``'s rounds played so far."""
        return cls(game.scenario, game.settings, game.seed, game.index, game.played,
                   tuple(tuple(s.chosen[: game.played]) for s in game.seats))  # fmt: skip


def fresh_game(plan: GamePlan) -> ChannelGame:
    """The game's market as the game built it, before its first round."""
    game = ChannelGame(plan.scenario, plan.settings, plan.seed, plan.index)
    game.start()
    return game


def replay(
    plan: GamePlan, strategies: Mapping[int, str] | None = None,
    start: ChannelGame | None = None,
) -> ChannelGame:  # fmt: skip
    """The game played again; seat ``i`` of ``strategies`` plays that strategy at every review.

    Every other seat plays its team's recorded choice (its levers) where the team chose one,
    else its bot.
    ``start`` is a `fresh_game` to copy (building the market is most of a short replay's
    cost); it is left untouched.
    """
    strategies = dict(strategies or {})
    if start is not None and start.played:
        raise ValueError("a replay starts from a game before its first round")
    game = copy.deepcopy(start) if start is not None else fresh_game(plan)
    for i, spec in strategies.items():
        seat = game.seats[i]
        r = game.relationship(seat)
        getattr(r, f"{seat.side}_strategy").fallback = contract_strategy(spec, r.spec.trust)
    for k in range(plan.rounds):
        game.play_round([None if i in strategies else plan.chosen[i][k]
                         for i in range(len(game.seats))])  # fmt: skip
    return game


def counterfactuals(plan: GamePlan) -> dict:
    """The debrief's record: each seat against `ALTERNATIVES`, the room against `EXTREMES`.

    ``seats``: per seat, an outcome per key of ``actual`` and the alternatives (profit and its
    difference from the actual, own and partner's moves, `SEAT_METRICS`); ``room``: per
    replay of `EXTREMES`, the market's `ROOM_METRICS`, each brand's equity, and their
    differences from the actual. ``match_index`` is the game's `Room.match_index`.
    """
    if plan.rounds < 1:
        raise ValueError("no round has been played: there is nothing to replay")
    start = fresh_game(plan)
    actual = replay(plan, start=start)
    everyone = {}
    for key in EXTREMES:
        if key != ACTUAL:
            every_seat = dict.fromkeys(range(len(start.seats)), key)
            everyone[key] = _room_outcome(replay(plan, every_seat, start))
    seats = []
    for i, seat in enumerate(actual.seats):
        row = {
            "seat": seat.key, "contract": plan.scenario.contracts[seat.contract].key,
            "side": seat.side, "firm": seat.firm, "partner_firm": seat.partner_firm,
            "team_rounds": sum(m is not None for m in plan.chosen[i]),
            ACTUAL: _seat_outcome(actual, i),
        }  # fmt: skip
        for key in ALTERNATIVES:
            row[key] = _seat_outcome(replay(plan, {i: key}, start), i)
        for key in (ACTUAL, *ALTERNATIVES):
            row[key]["difference"] = row[key]["profit"] - row[ACTUAL]["profit"]
        seats.append(row)
    room = [{"replay": ACTUAL, "label": EXTREMES[ACTUAL], **_room_outcome(actual)}]
    room += [{"replay": key, "label": EXTREMES[key], **outcome}
             for key, outcome in everyone.items()]  # fmt: skip
    for row in room:
        row["difference"] = {m: _minus(row[m], room[0][m]) for m in ROOM_METRICS}
        row["brand_difference"] = {b: _minus(v, room[0]["brand_equity"][b])
                                   for b, v in row["brand_equity"].items()}  # fmt: skip
    return {
        "match_index": plan.index, "rounds": plan.rounds, "seed": plan.seed,
        "customers": plan.settings.customers, "bot": plan.settings.bot,
        "periods": start.periods[plan.rounds],
        "alternatives": [{"key": k, "label": v} for k, v in ALTERNATIVES.items()],
        "seats": seats, "room": room,
    }  # fmt: skip


def _seat_outcome(game: ChannelGame, i: int) -> dict:
    seat = game.seats[i]
    key = game.scenario.contracts[seat.contract].key
    partner = game.by_key[f"{key}:{seat.partner_side}"]
    ts = game.timeseries()
    end = ts[(ts["period"] == ts["period"].max()) & (ts["level"] == "contract")
             & (ts["id"] == key)].set_index("metric")["value"]  # fmt: skip
    return {
        "profit": float(sum(r["profit"] for r in seat.results)),
        "moves": "".join(LETTERS[a] for a in seat.actions),
        "cuts": [ordered(c, seat.side) for c in seat.cuts],
        "partner_moves": "".join(LETTERS[a] for a in partner.actions),
        "trust": float(end[f"{seat.side}_trust"]),
        "partner_trust": float(end[f"{seat.partner_side}_trust"]),
        "relationship_active": bool(end["relationship_active"]),
        "breaks": len(game.relationship(seat).breaks),
    }


def _room_outcome(game: ChannelGame) -> dict:
    ts = game.timeseries()
    last = ts["period"] == ts["period"].max()

    def values(levels: tuple[str, ...], metric: str, at_end: bool = False) -> pd.DataFrame:
        mask = ts["level"].isin(levels) & (ts["metric"] == metric)
        return ts.loc[mask & last if at_end else mask]

    brands = values(("supplier",), "brand_equity", at_end=True)
    return {
        "churned": float(values(("market",), "churned")["value"].sum()),
        "churned_silent": float(values(("market",), "churned_silent")["value"].sum()),
        "satisfaction": _number(values(("market",), "satisfaction", at_end=True)["value"].iloc[0]),
        "profit": float(values(("supplier", "distributor"), "profit")["value"].sum()),
        "relationship_active": float(
            values(("contract",), "relationship_active", at_end=True)["value"].sum()
        ),
        "brand_equity": dict(
            zip(brands["id"].astype(str), brands["value"].astype(float), strict=True)
        ),
    }


def _number(x: float) -> float | None:
    return None if math.isnan(float(x)) else float(x)


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


__all__ = [
    "ACTUAL",
    "ALTERNATIVES",
    "EXTREMES",
    "GamePlan",
    "counterfactuals",
    "fresh_game",
    "replay",
]
