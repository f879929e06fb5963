"""What each page is sent: the facilitator's whole-room view and a participant's own view.

Plain JSON records built from a `Room`; the pages redraw themselves from the latest one, so a
page that reloads or reconnects loses nothing. Names travel as data and the pages show them as
text nodes. A participant's view holds only their own seat, their partner's moves and score,
and their own part of the reveal; no tokens but their own, and the hidden length of a
random-length match stays hidden until it is over.

In the channel game a participant's view holds their own seat: the levers it can cut (each with
the clauses it moves and its consequence in the market), the levers cut at each review, their
firm's KPIs, their own clauses as measured, and the partner's clauses *as the review reads them*
(with the monitoring noise), never the partner's KPIs or measurements. The facilitator sees
every seat, with the levers each cut at each review. Once the game is over, the facilitator
also gets its debrief counterfactuals (`counterfactual.py`, when computed) and each phone its
own seat's line of them: its firm's profit as played and under each alternative, nothing of
the partner's. The projector's channel view also carries the
scenario's contracts (for the what-if panel's choice; the what-if itself comes in its own
record, `whatif.py`) and the store map: the map's size, each store's place and distributor,
the segments' centres and, once a round has been played, each store's sales over the latest
round (the market's store-level `retail_revenue` and `customers_active`, docs/metrics.md).
"""

from __future__ import annotations

from linkages_sim.game.strategies import STRATEGIES, C
from linkages_sim.market.relationships import LEVERS
from linkages_sim.workshop.channel import (
    LEVER_LETTERS,
    LEVER_NAMES,
    RULES,
    ChannelGame,
    ChannelSeat,
    move_of,
    ordered,
)
from linkages_sim.workshop.classic import ClassicMatch, Seat
from linkages_sim.workshop.room import ACTIVITIES, Phase, Room

ACTIVITY = "classic"
ACTION_NAMES = {"C": "keep", "D": "cut"}


def _round(room: Room, now: float | None) -> dict:
    m = room.match
    seated = len(m.seats) if m else 0
    current = m.current if m else None
    return {
        "number": current if current is not None else (m.played if m else 0),
        "open": current is not None,
        "paused": room.phase == Phase.PAUSED,
        "remaining": room.remaining(now),
        "seconds": room.settings.round_seconds,
        "moved": (seated - len(m.waiting_for())) if m and current is not None else 0,
        "expected": seated,
        "played": m.played if m else 0,
        "last_close_reason": room.last_close_reason,
    }


def _length(room: Room) -> dict:
    """The match's length as the room may know it.

    The number when it is fixed; when random, hidden until the match is over.
    """
    m = room.match
    s = room.settings
    over = bool(m and m.started and m.over)
    known = (m.length if m else s.rounds) if not s.hidden_length else None
    return {
        "hidden": s.hidden_length,
        "rounds": known if known is not None else (m.played if over and m else None),
        "cap": s.rounds,
        "continuation": s.continuation,
        "ended_early": bool(m and m.ended_early),
    }


def _seat_record(room: Room, seat: Seat) -> dict:
    person = room.participants.get(seat.occupant) if seat.occupant is not None else None
    return {
        "participant": seat.occupant,
        "name": person.name if person else None,
        "moves": "".join(seat.moves),
        "intended": "".join(seat.intended),
        "by_bot": list(seat.by_bot),
        "flipped": list(seat.flipped),
        "payoffs": list(seat.payoffs),
        "score": seat.score,
    }


def leaderboard(room: Room, m: ClassicMatch | None) -> list[dict]:
    """Everyone in the room, best score first, for match ``m`` (the current one or a past one)."""
    rows = []
    for pid, p in room.participants.items():
        seat = m.seat_of(pid) if m else None
        chosen = zip(seat.intended, seat.by_bot, strict=True) if seat else ()
        own = [move for move, bot in chosen if not bot]
        rows.append(
            {
                "participant": pid,
                "name": p.name,
                "score": seat.score if seat else 0.0,
                "rounds": len(seat.moves) if seat else 0,
                "bot_rounds": seat.by_bot.count(True) if seat else 0,
                "cooperation": own.count(C) / len(own) if own else None,
                "seated": seat is not None,
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["name"].casefold()))
    return rows


def _channel_round(room: Room, game: ChannelGame, now: float | None) -> dict:
    expected = [p for s in game.seats for p in game.counted(s)] if game.current else []
    return {
        "number": game.current if game.current is not None else game.played,
        "open": game.current is not None,
        "paused": room.phase == Phase.PAUSED,
        "remaining": room.remaining(now),
        "seconds": room.round_seconds,
        "moved": sum(p in game.pending for p in expected),
        "expected": len(expected),
        "played": game.played,
        "last_close_reason": room.last_close_reason,
        "periods": (game.periods[game.current - 1 if game.current else game.played]
                    if game.periods else 0),
    }  # fmt: skip


