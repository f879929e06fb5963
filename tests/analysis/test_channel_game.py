"""The static channel game on the market's demand: the benchmarks bound every arrangement."""

from __future__ import annotations

import pytest

from linkages_sim import load_scenario
from linkages_sim.analysis.channel_game import ARRANGEMENTS, channel_game
from linkages_sim.config.editing import edit_scenario


@pytest.fixture(scope="module")
def game():
    scenario = edit_scenario(load_scenario("baseline"), customers=3_000)
    return channel_game(scenario, seed=5, burn_in=4).set_index("arrangement")


def test_no_arrangement_beats_the_joint_owner(game):
    """The joint owner maximises the channel's margin on this demand: every share <= 1."""
    assert game.loc[ARRANGEMENTS[4], "share_of_joint"] == 1.0
    assert (game["share_of_joint"] <= 1.0 + 1e-6).all()


def test_double_marginalisation_and_its_cures(game):
    """Decentralised < integrated pairs <= coordinated; the textbook cures match integration."""
    share = game["share_of_joint"]
    integrated = share[ARRANGEMENTS[3]]
    assert share[ARRANGEMENTS[2]] < integrated  # Stackelberg: two margins
    for cure in (ARRANGEMENTS[5], ARRANGEMENTS[7]):  # w = c + fee; revenue sharing w = (1-s)c
        assert share[cure] == pytest.approx(integrated, rel=1e-6)
        assert game.loc[cure, "retail_price"] == pytest.approx(
            game.loc[ARRANGEMENTS[3], "retail_price"], rel=1e-6)
    assert share[ARRANGEMENTS[6]] > integrated  # a wholesale price above cost softens competition
    assert share[ARRANGEMENTS[8]] == pytest.approx(1.0, abs=1e-9)  # RPM at the joint prices


def test_the_stackelberg_leader_earns_at_least_the_agreed_margin(game):
    """Setting its wholesale price can only help the supplier (the agreed one is a candidate)."""
    assert (game.loc[ARRANGEMENTS[2], "supplier_margin"]
            >= game.loc[ARRANGEMENTS[1], "supplier_margin"] * (1 - 1e-3))  # fmt: skip


def test_margins_add_up(game):
    """Suppliers' and distributors' margins make the channel's."""
    total = game["supplier_margin"] + game["distributor_margin"]
    assert total.to_numpy() == pytest.approx(game["channel_margin"].to_numpy())
