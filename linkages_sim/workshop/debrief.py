"""What a session leaves behind: its moves and rounds as tables, its event log, a debrief.

Everything is computed from a room (live, or `Room.replay` of its stored log) and the stored
events (for their times), so the server's downloads and ``linkages workshop --export`` give
the same files:

* ``moves.csv`` / ``moves.parquet``: one row per seat per round of every match (each person's
  seat, and the bot's seat beside an odd one out): the move chosen and the move played (noise
  flips it), the opponent's, the payoffs, whether the bot chose;
* ``rounds.csv`` / ``rounds.parquet``: one row per round of every match: cooperation of
  people's own choices and of all moves, mean payoff, bot moves, noise flips;
* ``events.jsonl`` / ``events.csv``: the raw log, one event per line or row, with its time;
* ``channel.csv`` / ``channel.parquet``: the channel game, one row per seat per round: the
  team, its votes (whole and per lever), the move played (keep, or cut when any lever was cut),
  the levers it cut and the team's own choice, whether the bot chose it, the firm's KPIs over
  the round, its trust in the partner and how many of the partner's clauses it read as
  breached;
* ``market.parquet``: the channel game's market, its long time series (`MarketModel.timeseries`:
  period, level, id, metric, value) with the game's number;
* ``counterfactuals.csv`` / ``counterfactuals.parquet``: each ended channel game replayed with
  the same random numbers (`counterfactual.py`), long: per seat, one row per alternative
  (actual, tft, all-c, all-d) and metric (profit, trust, partner_trust, active, breaks); per
  room, one row per replay (actual, everyone all-c, everyone all-d) and market metric
  (churned, churned_silent, satisfaction, profit, relationship_active, brand_equity per
  brand); each with the value as played and the difference, and per seat the levers cut at
  each review;
* ``debrief.md``: scores, cooperation per round and the reveal's table, per match; for the
  channel game its seats with the levers each cut per review, and the counterfactuals per
  seat and room-wide.

The counterfactuals are the room's (computed when the game ended), else computed here: the
seed and the log determine them, so both give the same numbers.

No token ever leaves in an export (join records lose theirs). Names are data: in the report
they are escaped for Markdown, so a name cannot turn into markup or break a table. A name that
starts with ``=`` stays as typed in the CSV; a spreadsheet may read it as a formula.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from linkages_sim.files import atomic_write
from linkages_sim.market.relationships import LEVERS
from linkages_sim.workshop.channel import LEVER_NAMES, ChannelGame, ordered
from linkages_sim.workshop.classic import ClassicMatch
from linkages_sim.workshop.counterfactual import (
    ACTUAL,
    ALTERNATIVES,
    EXTREMES,
    ROOM_METRICS,
    SEAT_METRICS,
    GamePlan,
    counterfactuals,
)
from linkages_sim.workshop.room import PastMatch, Room
from linkages_sim.workshop.store import StoredEvent
from linkages_sim.workshop.views import leaderboard

SECRET_FIELDS = ("token",)
MOVE_COLUMNS = [
    "session", "match", "round", "pair", "side", "participant", "name", "chosen", "move",
    "flipped", "by_bot", "payoff", "score", "opponent_participant", "opponent_name",
    "opponent_move", "opponent_by_bot", "opponent_payoff",
]  # fmt: skip
ROUND_COLUMNS = [
    "session", "match", "round", "seats", "people_moves", "people_cooperation",
    "all_cooperation", "mean_payoff", "bot_moves", "flips",
]  # fmt: skip
CHANNEL_COLUMNS = [
    "session", "match", "round", "period_from", "period_to", "seat", "contract", "side", "firm",
    "team", "members", "votes_keep", "votes_cut", "lever_votes", "action", "cuts", "chosen",
    "by_bot", "profit", "market_share", "brand_equity", "satisfaction", "penalties_paid", "trust",
    "active", "partner_breaches_read", "observed",
]  # fmt: skip
COUNTERFACTUAL_COLUMNS = [
    "session", "match", "rounds", "scope", "seat", "contract", "side", "firm", "team",
    "alternative", "moves", "cuts", "partner_moves", "metric", "value", "actual", "difference",
]  # fmt: skip
EVENT_COLUMNS = ["session", "seq", "time", "event", "participant", "round", "summary", "record"]
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


def matches(room: Room) -> list[PastMatch]:
    """Every match the session played, oldest first (the current one if it has started)."""
    played = list(room.past)
    if room.match is not None and room.match.started:
        played.append(PastMatch(room.match_index, room.match, room.reveal))
    return played


def classic_matches(room: Room) -> list[PastMatch]:
    """The session's classic matches."""
    return [m for m in matches(room) if isinstance(m.match, ClassicMatch)]