def _channel_length(game: ChannelGame) -> dict:
    return {"hidden": False, "rounds": game.length, "cap": game.length, "continuation": None,
            "ended_early": game.ended_early}  # fmt: skip


def _actions(seat: ChannelSeat) -> list[str | None]:
    return [None if a is None else ACTION_NAMES[a] for a in seat.actions]


def _cuts(seat: ChannelSeat) -> list[list[str] | None]:
    """Per round, the levers the move played cut (None: not reviewed)."""
    return [ordered(c, seat.side) for c in seat.cuts]


def lever_legend() -> dict[str, list[dict]]:
    """Each side's levers with their names and letters (the projector's legend)."""
    return {side: [{"lever": x, "name": LEVER_NAMES[x], "letter": LEVER_LETTERS[x]}
                   for x in levers] for side, levers in LEVERS.items()}  # fmt: skip


def _kpis(result: dict) -> dict:
    keys = ("periods", "profit", "market_share", "brand_equity", "satisfaction",
            "penalties_paid", "trust", "active")  # fmt: skip
    return {k: result[k] for k in keys}


def _scenario_summary(game: ChannelGame) -> dict:
    s = game.scenario
    return {"name": s.name, "contracts": len(s.contracts), "suppliers": len(s.suppliers),
            "distributors": len(s.distributors)}  # fmt: skip


def _contracts(game: ChannelGame) -> list[dict]:
    """The scenario's contracts as the what-if panel offers them."""
    s = game.scenario
    suppliers = {x.id: x.label for x in s.suppliers}
    distributors = {x.id: x.label for x in s.distributors}
    return [{"key": c.key, "supplier": c.supplier, "distributor": c.distributor,
             "supplier_name": suppliers[c.supplier],
             "distributor_name": distributors[c.distributor],
             "clauses": len(c.clauses), "review_every": c.review_every}
            for c in s.contracts]  # fmt: skip


def store_sales(game: ChannelGame) -> dict | None:
    """Each store's sales over the latest round's periods, from the market's own metrics.

    ``retail_revenue`` summed over the round's periods and its share of the market's
    ``customer_spend`` over the same periods (the two agree: docs/metrics.md), and
    ``customers_active`` in the round's last period. None before the first round.
    """
    model = game.model
    if model is None or game.played == 0:
        return None
    start, end = game.periods[game.played - 1], game.periods[game.played]
    revenue: dict[str, float] = {}
    active: dict[str, float] = {}
    spend = 0.0
    for period, level, who, names, values in reversed(model.recorder.blocks):
        if period < start:
            break
        if level == "store":
            row = dict(zip(names, values, strict=True))
            revenue[who] = revenue.get(who, 0.0) + float(row["retail_revenue"])
            if period == end - 1:
                active[who] = float(row["customers_active"])
        elif level == "market":
            spend += float(values[names.index("customer_spend")])
    return {
        "round": game.played, "periods": [start, end], "customer_spend": spend,
        "stores": {who: {"retail_revenue": value, "share": value / spend if spend else None,
                         "customers_active": active.get(who)}
                   for who, value in revenue.items()},
    }  # fmt: skip


def market_map(game: ChannelGame) -> dict:
    """The store map: the map's size, the stores by distributor, the segments' centres, sales."""
    s = game.scenario
    return {
        "width_km": s.map.width_km, "height_km": s.map.height_km,
        "distributors": [{"id": d.id, "name": d.label} for d in s.distributors],
        "stores": [{"id": st.id, "distributor": st.distributor, "x": st.location.x,
                    "y": st.location.y} for st in s.all_stores],
        "centres": [{"segment": seg.id, "x": c.x, "y": c.y, "weight": c.weight,
                     "spread_km": seg.spread_km} for seg in s.segments for c in seg.centres],
        "sales": store_sales(game),
    }  # fmt: skip


def game_counterfactuals(room: Room, game: ChannelGame) -> dict | None:
    """The counterfactuals of ``game`` once it is over and they are computed, else None."""
    record = room.counterfactuals.get(game.index)
    if record is None or not game.over or record["rounds"] != game.played:
        return None
    return record


