"""A session through the app with a SQLite store: restart and resume, replay, exports.

The restart drops the whole app mid-round (its lifespan ends as on Ctrl+C), builds a new app
from the same file with the session to resume, and compares every page's view: identical.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from starlette.testclient import TestClient

from linkages_sim.workshop.debrief import EXPORTS, MOVE_COLUMNS
from linkages_sim.workshop.room import Room
from linkages_sim.workshop.server import ServerConfig, create_app
from linkages_sim.workshop.store import EventStore, StoreError
from linkages_sim.workshop.views import facilitator_view, participant_view
from tests.workshop.support import FakeClock, error_of, state_of

TOKEN = "e" * 48
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NAMES = ("Ann", "Bob", "Cy")


@pytest.fixture
def clock():
    return FakeClock()


def app_of(db, clock, resume=()):
    config = ServerConfig(
        facilitator_token=TOKEN,
        public_url="http://testserver",
        reveal_replays=3,
        burst=500,
        rate_per_second=500,
        http_burst=500,
        clock=clock,
        store=EventStore(db, now=clock),
        resume=tuple(resume),
    )
    return create_app(config)  # fmt: skip


def hello(ws, **fields) -> dict:
    ws.send_json({"type": "hello", **fields})
    assert ws.receive_json()["type"] == "welcome"
    return state_of(ws)


def views(app, code: str) -> dict:
    hub = app.state.hub
    room = hub.rooms[code]
    return {
        "facilitator": facilitator_view(room, hub.join_url(code)),
        **{p.name: participant_view(room, pid) for pid, p in room.participants.items()},
    }


def first_half(client, clock) -> tuple[str, list[str]]:
    """A session: three joins, round 1 played, round 2 open with Ann's move in."""
    code = client.post("/api/sessions", headers=AUTH, json={"seed": 9}).json()["code"]
    tokens = [client.post("/api/join", json={"code": code, "name": n}).json()["token"]
              for n in NAMES]  # fmt: skip
    with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a:
        hello(f, role="facilitator", token=TOKEN, code=code)
        hello(a, role="participant", token=tokens[0])
        f.send_json({"type": "settings", "rounds": 4, "noise": 0.1, "round_seconds": 40})
        state_of(f, lambda m: m["settings"]["rounds"] == 4)
        f.send_json({"type": "open_round"})
        state_of(f, lambda m: m["phase"] == "open")
        a.send_json({"type": "move", "round": 1, "move": "C"})
        state_of(f, lambda m: m["round"]["moved"] == 1)
        f.send_json({"type": "close_round"})
        state_of(f, lambda m: m["phase"] == "closed")
        f.send_json({"type": "open_round"})
        state_of(f, lambda m: m["phase"] == "open")
        clock.advance(12)
        a.send_json({"type": "move", "round": 2, "move": "D"})
        state_of(f, lambda m: m["round"]["moved"] == 1 and m["round"]["number"] == 2)
    return code, tokens


def second_half(client, code: str, tokens: list[str]) -> dict:
    """Bob and Cy move in round 2 (it closes), then round 3 is played by the bots."""
    with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as b, \
            client.websocket_connect("/ws") as c:  # fmt: skip
        hello(f, role="facilitator", token=TOKEN, code=code)
        hello(b, role="participant", token=tokens[1])
        hello(c, role="participant", token=tokens[2])
        if state_of(f)["phase"] == "paused":
            f.send_json({"type": "resume"})
            state_of(f, lambda m: m["phase"] == "open")
        b.send_json({"type": "move", "round": 2, "move": "C"})
        c.send_json({"type": "move", "round": 2, "move": "D"})
        state_of(f, lambda m: m["phase"] == "closed" and m["round"]["played"] == 2)
        f.send_json({"type": "open_round"})
        state_of(f, lambda m: m["phase"] == "open")
        f.send_json({"type": "close_round"})
        return state_of(f, lambda m: m["round"]["played"] == 3)


def test_a_restart_mid_round_resumes_the_identical_session(tmp_path, clock):
    db = tmp_path / "workshop.sqlite"
    first = app_of(db, clock)
    with TestClient(first) as client:
        code, tokens = first_half(client, clock)
        live = views(first, code)
        assert live["facilitator"]["phase"] == "open"
        assert live["facilitator"]["round"]["remaining"] == pytest.approx(28)
    # the app is gone (Ctrl+C): the open round was paused with exactly its time left
    before = json.loads(json.dumps(views(first, code)))
    assert before["facilitator"]["phase"] == "paused"
    assert before["facilitator"]["round"]["remaining"] == pytest.approx(28)
    clock.advance(300)  # a while later, a new server on the same file

    second = app_of(db, clock, resume=[code])
    with TestClient(second) as client:
        assert json.loads(json.dumps(views(second, code))) == before
        listed = client.get("/api/sessions", headers=AUTH).json()["sessions"]
        assert [(s["code"], s["phase"]) for s in listed] == [(code, "paused")]
        after = second_half(client, code, tokens)  # the old seat tokens still work

    # the same seed and the same moves without any restart: the same match
    control_clock = FakeClock()
    with TestClient(app_of(tmp_path / "control.sqlite", control_clock)) as control:
        code2, tokens2 = first_half(control, control_clock)
        uninterrupted = second_half(control, code2, tokens2)
    assert after["pairs"] == uninterrupted["pairs"]
    assert after["leaderboard"] == uninterrupted["leaderboard"]
    assert EventStore(db).records(code) == second.state.hub.rooms[code].log


