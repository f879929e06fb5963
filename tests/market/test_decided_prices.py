"""Decided prices in the full market: who sets them, what they change, and contract terms."""

from __future__ import annotations

import pytest

from linkages_sim import load_scenario, run
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.schema import OutsideOptions, Renegotiation
from linkages_sim.market.bargaining import nash_wholesale_price
from linkages_sim.market.model import MarketModel

SIZE = {"customers": 3_000, "periods": 26}


def priced(retail="best_reply", wholesale="fixed", **contract_terms):
    """The default market with `market.pricing` set, every contract given `contract_terms`."""

    def change(data):
        data["market"]["pricing"] = {"retail": retail, "wholesale": wholesale}
        for contract in data["contracts"]:
            contract.update(contract_terms)

    return edit_scenario(load_scenario("default"), change, source="test", **SIZE)


def with_wholesale(scenario, price):
    """`scenario` with every supplier's and contract's wholesale price set to `price`."""

    def change(data):
        for supplier in data["suppliers"]:
            supplier["wholesale_price"] = price
        for contract in data["contracts"]:
            contract["wholesale_price"] = None

    return edit_scenario(scenario, change, source="test")


def totals(result):
    """Units sold and channel profit (suppliers' and distributors' profit) over the run."""
    ts = result.timeseries
    units = ts[(ts.level == "supplier") & (ts.metric == "units")].value.sum()
    firms = ts.level.isin(["supplier", "distributor"]) & (ts.metric == "profit")
    return units, ts[firms].value.sum()


def test_with_decided_prices_the_wholesale_price_changes_units_and_channel_profit():
    """A pure transfer at fixed prices; passed on to customers when retail prices are decided."""
    fixed = [totals(run(with_wholesale(priced("fixed"), w), seed=3)) for w in (50.0, 70.0)]
    assert fixed[0][0] == fixed[1][0]  # fixed retail prices: the same units sold
    assert fixed[0][1] == pytest.approx(fixed[1][1], rel=1e-9)  # and the same channel profit
    decided = [totals(run(with_wholesale(priced(), w), seed=3)) for w in (50.0, 70.0)]
    assert decided[0][0] > decided[1][0]  # a dearer wholesale price is passed on: fewer units
    assert decided[0][1] != pytest.approx(decided[1][1], rel=1e-3)


def test_without_a_price_band_the_distributor_prices_off_rrp():
    """Best replies move retail prices; a price_deviation clause keeps a cooperator in band."""

    def no_band(data):
        data["market"]["pricing"] = {"retail": "best_reply"}
        for contract in data["contracts"]:
            contract["distributor_clauses"] = [c for c in contract["distributor_clauses"]
                                               if c["metric"] != "price_deviation"]  # fmt: skip

    free = MarketModel(edit_scenario(load_scenario("default"), no_band, source="t", **SIZE))
    free.run(5)
    rrp = [free.suppliers[r.supplier].spec.rrp for r in free.relationships]
    assert any(abs(p / q - 1) > 0.05 for p, q in zip(free.retail_price, rrp, strict=True))
    banded = MarketModel(priced())
    banded.run(5)
    for r, price in zip(banded.relationships, banded.retail_price, strict=True):
        band = [c.threshold for c in r.spec.distributor_clauses if c.metric == "price_deviation"]
        if band:
            rrp = banded.suppliers[r.supplier].spec.rrp
            assert abs(price / rrp - 1) <= band[0] + 1e-9


def test_integrated_pricing_sells_more_than_the_decentralised_channel():
    """One margin instead of two: lower retail prices and more units (double marginalisation)."""

    def no_band(retail):
        def change(data):
            data["market"]["pricing"] = {"retail": retail}
            for contract in data["contracts"]:
                contract["distributor_clauses"] = []
        return edit_scenario(load_scenario("default"), change, source="t", **SIZE)

    decentral, integrated = (totals(run(no_band(r), seed=5))[0] for r in ("best_reply",
                                                                           "integrated"))
    assert integrated > decentral


def test_a_stackelberg_supplier_sets_one_wholesale_price_for_all_its_distributors():
    """Recorded wholesale prices move off the scenario's and are equal across a brand."""
    model = MarketModel(priced(wholesale="stackelberg"))
    model.run(5)
    by_supplier = {}
    for r in model.relationships:
        by_supplier.setdefault(r.supplier, set()).add(round(r.wholesale_price, 9))
    assert all(len(prices) == 1 for prices in by_supplier.values())
    start = {s.index: s.spec.wholesale_price for s in model.suppliers}
    assert any(next(iter(p)) != start[s] for s, p in by_supplier.items())


def test_revenue_share_and_franchise_fee_are_booked_each_period():
    """The distributor pays its share of retail revenue and the fee to the supplier."""
    model = MarketModel(priced("fixed", revenue_share=0.1, franchise_fee=250.0))
    model.run(3)
    rows = [row for row in model.ledger.rows if row[0] == 2]
    retail = sum(a for (_, _, _, kind, a) in rows if kind == "retail_sales")
    shared = sum(a for (_, _, _, kind, a) in rows if kind == "revenue_share")
    fees = [a for (_, _, _, kind, a) in rows if kind == "franchise_fee"]
    assert shared == pytest.approx(0.1 * retail, rel=1e-9)
    assert fees == [250.0] * sum(r.active for r in model.relationships)


def test_stackelberg_needs_best_reply_retail_prices():
    """A leader needs a follower: the file is refused with the field named."""
    with pytest.raises(ScenarioError, match="stackelberg needs retail: best_reply"):
        priced("fixed", "stackelberg")


def test_nash_bargaining_reads_the_contracts_outside_options():
    """Raising the distributor's outside option lowers the agreed wholesale price."""
    terms = Renegotiation(every=4)
    low = nash_wholesale_price(terms, 100, 100, 40, OutsideOptions(distributor=0.0))
    high = nash_wholesale_price(terms, 100, 100, 40, OutsideOptions(distributor=2_000.0))
    assert low == pytest.approx(70.0)
    assert high == pytest.approx(60.0)  # d_d = 2000: supplier gets 0 + 0.5 (6000 - 2000)
    own = Renegotiation(every=4, distributor_outside_option=0.0)
    assert nash_wholesale_price(own, 100, 100, 40, OutsideOptions(distributor=2_000.0)) == 70.0