def _own_counterfactual(record: dict | None, seat: ChannelSeat | None) -> dict | None:
    if record is None or seat is None:
        return None
    row = next(r for r in record["seats"] if r["seat"] == seat.key)
    return {
        "rounds": record["rounds"], "periods": record["periods"],
        "actual": {"profit": row["actual"]["profit"], "moves": row["actual"]["moves"]},
        "alternatives": [{"key": a["key"], "label": a["label"],
                          "profit": row[a["key"]]["profit"],
                          "difference": row[a["key"]]["difference"],
                          "moves": row[a["key"]]["moves"]} for a in record["alternatives"]],
    }  # fmt: skip


def channel_facilitator_view(room: Room, join_url: str, now: float | None = None) -> dict:
    """The projector in the channel game: seats and teams, who moved, per-seat KPIs by round."""
    game = room.channel
    assert game is not None
    names = {pid: p.name for pid, p in room.participants.items()}
    seats = []
    for seat in game.seats:
        counted = game.counted(seat) if game.current is not None else []
        seats.append({
            "key": seat.key, "contract": game.scenario.contracts[seat.contract].key,
            "side": seat.side, "firm": seat.firm, "partner_firm": seat.partner_firm,
            "members": [{"participant": pid, "name": names[pid], "captain": pid == seat.captain,
                         "connected": room.participants[pid].connections > 0,
                         "moved": pid in game.pending} for pid in seat.members],
            "deciding": game.decides(seat) if game.current is not None else None,
            "moved": sum(p in game.pending for p in counted), "expected": len(counted),
            "actions": _actions(seat), "cuts": _cuts(seat), "by_bot": list(seat.by_bot),
            "kpis": [_kpis(r) for r in seat.results],
            "observed": [r["observed"] for r in seat.results],
        })  # fmt: skip
    people = [
        {"participant": pid, "name": p.name, "connected": p.connections > 0,
         "seat": s.key if (s := game.seat_of(pid)) else None, "moved": pid in game.pending}
        for pid, p in room.participants.items()
    ]  # fmt: skip
    return {
        "type": "state", "role": "facilitator", "activity": "channel",
        "activities": list(ACTIVITIES), "version": room.version, "code": room.code,
        "join_url": join_url, "seed": room.seed, "match": room.match_index,
        "phase": str(room.phase), "settings": room.settings.as_dict(),
        "channel_settings": room.channel_settings.as_dict(), "rules": list(RULES),
        "scenario": _scenario_summary(game), "strategies": list(STRATEGIES),
        "contracts": _contracts(game), "map": market_map(game), "levers": lever_legend(),
        "round": _channel_round(room, game, now), "length": _channel_length(game),
        "participants": people, "seats": seats, "leaderboard": [], "cooperation": [],
        "pairs": [], "reveal": None, "revealing": False, "reveal_error": None,
        "counterfactuals": game_counterfactuals(room, game),
        "counterfactuals_pending": game.index in room.counterfactuals_pending,
        "counterfactual_error": room.counterfactual_errors.get(game.index),
    }  # fmt: skip


def channel_participant_view(room: Room, pid: int, now: float | None = None) -> dict:
    """A phone in the channel game: its seat, team, own KPIs and the partner as observed."""
    game = room.channel
    assert game is not None
    p = room.participants[pid]
    seat = game.seat_of(pid)
    names = {q: x.name for q, x in room.participants.items()}
    mine = None
    history = []
    if seat is not None:
        mine = {
            "key": seat.key, "side": seat.side, "firm": seat.firm,
            "partner_firm": seat.partner_firm, "captain": seat.captain == pid,
            "captain_name": names.get(seat.captain) if seat.captain is not None else None,
            "team": [names[q] for q in seat.members], "terms": game.terms(seat),
            "levers": game.levers(seat),
            "deciding": game.decides(seat) if game.current is not None else None,
            "counts": pid in game.counted(seat) if game.current is not None else None,
            "team_moved": sum(q in game.pending for q in seat.members),
        }  # fmt: skip
        actions, cuts = _actions(seat), _cuts(seat)
        for k, result in enumerate(seat.results):
            own_vote = seat.votes[k].get(pid)
            history.append({
                "round": k + 1, "action": actions[k], "cuts": cuts[k], "by_bot": seat.by_bot[k],
                "your_vote": None if own_vote is None else ACTION_NAMES[move_of(own_vote)],
                "your_cuts": ordered(own_vote, seat.side),
                **_kpis(result), "observed": result["observed"],
                "read_of_you": result["read_of_you"], "own_compliance": result["own_compliance"],
            })  # fmt: skip
    vote = game.pending.get(pid) if game.current is not None else None
    return {
        "type": "state", "role": "participant", "activity": "channel", "version": room.version,
        "code": room.code, "you": {"participant": pid, "name": p.name},
        "phase": str(room.phase), "round": _channel_round(room, game, now),
        "length": _channel_length(game), "rule": game.settings.rule,
        "seated": seat is not None, "seat": mine,
        "your_move": None if vote is None else ACTION_NAMES[move_of(vote)],
        "your_cuts": ordered(vote, seat.side) if vote is not None and seat else None,
        "seats": [{"key": s.key, "firm": s.firm, "side": s.side, "members": len(s.members)}
                  for s in game.seats],
        "history": history,
        "counterfactual": _own_counterfactual(game_counterfactuals(room, game), seat),
    }  # fmt: skip


