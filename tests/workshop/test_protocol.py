"""The workshop's protocol through Starlette's test client: HTTP and websockets.

Joining, pairing, a round, a timeout played by the bot, a reconnection that keeps the seat,
every kind of bad message answered with its error code (and the server still serving), and
facilitator actions refused without the facilitator's token.
"""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from linkages_sim.workshop.server import ServerConfig, create_app
from tests.workshop.support import error_of, receive_until, state_of

TOKEN = "f" * 48
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client():
    config = ServerConfig(facilitator_token=TOKEN, public_url="http://testserver",
                          reveal_replays=3, burst=200, rate_per_second=200)  # fmt: skip
    with TestClient(create_app(config)) as c:
        yield c


def new_session(client) -> str:
    response = client.post("/api/sessions", headers=AUTH, json={"seed": 5})
    assert response.status_code == 201, response.text
    return response.json()["code"]


def join(client, code: str, name: str) -> str:
    response = client.post("/api/join", json={"code": code, "name": name})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def hello_participant(ws, token: str) -> dict:
    ws.send_json({"type": "hello", "role": "participant", "token": token})
    assert ws.receive_json()["type"] == "welcome"
    return state_of(ws)


def hello_facilitator(ws, code: str) -> dict:
    ws.send_json({"type": "hello", "role": "facilitator", "token": TOKEN, "code": code})
    assert ws.receive_json()["type"] == "welcome"
    return state_of(ws)


def pong(ws) -> None:
    ws.send_json({"type": "ping"})
    receive_until(ws, lambda m: m["type"] == "pong")


def test_join_pairing_and_one_round(client):
    code = new_session(client)
    tokens = [join(client, code, name) for name in ("Ann", "Bob", "Cy")]
    with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a, \
            client.websocket_connect("/ws") as b, client.websocket_connect("/ws") as c:  # fmt: skip
        hello_facilitator(f, code)
        for ws, token in zip((a, b, c), tokens, strict=True):
            hello_participant(ws, token)
        f.send_json({"type": "open_round"})
        s = state_of(f, lambda m: m["phase"] == "open")
        assert [[seat["name"] for seat in p["seats"]] for p in s["pairs"]] == [
            ["Ann", "Bob"],
            ["Cy", None],
        ]
        mine = state_of(c, lambda m: m["phase"] == "open")
        assert mine["partner"] == {"name": None, "bot": True} and mine["round"]["number"] == 1
        a.send_json({"type": "move", "round": 1, "move": "C"})
        b.send_json({"type": "move", "round": 1, "move": "D"})
        c.send_json({"type": "move", "round": 1, "move": "C"})
        done = state_of(f, lambda m: m["phase"] == "closed")
        assert done["round"]["last_close_reason"] == "everyone moved"
        scores = {r["name"]: r["score"] for r in done["leaderboard"]}
        assert scores == {"Ann": 0.0, "Bob": 5.0, "Cy": 3.0}  # the bot is tft: C first
        ann = state_of(a, lambda m: m["phase"] == "closed")
        h = ann["history"][0]
        assert (h["you"], h["partner"], h["your_payoff"], h["partner_payoff"]) == ("C", "D", 0, 5)
        assert ann["total"] == 0 and ann["partner_total"] == 5


def test_a_timed_out_move_is_played_by_the_bot(client):
    code = new_session(client)
    tokens = [join(client, code, name) for name in ("Ann", "Bob")]
    with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a:
        hello_facilitator(f, code)
        hello_participant(a, tokens[0])
        f.send_json({"type": "settings", "round_seconds": 1, "bot": "all-d"})
        state_of(f, lambda m: m["settings"]["round_seconds"] == 1)
        f.send_json({"type": "open_round"})
        state_of(f, lambda m: m["phase"] == "open")
        a.send_json({"type": "move", "round": 1, "move": "C"})
        closed = state_of(f, lambda m: m["phase"] == "closed")  # about a second later
        assert closed["round"]["last_close_reason"] == "time"
        bob = closed["pairs"][0]["seats"][1]
        assert (bob["name"], bob["moves"], bob["by_bot"]) == ("Bob", "D", [True])
        a.send_json({"type": "move", "round": 1, "move": "D"})
        assert error_of(a)["code"] == "round_closed"


