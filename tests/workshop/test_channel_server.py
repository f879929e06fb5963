"""The channel game through the app: its messages and errors, and a restart mid-game.

Starlette's test client drives the websockets; the restart drops the app mid-round and brings
the session back from the SQLite file, a round played lever by lever included: every page's
view and the market are identical.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from starlette.testclient import TestClient

from linkages_sim.workshop.server import ServerConfig, create_app
from linkages_sim.workshop.store import EventStore
from linkages_sim.workshop.views import facilitator_view, participant_view
from tests.workshop.support import FakeClock, error_of, state_of

TOKEN = "c" * 48
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def app_of(store, clock, resume=()):
    return create_app(ServerConfig(
        facilitator_token=TOKEN, public_url="http://testserver", burst=500, rate_per_second=500,
        http_burst=500, clock=clock, store=store, resume=tuple(resume),
    ))  # fmt: skip


def hello(ws, **fields) -> dict:
    ws.send_json({"type": "hello", **fields})
    assert ws.receive_json()["type"] == "welcome"
    return state_of(ws)


def test_channel_messages_errors_and_a_restart(tmp_path):
    clock = FakeClock()
    db = tmp_path / "w.sqlite"
    app = app_of(EventStore(db, now=clock), clock)
    with TestClient(app) as client:
        code = client.post("/api/sessions", headers=AUTH, json={"seed": 3}).json()["code"]
        ann = client.post("/api/join", json={"code": code, "name": "Ann"}).json()["token"]
        with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a:
            hello(f, role="facilitator", token=TOKEN, code=code)
            hello(a, role="participant", token=ann)
            a.send_json({"type": "choose", "round": 1, "seat": "x", "action": "cut"})
            assert error_of(a)["code"] == "not_allowed"  # the session plays the classic match
            a.send_json({"type": "activity", "activity": "channel"})
            assert error_of(a)["code"] == "unauthorised"  # the facilitator's button
            f.send_json({"type": "activity", "activity": "channel"})
            s = state_of(f, lambda m: m["activity"] == "channel")
            assert s["seats"][0]["members"][0]["name"] == "Ann" and len(s["seats"]) == 12
            f.send_json({"type": "channel_settings", "rounds": 3, "customers": 1000,
                         "bot": "tft", "rule": "majority", "round_seconds": 30})  # fmt: skip
            state_of(f, lambda m: m["channel_settings"]["customers"] == 1000)
            f.send_json({"type": "channel_settings", "bot": "nonsense"})
            assert error_of(f)["code"] == "invalid"
            f.send_json({"type": "channel_settings", "customers": 10})
            assert error_of(f)["code"] == "invalid"
            a.send_json({"type": "seat", "seat": "bravo-north:distributor"})
            mine = state_of(a, lambda m: m["seat"] and m["seat"]["key"].startswith("bravo-north"))
            assert mine["seat"]["terms"]["partner"][0]["metric"] == "quality"
            seat = "bravo-north:distributor"
            a.send_json({"type": "choose", "round": 1, "seat": seat, "action": "keep"})
            assert error_of(a)["code"] == "no_round"
            f.send_json({"type": "open_round"})
            state_of(f, lambda m: m["phase"] == "open")
            for bad, expected in [
                ({"round": 2, "seat": seat, "action": "keep"}, "wrong_round"),
                ({"round": 1, "seat": "acme-north:supplier", "action": "keep"}, "not_your_seat"),
                ({"round": 1, "seat": seat, "action": "maybe"}, "invalid"),
                ({"round": 1, "action": "keep"}, "invalid"),
            ]:
                a.send_json({"type": "choose", **bad})
                assert error_of(a)["code"] == expected, bad
            for bad, words in [  # lever by lever: each bad input named
                ({"cuts": ["charm"]}, "cuts.0: Input should be 'quality'"),
                ({"cuts": ["quality"]}, "'quality' is a supplier's lever; a distributor cuts "
                                        "price, service, data"),
                ({"cuts": ["data", "data"]}, "each lever at most once"),
                ({"cuts": ["data"] * 7}, "at most 6 items"),
                ({"cuts": "data"}, "cuts: Input should be a valid list"),
                ({"cuts": ["data"], "action": "cut"}, "send action or cuts, not both"),
                ({}, "send action (keep or cut) or cuts"),
            ]:
                a.send_json({"type": "choose", "round": 1, "seat": seat, **bad})
                err = error_of(a)
                assert (err["code"], err["ref"]) == ("invalid", "choose"), bad
                assert words in err["message"], (bad, err["message"])
            a.send_json({"type": "move", "round": 1, "move": "C"})
            assert error_of(a)["code"] == "not_allowed"
            a.send_json({"type": "choose!", "round": 1})
            assert error_of(a)["code"] == "unknown_type"
            a.send_json({"type": "choose", "round": 1, "seat": seat, "action": "cut"})
            # Ann was the only one counted: the round closes itself
            done = state_of(a, lambda m: m["phase"] == "closed")
            assert done["history"][0]["action"] == "cut" and not done["history"][0]["by_bot"]
            assert {o["clause"] for o in done["history"][0]["observed"]} == {
                "quality", "fill_rate", "new_product_within"}  # fmt: skip
            a.send_json({"type": "choose", "round": 1, "seat": seat, "action": "keep"})
            assert error_of(a)["code"] == "round_closed"
            f.send_json({"type": "open_round"})
            state_of(f, lambda m: m["phase"] == "open" and m["round"]["number"] == 2)
            a.send_json({"type": "choose", "round": 2, "seat": seat, "cuts": ["data"]})
            two = state_of(a, lambda m: m["phase"] == "closed" and m["round"]["played"] == 2)
            assert two["history"][1]["cuts"] == ["data"] and two["history"][1]["action"] == "cut"
            assert [x["lever"] for x in two["seat"]["levers"]] == ["price", "service", "data"]
            assert two["seat"]["levers"][2]["clauses"][0]["metric"] == "data_shared"
            read = {o["clause"]: o["met"] for o in two["history"][1]["read_of_you"]}
            assert read == {"price_deviation": True, "service_level": True, "data_shared": False}
            f.send_json({"type": "open_round"})
            state_of(f, lambda m: m["phase"] == "open" and m["round"]["number"] == 3)
            f.send_json({"type": "reveal"})
            assert error_of(f)["code"] == "not_allowed"
    room = app.state.hub.rooms[code]  # as the stopped app left it: the round paused
    before = {"f": facilitator_view(room, "u"), "a": participant_view(room, 1)}
    market = room.channel.timeseries()
    # the app is gone (its lifespan paused the open round); a new one resumes from the file
    clock.advance(60)
    app = app_of(EventStore(db, now=clock), clock, resume=[code])
    with TestClient(app) as client:
        room = app.state.hub.rooms[code]
        assert room.phase == "paused"
        assert facilitator_view(room, "u") == before["f"]
        assert participant_view(room, 1) == before["a"]
        pd.testing.assert_frame_equal(room.channel.timeseries(), market)
        with client.websocket_connect("/ws") as f:
            hello(f, role="facilitator", token=TOKEN, code=code)
            f.send_json({"type": "resume"})
            f.send_json({"type": "close_round"})
            s = state_of(f, lambda m: m["phase"] == "over")
            mine = next(x for x in s["seats"] if x["key"] == seat)
            assert mine["actions"][:2] == ["cut", "cut"] and mine["by_bot"] == [False, False, True]
            assert mine["cuts"][:2] == [["price", "service", "data"], ["data"]]
        for name in ("channel.csv", "channel.parquet", "market.parquet", "debrief.md"):
            response = client.get(f"/api/sessions/{code}/export/{name}", headers=AUTH)
            assert response.status_code == 200, name
        table = pd.read_parquet(io.BytesIO(client.get(
            f"/api/sessions/{code}/export/channel.parquet", headers=AUTH).content))  # fmt: skip
        assert len(table) == 36 and table["round"].max() == 3
        assert "Ann" in set(table["team"])
        assert list(table.loc[table["seat"] == seat, "cuts"])[:2] == ["price,service,data", "data"]
        debrief = client.get(f"/api/sessions/{code}/export/debrief.md", headers=AUTH).text
        row = "| bravo-north:distributor | Ann | XXX | 1: all; 2: data sharing; 3: all |"
        assert row in debrief  # round 3 is the tft bot's: a whole cut
        ts = pd.read_parquet(io.BytesIO(client.get(
            f"/api/sessions/{code}/export/market.parquet", headers=AUTH).content))  # fmt: skip
        assert ts["period"].max() == 11 and set(ts["level"]) >= {"supplier", "contract"}
        replayed = client.get(f"/api/sessions/{code}/replay?upto=6", headers=AUTH).json()
        assert replayed["state"]["activity"] == "channel"
        events = client.get(f"/api/sessions/{code}/export/events.jsonl", headers=AUTH).text
        lever_move = [json.loads(x)["seq"] for x in events.splitlines()
                      if json.loads(x)["record"].get("cuts") == ["data"]]  # fmt: skip
        assert len(lever_move) == 1
        upto = lever_move[0] + 2  # the move and the close it caused (records are 0-based)
        step = client.get(f"/api/sessions/{code}/replay?upto={upto}", headers=AUTH).json()
        mine = next(x for x in step["state"]["seats"] if x["key"] == seat)
        assert mine["cuts"] == [["price", "service", "data"], ["data"]]
