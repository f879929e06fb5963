"""The shipped scenarios keep their stories when distributors decide their retail prices.

The same claims as `test_shipped_scenarios.py` and `test_contracts.py` make at fixed prices,
with `market.pricing.retail: best_reply` (each distributor's best reply at its reviews; a price
band clause keeps a cooperating distributor within 5% of RRP, a defecting one cuts its decided
price by its discount). Issue 15: prices change the game, so the stories are re-checked.
"""

from __future__ import annotations

import pytest

from linkages_sim import load_scenario, payoff_matrix, run
from linkages_sim.config.editing import edit_scenario
from tests.support import SCENARIOS


def decided(name: str, customers: int = 20_000, periods: int = 40, **change):
    """A shipped scenario with decided retail prices, at a test-friendly size."""

    def pricing(data):
        data["market"]["pricing"] = {"retail": "best_reply"}
        for c in data["contracts"]:
            c.update(change)

    return edit_scenario(load_scenario(SCENARIOS / f"{name}.yaml"), pricing, source=name,
                         customers=customers, periods=periods)  # fmt: skip


def channel_profit(result) -> float:
    """Suppliers' and distributors' profit over the run."""
    m = result.summary
    return sum(v["profit"] for group in ("suppliers", "distributors")
               for v in m[group].values())  # fmt: skip


@pytest.fixture(scope="module")
def baseline():
    return run(decided("baseline"), seed=3)


def test_prices_are_decided(baseline):
    """Not the RRP: the distributors' replies move prices (within the clauses' 5% bands)."""
    prices = baseline.model.retail_price
    rrp = [baseline.model.suppliers[r.supplier].spec.rrp for r in baseline.model.relationships]
    assert any(abs(p / q - 1) > 1e-3 for p, q in zip(prices, rrp, strict=True))
    assert all(abs(p / q - 1) <= 0.05 + 1e-9 for p, q in zip(prices, rrp, strict=True))


def test_price_war_still_destroys_channel_profit_and_brands(baseline):
    war = run(decided("price_war"), seed=3)
    assert channel_profit(war) < channel_profit(baseline)
    for k in war.summary["suppliers"]:
        assert (war.summary["suppliers"][k]["brand_equity_end"]
                < baseline.summary["suppliers"][k]["brand_equity_end"])  # fmt: skip


def test_broken_trust_still_breaks_the_relationship(baseline):
    broken = run(decided("broken_trust"), seed=3)
    contract = broken.summary["contracts"]["acme-central"]
    assert not contract["active_end"] and contract["broke_at_period"] is not None
    after, base = broken.summary["suppliers"]["acme"], baseline.summary["suppliers"]["acme"]
    assert after["wholesale_revenue"] < base["wholesale_revenue"]


def test_sla_penalties_still_make_cooperation_dominant():
    m = payoff_matrix(decided("sla_enforced", customers=30_000, periods=13), replications=6,
                      seed=42)  # fmt: skip
    assert m.cooperation_dominant
    assert m.win_win


def no_breaks(data):
    """Relationships that never break, so the strategies alone decide cooperation."""
    for c in data["contracts"]:
        c["trust"]["break_below"] = 0.0


def test_with_noisy_monitoring_wsls_still_earns_more_than_tft():
    profits, cooperation = {}, {}
    for strategy in ("tft", "wsls"):
        scenario = decided("noisy_monitoring", customers=10_000, periods=78,
                           supplier_strategy=strategy, distributor_strategy=strategy)
        result = run(edit_scenario(scenario, no_breaks), seed=4)
        ts = result.timeseries
        cooperation[strategy] = ts[(ts.level == "contract") & (ts.metric == "action")].value.mean()
        profits[strategy] = result.summary["market"]["channel_profit"]
    assert cooperation["wsls"] > cooperation["tft"] + 0.3
    assert profits["wsls"] > profits["tft"]
