"""The channel game: seats' moves in place of strategies, bots, observed compliance, replay.

Checked against the market itself: a seat's cut at one review gives the very same market as
`Relationship.deviation` at that review, and what a seat is shown of its partner is what the
next review reads. Small markets (1,000 customers) keep each test to about a second.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from linkages_sim import load_scenario
from linkages_sim.config.editing import edit_scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.workshop.channel import (
    ChannelGame,
    ChannelSeat,
    ChannelSettings,
    review_periods,
    team_move,
)
from linkages_sim.workshop.classic import GameRuleError
from linkages_sim.workshop.debrief import channel_table, market_table
from linkages_sim.workshop.room import Phase, Room
from linkages_sim.workshop.views import facilitator_view, participant_view

CUSTOMERS = 1_000


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("default")


def noisy(scenario, error: float):
    """The scenario with every contract's monitoring error set to ``error``."""
    contracts = [c.model_copy(update={"monitoring_error": error}) for c in scenario.contracts]
    return scenario.model_copy(update={"contracts": contracts})


def play(game: ChannelGame, moves: dict[int, dict[int, str]]) -> None:
    """Play every round; ``moves[round][participant]`` are the moves sent."""
    game.start()
    for number in range(1, game.length + 1):
        game.open()
        for pid, move in moves.get(number, {}).items():
            game.submit(pid, number, move)
        game.close()


def test_a_seats_move_replaces_the_strategy_for_that_review_only(scenario):
    settings = ChannelSettings(rounds=4, customers=CUSTOMERS)
    game = ChannelGame(scenario, settings, seed=7)
    ann = game.admit(1)
    assert ann.key == "acme-north:supplier"
    play(game, {2: {1: "D"}})
    assert ann.actions[1] == "D" and ann.by_bot == [True, False, True, True]
    assert game.periods == [0, 4, 8, 12, 16]

    spec = edit_scenario(scenario, customers=CUSTOMERS, periods=16)
    direct = MarketModel(spec, seed=7)
    direct.relationships[0].deviation = ("supplier", 4)  # the analysis's one-shot deviation
    direct.run(16)
    pd.testing.assert_frame_equal(game.timeseries(), direct.timeseries())
    plain = MarketModel(spec, seed=7)
    plain.run(16)
    assert not game.timeseries().equals(plain.timeseries())  # the cut did change the market


def test_bots_play_empty_and_silent_seats_with_the_chosen_strategy(scenario):
    game = ChannelGame(scenario, ChannelSettings(rounds=2, customers=CUSTOMERS, bot="all-d"), 3)
    game.admit(1)
    play(game, {})  # the one person never moves
    for seat in game.seats:
        assert seat.actions == ["D", "D"] and seat.by_bot == [True, True]
    with pytest.raises(ValueError, match="strategy"):
        ChannelSettings(bot="no-such-strategy")


def test_team_rules():
    seat = ChannelSeat(0, 0, "supplier", "x:supplier", "acme", "north", members=[4, 5, 6])
    assert team_move(seat, {5: "D", 6: "D"}, "captain") is None  # the captain did not move
    assert team_move(seat, {4: "C", 5: "D", 6: "D"}, "captain") == "C"
    assert team_move(seat, {4: "C", 5: "D", 6: "D"}, "majority") == "D"
    assert team_move(seat, {4: "C", 5: "D"}, "majority") == "C"  # a tie: the captain's
    assert team_move(seat, {5: "C", 6: "D"}, "majority") is None  # a tie, no captain: bot
    assert team_move(ChannelSeat(1, 0, "distributor", "k", "n", "a"), {}, "majority") is None


