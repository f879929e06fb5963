"""The shipped scenarios tell their stories (at a small scale)."""

import pytest

from linkages_sim.api import run
from tests.support import SCENARIOS, small


def channel_profit(result) -> float:
    m = result.summary
    return sum(v["profit"] for v in m["suppliers"].values()) + sum(
        v["profit"] for v in m["distributors"].values()
    )


@pytest.fixture(scope="module")
def baseline():
    return run(small(SCENARIOS / "baseline.yaml", customers=20_000, periods=40), seed=3)


def test_price_war_destroys_channel_profit(baseline):
    war = run(small(SCENARIOS / "price_war.yaml", customers=20_000, periods=40), seed=3)
    assert channel_profit(war) < channel_profit(baseline)
    assert war.summary["market"]["price_consistency"] < 0.05
    for k in war.summary["suppliers"]:
        assert (war.summary["suppliers"][k]["brand_equity_end"]
                < baseline.summary["suppliers"][k]["brand_equity_end"])  # fmt: skip


def test_service_excellence_keeps_more_customers(baseline):
    good = run(small(SCENARIOS / "service_excellence.yaml", customers=20_000, periods=40), seed=3)
    assert good.summary["market"]["churned"] < baseline.summary["market"]["churned"]


def test_broken_trust_breaks_the_relationship(baseline):
    broken = run(small(SCENARIOS / "broken_trust.yaml", customers=20_000, periods=40), seed=3)
    contract = broken.summary["contracts"]["acme-central"]
    assert not contract["active_end"] and contract["broke_at_period"] is not None
    active = broken.metric("contract", "relationship_active")["acme-central"]
    assert active.iloc[0] == 1.0 and active.iloc[-1] == 0.0
    trust = broken.metric("contract", "distributor_trust")["acme-central"]
    assert trust.iloc[-1] < trust.iloc[0]
    # nobody sells Acme at Central's stores after the break
    sold = broken.metric("store", "retail_revenue")
    assert (sold.loc[contract["broke_at_period"] + 1 :, ["c1", "c2", "c3"]] > 0).all().all()
    acme_units_after = broken.model.units[
        (broken.model.offers.supplier == 0) & (broken.model.offers.distributor == 1)
    ].sum()
    assert acme_units_after == 0
    # a broken relationship costs the supplier revenue and brand equity
    base = baseline.summary["suppliers"]["acme"]
    after = broken.summary["suppliers"]["acme"]
    assert after["wholesale_revenue"] < base["wholesale_revenue"]
    assert after["brand_equity_end"] < base["brand_equity_end"]
