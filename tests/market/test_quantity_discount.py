"""Incremental quantity discounts (`Contract.quantity_discount`): the rebate, the price-setters'
reading of the marginal price, the equivalence with a two-part tariff, and the refusals."""

from __future__ import annotations

import pytest

from linkages_sim import load_scenario
from linkages_sim.analysis.participation import participation
from linkages_sim.analysis.tables import metric_table
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.errors import ScenarioError
from linkages_sim.market.model import MarketModel

SIZE = {"customers": 3_000, "periods": 12}
COST = {"acme": 42.0, "bravo": 36.0}  # the default suppliers' unit costs


def market(retail="fixed", wholesale="fixed", **contract_terms):
    """The default market with `market.pricing` set, every contract given `contract_terms`."""

    def change(data):
        data["market"]["pricing"] = {"retail": retail, "wholesale": wholesale}
        assert {s["id"]: s["unit_cost"] for s in data["suppliers"]} == COST
        for contract in data["contracts"]:
            for key, value in contract_terms.items():
                contract[key] = value(contract) if callable(value) else value

    return edit_scenario(load_scenario("default"), change, source="test", **SIZE)


def rows_of(model, kind):
    """{(period, payer, payee): amount} of one kind of ledger transfer."""
    return {(p, a, b): x for (p, a, b, k, x) in model.ledger.rows if k == kind}


def test_units_beyond_the_volume_are_rebated_down_to_the_discounted_price():
    """Each period the supplier returns (w - w2) x max(0, units - volume) to the distributor."""
    volume = 300.0
    scenario = market(quantity_discount=lambda c: {"above_units": volume,
                                                   "wholesale_price": COST[c["supplier"]]})
    model = MarketModel(scenario, seed=5)
    model.run()
    units = metric_table(model.timeseries(), "contract", "units")
    rebates = rows_of(model, "quantity_discount")
    checked = beyond = 0
    for r in model.relationships:
        supplier = model.suppliers[r.supplier].account.name
        distributor = model.distributors[r.distributor].account.name
        for period in range(SIZE["periods"]):
            q = float(units.loc[period, r.key])
            owed = (r.wholesale_price - COST[r.spec.supplier]) * max(0.0, q - volume)
            assert rebates.get((period, supplier, distributor), 0.0) == pytest.approx(owed)
            checked += 1
            beyond += q > volume
    assert checked == 6 * SIZE["periods"] and 0 < beyond < checked  # both sides of the kink


def test_the_price_setters_read_the_marginal_price_at_the_latest_volume():
    """Beyond the volume the next unit costs the discounted price; below it, the list price."""
    model = MarketModel(market(quantity_discount={"above_units": 300.0, "wholesale_price": 30.0}),
                        seed=5)  # fmt: skip
    model.run(4)
    terms = model.channel_terms()
    for k, r in enumerate(model.relationships):
        expected = 30.0 if r.last_units > 300.0 else r.wholesale_price
        assert terms.wholesale[k] == expected
    assert {r.last_units > 300.0 for r in model.relationships} == {True, False}


def test_everything_at_cost_beyond_zero_units_is_a_wholesale_price_at_cost():
    """A schedule with no volume at list price plays bit for bit as w = c: the same prices,
    units and profits, with decided prices (the rebate returns exactly the list price's margin)."""
    at_cost = market("best_reply", wholesale_price=lambda c: COST[c["supplier"]])
    schedule = market("best_reply", quantity_discount=lambda c: {
        "above_units": 0.0, "wholesale_price": COST[c["supplier"]]})  # fmt: skip
    outcomes = []
    for scenario in (at_cost, schedule):
        model = MarketModel(scenario, seed=9)
        model.run()
        ts = model.timeseries()
        outcomes.append((metric_table(ts, "contract", "units"),
                         metric_table(ts, "supplier", "profit"),
                         metric_table(ts, "distributor", "profit")))  # fmt: skip
    for a, b in zip(*outcomes, strict=True):
        assert a.to_numpy() == pytest.approx(b.to_numpy(), rel=1e-9, abs=1e-6)
    assert outcomes[0][0].to_numpy().std() > 0  # decided prices moved the units


def test_without_a_schedule_nothing_is_rebated():
    """The default market books no quantity discount (and its digests are unchanged)."""
    model = MarketModel(market(), seed=5)
    model.run(3)
    assert rows_of(model, "quantity_discount") == {}


def test_participation_counts_the_rebate():
    """The check of `linkages validate` moves the rebate from the supplier to the distributor."""
    base = {p.contract: p for p in participation(market(), seed=1)}
    deal = market(quantity_discount=lambda c: {"above_units": 0.0,
                                               "wholesale_price": COST[c["supplier"]]})
    for p in participation(deal, seed=1):
        moved = base[p.contract].supplier_margin - p.supplier_margin
        assert moved > 0
        assert p.distributor_margin - base[p.contract].distributor_margin == pytest.approx(moved)


@pytest.mark.parametrize(("terms", "pricing", "field", "words"), [
    ({"quantity_discount": {"above_units": 10, "wholesale_price": 80.0}}, "fixed",
     "quantity_discount.wholesale_price", "must be below the contract's wholesale price"),
    ({"quantity_discount": {"above_units": 10, "wholesale_price": 40.0},
      "renegotiation": {"every": 13}}, "fixed", "quantity_discount",
     "cannot be combined with renegotiation"),
    ({"quantity_discount": {"above_units": 10, "wholesale_price": 40.0}}, "stackelberg",
     "quantity_discount", "cannot be combined with market.pricing.wholesale: stackelberg"),
    ({"quantity_discount": {"above_units": -1, "wholesale_price": 40.0}}, "fixed",
     "quantity_discount.above_units", "must be >= 0"),
])  # fmt: skip
def test_a_schedule_that_cannot_work_is_refused_with_its_field_named(terms, pricing, field,
                                                                     words):  # fmt: skip
    """One clear message naming the contract's field."""
    retail = "best_reply" if pricing == "stackelberg" else "fixed"
    with pytest.raises(ScenarioError) as err:
        market(retail, pricing, **terms)
    text = str(err.value)
    assert f"contracts[0].{field}" in text and words in text
