"""The channel game: seats' moves in place of strategies, bots, observed compliance, replay.

Checked against the market itself: a seat's cut at one review gives the very same market as
`Relationship.deviation` at that review, a cut of every lever is that cut bit for bit, a cut of
quality alone is read as a breach of the quality clause only, and what a seat is shown of its
partner is what the next review reads. Small markets (1,000 customers) keep each test to about
a second.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from linkages_sim import load_scenario
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import CLAUSE_METRICS, Clause
from linkages_sim.market.model import MarketModel
from linkages_sim.market.relationships import LEVERS
from linkages_sim.workshop.channel import (
    ChannelGame,
    ChannelSeat,
    ChannelSettings,
    lever_of,
    review_periods,
    team_cuts,
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
    assert team_move(seat, {4: "D", 5: "C"}, "majority") == "D"
    assert team_move(seat, {5: "C", 6: "D"}, "majority") == "C"  # a tie, no captain: kept
    assert team_move(ChannelSeat(1, 0, "distributor", "k", "n", "a"), {}, "majority") is None


def test_team_rules_lever_by_lever():
    """Captain: the captain's levers. Majority: lever by lever among those who moved; a tie is
    the captain's choice on that lever, kept without the captain; no one moved: the bot."""
    seat = ChannelSeat(0, 0, "supplier", "x:supplier", "acme", "north", members=[4, 5, 6])
    q, f, n = "quality", "fill_rate", "new_products"
    votes = {4: frozenset({q}), 5: frozenset({q, f}), 6: frozenset({f, n})}
    assert team_cuts(seat, votes, "captain") == {q}
    assert team_cuts(seat, {5: frozenset({q})}, "captain") is None  # the captain did not move
    assert team_cuts(seat, votes, "majority") == {q, f}  # two of three cut each; n one of three
    # ties: the captain's choice on each tied lever
    assert team_cuts(seat, {4: frozenset({q}), 5: frozenset({f})}, "majority") == {q}
    assert team_cuts(seat, {4: frozenset(), 5: frozenset({q, f, n})}, "majority") == set()
    # a tie without the captain's vote keeps the lever; a clear majority still cuts
    no_captain = {5: frozenset({q}), 6: frozenset({f})}
    assert team_cuts(seat, no_captain, "majority") == set()
    three = ChannelSeat(1, 0, "distributor", "y:distributor", "north", "acme",
                        members=[4, 5, 6, 7])  # fmt: skip
    votes = {5: frozenset({"data", "price"}), 6: frozenset({"data"}), 7: frozenset({"price"})}
    assert team_cuts(three, votes, "majority") == {"data", "price"}  # 2 of 3 each; service 0
    assert team_cuts(three, {5: frozenset({"data"}), 6: frozenset()}, "majority") == set()
    assert team_cuts(three, {}, "majority") is None  # no one moved: the bot plays the seat


def test_every_clause_metric_answers_to_one_lever_of_its_own_side(scenario):
    for metric, spec in CLAUSE_METRICS.items():
        assert lever_of(metric) in LEVERS[spec.party], metric
    assert lever_of("price_deviation") == "price" and lever_of("service_trust") == "service"
    # a seat's levers list its own clauses: two service clauses, and no clause for the data
    c = scenario.contracts[0]
    clauses = [Clause(metric="service_level", threshold=0.4),
               Clause(metric="greeting_time_s", threshold=40.0)]  # fmt: skip
    contracts = [c.model_copy(update={"distributor_clauses": clauses}), *scenario.contracts[1:]]
    game = ChannelGame(scenario.model_copy(update={"contracts": contracts}), ChannelSettings(), 1)
    price, service, data = game.levers(game.seats[1])
    assert [x["metric"] for x in service["clauses"]] == ["service_level", "greeting_time_s"]
    assert "no cut moves it" in service["consequence"] and service["read"] == "clauses"
    assert (price["clauses"], price["read"]) == ([], "unread")  # no price band clause here
    assert data["name"] == "Data sharing" and "1,500 a week" in data["consequence"]


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