def test_replay_upto_n_is_the_room_replayed_from_its_first_n_records(tmp_path, clock):
    app = app_of(tmp_path / "w.sqlite", clock)
    with TestClient(app) as client:
        code, _ = first_half(client, clock)
        log = app.state.hub.rooms[code].log
        join_url = app.state.hub.join_url(code)
        for n in range(1, len(log) + 1):
            body = client.get(f"/api/sessions/{code}/replay?upto={n}", headers=AUTH).json()
            expected = facilitator_view(Room.replay(code, log[:n], clock=lambda: 0.0), join_url)
            assert body["state"] == expected, n
            assert (body["upto"], body["total"], body["event"]["seq"]) == (n, len(log), n - 1)
            assert "token" not in json.dumps(body["event"])
        whole = client.get(f"/api/sessions/{code}/replay", headers=AUTH).json()
        assert whole["upto"] == len(log) and whole["event"]["summary"] == "Ann moved in round 2"
        joined = client.get(f"/api/sessions/{code}/replay?upto=2", headers=AUTH).json()
        assert joined["event"]["summary"] == "Ann joined (participant 1)"
        for bad in ("0", str(len(log) + 1), "two", "-1"):
            r = client.get(f"/api/sessions/{code}/replay?upto={bad}", headers=AUTH)
            assert (r.status_code, r.json()["code"]) == (400, "invalid"), bad


def test_exports_download_and_open_in_pandas(tmp_path, clock):
    app = app_of(tmp_path / "w.sqlite", clock)
    with TestClient(app) as client:
        code, tokens = first_half(client, clock)
        for name in EXPORTS:
            r = client.get(f"/api/sessions/{code}/export/{name}", headers=AUTH)
            assert r.status_code == 200, (name, r.text)
            assert f'filename="{code}-{name}"' in r.headers["content-disposition"]
            assert not any(t.encode() in r.content for t in (*tokens, TOKEN)), name
        moves = client.get(f"/api/sessions/{code}/export/moves.parquet", headers=AUTH)
        table = pd.read_parquet(io.BytesIO(moves.content))
        assert list(table.columns) == MOVE_COLUMNS and len(table) == 4  # round 1, 2 pairs
        csv = client.get(f"/api/sessions/{code}/export/moves.csv", headers=AUTH)
        assert pd.read_csv(io.StringIO(csv.text)).shape == (4, len(MOVE_COLUMNS))
        log = client.get(f"/api/sessions/{code}/export/events.jsonl", headers=AUTH)
        assert len(log.text.splitlines()) == len(app.state.hub.rooms[code].log)
        r = client.get(f"/api/sessions/{code}/export/passwords.txt", headers=AUTH)
        assert (r.status_code, r.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("path", ["replay?upto=1", "export/moves.csv", "export/events.jsonl"])
def test_replay_and_exports_need_the_facilitator_token(tmp_path, clock, path):
    app = app_of(tmp_path / "w.sqlite", clock)
    with TestClient(app) as client:
        code = client.post("/api/sessions", headers=AUTH, json={}).json()["code"]
        participant = client.post("/api/join", json={"code": code, "name": "Ann"}).json()
        for headers in ({}, {"Authorization": "Bearer " + "0" * 48},
                        {"Authorization": f"Bearer {participant['token']}"}):  # fmt: skip
            r = client.get(f"/api/sessions/{code}/{path}", headers=headers)
            assert r.status_code == 403 and r.json()["code"] == "unauthorised", headers
            assert "token" in r.json()["message"]
        r = client.get(f"/api/sessions/ZZZZ/{path}", headers=AUTH)
        assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_a_change_that_cannot_be_saved_is_not_made(tmp_path, clock, monkeypatch):
    app = app_of(tmp_path / "w.sqlite", clock)
    store = app.state.hub.store
    with TestClient(app) as client:
        code = client.post("/api/sessions", headers=AUTH, json={}).json()["code"]
        tokens = [client.post("/api/join", json={"code": code, "name": n}).json()["token"]
                  for n in ("Ann", "Bob")]  # fmt: skip
        with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a:
            hello(f, role="facilitator", token=TOKEN, code=code)
            hello(a, role="participant", token=tokens[0])
            f.send_json({"type": "open_round"})
            opened = state_of(f, lambda m: m["phase"] == "open")
            clock.advance(5)
            real_append = store.append

            def full_disk(code, record, seq):
                raise StoreError("disk I/O error (a test)")

            monkeypatch.setattr(store, "append", full_disk)
            a.send_json({"type": "move", "round": 1, "move": "C"})
            err = error_of(a)
            assert err["code"] == "not_saved" and "not made" in err["message"]
            joined = client.post("/api/join", json={"code": code, "name": "Cy"})
            assert joined.status_code == 503 and joined.json()["code"] == "not_saved"
            room = app.state.hub.rooms[code]
            assert room.match.pending == {} and len(room.participants) == 2
            assert room.remaining() == pytest.approx(opened["round"]["remaining"] - 5)
            monkeypatch.setattr(store, "append", real_append)
            a.send_json({"type": "move", "round": 1, "move": "C"})  # the retry is taken
            state_of(f, lambda m: m["round"]["moved"] == 1)
        assert store.records(code) == app.state.hub.rooms[code].log