def channel_games(room: Room) -> list[PastMatch]:
    """The session's channel games that started."""
    return [m for m in matches(room) if isinstance(m.match, ChannelGame)]


def _names(room: Room) -> dict[int, str]:
    return {pid: p.name for pid, p in room.participants.items()}


def moves_table(room: Room) -> pd.DataFrame:
    """One row per seat per closed round of every match."""
    names = _names(room)
    rows = []
    for past in classic_matches(room):
        m = past.match
        assert isinstance(m, ClassicMatch)
        for pair in m.pairs:
            for seat in pair.seats:
                other = pair.partner(seat)
                score = 0.0
                for k in range(m.played):
                    score += seat.payoffs[k]
                    rows.append(
                        {
                            "session": room.code,
                            "match": past.index + 1,
                            "round": k + 1,
                            "pair": pair.index + 1,
                            "side": seat.side,
                            "participant": seat.occupant,
                            "name": names.get(seat.occupant),  # type: ignore[arg-type]
                            "chosen": seat.intended[k],
                            "move": seat.moves[k],
                            "flipped": seat.flipped[k],
                            "by_bot": seat.by_bot[k],
                            "payoff": seat.payoffs[k],
                            "score": score,
                            "opponent_participant": other.occupant,
                            "opponent_name": names.get(other.occupant),  # type: ignore[arg-type]
                            "opponent_move": other.moves[k],
                            "opponent_by_bot": other.by_bot[k],
                            "opponent_payoff": other.payoffs[k],
                        }
                    )
    table = pd.DataFrame(rows, columns=MOVE_COLUMNS)
    for column in ("participant", "opponent_participant"):
        table[column] = table[column].astype("Int64")
    for column in ("flipped", "by_bot", "opponent_by_bot"):
        table[column] = table[column].astype(bool)
    table = table.sort_values(["match", "round", "pair", "side"], kind="stable")
    return table.reset_index(drop=True)


def rounds_table(room: Room) -> pd.DataFrame:
    """One row per closed round of every match: the room's cooperation and payoffs."""
    rows = []
    for past in classic_matches(room):
        m = past.match
        assert isinstance(m, ClassicMatch)
        seats = [s for pair in m.pairs for s in pair.seats]
        for row in m.cooperation():
            k = row["round"] - 1
            rows.append(
                {
                    "session": room.code,
                    "match": past.index + 1,
                    "round": row["round"],
                    "seats": len(seats),
                    "people_moves": row["people_n"],
                    "people_cooperation": row["people"],
                    "all_cooperation": row["all"],
                    "mean_payoff": sum(s.payoffs[k] for s in seats) / len(seats),
                    "bot_moves": sum(s.by_bot[k] for s in seats),
                    "flips": sum(s.flipped[k] for s in seats),
                }
            )
    table = pd.DataFrame(rows, columns=ROUND_COLUMNS)
    for column in ("people_cooperation", "all_cooperation", "mean_payoff"):
        table[column] = table[column].astype(float)
    return table


def _levers(cuts: frozenset[str] | None, side: str) -> str | None:
    """Levers as a table cell: ids in the side's order joined by commas ("" none, None none)."""
    shown = ordered(cuts, side)
    return None if shown is None else ",".join(shown)


def cuts_text(cuts: Sequence[Sequence[str] | None], side: str) -> str:
    """The reviews at which a seat cut something and what: "2: quality; 3: all" ("none")."""
    every = set(LEVERS[side])
    parts = [f"{k + 1}: " + ("all" if set(c) == every else ", ".join(LEVER_NAMES[x].lower()
                                                                    for x in c))
             for k, c in enumerate(cuts) if c]  # fmt: skip
    return "; ".join(parts) or "none"