def lever_game(scenario, first: dict, rounds: int = 2, seed: int = 7) -> ChannelGame:
    """acme-north's supplier (participant 1) and distributor (2) send ``first`` in round 1:
    {participant: a whole move, "C" or "D", or a list of levers to cut}; no one moves later."""
    game = ChannelGame(scenario, ChannelSettings(rounds=rounds, customers=CUSTOMERS), seed)
    game.admit(1)
    game.admit(2)
    game.start()
    for number in range(1, rounds + 1):
        game.open()
        for pid, choice in (first.items() if number == 1 else ()):
            if isinstance(choice, str):
                game.submit(pid, number, choice)
            else:
                game.submit(pid, number, cuts=choice)
        game.close()
    return game


def test_a_supplier_that_cuts_quality_only_is_read_as_breaching_the_quality_clause_only(scenario):
    """Through the game to the market: quality (and its cost saving) is cut, deliveries and new
    products are kept; the partner reads one breach, and its tit-for-tat bot answers with a cut."""
    game = lever_game(scenario, {1: ["quality"]})
    supplier, distributor = game.seats[0], game.seats[1]
    r = game.relationship(supplier)
    assert supplier.actions == ["D", "C"] and supplier.cuts[0] == {"quality"}
    assert supplier.chosen == [frozenset({"quality"}), None] and supplier.by_bot == [False, True]
    assert supplier.cuts[1] == frozenset()  # round 2: the bot's whole C cuts none
    assert supplier.votes[0] == {1: frozenset({"quality"})}
    first = supplier.results[0]
    measured = {c["clause"]: c["met"] for c in first["own_compliance"]}
    assert measured == {"quality": False, "fill_rate": True, "new_product_within": True}
    read = {o["clause"]: o["met"] for o in distributor.results[0]["observed"]}
    assert read == measured  # no monitoring error in the default market: read as measured
    assert {o["clause"]: o["met"] for o in first["read_of_you"]} == measured
    assert r.seen_by_distributor == ["D"]  # one clause breached: the review reads a cut
    assert distributor.actions == ["C", "D"]  # its tit-for-tat bot answers at the next review
    # the whole cut also misses the fill rate; the quality cut alone delivers in full
    whole = lever_game(scenario, {1: "D"})
    fill = {c["clause"]: c["value"] for c in whole.seats[0].results[0]["own_compliance"]}
    assert fill["fill_rate"] < 0.95 <= first["own_compliance"][1]["value"]
    assert not whole.timeseries().equals(game.timeseries())


def test_cutting_every_lever_or_none_is_the_whole_move_bit_for_bit(scenario):
    all_levers = {1: list(LEVERS["supplier"]), 2: []}
    by_lever, whole = lever_game(scenario, all_levers), lever_game(scenario, {1: "D", 2: "C"})
    pd.testing.assert_frame_equal(by_lever.timeseries(), whole.timeseries())
    for a, b in zip(by_lever.seats, whole.seats, strict=True):
        assert (a.actions, a.cuts, a.chosen, a.results) == (b.actions, b.cuts, b.chosen, b.results)
    some = lever_game(scenario, {1: ["fill_rate"], 2: ["data"]})
    assert not some.timeseries().equals(whole.timeseries())
    assert some.seats[1].cuts[0] == {"data"} and some.seats[1].actions[0] == "D"