def test_majority_team_and_errors(scenario):
    settings = ChannelSettings(rounds=1, customers=CUSTOMERS, rule="majority")
    game = ChannelGame(scenario, settings, seed=1)
    for pid in (1, 2, 3):
        game.move_to(pid, "bravo-south:distributor")
    game.start()
    game.open()
    game.submit(2, 1, "D")
    with pytest.raises(GameRuleError) as err:
        game.submit(2, 1, "C")
    assert err.value.code == "already_moved"
    with pytest.raises(GameRuleError) as err:
        game.submit(3, 1, "D", seat="acme-north:supplier")
    assert err.value.code == "not_your_seat"
    with pytest.raises(GameRuleError) as err:
        game.move_to(1, "acme-north:supplier")
    assert err.value.code == "not_allowed"  # seats change between rounds
    assert sorted(game.waiting_for()) == [1, 3]
    game.submit(3, 1, "D")
    game.close()
    assert game.by_key["bravo-south:distributor"].actions == ["D"]
    assert game.by_key["bravo-south:distributor"].by_bot == [False]


@pytest.mark.parametrize("error", [0.0, 0.3])
def test_the_partner_is_shown_as_the_next_review_reads_it(scenario, error):
    game = ChannelGame(noisy(scenario, error), ChannelSettings(rounds=3, customers=CUSTOMERS), 5)
    game.admit(1)
    game.start()
    misread = 0
    for number in (1, 2, 3):
        game.open()
        if number == 1:
            game.submit(1, 1, "D")
        game.close()
        for seat in game.seats:
            partner = next(s for s in game.seats
                           if s.contract == seat.contract and s.side != seat.side)  # fmt: skip
            shown = seat.results[-1]["observed"]
            truth = {c["clause"]: c["met"] for c in partner.results[-1]["own_compliance"]}
            assert [o["clause"] for o in shown] == list(truth)
            misread += sum(o["met"] != truth[o["clause"]] for o in shown)
            assert set().union(*(o.keys() for o in shown)) == {"clause", "met"}
    if error == 0.0:
        assert misread == 0
    else:
        assert misread > 0  # the monitoring noise reaches the phones

    # the reading shown after round 2 is what the review opening round 3 read: same verdict,
    # same trust
    r = game.relationship(game.seats[0])
    shown = game.seats[0].results[1]
    assert r.seen_by_supplier[1] == ("C" if all(o["met"] for o in shown["observed"]) else "D")
    assert game.seats[0].results[2]["trust"] != shown["trust"] or error == 0.0


def test_a_participant_never_sees_the_partners_figures(scenario):
    room = Room("CHAN", seed=4, scenario=scenario)
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=2, customers=CUSTOMERS))
    ann, bob = room.join("Ann"), room.join("Bob")
    assert room.channel.seat_of(bob.id).key == "acme-north:distributor"
    room.open_round()
    room.submit(ann.id, 1, "C", seat="acme-north:supplier")
    room.close_round()
    view = participant_view(room, ann.id)
    text = json.dumps(view)
    partner = room.channel.seat_of(bob.id)
    theirs = partner.results[0]
    for value in (theirs["profit"], theirs["market_share"], theirs["satisfaction"]):
        assert json.dumps(value) not in text
    for clause in theirs["own_compliance"]:
        if isinstance(clause["value"], float) and clause["value"] not in (0.0, 1.0):
            assert json.dumps(clause["value"]) not in text
    last = view["history"][-1]
    assert last["profit"] == room.channel.seat_of(ann.id).results[0]["profit"]
    assert {k for o in last["observed"] for k in o} == {"clause", "met"}
    assert bob.token not in text
    assert facilitator_view(room, "http://x")["seats"][1]["kpis"][0]["profit"] == theirs["profit"]


