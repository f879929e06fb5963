"""Participation: the default's contracts are win-win, and shortfalls are named."""

from __future__ import annotations

import pytest

from linkages_sim import load_scenario, payoff_matrix
from linkages_sim.analysis.participation import participation, participation_warnings
from linkages_sim.config.editing import edit_scenario

DEFAULT = load_scenario("default")


@pytest.mark.parametrize("contract", [c.key for c in DEFAULT.contracts])
def test_every_default_contract_is_win_win_under_mutual_cooperation(contract):
    """Both sides' surplus over their outside options is positive at 95% (paired by seed)."""
    m = payoff_matrix(DEFAULT, contract, replications=4, seed=42, customers=20_000)
    assert m.win_win, m.as_dict()["surplus_over_outside_option"]
    assert m.outside.supplier == m.outside.distributor == 1_000.0


def test_a_high_outside_option_breaks_participation():
    """An outside option above what the contract can earn is named, party and contract."""

    def greedy(data):
        data["contracts"][0]["outside_options"] = {"supplier": 0.0, "distributor": 1e9}

    scenario = edit_scenario(DEFAULT, greedy, source="test")
    warnings = participation_warnings(scenario)
    assert len(warnings) == 1
    assert "contracts[id=acme-north]" in warnings[0] and "distributor" in warnings[0]
    assert participation_warnings(DEFAULT) == []


def test_payoff_matrix_surplus_falls_by_the_outside_option():
    """The surplus is profit less profit without the contract less the outside option."""

    def option(value):
        def change(data):
            for c in data["contracts"]:
                c["outside_options"] = {"supplier": value, "distributor": value}
        return edit_scenario(DEFAULT, change, source="test")

    low = payoff_matrix(option(0.0), "acme-south", replications=2, seed=3, customers=3_000)
    high = payoff_matrix(option(500.0), "acme-south", replications=2, seed=3, customers=3_000)
    for party in ("supplier", "distributor"):
        assert low.surplus(party)["CC"]["mean"] - high.surplus(party)["CC"]["mean"] == (
            pytest.approx(500.0))


def test_participation_margins_count_the_contracts_own_costs():
    """The distributor's margin is net of data sharing; raising the fee moves it to the supplier."""

    def fee(data):
        data["contracts"][0]["franchise_fee"] = 2_000.0

    base = participation(DEFAULT)[0]
    charged = participation(edit_scenario(DEFAULT, fee, source="test"))[0]
    assert charged.supplier_margin == pytest.approx(base.supplier_margin + 2_000.0)
    assert charged.distributor_margin == pytest.approx(base.distributor_margin - 2_000.0)