def test_lever_choices_are_checked(scenario):
    game = ChannelGame(scenario, ChannelSettings(rounds=1, customers=CUSTOMERS), seed=1)
    game.admit(1)  # acme-north's supplier
    game.start()
    game.open()
    for kwargs, message in [
        ({"cuts": ["quality", "charm"]}, "'charm' is not a lever"),
        ({"cuts": ["price"]}, "'price' is a distributor's lever; a supplier cuts quality"),
        ({"cuts": ["quality", "quality"]}, "named twice"),
        ({"cuts": "quality"}, "a list of lever names"),
        ({"move": "C", "cuts": []}, "not both"),
        ({}, "send a whole move"),
        ({"move": "keep"}, "'keep' is not a move"),
    ]:
        with pytest.raises(GameRuleError, match=message) as err:
            game.submit(1, 1, **kwargs)
        assert err.value.code == "invalid", kwargs
    assert game.pending == {}
    game.submit(1, 1, cuts=[])  # keeping every lever, sent lever by lever
    assert game.pending == {1: frozenset()}
    game.close()
    assert game.seats[0].actions == ["C"] and game.seats[0].cuts == [frozenset()]


def test_a_replayed_session_with_lever_choices_is_the_same_market(scenario):
    room = Room("LEVR", seed=8, scenario=scenario)
    room.set_activity("channel")
    room.update_channel_settings(ChannelSettings(rounds=2, customers=CUSTOMERS,
                                                 rule="majority"))  # fmt: skip
    ann, bob, cy = room.join("Ann"), room.join("Bob"), room.join("Cy")
    room.take_seat(cy.id, "acme-north:supplier")  # a team of two: Ann (captain) and Cy
    room.open_round()
    room.submit(ann.id, 1, None, seat="acme-north:supplier", cuts=["new_products", "quality"])
    room.submit(cy.id, 1, None, cuts=["quality"])
    room.submit(bob.id, 1, "C", seat="acme-north:distributor")
    room.open_round()
    room.submit(ann.id, 2, None, cuts=["fill_rate"])
    assert room.log[-1] == {"event": "move", "id": ann.id, "round": 2, "move": "D",
                            "cuts": ["fill_rate"]}  # fmt: skip
    moves = [r for r in room.log if r["event"] == "move"]
    assert moves[0]["cuts"] == ["quality", "new_products"]  # in the side's lever order
    assert "cuts" not in moves[2] and moves[2]["move"] == "C"
    room.pause(left=10.0)
    again = Room.replay("LEVR", room.log)
    assert again.log == room.log and again.channel.pending == {ann.id: frozenset({"fill_rate"})}
    for pid in (ann.id, bob.id, cy.id):
        assert participant_view(again, pid) == participant_view(room, pid)
    assert facilitator_view(again, "u") == facilitator_view(room, "u")
    team = room.channel.by_key["acme-north:supplier"]
    # quality: both cut; new products: a tie, the captain's cut
    assert team.cuts == [frozenset({"quality", "new_products"})]
    mine = participant_view(room, cy.id)
    assert mine["history"][0]["cuts"] == ["quality", "new_products"]
    assert mine["history"][0]["your_cuts"] == ["quality"]
    assert mine["your_cuts"] is None and participant_view(room, ann.id)["your_cuts"] == [
        "fill_rate"]  # fmt: skip
    levers = mine["seat"]["levers"]
    assert [x["lever"] for x in levers] == list(LEVERS["supplier"])
    assert levers[0]["clauses"][0]["threshold"] == 0.7 and "unit cost" in levers[0]["consequence"]
    assert facilitator_view(room, "u")["seats"][0]["cuts"] == [["quality", "new_products"]]
    for r in (room, again):
        r.resume()
        r.close_round()
    pd.testing.assert_frame_equal(again.channel.timeseries(), room.channel.timeseries())
    table = channel_table(room)
    rows = table[table["seat"] == "acme-north:supplier"]
    assert list(rows["cuts"]) == ["quality,new_products", "fill_rate"]
    assert list(rows["chosen"]) == ["quality,new_products", "fill_rate"]
    assert json.loads(rows["lever_votes"].iloc[0]) == {"quality": 2, "fill_rate": 0,
                                                       "new_products": 1}  # fmt: skip
    assert list(rows["votes_cut"]) == [2, 1] and list(rows["action"]) == ["cut", "cut"]
    keep = table[table["seat"] == "acme-north:distributor"]
    assert keep["cuts"].iloc[0] == "" and keep["votes_keep"].iloc[0] == 1
