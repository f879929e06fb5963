"""The market model: conservation every period, reproducibility, the customer sample."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkages_sim.analysis.tables import metric_table
from linkages_sim.api import run
from linkages_sim.cli.runs import MEMORY_FIXED_MB, memory_estimate_mb
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import validate_scenario
from linkages_sim.market.kernels import codes
from linkages_sim.market.ledger import Account, ConservationError, Kind, Ledger
from linkages_sim.market.model import MarketModel
from linkages_sim.market.segments import CustomerSegment
from tests.support import small


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
    ledger.transfer(0, "a", "b", Kind.WHOLESALE, 4.0)
    ledger.check_period(scale=10.0)
    b.cash += 1.0
    with pytest.raises(ConservationError):
        ledger.check_period(scale=10.0)
    assert a.cash == 6.0


def test_a_misspelt_transfer_kind_is_an_error_not_a_silent_zero():
    ledger = Ledger()
    ledger.open(Account("a", 10.0))
    ledger.open(Account("b"))
    ledger.start_period()
    with pytest.raises(ValueError, match="wholsale"):
        ledger.transfer(0, "a", "b", "wholsale", 4.0)
    with pytest.raises(ValueError, match="wholsale"):
        ledger.paid(payer="a", kind="wholsale")
    with pytest.raises(KeyError, match="supplier:acm"):
        ledger.paid(payee="supplier:acm")


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


PEAK_SCRIPT = """
import sys
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.market.model import MarketModel
spec = edit_scenario(load_scenario("default"), periods=2, customers=int(sys.argv[1]))
MarketModel(spec).run()
print(next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def _peak_bytes(customers: int) -> int:
    """Peak resident memory of a fresh process that runs the default for two periods."""
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(customers)], check=True,
                         capture_output=True, text=True, timeout=300).stdout  # fmt: skip
    return int(out.split()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_memory_estimate_matches_what_a_run_uses():
    """The estimate printed before big runs against the peak memory of real runs: the bytes per
    customer (the slope between two sizes) within 35%, and the total within 35% at 10^6."""
    small_n, big_n = 200_000, 1_000_000
    low, high = _peak_bytes(small_n), _peak_bytes(big_n)
    measured = (high - low) / (big_n - small_n)
    spec = edit_scenario(small(), customers=big_n)
    estimated = (memory_estimate_mb(spec) - MEMORY_FIXED_MB) * 2**20 / big_n
    assert measured == pytest.approx(estimated, rel=0.35), (measured, estimated)
    assert high == pytest.approx(memory_estimate_mb(spec) * 2**20, rel=0.35)


def test_memory_estimate_counts_the_stores_considered():
    """6 bytes per considered store (int16 id + float32 attraction) instead of 4 per store."""
    default = edit_scenario(small(), customers=10_000_000)

    def considering(data):
        for segment in data["segments"]:
            segment["tastes"]["consideration_stores"] = 2

    considered = edit_scenario(default, considering)
    saved = (memory_estimate_mb(default) - memory_estimate_mb(considered)) * 2**20 / 1e7
    assert saved == pytest.approx(4 * len(default.stores) - 6 * 2)


def _model_after(periods: int) -> MarketModel:
    model = MarketModel(small(customers=4_000, periods=10), seed=3)
    model.run(periods)
    return model


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda m: m.ledger.accounts["distributor:north"].__setattr__("cash", 0.0), "north"),
        (lambda m: m.segments[0].outcome.__setitem__(
            np.flatnonzero(m.segments[0].outcome == codes.BOUGHT)[0], codes.NO_TRIP),
         "from the customers' purchases"),
    ],
    ids=["cash outside a transfer", "a purchase the ledger did not book"],
)
def test_reconciliation_fires_when_a_flow_is_corrupted(corrupt, message):
    """The checks recompute money from the customers' own arrays, so a sale removed from the
    customer side (or cash changed outside a transfer) is caught at once."""
    model = _model_after(2)
    model.reconcile(1)  # intact: passes
    corrupt(model)
    with pytest.raises(ConservationError, match=message):
        model.ledger.check_period(scale=1e6)
        model.reconcile(1)


def test_results_do_not_depend_on_mesas_own_generator(small_default, monkeypatch):
    """Mesa's generators only shuffle agents whose order no result depends on: the same market
    under another Mesa seed gives the same table, bit for bit."""
    from linkages_sim.rng import Purpose, Streams

    reference = run(small_default, seed=5, periods=6).timeseries
    original = Streams.generator

    def other_mesa_seed(self, purpose, *key):
        return original(self, purpose, *key, 99) if purpose == Purpose.MESA else original(
            self, purpose, *key)

    usual = MarketModel(small_default, seed=5).random.random()
    monkeypatch.setattr(Streams, "generator", other_mesa_seed)
    shuffled = MarketModel(small_default, seed=5)
    assert shuffled.random.random() != usual  # Mesa's generator really is another one
    shuffled.run(6)
    pd.testing.assert_frame_equal(shuffled.timeseries(), reference)


def test_bad_seeds_get_a_clear_value_error(small_default):
    for seed in (-1, 2**63, 1.5, "7"):
        with pytest.raises(ValueError, match="seed must be"):
            MarketModel(small_default, seed=seed)


def test_a_scenario_edited_in_python_is_validated_as_a_whole(small_default):
    """An assignment passes field validation but breaks a cross-reference: the model says which
    field, as for a YAML file, instead of a KeyError deep inside."""
    from linkages_sim.config.loading import ScenarioError

    edited = small_default.model_copy(deep=True)
    edited.stores[0].distributor = "nope"
    with pytest.raises(ScenarioError, match=r"stores\[0\]\.distributor: unknown distributor"):
        MarketModel(edited)
    with pytest.raises(ScenarioError, match="unknown distributor 'nope'"):
        run(edited, periods=1)
