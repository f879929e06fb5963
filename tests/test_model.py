"""The market model: conservation every period, reproducibility, the customer sample."""

import numpy as np
import pandas as pd
import pytest

from linkages_sim.accounting import Account, ConservationError, Ledger
from linkages_sim.api import run, with_overrides
from linkages_sim.kernels import codes
from linkages_sim.loading import validate_scenario
from linkages_sim.model import MarketModel
from linkages_sim.population import CustomerSegment
from linkages_sim.tables import metric_table

from .conftest import small


@pytest.fixture(scope="module")
def result():
    return run(small(), seed=11)


series = metric_table


def test_mesa_agents_hold_every_actor(result):
    kinds = {type(a).__name__ for a in result.model.agents}
    assert kinds == {"Supplier", "Distributor", "Store", "CustomerSegment"}
    segments = result.model.agents_by_type[CustomerSegment]
    assert sum(s.size for s in segments) == result.scenario.customers


def test_customers_are_conserved_every_period(result):
    ts = result.timeseries
    states = ("customers_prospect", "customers_active", "customers_lapsed")
    total = sum(series(ts, "market", m)["market"] for m in states)
    assert (total == result.scenario.customers).all()
    assert len(total) == result.scenario.periods


def test_customer_spend_equals_retail_revenue(result):
    ts = result.timeseries
    spend = series(ts, "market", "customer_spend")["market"]
    retail = series(ts, "distributor", "retail_revenue").sum(axis=1)
    np.testing.assert_allclose(spend, retail, rtol=1e-12)
    assert (spend > 0).all()


def test_wholesale_revenue_equals_what_distributors_paid(result):
    ledger = result.ledger
    wholesale = series(result.timeseries, "supplier", "wholesale_revenue")
    paid = ledger[ledger.kind == "wholesale"].groupby(["period", "payee"]).amount.sum().unstack()
    paid.columns = [c.split(":", 1)[1] for c in paid.columns]
    np.testing.assert_allclose(wholesale[paid.columns], paid, rtol=1e-12)
    cogs = series(result.timeseries, "distributor", "cogs").sum(axis=1)
    np.testing.assert_allclose(cogs, wholesale.sum(axis=1), rtol=1e-12)


def test_cash_changes_equal_flows(result):
    ts = result.timeseries
    for level, specs in (("supplier", result.scenario.suppliers),
                         ("distributor", result.scenario.distributors)):  # fmt: skip
        cash, profit = series(ts, level, "cash"), series(ts, level, "profit")
        opening = pd.Series({s.id: s.cash for s in specs})
        change = cash.diff()
        change.iloc[0] = cash.iloc[0] - opening[cash.columns]
        np.testing.assert_allclose(change, profit, rtol=1e-9, atol=1e-6)
    ledger = result.ledger
    assert (ledger.amount > 0).all()
    inflow = ledger.groupby("payee").amount.sum()
    outflow = ledger.groupby("payer").amount.sum()
    net = inflow.sub(outflow, fill_value=0.0)
    assert abs(net.sum()) < 1e-6 * ledger.amount.sum()


def test_ledger_catches_money_created_outside_a_transfer():
    ledger = Ledger()
    a, b = ledger.open(Account("a", 10.0)), ledger.open(Account("b"))
    ledger.start_period()
    ledger.transfer(0, "a", "b", "x", 4.0)
    ledger.check_period(scale=10.0)
    b.cash += 1.0
    with pytest.raises(ConservationError):
        ledger.check_period(scale=10.0)
    assert a.cash == 6.0


def test_same_seed_same_results_different_seed_differs(small_default):
    a = run(small_default, seed=5, periods=6).timeseries
    b = run(small_default, seed=5, periods=6).timeseries
    c = run(small_default, seed=6, periods=6).timeseries
    pd.testing.assert_frame_equal(a, b)
    assert not a["value"].equals(c["value"])


def test_long_table_shape_and_vocabulary(result):
    ts = result.timeseries
    assert list(ts.columns) == ["period", "level", "id", "metric", "value"]
    assert set(ts.level) == {"market", "supplier", "distributor", "store", "contract"}
    required = {
        "market": {"customers_prospect", "customers_active", "customers_lapsed", "customer_spend"},
        "supplier": {"wholesale_revenue", "profit", "brand_equity", "market_share_units",
                     "market_share_value"},
        "distributor": {"retail_revenue", "cogs", "profit", "retention_rate"},
        "store": {"visitors", "buyers", "conversion_rate", "satisfaction", "reputation",
                  "complaints", "churned", "churned_silent"},
    }  # fmt: skip
    for level, metrics in required.items():
        assert metrics <= set(ts[ts.level == level].metric), level
    shares = series(ts, "supplier", "market_share_units").sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    assert result.wide.shape[0] == result.scenario.periods


def test_customer_sample_is_individual_rows(result):
    sample = result.model.customer_sample(500)
    assert 490 <= len(sample) <= 510
    assert set(sample.state) <= {"prospect", "active", "lapsed"}
    assert (
        sample.customer.is_unique
        or sample.groupby("segment").customer.apply(lambda s: s.is_unique).all()
    )


def test_active_customers_have_a_store_and_brand(small_default):
    model = MarketModel(small_default, seed=3)
    model.run(5)
    for seg in model.segments:
        active = seg.state == codes.ACTIVE
        assert (seg.store[active] >= 0).all() and (seg.brand[active] >= 0).all()


def _considering(stores: int):
    data = small().model_dump()
    for segment in data["segments"]:
        segment["tastes"]["consideration_stores"] = stores
    return validate_scenario(data, source="test")


def test_a_consideration_set_limits_choice_to_the_nearest_stores():
    """Shoppers visit only stores in their consideration set (nearest first), active customers'
    stores are in it, money and customers are still conserved (checked every period)."""
    model = MarketModel(_considering(2), seed=5)
    for _ in range(4):
        model.step()
        for segment in model.segments:
            chose = segment.choice >= 0
            visited = model.offers.store[segment.choice[chose]]
            assert (segment.slot_store[:, chose] == visited).any(axis=0).all()
            active = segment.state == codes.ACTIVE
            assert (segment.slot_store[:, active] == segment.store[active]).any(axis=0).all()
            assert segment.attraction.shape == (2, segment.size)


def test_considering_every_store_is_the_dense_model():
    every = run(_considering(len(small().stores)), seed=5).timeseries
    pd.testing.assert_frame_equal(every, run(small(), seed=5).timeseries)
    assert not run(_considering(2), seed=5).timeseries.equals(every)


def test_memory_estimate_follows_the_stores_considered():
    """The estimate printed before big runs: about 130 bytes a customer for the default's 8
    stores (the benchmark measured 126), 4 more per store, 6 per store of a consideration set."""
    from linkages_sim.cli import MEMORY_FIXED_MB, memory_estimate_mb

    default = with_overrides(small(), customers=10_000_000)
    per_customer = (memory_estimate_mb(default) - MEMORY_FIXED_MB) * 2**20 / 1e7
    assert per_customer == pytest.approx(130)
    data = default.model_dump()
    for segment in data["segments"]:
        segment["tastes"]["consideration_stores"] = 2
    considered = validate_scenario(data, source="test")
    saved = (memory_estimate_mb(default) - memory_estimate_mb(considered)) * 2**20 / 1e7
    assert saved == pytest.approx(4 * 8 - 6 * 2)
