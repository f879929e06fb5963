"""Lever-by-lever moves (`External.choose`, `Relationship.lever_action`): a party may cut some
of its levers only; cutting all is a defection, cutting none cooperation, bit for bit."""

from __future__ import annotations

import pandas as pd
import pytest

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.game.strategies import C, D
from linkages_sim.market.model import MarketModel
from linkages_sim.market.relationships import LEVERS, External

PERIODS = 12


def played(choices: dict[str, frozenset[str] | str], seed: int = 4) -> MarketModel:
    """The default market where acme-north's parties play `choices` at every review: a set of
    levers to cut (`choose`) or a whole move, C or D."""
    def never_break(data: dict) -> None:  # so that every review plays its moves
        for c in data["contracts"]:
            c["trust"]["break_below"] = 0.0

    scenario = edit_scenario(load_scenario("default"), never_break, customers=3_000,
                             periods=PERIODS + 8)  # fmt: skip
    model = MarketModel(scenario, seed=seed)
    r = next(r for r in model.relationships if r.key == "acme-north")
    for side in choices:
        setattr(r, f"{side}_strategy", External(getattr(r, f"{side}_strategy")))
    while model.steps < PERIODS:
        if r.is_review(model.steps):
            for side, choice in choices.items():
                strategy = getattr(r, f"{side}_strategy")
                if isinstance(choice, str):
                    strategy.next = choice
                else:
                    strategy.choose(choice)
        model.step()
    return model


def contract(model: MarketModel):
    return next(r for r in model.relationships if r.key == "acme-north")


@pytest.mark.parametrize("side", ["supplier", "distributor"])
def test_cutting_every_lever_is_defecting_and_cutting_none_is_cooperating(side):
    """The market cannot tell a whole move from the same move made lever by lever."""
    for levers, move in ((frozenset(LEVERS[side]), D), (frozenset(), C)):
        by_lever, whole = played({side: levers}), played({side: move})
        pd.testing.assert_frame_equal(by_lever.timeseries(), whole.timeseries())
        assert contract(by_lever).lever_action(side, LEVERS[side][0]) == move


def test_a_supplier_that_cuts_quality_only_breaches_the_quality_clause_only():
    """Quality and its cost saving are cut; deliveries and new products are kept."""
    model = played({"supplier": frozenset({"quality"})})
    r = contract(model)
    assert r.supplier_action == D and r.supplier_cuts == {"quality"}
    assert [r.lever_action("supplier", lever) for lever in LEVERS["supplier"]] == [D, C, C]
    met = {name: ok for name, (_, ok) in r.compliance.items()}
    assert met["quality"] is False and met["fill_rate"] is True
    whole = contract(played({"supplier": D}))
    assert {name: ok for name, (_, ok) in whole.compliance.items()}["fill_rate"] is False
    ts = model.timeseries()
    north = ts[(ts.level == "contract") & (ts.id == "acme-north")]
    assert (north[north.metric == "supplier_action"].value.iloc[1:] == 0.0).all()  # D recorded


def test_a_distributor_that_withholds_data_only_keeps_its_price_and_service():
    """No data shared; the price stays at RRP, and service spend is not cut."""
    data_only, keep = played({"distributor": frozenset({"data"})}), played({"distributor": C})
    assert not data_only.shares_data(contract(data_only))
    assert keep.shares_data(contract(keep))
    north_data = next(d for d in data_only.distributors if d.name == "north")
    north_keep = next(d for d in keep.distributors if d.name == "north")
    assert north_data.defect_share == 0.0
    assert north_data.service_spend_per_store == north_keep.service_spend_per_store
    k = contract(data_only).index
    assert data_only.offers.price[data_only.offers.contract == k].tolist() == (
        keep.offers.price[keep.offers.contract == k].tolist())  # fmt: skip


def test_a_bot_move_forgets_the_levers_of_the_last_choice():
    """An unset review plays the fallback strategy with every lever following its move."""
    model = played({"supplier": frozenset({"quality"})})
    r = contract(model)
    strategy = r.supplier_strategy
    assert isinstance(strategy, External)
    assert r.supplier_cuts == {"quality"}
    while not r.is_review(model.steps):
        model.step()
    model.step()  # a review with nothing chosen: the fallback (tit-for-tat) plays
    assert r.supplier_cuts is None