def facilitator_view(room: Room, join_url: str, now: float | None = None) -> dict:
    """What the projector page shows: settings, round, people, leaderboard, chart, pairs, reveal."""
    if room.channel is not None:
        return channel_facilitator_view(room, join_url, now)
    m = room.match
    pending = m.pending if m and m.current is not None else {}
    people = []
    for pid, p in room.participants.items():
        seat = m.seat_of(pid) if m else None
        people.append(
            {
                "participant": pid,
                "name": p.name,
                "connected": p.connections > 0,
                "pair": seat.pair if seat else None,
                "moved": pid in pending,
            }
        )
    return {
        "type": "state",
        "role": "facilitator",
        "activity": ACTIVITY,
        "activities": list(ACTIVITIES),
        "version": room.version,
        "code": room.code,
        "join_url": join_url,
        "seed": room.seed,
        "match": room.match_index,
        "phase": str(room.phase),
        "settings": room.settings.as_dict(),
        "strategies": list(STRATEGIES),
        "round": _round(room, now),
        "length": _length(room),
        "participants": people,
        "leaderboard": leaderboard(room, m),
        "cooperation": m.cooperation() if m else [],
        "pairs": [
            {"index": pair.index, "seats": [_seat_record(room, s) for s in pair.seats]}
            for pair in (m.pairs if m else [])
        ],
        "reveal": room.reveal,
        "revealing": room.revealing,
        "reveal_error": room.reveal_error,
    }


def _own_reveal(reveal: dict | None, pid: int) -> dict | None:
    if reveal is None:
        return None
    mine = next((w for w in reveal["what_if"] if w["participant"] == pid), None)
    table = reveal["tournament"]
    row = next((r for r in table if r.get("participant") == pid), None)
    return {
        "turns": reveal["turns"],
        "replays": reveal["replays"],
        "random": reveal["random"],
        "players": len(table),
        "what_if": mine,
        "tournament_row": row,
        "tournament_top": [
            {k: r[k] for k in ("name", "kind", "score_per_round", "rank")} for r in table[:5]
        ],
        "lesson": reveal["lesson"],
    }


def participant_view(room: Room, pid: int, now: float | None = None) -> dict:
    """What participant ``pid``'s phone shows: their round, partner, history and reveal."""
    if room.channel is not None:
        return channel_participant_view(room, pid, now)
    p = room.participants[pid]
    m = room.match
    seat = m.seat_of(pid) if m else None
    partner = m.pair_of(seat).partner(seat) if m and seat else None
    history = []
    if seat is not None and partner is not None:
        for k in range(len(seat.moves)):
            history.append(
                {
                    "round": k + 1,
                    "you": seat.moves[k],
                    "you_chose": seat.intended[k],
                    "you_by_bot": seat.by_bot[k],
                    "you_flipped": seat.flipped[k],
                    "partner": partner.moves[k],
                    "partner_by_bot": partner.by_bot[k],
                    "partner_flipped": partner.flipped[k],
                    "your_payoff": seat.payoffs[k],
                    "partner_payoff": partner.payoffs[k],
                }
            )
    partner_person = (
        room.participants.get(partner.occupant)
        if partner is not None and partner.occupant is not None
        else None
    )
    waiting = m is not None and m.current is not None
    return {
        "type": "state",
        "role": "participant",
        "activity": ACTIVITY,
        "version": room.version,
        "code": room.code,
        "you": {"participant": pid, "name": p.name},
        "phase": str(room.phase),
        "round": _round(room, now),
        "length": _length(room),
        "payoffs": room.settings.game.as_dict(),
        "noise": room.settings.noise,
        "seated": seat is not None,
        "your_move": m.pending.get(pid) if waiting and m else None,
        "partner": None
        if partner is None
        else {
            "name": partner_person.name if partner_person else None,
            "bot": partner_person is None,
        },
        "history": history,
        "total": seat.score if seat else 0.0,
        "partner_total": partner.score if partner else 0.0,
        "reveal": _own_reveal(room.reveal, pid),
        "revealing": room.revealing,
    }
