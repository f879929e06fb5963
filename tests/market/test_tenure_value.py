"""Customer value by tenure (docs/model.md §3.10): the kernels against their numpy twins, and the
mechanism in a running market: spend per the input curve, cost to serve by year of tenure,
referrals at the input rate, the acquisition cost, and nothing at all without the block."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.schema import TenureValue
from linkages_sim.market import kernels
from linkages_sim.market.kernels import codes
from linkages_sim.market.ledger import Kind
from linkages_sim.market.model import MarketModel
from linkages_sim.market.segments import tenure_params
from tests.market.test_kernels import assert_same, population
from tests.support import small

PPY = 4  # short years of tenure, so a short run reaches the later entries


def with_tenure(block: dict | None, customers: int = 3_000, periods: int = 12):
    """The default market, small, with `block` as every segment's `tenure_value`."""

    def change(data: dict) -> None:
        for segment in data["segments"]:
            segment["tenure_value"] = block

    return edit_scenario(small("default", customers=customers, periods=periods), change)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 600), years=st.integers(1, 6))
def test_tenure_kernels_match_their_twins_bit_for_bit(seed, n, years):
    rng = np.random.default_rng(seed)
    n_stores, n_sup = 3, 2
    customers = population(rng, n, n_stores, n_sup)
    store = np.where(customers.store < 0, rng.integers(0, n_stores, n), customers.store)
    customers = customers._replace(store=store)
    m = n_stores * n_sup
    choice = rng.integers(-2, m, n)
    outcome = np.where(choice >= 0, rng.integers(1, 6, n), 0).astype(np.int8)
    outputs = kernels.Outputs.empty(n)._replace(choice=choice, outcome=outcome)
    params = kernels.TenureParams(periods_per_year=int(rng.integers(1, 20)),
                                  spend=rng.uniform(0.5, 2.0, years),
                                  cost=rng.uniform(0.0, 5.0, years),
                                  referral=rng.uniform(0.0, 1.0, years))  # fmt: skip
    offer_store = np.repeat(np.arange(n_stores), n_sup).astype(np.int64)
    margin = rng.uniform(5.0, 40.0, m)
    fast = kernels.tenure_tally(customers, outputs, params, offer_store, margin, n_stores)
    slow = kernels.tenure_tally_reference(customers, outputs, params, offer_store, margin,
                                          n_stores)  # fmt: skip
    assert type(fast) is type(slow) is kernels.TenureCounts
    assert_same(fast, slow)
    u = rng.random(n)
    assert kernels.count_referrers(customers, u, params) == kernels.count_referrers_reference(
        customers, u, params)


def test_tables_are_padded_with_their_last_entry_and_spread_over_a_year():
    p = tenure_params(TenureValue(periods_per_year=4, spend=[1.0, 1.5, 2.0],
                                  cost_to_serve=[40.0], referrals=[0.4, 0.8]))  # fmt: skip
    np.testing.assert_array_equal(p.spend, [1.0, 1.5, 2.0])
    np.testing.assert_array_equal(p.cost, [10.0, 10.0, 10.0])
    np.testing.assert_array_equal(p.referral, [0.1, 0.2, 0.2])