def test_a_replayed_session_is_the_same_market(scenario):
    room = Room("REPL", seed=12, scenario=noisy(scenario, 0.1))
    room.join("Ann")
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=3, customers=CUSTOMERS, bot="gtft"))
    bob = room.join("Bob")
    room.take_seat(bob.id, "bravo-central:supplier")
    for number in (1, 2, 3):
        room.open_round()
        room.submit(bob.id, number, "D" if number == 2 else "C")
        if number < 3:
            room.close_round()
    room.pause(left=5.0)
    again = Room.replay("REPL", room.log)
    assert again.log == room.log and again.phase == Phase.PAUSED
    assert facilitator_view(again, "u") == facilitator_view(room, "u")
    assert participant_view(again, bob.id) == participant_view(room, bob.id)
    again.resume()
    again.close_round()
    room.resume()
    room.close_round()
    pd.testing.assert_frame_equal(again.channel.timeseries(), room.channel.timeseries())
    table = channel_table(room)
    assert len(table) == 3 * 12 and set(table["action"]) == {"keep", "cut"}
    bob_rows = table[table["seat"] == "bravo-central:supplier"]
    assert list(bob_rows["by_bot"]) == [False, False, False] and bob_rows["team"].iloc[0] == "Bob"
    assert len(market_table(room)) == len(room.channel.timeseries())
    room.reset()  # a new game keeps the teams and draws a fresh market
    assert room.channel.seat_of(bob.id).key == "bravo-central:supplier"
    assert room.phase == Phase.LOBBY and len(channel_table(room)) == 36


def test_review_periods_follow_the_fastest_cadence(scenario):
    assert review_periods(scenario, 3) == [0, 4, 8, 12]
    contracts = list(scenario.contracts)
    contracts[0] = contracts[0].model_copy(update={"review_every": 2})
    mixed = scenario.model_copy(update={"contracts": contracts})
    assert review_periods(mixed, 4) == [0, 2, 4, 6, 8]
    game = ChannelGame(mixed, ChannelSettings(rounds=2, customers=CUSTOMERS), 2)
    game.admit(1)  # acme-north's supplier, reviewed every 2 periods
    game.admit(2)
    game.move_to(2, "acme-central:supplier")  # reviewed every 4
    game.start()
    game.open()
    game.close()
    game.open()
    assert game.waiting_for() == [1]
    with pytest.raises(GameRuleError, match="not reviewed"):
        game.submit(2, 2, "D")
    game.close()
    assert game.by_key["acme-central:supplier"].actions == ["C", None]


def test_the_projector_gets_the_store_map_and_each_stores_sales_of_the_latest_round(scenario):
    room = Room("MAPS", seed=6, scenario=scenario)
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=2, customers=CUSTOMERS))
    lobby = facilitator_view(room, "u")["map"]
    assert (lobby["width_km"], lobby["height_km"]) == (20.0, 20.0) and lobby["sales"] is None
    first = lobby["stores"][0]
    assert (first["id"], first["distributor"], first["x"], first["y"]) == ("n1", "north", 4.0, 16.0)
    assert len(lobby["stores"]) == 8 and {s["segment"] for s in lobby["centres"]} == {
        "families", "urban", "value"}  # fmt: skip
    assert lobby["distributors"][0]["name"] == "North Retail"
    for _ in (1, 2):
        room.open_round()
        room.close_round()
    sales = facilitator_view(room, "u")["map"]["sales"]
    assert sales["round"] == 2 and sales["periods"] == [4, 8]
    ts = room.channel.timeseries()
    weeks = ts[ts["period"].between(4, 7)]
    stores = weeks[(weeks["level"] == "store") & (weeks["metric"] == "retail_revenue")]
    by_store = stores.groupby("id")["value"].sum()
    spend = weeks.loc[weeks["metric"] == "customer_spend", "value"].sum()
    assert sales["customer_spend"] == pytest.approx(spend)
    for store, row in sales["stores"].items():
        assert row["retail_revenue"] == pytest.approx(by_store[store])
        assert row["share"] == pytest.approx(by_store[store] / spend)
    assert sum(r["share"] for r in sales["stores"].values()) == pytest.approx(1.0)
    last = ts[(ts["period"] == 7) & (ts["level"] == "store") & (ts["metric"] == "customers_active")]
    assert sales["stores"]["c1"]["customers_active"] == last.set_index("id")["value"]["c1"]