def channel_table(room: Room) -> pd.DataFrame:
    """One row per seat per closed round of every channel game: moves, votes, KPIs, readings.

    The team is the seat's members at the export (names joined with "; "). ``votes_keep``
    counts the votes that kept every lever, ``votes_cut`` those that cut any; ``lever_votes``
    (JSON) how many votes cut each lever. ``cuts``: the levers the move played cut (ids joined
    by commas; empty: none; missing: not reviewed); ``chosen``: the team's own choice, the
    same way (missing: no team choice, the bot's move).
    """
    names = _names(room)
    rows = []
    for past in channel_games(room):
        game = past.match
        assert isinstance(game, ChannelGame)
        for k in range(game.played):
            for seat in game.seats:
                r = seat.results[k]
                votes = list(seat.votes[k].values())
                action = seat.actions[k]
                per_lever = {x: sum(x in v for v in votes) for x in LEVERS[seat.side]}
                rows.append({
                    "session": room.code, "match": past.index + 1, "round": k + 1,
                    "period_from": r["periods"][0], "period_to": r["periods"][1],
                    "seat": seat.key, "contract": game.scenario.contracts[seat.contract].key,
                    "side": seat.side, "firm": seat.firm,
                    "team": "; ".join(names[p] for p in seat.members),
                    "members": len(seat.members), "votes_keep": sum(not v for v in votes),
                    "votes_cut": sum(bool(v) for v in votes), "lever_votes": json.dumps(per_lever),
                    "action": None if action is None else ("keep" if action == "C" else "cut"),
                    "cuts": _levers(seat.cuts[k], seat.side),
                    "chosen": _levers(seat.chosen[k], seat.side),
                    "by_bot": seat.by_bot[k], "profit": r["profit"],
                    "market_share": r["market_share"], "brand_equity": r["brand_equity"],
                    "satisfaction": r["satisfaction"], "penalties_paid": r["penalties_paid"],
                    "trust": r["trust"], "active": r["active"],
                    "partner_breaches_read": sum(not o["met"] for o in r["observed"]),
                    "observed": json.dumps(r["observed"]),
                })  # fmt: skip
    table = pd.DataFrame(rows, columns=CHANNEL_COLUMNS)
    for column in ("profit", "market_share", "brand_equity", "satisfaction", "penalties_paid",
                   "trust"):  # fmt: skip
        table[column] = table[column].astype(float)
    for column in ("by_bot", "active"):
        table[column] = table[column].astype(bool)
    return table


def market_table(room: Room) -> pd.DataFrame:
    """The market's long time series of every channel game, with the game's number."""
    parts = []
    for past in channel_games(room):
        game = past.match
        assert isinstance(game, ChannelGame)
        ts = game.timeseries()
        parts.append(ts.assign(session=room.code, match=past.index + 1))
    columns = ["session", "match", "period", "level", "id", "metric", "value"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object)
                             for c in columns})  # fmt: skip
    return pd.concat(parts, ignore_index=True)[columns]


def channel_counterfactuals(room: Room, game: ChannelGame) -> dict | None:
    """An ended channel game's counterfactuals: the room's, else computed now; None if not ended.

    Computed now they are the same numbers (the seed and the moves determine them), at the
    cost of the replays; `write_exports` computes them once for all its files.
    """
    if not any(g is game for g in room.ended_channel_games()):
        return None
    cached = room.counterfactuals.get(game.index)
    if cached is not None and cached["rounds"] == game.played:
        return cached
    return counterfactuals(GamePlan.of(game))


def _float(x: float | bool | None) -> float | None:
    return None if x is None else float(x)