def test_spend_follows_the_input_curve_on_the_same_customers():
    """Spend does not feed back on choice or churn: the same buyers, baskets scaled by year."""
    spend = [1.0, 1.5, 2.5]
    on = MarketModel(with_tenure({"periods_per_year": PPY, "spend": spend}), seed=5)
    off = MarketModel(with_tenure(None), seed=5)
    extra_by_year = np.zeros(len(spend))
    for _ in range(on.spec.periods):
        on.step()
        off.step()
        for a, b in zip(on.segments, off.segments, strict=True):
            np.testing.assert_array_equal(a.choice, b.choice)
            year = np.minimum(a.tenure // PPY, len(spend) - 1)
            sold = codes.IS_SALE[a.outcome]
            extra_by_year += np.bincount(year[sold], minlength=len(spend)) * (
                a.spec.units_per_purchase * on.customer_weight)
    units = {m: float(m.timeseries().query("level == 'market' and metric == 'units'")["value"]
                      .sum()) for m in (on, off)}  # fmt: skip
    assert extra_by_year[1] > 0 and extra_by_year[2] > 0  # the run reaches every year
    assert units[on] - units[off] == pytest.approx(
        float(np.dot(np.array(spend) - 1.0, extra_by_year)), rel=1e-9)


def test_cost_to_serve_is_charged_by_year_of_tenure_and_falls_with_it():
    cost = [520.0, 260.0, 52.0]  # a year's cost: 130, 65 and 13 a period at PPY 4
    model = MarketModel(with_tenure({"periods_per_year": PPY, "cost_to_serve": cost,
                                     "acquisition_cost": 7.0}), seed=3)  # fmt: skip
    by_year, active_by_year = np.zeros(3), np.zeros(3)
    for _ in range(model.spec.periods):
        model.step()
        expected_cost = expected_acquisition = 0.0
        for segment in model.segments:
            active = segment.state == codes.ACTIVE
            year = np.minimum(segment.tenure[active] // PPY, 2)
            per_year = np.bincount(year, minlength=3)
            by_year += per_year * np.array(cost) / PPY
            active_by_year += per_year
            expected_cost += float(np.sum(np.array(cost)[year])) / PPY * model.customer_weight
            new = int(np.sum(segment.outcome == codes.BOUGHT_NEW))
            expected_acquisition += 7.0 * new * model.customer_weight
        led = model.ledger
        assert led.paid(kind=Kind.COST_TO_SERVE) == pytest.approx(expected_cost, rel=1e-9)
        assert led.paid(kind=Kind.ACQUISITION) == pytest.approx(expected_acquisition, rel=1e-9)
    per_customer = by_year / active_by_year
    assert per_customer[0] > per_customer[1] > per_customer[2]
    np.testing.assert_allclose(per_customer, np.array(cost) / PPY)


def test_referrals_arrive_at_the_input_rate_and_reach_conviction():
    rates = [0.4, 1.2]  # referrals per active customer per year: 0.1 and 0.3 a period
    observed = expected = variance = 0.0
    for seed in range(4):
        model = MarketModel(with_tenure({"periods_per_year": PPY, "referrals": rates},
                                        customers=2_000, periods=8), seed=seed)  # fmt: skip
        for _ in range(model.spec.periods):
            model.step()
            for segment in model.segments:
                active = segment.state == codes.ACTIVE  # referrals come after churn
                p = np.array(rates)[np.minimum(segment.tenure[active] // PPY, 1)] / PPY
                expected += p.sum()
                variance += np.sum(p * (1 - p))
                referrers, referred = segment.referrals
                observed += referrers
                assert referred == referrers  # plenty of prospects in this market
    assert abs(observed - expected) < 4 * math.sqrt(variance), (observed, expected)


def test_referred_prospects_are_moved_to_conviction():
    model = MarketModel(with_tenure({"periods_per_year": PPY, "referrals": [4.0]},
                                    customers=2_000, periods=2), seed=1)  # fmt: skip
    segment = model.segments[0]
    model.step()
    prospects = segment.state == codes.PROSPECT
    convinced = int(np.sum(prospects & (segment.stage == codes.CONVICTION)))
    assert segment.referrals[1] > 0 and convinced >= segment.referrals[1]


def test_without_the_block_nothing_is_charged_or_counted():
    model = MarketModel(with_tenure(None, periods=3), seed=2)
    model.run()
    assert model.tenure_counts == [None] * len(model.segments)
    assert all(s.referrals == (0, 0) for s in model.segments)
    kinds = set(model.ledger.frame()["kind"])
    assert not kinds & {str(Kind.COST_TO_SERVE), str(Kind.ACQUISITION)}


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        ({"referrals": [60.0]}, "exceed one a period"),
        ({"spend": []}, "spend"),
        ({"spend": [0.0]}, "spend"),
        ({"cost_to_serve": [-1.0]}, "cost_to_serve"),
        ({"periods_per_year": 0}, "periods_per_year"),
    ],
)
def test_a_bad_block_is_refused_with_its_field(block, needle):
    with pytest.raises(ScenarioError, match=needle):
        with_tenure(block)