def test_a_reconnecting_phone_keeps_its_seat_and_its_move(client):
    code = new_session(client)
    tokens = [join(client, code, name) for name in ("Ann", "Bob")]
    with client.websocket_connect("/ws") as f:
        hello_facilitator(f, code)
        f.send_json({"type": "open_round"})
        state_of(f, lambda m: m["phase"] == "open")
        with client.websocket_connect("/ws") as a:
            hello_participant(a, tokens[0])
            a.send_json({"type": "move", "round": 1, "move": "D"})
            assert state_of(a, lambda m: m["your_move"] is not None)["your_move"] == "D"
        # the page reloads: a new socket, the same token
        with client.websocket_connect("/ws") as again:
            back = hello_participant(again, tokens[0])
            assert back["you"]["name"] == "Ann" and back["your_move"] == "D"
            assert back["partner"]["name"] == "Bob" and back["round"]["open"]
            again.send_json({"type": "move", "round": 1, "move": "C"})
            assert error_of(again)["code"] == "already_moved"
        s = state_of(f, lambda m: m["participants"][0]["connected"] is False)
        assert len(s["participants"]) == 2


BAD_BEFORE_HELLO = [
    ("{not json", "bad_json"),
    ("[1, 2]", "invalid"),
    (json.dumps({"no": "type"}), "invalid"),
    (json.dumps({"type": 7}), "invalid"),
    (json.dumps({"type": "launch_missiles"}), "unknown_type"),
    ("x" * 5000, "too_large"),
    (json.dumps({"type": "move", "round": 1, "move": "C"}), "hello_first"),
    (json.dumps({"type": "open_round"}), "hello_first"),
    (json.dumps({"type": "hello", "role": "participant", "token": "nope"}), "unauthorised"),
    (
        json.dumps({"type": "hello", "role": "facilitator", "token": "wrong", "code": "ABCD"}),
        "unauthorised",
    ),
    (json.dumps({"type": "hello", "role": "king", "token": "x"}), "invalid"),
]


def test_every_bad_message_gets_a_clear_error_and_the_server_keeps_running(client):
    code = new_session(client)
    token = join(client, code, "Ann")
    join(client, code, "Bob")
    with client.websocket_connect("/ws") as ws:
        for text, expected in BAD_BEFORE_HELLO:
            ws.send_text(text)
            err = ws.receive_json()
            assert err["type"] == "error" and err["code"] == expected, (text[:40], err)
            assert "Traceback" not in err["message"] and len(err["message"]) < 300
        ws.send_bytes(b"\xff\xfe")
        assert ws.receive_json()["code"] == "bad_json"
        hello_participant(ws, token)
        with client.websocket_connect("/ws") as f:
            hello_facilitator(f, code)
            bad_after_hello = [
                ({"type": "move", "round": 1, "move": "C"}, "no_round"),
                ({"type": "open_round"}, "unauthorised"),
                ({"type": "reset"}, "unauthorised"),
                ({"type": "hello", "role": "participant", "token": token}, "not_allowed"),
            ]
            for message, expected in bad_after_hello:
                ws.send_json(message)
                assert error_of(ws)["code"] == expected, message
            f.send_json({"type": "open_round"})
            state_of(ws, lambda m: m["phase"] == "open")
            for message, expected in [
                ({"type": "move", "round": 2, "move": "C"}, "wrong_round"),
                ({"type": "move", "round": 1, "move": "X"}, "invalid"),
                ({"type": "move", "round": "1", "move": "C"}, "invalid"),
                ({"type": "move", "round": 1, "move": "C", "extra": 1}, "invalid"),
                ({"type": "move", "round": 1}, "invalid"),
            ]:
                ws.send_json(message)
                err = error_of(ws)
                assert err["code"] == expected and err["ref"] == "move", (message, err)
            f.send_json({"type": "close_round"})
            state_of(ws, lambda m: m["phase"] == "closed")
            ws.send_json({"type": "move", "round": 1, "move": "C"})
            assert error_of(ws)["code"] == "round_closed"
            for message, expected in [
                ({"type": "settings", "rounds": 5}, "not_allowed"),
                ({"type": "settings", "rounds": "five"}, "invalid"),
                ({"type": "pause"}, "not_allowed"),
                ({"type": "move", "round": 1, "move": "C"}, "unknown_type"),
            ]:
                f.send_json(message)
                assert error_of(f)["code"] == expected, message
            pong(ws)
            pong(f)
    assert client.get("/healthz").json()["ok"]


def test_settings_errors_name_the_rule(client):
    code = new_session(client)
    with client.websocket_connect("/ws") as f:
        hello_facilitator(f, code)
        f.send_json({"type": "settings", "payoffs": {"T": 1, "R": 3, "P": 1, "S": 0}})
        assert "T > R > P > S" in error_of(f)["message"]
        f.send_json({"type": "settings", "bot": "tfft"})
        assert "did you mean 'tft'" in error_of(f)["message"]
        f.send_json({"type": "settings", "length": "random", "continuation": 0.75, "noise": 0.05})
        s = state_of(f, lambda m: m["settings"]["continuation"] == 0.75)
        assert s["length"]["hidden"] and s["settings"]["noise"] == 0.05