def counterfactual_table(room: Room) -> pd.DataFrame:
    """Each ended channel game's counterfactuals, long: one row per replay and metric.

    Seat rows: the seat under each alternative (``actual`` is the game as played), its own and
    its partner's moves there (K keep, X cut, - not reviewed) and its levers cut per round
    (``cuts``, JSON: a list per round, null where not reviewed). Room rows: the market under
    each of `EXTREMES`; ``firm`` names the brand of a ``brand_equity`` row.
    """
    names = _names(room)
    rows = []
    for past in channel_games(room):
        game = past.match
        assert isinstance(game, ChannelGame)
        record = channel_counterfactuals(room, game)
        if record is None:
            continue
        base = {"session": room.code, "match": past.index + 1, "rounds": record["rounds"]}
        for seat, row in zip(game.seats, record["seats"], strict=True):
            team = "; ".join(names[p] for p in seat.members)
            for key in (ACTUAL, *ALTERNATIVES):
                out = row[key]
                for metric in SEAT_METRICS:
                    value, actual = _float(out[metric]), _float(row[ACTUAL][metric])
                    rows.append({
                        **base, "scope": "seat", "seat": row["seat"], "contract": row["contract"],
                        "side": row["side"], "firm": row["firm"], "team": team,
                        "alternative": key, "moves": out["moves"],
                        "cuts": json.dumps(out["cuts"]), "partner_moves": out["partner_moves"],
                        "metric": metric, "value": value, "actual": actual,
                        "difference": value - actual,
                    })  # fmt: skip
        for r in record["room"]:
            cells = [(None, m, r[m], record["room"][0][m]) for m in ROOM_METRICS]
            cells += [(brand, "brand_equity", v, record["room"][0]["brand_equity"][brand])
                      for brand, v in r["brand_equity"].items()]  # fmt: skip
            for firm, metric, value, actual in cells:
                rows.append({
                    **base, "scope": "room", "seat": None, "contract": None, "side": None,
                    "firm": firm, "team": None, "alternative": r["replay"], "moves": None,
                    "cuts": None, "partner_moves": None, "metric": metric, "value": value,
                    "actual": actual,
                    "difference": None if value is None or actual is None else value - actual,
                })  # fmt: skip
    table = pd.DataFrame(rows, columns=COUNTERFACTUAL_COLUMNS)
    for column in ("value", "actual", "difference"):
        table[column] = table[column].astype(float)
    for column in ("match", "rounds"):
        table[column] = table[column].astype("int64")
    return table


def public_record(record: dict) -> dict:
    """A log record without its secrets (a join's seat token)."""
    return {k: v for k, v in record.items() if k not in SECRET_FIELDS}


def iso_time(epoch: float) -> str:
    """An event's time in UTC, to the millisecond."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def settings_text(s: dict) -> str:
    """A match's settings in one line."""
    p = s["payoffs"]
    length = (
        f"{s['rounds']} rounds, fixed"
        if s["continuation"] is None
        else f"random length, w = {s['continuation']} (at most {s['rounds']})"
    )
    return (
        f"{length}; noise {s['noise']}; T,R,P,S = {p['T']:g},{p['R']:g},{p['P']:g},{p['S']:g}; "
        f"bot {s['bot']}; {s['round_seconds']} s a round"
    )


def describe(record: dict, names: dict[int, str]) -> str:
    """One event in words, as the replay shows it; a pending move's letter stays hidden."""
    e = record["event"]
    who = names.get(record.get("id", -1), f"participant {record.get('id')}")
    if e == "created":
        return f"session created (seed {record['seed']})"
    if e == "join":
        return f"{record['name']} joined (participant {record['id']})"
    if e == "settings":
        return "settings: " + settings_text(record)
    if e == "open":
        return f"round {record['round']} opened"
    if e == "move":
        return f"{who} moved in round {record['round']}"
    if e == "close":
        return f"round {record['round']} closed: {record['reason']}"
    if e == "pause":
        left = record.get("remaining")
        shown = "" if left is None else f", {left:.0f} s left"
        return f"round paused ({record.get('reason', 'facilitator')}{shown})"
    if e == "resume":
        return "round resumed"
    if e == "end":
        return f"match ended early after {record['round']} rounds"
    if e == "reveal":
        return "reveal started"
    if e == "revealed":
        return "reveal shown"
    if e == "reveal_failed":
        return f"reveal failed: {record['message']}"
    if e == "reset":
        return f"reset: match {record['match'] + 1} in the lobby"
    if e == "activity":
        scenario = record.get("scenario", {}).get("name")
        return f"activity: {record['activity']}" + (f" (scenario {scenario})" if scenario else "")
    if e == "channel_settings":
        return (
            f"channel settings: {record['rounds']} rounds, {record['customers']} customers, "
            f"bot {record['bot']}, {record['rule']} decides, {record['round_seconds']} s"
        )
    if e == "seat":
        return f"{who} took seat {record['seat']}"
    return e


