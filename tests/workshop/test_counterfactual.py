"""The channel game's debrief counterfactuals: the same market replayed with other moves.

The replay of the moves played must be the game itself, bit for bit (same random numbers),
for a session's first game and for a later one (which draws afresh); people's moves stay
fixed while bots react; always cutting costs a seat its partner's trust (a supplier's
partner drops the brand). Then the debrief, the exports and the server carry the tables.
Small markets (1,000 customers, 2-4 rounds) and, where the whole record is computed, a
market of two contracts keep the file to a few seconds.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from starlette.testclient import TestClient

from linkages_sim import load_scenario
from linkages_sim.workshop.channel import ChannelGame, ChannelSettings
from linkages_sim.workshop.counterfactual import (
    ALTERNATIVES,
    GamePlan,
    counterfactuals,
    fresh_game,
    replay,
)
from linkages_sim.workshop.debrief import (
    COUNTERFACTUAL_COLUMNS,
    channel_table,
    counterfactual_table,
    debrief_markdown,
    write_exports,
)
from linkages_sim.workshop.room import Room
from linkages_sim.workshop.server import ServerConfig, create_app
from linkages_sim.workshop.store import EventStore
from linkages_sim.workshop.views import facilitator_view, participant_view
from tests.workshop.support import FakeClock, state_of

CUSTOMERS = 1_000
TOKEN = "d" * 48
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ANN = "<b>Ann|</b>"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("default")


@pytest.fixture(scope="module")
def small(scenario):
    """The default market with its first two contracts only: 4 seats, 15 replays."""
    return scenario.model_copy(update={"contracts": scenario.contracts[:2]})


def noisy(scenario, error: float):
    contracts = [c.model_copy(update={"monitoring_error": error}) for c in scenario.contracts]
    return scenario.model_copy(update={"contracts": contracts})


def played(scenario, rounds: int, moves: dict, seed: int = 9, **settings):
    """A game whose seat ``key`` is a person who plays ``moves[key][round - 1]``: a whole move
    ("C", "D"), a tuple of the levers to cut, or "-" (no move)."""
    game = ChannelGame(scenario, ChannelSettings(rounds=rounds, customers=CUSTOMERS, **settings),
                       seed)  # fmt: skip
    people = {}
    for pid, key in enumerate(moves, start=1):
        game.move_to(pid, key)
        people[key] = pid
    game.start()
    for number in range(1, rounds + 1):
        game.open()
        for key, letters in moves.items():
            choice = letters[number - 1]
            if choice == "-" or not game.decides(game.by_key[key]):
                continue
            if isinstance(choice, tuple):
                game.submit(people[key], number, cuts=list(choice))
            else:
                game.submit(people[key], number, choice)
        game.close()
    return game


WHOLE = {"acme-north:supplier": "CDC", "acme-north:distributor": "C-D",
         "bravo-south:supplier": "DDC"}  # fmt: skip
BY_LEVER = {"acme-north:supplier": ["C", ("quality",), ("fill_rate", "new_products")],
            "acme-north:distributor": [("data",), "-", ("price", "service")],
            "bravo-south:supplier": ["D", ("new_products",), "C"]}  # fmt: skip


@pytest.mark.parametrize("moves", [WHOLE, BY_LEVER], ids=["whole-moves", "lever-by-lever"])
def test_replaying_the_moves_played_is_the_game_itself(scenario, moves):
    # people at three seats (one misses round 2: the bot plays it), bots elsewhere, noise;
    # whole moves, or some levers cut
    game = played(noisy(scenario, 0.1), 3, moves, bot="gtft")
    late = game.by_key["acme-north:distributor"]
    assert late.by_bot == [False, True, False] and late.chosen[1] is None
    if moves is BY_LEVER:
        assert game.by_key["acme-north:supplier"].cuts[1] == {"quality"}
        assert late.chosen[0] == {"data"} and late.actions[0] == "D"
    plan = GamePlan.of(game)
    start = fresh_game(plan)
    for other in (replay(plan, {0: "all-d"}, start), replay(plan, {2: "all-d"}, start)):
        assert not other.timeseries().equals(game.timeseries())  # each replay its own copy
    for again in (replay(plan, start=start), replay(plan)):
        pd.testing.assert_frame_equal(again.timeseries(), game.timeseries())
        for mine, theirs in zip(again.seats, game.seats, strict=True):
            assert (mine.actions, mine.cuts, mine.by_bot, mine.results) == (
                theirs.actions, theirs.cuts, theirs.by_bot, theirs.results)  # fmt: skip
    assert start.played == 0 and start.model.steps == 0  # the copied start is left untouched


def test_a_later_game_of_the_session_replays_with_its_own_fresh_draws(small):
    room = Room("LATE", seed=21, scenario=small)
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=2, customers=CUSTOMERS))
    ann = room.join("Ann")
    games = []
    for _ in range(2):
        for number in (1, 2):
            room.open_round()
            room.submit(ann.id, number, "D" if number == 2 else "C")
        games.append(room.channel)
        room.reset()
    first, second = games
    assert second.index == 1 and not first.timeseries().equals(second.timeseries())
    pd.testing.assert_frame_equal(replay(GamePlan.of(second)).timeseries(), second.timeseries())


def test_always_cutting_costs_the_partners_trust_and_a_supplier_its_shelf(scenario):
    game = played(scenario, 4, {"acme-north:supplier": "CCCC",
                                "acme-north:distributor": "CCCC"})  # fmt: skip
    plan = GamePlan.of(game)
    start = fresh_game(plan)
    supplier, distributor = 0, 1
    outcomes = {(i, k): replay(plan, {i: k}, start) for i in (supplier, distributor)
                for k in ("all-c", "all-d")}  # fmt: skip
    r = {key: g.relationship(g.seats[0]) for key, g in outcomes.items()}
    # the supplier cuts at every review: three breaches read, the distributor's trust falls
    # below 0.2 and it drops the brand at the fourth review
    assert r[supplier, "all-d"].breaks == [12] and not r[supplier, "all-d"].active
    assert r[supplier, "all-d"].distributor_trust < scenario.contracts[0].trust.break_below
    assert r[supplier, "all-c"].active and r[supplier, "all-c"].distributor_trust > 0.7
    assert outcomes[supplier, "all-d"].seats[0].actions == ["D", "D", "D", None]
    # the distributor cuts: the supplier's trust falls, but only the distributor's breaks
    assert r[distributor, "all-d"].supplier_trust < 0.2 < r[distributor, "all-c"].supplier_trust
    assert r[distributor, "all-d"].active


def test_people_stay_as_they_played_while_bots_react(scenario):
    # acme-north: two people who kept every clause; bravo-north: a person and a tft bot
    game = played(scenario, 3, {"acme-north:supplier": "CCC", "acme-north:distributor": "CCC",
                                "bravo-north:supplier": "CCC"}, bot="tft")  # fmt: skip
    plan = GamePlan.of(game)
    start = fresh_game(plan)
    by_person = replay(plan, {0: "all-d"}, start)  # Ann cuts; Bob's moves are his
    assert by_person.by_key["acme-north:distributor"].actions == ["C", "C", "C"]
    bravo = next(i for i, s in enumerate(game.seats) if s.key == "bravo-north:supplier")
    by_bot = replay(plan, {bravo: "all-d"}, start)  # the bot reads the cuts and answers
    assert game.by_key["bravo-north:distributor"].actions == ["C", "C", "C"]
    assert by_bot.by_key["bravo-north:distributor"].actions == ["C", "D", "D"]
    # tft against people who kept: the same moves, so the very same market
    pd.testing.assert_frame_equal(replay(plan, {0: "tft"}, start).timeseries(),
                                  game.timeseries())  # fmt: skip


def test_replays_in_a_thread_never_run_the_markets_kernels_beside_the_loops():
    # numba's workqueue layer (its fallback without TBB or OpenMP) aborts the process when two
    # threads run parallel kernels at once; `channel.MARKET_LOCK` takes turns, period by
    # period (without it this script aborts, exit code 134)
    script = textwrap.dedent("""
        import threading
        from linkages_sim import load_scenario
        from linkages_sim.workshop.channel import ChannelGame, ChannelSettings
        from linkages_sim.workshop.counterfactual import GamePlan, replay

        scenario, settings = load_scenario("default"), ChannelSettings(rounds=4, customers=1000)
        game = ChannelGame(scenario, settings, seed=1)
        game.start()
        for _ in range(4):
            game.play_round([None] * 12)
        plan = GamePlan.of(game)
        worker = threading.Thread(target=lambda: [replay(plan, {0: "all-d"}) for _ in range(3)])
        worker.start()
        for seed in (2, 3, 4):  # meanwhile, on the "loop": another session's game
            other = ChannelGame(scenario, settings, seed=seed)
            other.start()
            for _ in range(4):
                other.play_round([None] * 12)
        worker.join()
        print("ok")
    """)  # fmt: skip
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-500:]


@pytest.fixture(scope="module")
def room(small):
    """A finished channel game of the small market: Ann cuts once, Bob keeps, bots elsewhere."""
    room = Room("CFAC", seed=5, scenario=small)
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=2, customers=CUSTOMERS))
    ann, bob = room.join(ANN), room.join("Bob")
    for number in (1, 2):
        room.open_round()
        room.submit(ann.id, number, "D" if number == 1 else "C")
        room.submit(bob.id, number, "C")
        if room.phase == "open":
            room.close_round()
    assert room.phase == "over"
    return room


def test_the_record_compares_each_seat_and_the_room_with_the_extremes(room):
    game = room.channel
    record = counterfactuals(GamePlan.of(game))
    assert [a["key"] for a in record["alternatives"]] == list(ALTERNATIVES)
    table = channel_table(room)
    for row, seat in zip(record["seats"], game.seats, strict=True):
        assert row["actual"]["profit"] == table.loc[table["seat"] == seat.key, "profit"].sum()
        assert row["actual"]["moves"] == "".join("K" if a == "C" else "X" for a in seat.actions)
        for key in ALTERNATIVES:
            assert row[key]["difference"] == row[key]["profit"] - row["actual"]["profit"]
    ann = record["seats"][0]
    assert ann["team_rounds"] == 2 and ann["actual"]["moves"] == "XK"
    assert ann["all-d"]["moves"] == "XX" and ann["all-c"]["moves"] == "KK"
    assert ann["all-d"]["partner_moves"] == "KK"  # Bob's moves are his
    actual, keep, cut = record["room"]
    ts = game.timeseries()
    market = ts[ts["level"] == "market"]
    assert actual["churned"] == market.loc[market["metric"] == "churned", "value"].sum()
    assert actual["profit"] == pytest.approx(
        ts.loc[ts["level"].isin(["supplier", "distributor"]) & (ts["metric"] == "profit"),
               "value"].sum())  # fmt: skip
    assert set(actual["brand_equity"]) == {"acme", "bravo"}
    assert cut["profit"] < actual["profit"] and cut["churned"] > keep["churned"]
    assert cut["brand_equity"]["acme"] < keep["brand_equity"]["acme"]
    assert cut["difference"]["profit"] == cut["profit"] - actual["profit"]


def test_the_debrief_and_the_exports_carry_the_tables(room, tmp_path):
    assert not room.counterfactuals
    written = write_exports(room, [], tmp_path)  # computes them once, for every file
    assert room.counterfactuals[0]["rounds"] == 2
    assert {"counterfactuals.csv", "counterfactuals.parquet"} <= {p.name for p in written}
    text = (tmp_path / "debrief.md").read_text(encoding="utf-8")
    assert "### Had each seat played otherwise" in text
    head = "| Seat | Team | Moves | Profit as played | tit-for-tat | always keep | always cut |"
    assert head in text
    assert "\\<b\\>Ann\\|\\</b\\>" in text and ANN not in text  # a name cannot become markup
    assert "### The room's choices against the two extremes" in text
    assert "| Customers churned |" in text and "| Brand equity of acme |" in text
    table = pd.read_parquet(tmp_path / "counterfactuals.parquet")
    assert list(table.columns) == COUNTERFACTUAL_COLUMNS
    assert len(table) == 4 * 4 * 5 + 3 * (5 + 2)  # seats x replays x metrics; room rows
    pd.testing.assert_frame_equal(table, counterfactual_table(room))
    csv = pd.read_csv(tmp_path / "counterfactuals.csv")
    assert len(csv) == len(table) and set(csv["scope"]) == {"seat", "room"}
    profit = table[(table["seat"] == "acme-north:supplier") & (table["metric"] == "profit")]
    assert list(profit["alternative"]) == ["actual", "tft", "all-c", "all-d"]
    assert (profit["actual"] == profit["value"].iloc[0]).all()
    assert set(table.loc[table["scope"] == "seat", "team"]) >= {ANN, "Bob", ""}
    assert debrief_markdown(room, []) == text  # the cached record: the same report


def test_a_game_still_being_played_has_no_counterfactuals_yet(small):
    room = Room("OPEN", seed=2, scenario=small)
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=3, customers=CUSTOMERS))
    room.open_round()
    room.close_round()
    assert room.ended_channel_games() == []
    assert "computed when the game ends" in debrief_markdown(room, [])
    assert counterfactual_table(room).empty
    assert facilitator_view(room, "u")["counterfactuals"] is None


def test_the_server_computes_them_when_the_game_ends_and_after_a_resume(small, tmp_path):
    clock = FakeClock()
    db = tmp_path / "w.sqlite"

    def app_of(resume=()):
        return create_app(ServerConfig(
            facilitator_token=TOKEN, public_url="http://testserver", burst=500,
            rate_per_second=500, http_burst=500, clock=clock, store=EventStore(db, now=clock),
            resume=tuple(resume), scenario=small))  # fmt: skip

    app = app_of()
    with TestClient(app) as client:
        code = client.post("/api/sessions", headers=AUTH, json={"seed": 3}).json()["code"]
        ann = client.post("/api/join", json={"code": code, "name": ANN}).json()["token"]
        with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as a:
            f.send_json({"type": "hello", "role": "facilitator", "token": TOKEN, "code": code})
            a.send_json({"type": "hello", "role": "participant", "token": ann})
            f.send_json({"type": "activity", "activity": "channel"})
            f.send_json({"type": "channel_settings", "rounds": 2, "customers": CUSTOMERS})
            state_of(f, lambda m: m.get("channel_settings", {}).get("rounds") == 2)
            seat = "acme-north:supplier"
            for number, action in ((1, "cut"), (2, "keep")):
                f.send_json({"type": "open_round"})
                state_of(a, lambda m, n=number: m["phase"] == "open" and m["round"]["number"] == n)
                a.send_json({"type": "choose", "round": number, "seat": seat, "action": action})
            over = state_of(f, lambda m: m["phase"] == "over", limit=60)
            assert over["counterfactuals"] is None or over["counterfactuals"]["rounds"] == 2
            done = state_of(f, lambda m: m.get("counterfactuals") is not None, limit=60)
            assert not done["counterfactuals_pending"] and done["counterfactual_error"] is None
            ann_row = done["counterfactuals"]["seats"][0]
            assert ann_row["seat"] == seat and ann_row["actual"]["moves"] == "XK"
            mine = state_of(a, lambda m: m.get("counterfactual") is not None, limit=60)
            line = mine["counterfactual"]
            assert [x["key"] for x in line["alternatives"]] == list(ALTERNATIVES)
            assert line["actual"]["profit"] == ann_row["actual"]["profit"]
            assert "partner_moves" not in str(line)  # the phone learns nothing of the partner
        replayed = client.get(f"/api/sessions/{code}/replay", headers=AUTH).json()
        assert replayed["state"]["counterfactuals"] == done["counterfactuals"]
        early = client.get(f"/api/sessions/{code}/replay?upto=8", headers=AUTH).json()
        assert early["state"]["counterfactuals"] is None  # that history: the game was not over
        csv = client.get(f"/api/sessions/{code}/export/counterfactuals.csv", headers=AUTH)
        assert csv.status_code == 200 and ann not in csv.text
        assert len(pd.read_csv(io.StringIO(csv.text))) == 4 * 4 * 5 + 3 * (5 + 2)
    record = done["counterfactuals"]
    app = app_of(resume=[code])  # a restart: the room is replayed and computes them again
    with TestClient(app) as client:
        room = app.state.hub.rooms[code]
        with client.websocket_connect("/ws") as f:
            f.send_json({"type": "hello", "role": "facilitator", "token": TOKEN, "code": code})
            again = state_of(f, lambda m: m.get("counterfactuals") is not None, limit=60)
        assert again["counterfactuals"] == record and room.counterfactuals[0] == record
        assert participant_view(room, 1)["counterfactual"] == line
