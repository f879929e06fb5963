"""The event log in SQLite: round trip, append-only, durable settings, restore and exports."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import stat

import pandas as pd
import pytest

from linkages_sim.workshop.classic import ClassicSettings
from linkages_sim.workshop.debrief import (
    EXPORTS,
    MOVE_COLUMNS,
    ROUND_COLUMNS,
    debrief_markdown,
    export,
    moves_table,
    rounds_table,
    write_exports,
)
from linkages_sim.workshop.reveal import room_reveal
from linkages_sim.workshop.room import Phase, Room
from linkages_sim.workshop.store import RESTART, EventStore, StoredEvent, StoreError, restore
from linkages_sim.workshop.store import time_left as stored_time_left
from linkages_sim.workshop.views import facilitator_view, participant_view
from tests.workshop.support import FakeClock

TOKEN = "a" * 48
JOIN = "http://x/join?code=ABCD"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "runs" / "workshop.sqlite"


def stored_room(store: EventStore, clock, **settings) -> Room:
    room = Room("ABCD", 11, ClassicSettings(**settings), clock=clock)
    store.create(room, TOKEN)
    return room


def play_some(room: Room, clock) -> None:
    """Three people, a closed round, a second round with one move, a pause and a resume."""
    for name in ("Ann", "Bob", "<b>Cy|</b>"):
        room.join(name)
        clock.advance(1)
    room.open_round()
    room.submit(1, 1, "C")
    clock.advance(4)
    room.submit(2, 1, "D")
    room.close_round("time")
    room.open_round()
    clock.advance(3)
    room.pause()
    clock.advance(60)
    room.resume()
    clock.advance(2)
    room.submit(3, 2, "D")


def test_every_record_round_trips_with_its_sequence_and_time(db, clock):
    store = EventStore(db, now=clock)
    room = stored_room(store, clock, round_seconds=30)
    play_some(room, clock)
    store.close()

    again = EventStore(db)
    events = again.events("ABCD")
    assert [e.record for e in events] == room.log
    assert [e.seq for e in events] == list(range(len(room.log)))
    times = [e.time for e in events]
    assert times == sorted(times) and times[-1] - times[0] == pytest.approx(3 + 4 + 3 + 60 + 2)
    session = again.session("abcd ")
    assert (session.code, session.seed, session.token, session.events) == (
        "ABCD", 11, TOKEN, len(room.log),
    )  # fmt: skip
    assert [s.code for s in again.sessions(TOKEN)] == ["ABCD"]
    assert again.sessions("b" * 48) == [] and again.session("ZZZZ") is None
    assert again.events("ABCD", upto=3) == events[:3]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # it holds the tokens
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_log_is_append_only(db, clock):
    store = EventStore(db, now=clock)
    room = stored_room(store, clock)
    room.join("Ann")
    with sqlite3.connect(db) as raw:
        for sql in ("UPDATE events SET record = '{}'", "DELETE FROM events",
                    "UPDATE sessions SET token = 'x'", "DELETE FROM sessions"):  # fmt: skip
            with pytest.raises(sqlite3.IntegrityError, match=r"never rewritten|append-only"):
                raw.execute(sql)
    # a number out of turn is refused and writes nothing
    with pytest.raises(StoreError, match="expected 5"):
        store.append("ABCD", {"event": "resume"}, 5)
    assert len(store.events("ABCD")) == 2


def test_a_second_server_on_the_same_session_is_refused_not_interleaved(db, clock):
    first = EventStore(db, now=clock)
    room = stored_room(first, clock)
    room.join("Ann")
    twin = restore(EventStore(db, now=clock), "ABCD", clock)  # another server resumed it
    twin.join("Bob")
    with pytest.raises(StoreError, match="another server"):
        room.join("Cy")
    assert [r.get("name") for r in first.records("ABCD")] == [None, "Ann", "Bob"]
    assert room.log[-1]["name"] == "Ann"  # the refused record never reached the room's log


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database at all, just some notes " * 20)
    with pytest.raises(StoreError, match=r"cannot open the workshop store .*notes\.sqlite"):
        EventStore(bad)


def events_at(*items) -> list[StoredEvent]:
    return [StoredEvent(k, t, r) for k, (t, r) in enumerate(items)]


def test_time_left_comes_from_the_stored_times():
    opened = (100.0, {"event": "open", "round": 1})
    move = (105.0, {"event": "move", "id": 1, "round": 1, "move": "C"})
    assert stored_time_left(events_at(opened, move), 30) == 25
    paused = (110.0, {"event": "pause", "remaining": 20.0})
    assert stored_time_left(events_at(opened, move, paused), 30) == 20
    resumed = (500.0, {"event": "resume"})
    late = (512.0, {"event": "join", "id": 2, "name": "Bob"})
    assert stored_time_left(events_at(opened, move, paused, resumed, late), 30) == 8
    over = (700.0, {"event": "join", "id": 3, "name": "Cy"})
    assert stored_time_left(events_at(opened, move, paused, resumed, over), 30) == 0
    closed = (520.0, {"event": "close", "round": 1, "reason": "time"})
    assert stored_time_left(events_at(opened, move, closed), 30) is None


def test_a_crash_mid_round_restores_the_room_paused_with_the_time_it_had_left(db, clock):
    store = EventStore(db, now=clock)
    room = stored_room(store, clock, round_seconds=30)
    play_some(room, clock)
    # live: round 2 ran 3 s, paused, ran 2 s more: 25 s left at the last move
    assert room.phase == Phase.OPEN and room.remaining() == pytest.approx(25)
    before = facilitator_view(room, JOIN)
    before_people = [participant_view(room, pid) for pid in room.participants]
    clock.advance(40)  # the server dies; it comes back later

    back = restore(EventStore(db, now=clock), "ABCD", clock)
    assert back.phase == Phase.PAUSED and back.remaining() == pytest.approx(25)
    assert back.log[-1] == {"event": "pause", "remaining": pytest.approx(25), "reason": RESTART}
    expected = json.loads(json.dumps(before))
    expected["phase"] = "paused"
    expected["round"].update(paused=True, remaining=back.remaining())
    expected["version"] += 1  # the restart's pause
    assert facilitator_view(back, JOIN) == expected
    for person in before_people:
        pid = person["you"]["participant"]
        assert participant_view(back, pid)["history"] == person["history"]
        assert participant_view(back, pid)["your_move"] == person["your_move"]
    assert [p.token for p in back.participants.values()] == [
        p.token for p in room.participants.values()
    ]
    back.resume()
    assert back.submit(1, 2, "C") is False and back.submit(2, 2, "C") is True
    assert EventStore(db).records("ABCD") == back.log  # the restored room writes on


def finished_room(clock, store: EventStore | None = None) -> Room:
    """Two matches: the first revealed, the second one round in."""
    room = Room("ABCD", 11, ClassicSettings(rounds=2, noise=0.2), clock=clock)
    if store is not None:
        store.create(room, TOKEN)
    for name in ("Ann", "Bob", "<b>Cy|</b>"):
        room.join(name)
    for number in (1, 2):
        room.open_round()
        room.submit(1, number, "C")
        room.submit(3, number, "D")
        clock.advance(5)
        room.close_round()
    entries = room.start_reveal()
    room.finish_reveal(room_reveal(entries, room.settings, room.seed, replays=3))
    room.reset()
    room.open_round()
    room.submit(2, 1, "D")
    room.close_round()
    return room


def test_replay_gives_back_the_same_log_the_reveal_and_the_past_matches(clock):
    room = finished_room(clock)
    again = Room.replay("ABCD", room.log)
    assert again.log == room.log and again.version == room.version
    assert again.past[0].reveal == room.past[0].reveal is not None
    assert facilitator_view(again, JOIN) == facilitator_view(room, JOIN)
    assert moves_table(again).equals(moves_table(room))


def test_the_tables_have_a_row_per_seat_per_round_and_per_round(clock):
    room = finished_room(clock)
    moves = moves_table(room)
    assert list(moves.columns) == MOVE_COLUMNS
    assert len(moves) == 2 * 4 + 1 * 4  # 2 pairs (Cy beside a bot): 2 rounds, then 1
    ann = moves[(moves["name"] == "Ann") & (moves["match"] == 1)]
    seat = room.past[0].match.seat_of(1)
    assert list(ann["move"]) == seat.moves and list(ann["chosen"]) == ["C", "C"]
    assert list(ann["payoff"]) == seat.payoffs and ann["score"].iloc[-1] == seat.score
    assert list(ann["opponent_name"]) == ["Bob", "Bob"] and not ann["by_bot"].any()
    bot_seat = moves[moves["participant"].isna()]
    assert bot_seat["by_bot"].all() and (bot_seat["opponent_name"] == "<b>Cy|</b>").all()
    bob_second = moves[(moves["participant"] == 2) & (moves["match"] == 2)]
    assert list(bob_second["chosen"]) == ["D"] and not bob_second["by_bot"].any()
    rounds = rounds_table(room)
    assert list(rounds.columns) == ROUND_COLUMNS
    assert list(zip(rounds["match"], rounds["round"], strict=True)) == [(1, 1), (1, 2), (2, 1)]
    first = room.past[0].match.cooperation()
    assert list(rounds["people_cooperation"][:2]) == [r["people"] for r in first]


def test_every_export_opens_and_no_token_leaves(db, clock, tmp_path):
    store = EventStore(db, now=clock)
    room = finished_room(clock, store)
    events = store.events("ABCD")
    written = write_exports(room, events, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(EXPORTS)
    assert not list((tmp_path / "out").glob(".*.tmp"))  # atomic writes leave no temporary
    moves = pd.read_csv(tmp_path / "out" / "moves.csv")
    assert list(moves.columns) == MOVE_COLUMNS and len(moves) == 12
    parquet = pd.read_parquet(tmp_path / "out" / "moves.parquet")
    assert parquet.equals(moves_table(room))
    assert len(pd.read_parquet(tmp_path / "out" / "rounds.parquet")) == 3
    log = pd.read_json(tmp_path / "out" / "events.jsonl", lines=True)
    assert list(log["seq"]) == list(range(len(room.log)))
    table = pd.read_csv(tmp_path / "out" / "events.csv")
    assert len(table) == len(room.log) and table["summary"].iloc[1] == "Ann joined (participant 1)"
    lines = (tmp_path / "out" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    replayed = Room.replay("ABCD", [json.loads(line)["record"] for line in lines])
    assert moves_table(replayed).equals(moves_table(room))  # an exported log replays
    for path in written:
        data = path.read_bytes()
        for p in room.participants.values():
            assert p.token.encode() not in data, path.name
        assert TOKEN.encode() not in data


def test_the_debrief_names_scores_cooperation_and_the_reveal_with_names_escaped(clock):
    room = finished_room(clock)
    text = debrief_markdown(room, [StoredEvent(0, clock.now, room.log[0])])
    assert text.startswith("# Debrief of workshop session ABCD")
    assert "## Match 1" in text and "## Match 2" in text
    assert "### Reveal: the room tournament" in text and "3 replays" in text
    assert r"\<b\>Cy\|\</b\>" in text and "<b>" not in text  # as text, the table intact
    board = room.past[0].match.seat_of(1)
    assert f"| Ann | {board.score:g} |" in text
    cy_rows = [line for line in text.splitlines() if line.startswith("|") and "Cy" in line]
    assert len(cy_rows) == 3  # two scores tables, one tournament table
    for line in cy_rows:  # the name's own | is escaped: every row keeps its columns
        assert len(re.findall(r"(?<!\\)\|", line)) == 6, line
    assert export(room, [], "debrief.md").decode() == debrief_markdown(room, [])


def test_a_parquet_download_is_the_table(clock):
    room = finished_room(clock)
    assert pd.read_parquet(io.BytesIO(export(room, [], "moves.parquet"))).equals(moves_table(room))