def _names_over_time(events: Sequence[StoredEvent]) -> dict[int, str]:
    return {e.record["id"]: e.record["name"] for e in events if e.record["event"] == "join"}


def events_table(code: str, events: Sequence[StoredEvent]) -> pd.DataFrame:
    """The raw log, one row per event: number, time, kind, who, round, in words, as JSON."""
    names = _names_over_time(events)
    rows = [
        {
            "session": code,
            "seq": e.seq,
            "time": iso_time(e.time),
            "event": e.record["event"],
            "participant": e.record.get("id"),
            "round": e.record.get("round"),
            "summary": describe(e.record, names),
            "record": json.dumps(public_record(e.record)),
        }
        for e in events
    ]
    table = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    for column in ("participant", "round"):
        table[column] = table[column].astype("Int64")
    return table


def events_jsonl(code: str, events: Sequence[StoredEvent]) -> str:
    """The raw log as JSON lines: ``{"session", "seq", "time", "record"}`` per event."""
    return "".join(
        json.dumps(
            {"session": code, "seq": e.seq, "time": iso_time(e.time),
             "record": public_record(e.record)}
        ) + "\n"
        for e in events
    )  # fmt: skip


def md(text: object) -> str:
    """Text as Markdown shows it literally (names cannot become markup or break a table)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _percent(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _spread(s: dict) -> str:
    if abs(s["high"] - s["low"]) < 1e-9:
        return f"{s['mean']:.2f}"
    return f"{s['mean']:.2f} ({s['low']:.2f}–{s['high']:.2f})"


def _channel_section(room: Room, past: PastMatch) -> list[str]:
    game = past.match
    assert isinstance(game, ChannelGame)
    table = channel_table(room)
    table = table[table["match"] == past.index + 1]
    lines = [f"## Match {past.index + 1}: the channel game", "",
             f"Scenario {md(game.scenario.name)}; {game.played} rounds; "
             f"{game.settings.customers} simulated customers; bot {md(game.settings.bot)}; "
             f"the {game.settings.rule} decides.", ""]  # fmt: skip
    rows = []
    for seat in game.seats:
        mine = table[table["seat"] == seat.key]
        moves = "".join("-" if a is None else ("K" if a == "keep" else "X")
                        for a in mine["action"])  # fmt: skip
        team = "; ".join(room.participants[p].name for p in seat.members) or "bot"
        cut = cuts_text([ordered(c, seat.side) for c in seat.cuts[: game.played]], seat.side)
        rows.append([md(seat.key), md(team), moves, md(cut), f"{mine['profit'].sum():,.0f}",
                     f"{mine['trust'].iloc[-1]:.2f}" if len(mine) else "–"])  # fmt: skip
    lines += _table(["Seat", "Team", "Moves (K keep, X cut)", "Levers cut (review: levers)",
                     "Profit", "Trust"], rows)  # fmt: skip
    lines += ["", *_counterfactual_section(room, game)]
    return [*lines, ""]


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _with_difference(value: float | None, difference: float | None, digits: int) -> str:
    """A value and, in brackets, its difference from as played ("same" when none shows)."""
    if value is None:
        return "–"
    shown = f"{value:,.{digits}f}"
    if difference is None:
        return shown
    if abs(difference) < 0.5 * 10**-digits:
        return f"{shown} (same)"
    return f"{shown} ({difference:+,.{digits}f})"


def _counterfactual_section(room: Room, game: ChannelGame) -> list[str]:
    """The channel game's counterfactuals: each seat's alternatives, the room's two extremes."""
    record = channel_counterfactuals(room, game)
    if record is None:
        return ["Counterfactuals: computed when the game ends (or is reset).", ""]
    weeks = record["periods"]
    lines = [
        "### Had each seat played otherwise", "",
        f"The same market with the same random numbers, replayed over the game's "
        f"{record['rounds']} rounds ({weeks} weeks) with one seat playing tit-for-tat (reading "
        "its partner's observed record, as the bots do), always keep or always cut at every "
        "review, everyone else as in the game: a team's recorded move stays as it was (people "
        "cannot react to a history that did not happen), a seat the bot played is played by the "
        "bot again, which reacts. Profit: the seat's firm's over the game (difference from as "
        "played in brackets). Moves: K keep, X cut (any lever: which ones, in the table above), "
        "- not reviewed.", "",
    ]  # fmt: skip
    labels = [a["label"] for a in record["alternatives"]]
    names = _names(room)
    seats = {s.key: s for s in game.seats}
    profit_rows, trust_rows = [], []
    for row in record["seats"]:
        seat = seats[row["seat"]]
        team = "; ".join(names[p] for p in seat.members) or "bot"
        head = [md(row["seat"]), md(team)]
        profit_rows.append([*head, row[ACTUAL]["moves"], _money(row[ACTUAL]["profit"])] + [
            _with_difference(row[k]["profit"], row[k]["difference"], 0) for k in ALTERNATIVES])
        trust_rows.append([*head] + [
            f"{row[k]['partner_trust']:.2f}" + ("" if row[k]["relationship_active"]
                                                else ", broken")
            for k in (ACTUAL, *ALTERNATIVES)])  # fmt: skip
    lines += _table(["Seat", "Team", "Moves", "Profit as played", *labels], profit_rows)
    lines += ["", "The partner's trust in the seat in the game's last week (the contract's "
              "supplier_trust or distributor_trust; broken: the contract had ended):", ""]
    lines += _table(["Seat", "Team", "as played", *labels], trust_rows)
    room_rows = record["room"]
    lines += [
        "",
        "### The room's choices against the two extremes",
        "",
        "The game as played against everyone always keeping and everyone always cutting, same "
        f"market, same random numbers. Customers are the {record['customers']:,} simulated; "
        f"churn is summed over the {weeks} weeks, satisfaction (of active customers) and brand "
        "equity are the last week's.",
        "",
    ]
    metric_rows = [
        ("Customers churned", "churned", 0),
        ("of whom silently (never complained)", "churned_silent", 0),
        ("Customer satisfaction", "satisfaction", 3),
        ("Channel profit (every supplier and distributor)", "profit", 0),
        ("Contracts active at the end", "relationship_active", 0),
    ]
    def shift(r: dict, difference: float | None) -> float | None:
        return None if r["replay"] == ACTUAL else difference

    body = [[label] + [_with_difference(r[m], shift(r, r["difference"][m]), d)
                       for r in room_rows] for label, m, d in metric_rows]  # fmt: skip
    for brand in room_rows[0]["brand_equity"]:
        body.append([f"Brand equity of {md(brand)}"] + [
            _with_difference(r["brand_equity"][brand], shift(r, r["brand_difference"][brand]), 3)
            for r in room_rows])  # fmt: skip
    lines += _table(["", *(EXTREMES[r["replay"]] for r in room_rows)], body)
    return [*lines, ""]