def test_a_flood_of_messages_is_rate_limited_and_the_connection_survives():
    config = ServerConfig(facilitator_token=TOKEN, burst=5, rate_per_second=0.5)
    with TestClient(create_app(config)) as client, client.websocket_connect("/ws") as ws:
        for _ in range(12):
            ws.send_json({"type": "ping"})
        replies = [ws.receive_json() for _ in range(6)]
        assert [r["type"] for r in replies].count("pong") == 5
        assert replies[-1]["code"] == "rate_limited"
        assert client.get("/healthz").status_code == 200


def test_connections_past_the_limit_are_turned_away():
    config = ServerConfig(facilitator_token=TOKEN, max_connections=1)
    with TestClient(create_app(config)) as client, client.websocket_connect("/ws") as first:
        with client.websocket_connect("/ws") as second:
            assert second.receive_json()["message"] == "the server is full"
        pong(first)


def test_facilitator_http_actions_need_the_token(client):
    assert client.post("/api/sessions", json={}).status_code == 403
    wrong = {"Authorization": "Bearer " + "0" * 48}
    refused = client.post("/api/sessions", headers=wrong, json={})
    assert refused.status_code == 403 and refused.json()["code"] == "unauthorised"
    assert client.get("/api/sessions", headers=wrong).status_code == 403
    assert client.get("/facilitator?token=wrong").status_code == 403
    assert client.get(f"/facilitator?token={TOKEN}").status_code == 200
    code = new_session(client)
    listed = client.get("/api/sessions", headers=AUTH).json()["sessions"]
    assert [s["code"] for s in listed] == [code]


def test_http_join_validates_its_input(client):
    code = new_session(client)
    cases = [
        (b"{oops", 400, "bad_json"),
        (json.dumps({"code": code}).encode(), 400, "invalid"),
        (json.dumps({"code": code, "name": "   "}).encode(), 400, "invalid"),
        (json.dumps({"code": "ZZZZ", "name": "Ann"}).encode(), 404, "not_found"),
        (json.dumps({"code": code, "name": "x" * 5000}).encode(), 413, "too_large"),
        (json.dumps({"code": code, "name": "Ann", "admin": True}).encode(), 400, "invalid"),
    ]
    for body, status, expected in cases:
        response = client.post("/api/join", content=body,
                               headers={"content-type": "application/json"})  # fmt: skip
        assert (response.status_code, response.json()["code"]) == (status, expected), body[:40]
    assert join(client, code, "<img src=x onerror=1>")
    taken = client.post("/api/join", json={"code": code.lower(), "name": "<IMG src=x onerror=1>"})
    assert taken.status_code == 409 and taken.json()["code"] == "name_taken"


def test_pages_qr_code_and_security_headers(client):
    code = new_session(client)
    page = client.get("/join")
    assert page.status_code == 200 and "participant.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    qr = client.get(f"/qr/{code}.svg")
    assert qr.headers["content-type"].startswith("image/svg+xml") and "<path" in qr.text
    assert client.get("/qr/NOPE.svg").status_code == 404
    assert client.get("/static/participant.js").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    for name in ("participant.js", "facilitator.js", "common.js"):
        source = client.get(f"/static/{name}").text
        assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", source)


def test_the_reveal_arrives_after_the_match(client):
    code = new_session(client)
    tokens = [join(client, code, name) for name in ("Ann", "Bob", "Cy")]
    with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a:
        hello_facilitator(f, code)
        hello_participant(a, tokens[0])
        f.send_json({"type": "settings", "rounds": 2, "noise": 0.05})
        for number in (1, 2):
            f.send_json({"type": "open_round"})
            state_of(f, lambda m: m["phase"] == "open")
            a.send_json({"type": "move", "round": number, "move": "C"})
            f.send_json({"type": "close_round"})
            state_of(f, lambda m: m["phase"] in ("closed", "over"))
        f.send_json({"type": "reveal"})
        s = state_of(f, lambda m: m["reveal"] is not None, limit=50)
        assert s["phase"] == "revealed" and s["reveal"]["replays"] == 3  # as configured
        assert {w["name"] for w in s["reveal"]["what_if"]} == {"Ann", "Bob", "Cy"}
        mine = state_of(a, lambda m: m["reveal"] is not None, limit=50)["reveal"]
        assert mine["what_if"]["moves"].startswith("CC") and mine["tournament_row"]["name"] == "Ann"
        f.send_json({"type": "reveal"})
        assert error_of(f)["code"] == "not_allowed"
        f.send_json({"type": "reset"})
        assert state_of(f, lambda m: m["phase"] == "lobby")["match"] == 1