def _match_section(room: Room, past: PastMatch) -> list[str]:
    m = past.match
    assert isinstance(m, ClassicMatch)
    s = m.settings
    ended = " (ended early)" if m.ended_early else ""
    lines = [
        f"## Match {past.index + 1}",
        "",
        f"Settings: {md(settings_text(s.as_dict()))}. Played {m.played} rounds{ended}; "
        f"{len(m.seats)} people in {len(m.pairs)} pairs.",
        "",
        "### Scores",
        "",
    ]
    board = [r for r in leaderboard(room, m) if r["seated"]]
    lines += _table(
        ["#", "Name", "Score", "Rounds the bot chose", "Cooperation (own choices)"],
        [[str(k + 1), md(r["name"]), f"{r['score']:g}", str(r["bot_rounds"]),
          _percent(r["cooperation"])] for k, r in enumerate(board)],
    )  # fmt: skip
    lines += ["", "### Cooperation per round", ""]
    lines += _table(
        ["Round", "People's own choices", "People who chose", "All moves as played"],
        [[str(r["round"]), _percent(r["people"]), str(r["people_n"]), _percent(r["all"])]
         for r in m.cooperation()],
    )  # fmt: skip
    r = past.reveal
    if r is not None:
        lines += ["", "### Reveal: the room tournament", ""]
        note = (f"{r['replays']} replays with independent random draws; brackets: lowest–highest"
                if r["random"] else "no randomness: one replay")  # fmt: skip
        lines += [f"Every sequence as a fixed player against the library, {r['turns']} rounds a "
                  f"match ({note}).", ""]  # fmt: skip
        rank = lambda x: (f"{x['best']}" if x["best"] == x["worst"]  # noqa: E731
                          else f"{x['best']}–{x['worst']}")  # fmt: skip
        lines += _table(
            ["Rank", "Player", "Kind", "Points per round", "Cooperation"],
            [[rank(row["rank"]), md(row["name"]), row["kind"], _spread(row["score_per_round"]),
              _percent(row.get("cooperation"))] for row in r["tournament"]],
        )  # fmt: skip
        lines += ["", *(md(paragraph) + "\n" for paragraph in r["lesson"])]
    return [*lines, ""]


def debrief_markdown(room: Room, events: Sequence[StoredEvent]) -> str:
    """The session's report: who played, each match's scores, cooperation and reveal."""
    played = matches(room)
    span = (
        f" from {iso_time(events[0].time)} to {iso_time(events[-1].time)} (UTC)" if events else ""
    )
    lines = [
        f"# Debrief of workshop session {room.code}",
        "",
        f"Seed {room.seed}; {len(room.participants)} participants; {len(played)} "
        f"match{'es' if len(played) != 1 else ''} played; {len(events)} events{span}.",
        "",
    ]
    if not played:
        lines += ["No round was played.", ""]
    for past in played:
        if isinstance(past.match, ClassicMatch):
            lines += _match_section(room, past)
        else:
            lines += _channel_section(room, past)
    lines += [
        "Files beside this report: moves.csv / moves.parquet (one row per seat per round), "
        "rounds.csv / rounds.parquet (one row per round), channel.csv / channel.parquet and "
        "market.parquet (the channel game), counterfactuals.csv / counterfactuals.parquet "
        "(its replays), events.jsonl / events.csv (the log).",
        "",
    ]
    return "\n".join(lines)


def _csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False).encode()


def _parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


Builder = Callable[[Room, Sequence[StoredEvent]], bytes]
EXPORTS: dict[str, tuple[str, Builder]] = {
    "moves.csv": ("text/csv; charset=utf-8", lambda r, e: _csv(moves_table(r))),
    "moves.parquet": ("application/vnd.apache.parquet", lambda r, e: _parquet(moves_table(r))),
    "rounds.csv": ("text/csv; charset=utf-8", lambda r, e: _csv(rounds_table(r))),
    "rounds.parquet": ("application/vnd.apache.parquet", lambda r, e: _parquet(rounds_table(r))),
    "channel.csv": ("text/csv; charset=utf-8", lambda r, e: _csv(channel_table(r))),
    "channel.parquet": ("application/vnd.apache.parquet",
                        lambda r, e: _parquet(channel_table(r))),
    "market.parquet": ("application/vnd.apache.parquet", lambda r, e: _parquet(market_table(r))),
    "counterfactuals.csv": ("text/csv; charset=utf-8", lambda r, e: _csv(counterfactual_table(r))),
    "counterfactuals.parquet": ("application/vnd.apache.parquet",
                                lambda r, e: _parquet(counterfactual_table(r))),
    "events.jsonl": ("application/jsonl; charset=utf-8",
                     lambda r, e: events_jsonl(r.code, e).encode()),
    "events.csv": ("text/csv; charset=utf-8", lambda r, e: _csv(events_table(r.code, e))),
    "debrief.md": ("text/markdown; charset=utf-8", lambda r, e: debrief_markdown(r, e).encode()),
}  # fmt: skip
"""Each export's file name, media type and how it is built."""


def export(room: Room, events: Sequence[StoredEvent], name: str) -> bytes:
    """The bytes of export ``name`` (a key of `EXPORTS`)."""
    return EXPORTS[name][1](room, events)


def write_exports(room: Room, events: Sequence[StoredEvent], folder: Path) -> list[Path]:
    """Write every export into ``folder``, each file whole or not at all.

    The channel games' counterfactuals missing from the room are computed first, once, into
    its cache (the files share them); call it where the room is not served (the CLI's replay).
    """
    for game in room.ended_channel_games():
        record = channel_counterfactuals(room, game)
        if record is not None:
            room.counterfactuals[game.index] = record
    written = []
    for name in EXPORTS:
        data = export(room, events, name)
        path = Path(folder) / name
        atomic_write(path, lambda tmp, data=data: tmp.write_bytes(data))
        written.append(path)
    return written
