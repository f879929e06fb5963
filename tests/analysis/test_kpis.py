"""KPIs on a hand-computable case: a real two-period run's table with its numbers replaced by
hand-chosen ones, so every expected value below can be checked with pencil and paper."""

import numpy as np
import pandas as pd
import pytest

from linkages_sim.analysis.kpis import KPIS, kpis
from linkages_sim.api import run
from tests.support import small

SET = {
    ("store", "n1"): {
        "buyers": [10, 20],
        "visitors": [20, 20],
        "customers_active_start": [100, 100],
        "churned": [2, 4],
        "churned_silent": [2, 3],
        "complaints": [1, 0],
        "retail_revenue": [600, 400],
        "satisfaction": [0.2, 0.1],
        "customers_active": [98, 96],
        "reputation": [0.6, 0.5],
        "service_level": [0.7, 0.5],
    },
    ("store", "n2"): {"buyers": [5, 5], "visitors": [10, 10]},
    ("distributor", "north"): {
        "marketing_spend": [400, 200],
        "new_customers": [2, 1],
        "won_back": [1, 1],
        "service_spend": [90, 90],
        "training_spend": [10, 10],
        "retail_revenue": [1000, 1000],
        "cogs": [600, 700],
        "profit": [50, -20],
        "units": [10, 30],
        "sla_penalty_paid": [200, 0],
        "sla_penalty_received": [0, 50],
    },
    ("distributor", "central"): {"units": [30, 10], "retail_revenue": [1000, 2000]},
    ("market", "market"): {
        "customers_prospect": [300, 100],
        "customers_lapsed": [100, 100],
        "new_customers": [2, 1],
        "won_back": [1, 1],
        "complaints": [1, 2],
        "dissatisfied": [27, 27],
        "funnel_unaware_start": [100, 100],
        "funnel_to_attention": [10, 30],
        "funnel_attention_start": [50, 50],
        "funnel_to_interest": [5, 15],
        "funnel_interest_start": [20, 20],
        "funnel_to_desire": [4, 6],
        "funnel_desire_start": [10, 10],
        "funnel_to_conviction": [1, 3],
        "shoppers_new": [10, 10],
        "shoppers_lapsed": [5, 5],
        "buyers_new": [2, 1],
        "buyers_lapsed": [1, 1],
        "satisfaction": [0.3, 0.25],
        "customer_weight": [1, 1],
        "customer_spend": [2000, 3000],
    },
    ("supplier", "acme"): {
        "units_in_band": [5, 10],
        "units": [10, 10],
        "brand_equity": [0.6, 0.5],
        "wholesale_revenue": [600, 400],
        "production_cost": [400, 300],
        "profit": [100, 50],
        "market_share_value": [0.5, 0.2],
        "sla_penalty_paid": [0, 300],
        "sla_penalty_received": [100, 0],
    },
    ("supplier", "bravo"): {"units": [30, 10], "production_cost": [100, 100]},
    ("contract", "acme-north"): {
        "action": [1, 0],
        "trust": [0.7, 0.4],
        "compliance_quality": [1, 0],
        "sla_penalty_paid": [0, 500],
        "relationship_active": [1, 1],
    },
}


@pytest.fixture(scope="module")
def hand():
    result = run(small("default", customers=300, periods=2), seed=1)
    ts = result.timeseries.copy()
    ts["value"] = 0.0
    for (level, who), metrics in SET.items():
        for metric, values in metrics.items():
            rows = (ts["level"] == level) & (ts["id"] == who) & (ts["metric"] == metric)
            assert rows.sum() == 2, (level, who, metric)
            ts.loc[rows, "value"] = values
    return ts, result.scenario


def value(frame: pd.DataFrame, level: str, who: str, kpi: str) -> float:
    row = frame[(frame["level"] == level) & (frame["id"] == who) & (frame["kpi"] == kpi)]
    assert len(row) == 1, (level, who, kpi)
    return float(row["value"].iloc[0])


EXPECTED = [
    ("store", "n1", "conversion_rate", 30 / 40),
    ("distributor", "north", "conversion_rate", 40 / 60),
    ("store", "n1", "retention_rate", 194 / 200),
    ("store", "n1", "churn_rate", 6 / 200),
    ("store", "n1", "silent_churn_share", 5 / 6),
    ("store", "n1", "complaints_per_1000_active", 1000 * 1 / 200),
    ("store", "n1", "revenue", 1000),
    ("store", "n1", "satisfaction", 0.1),
    ("store", "n1", "reputation", 0.5),
    ("store", "n1", "service_level", 0.6),
    ("distributor", "north", "acquisition_cost", (400 * 0.75 + 200 * 0.5) / 3),
    ("distributor", "north", "win_back_cost", (400 * 0.25 + 200 * 0.5) / 2),
    ("distributor", "north", "retention_cost", 200 / 194),
    ("distributor", "north", "gross_margin", (2000 - 1300) / 2000),
    ("distributor", "north", "profit", 30),
    ("distributor", "north", "market_share_units", 40 / 80),
    ("distributor", "north", "market_share_value", 2000 / 5000),
    ("distributor", "north", "satisfaction", 0.1),
    ("market", "market", "acquisition_cost", (400 * 0.75 + 200 * 0.5) / 3),
    ("market", "market", "complaint_rate", 3 / 54),
    ("market", "market", "funnel_unaware_to_attention", 40 / 200),
    ("market", "market", "revenue", 5000),
    ("supplier", "acme", "price_consistency", 15 / 20),
    ("supplier", "acme", "brand_equity", 0.5),
    ("contract", "acme-north", "mutual_cooperation", 0.5),
    ("contract", "acme-north", "trust", 0.4),
    ("contract", "acme-north", "compliance_quality", 0.5),
    ("contract", "acme-north", "sla_penalties", 500),
    ("contract", "acme-north", "active_share", 1.0),
    ("market", "market", "conversion_rate", 40 / 60),
    ("market", "market", "funnel_attention_to_interest", 20 / 100),
    ("market", "market", "funnel_interest_to_desire", 10 / 40),
    ("market", "market", "funnel_desire_to_conviction", 4 / 20),
    ("market", "market", "funnel_conviction_to_purchase", 5 / 30),
    ("market", "market", "retention_rate", 194 / 200),
    ("market", "market", "churn_rate", 6 / 200),
    ("market", "market", "silent_churn_share", 5 / 6),
    ("market", "market", "win_back_cost", (400 * 0.25 + 200 * 0.5) / 2),
    ("market", "market", "retention_cost", 200 / 194),
    ("market", "market", "gross_margin", (5000 - 900) / 5000),
    ("market", "market", "profit", 150 + 30),
    ("market", "market", "satisfaction", 0.25),
    ("market", "market", "price_consistency", 15 / 60),
    ("supplier", "acme", "revenue", 1000),
    ("supplier", "acme", "gross_margin", (1000 - 700) / 1000),
    ("supplier", "acme", "profit", 150),
    ("supplier", "acme", "market_share_units", 20 / 60),
    ("supplier", "acme", "market_share_value", (0.5 * 2000 + 0.2 * 3000) / 5000),
    ("supplier", "acme", "sla_penalties_paid", 300),
    ("supplier", "acme", "sla_penalties_received", 100),
    ("distributor", "north", "revenue", 2000),
    ("distributor", "north", "retention_rate", 194 / 200),
    ("distributor", "north", "churn_rate", 6 / 200),
    ("distributor", "north", "silent_churn_share", 5 / 6),
    ("distributor", "north", "complaints_per_1000_active", 1000 * 1 / 200),
    ("distributor", "north", "sla_penalties_paid", 200),
    ("distributor", "north", "sla_penalties_received", 50),
]


def test_every_kpi_has_a_hand_computed_case():
    covered = {kpi for _, _, kpi, _ in EXPECTED}
    names = {("compliance_quality" if k == "compliance_<clause>" else k) for k in KPIS}
    assert names <= covered, sorted(names - covered)


@pytest.mark.parametrize(("level", "who", "kpi", "expected"), EXPECTED)
def test_kpi_by_hand(hand, level, who, kpi, expected):
    assert value(kpis(*hand), level, who, kpi) == pytest.approx(expected)


def test_kpis_per_period_by_hand(hand):
    frame = kpis(*hand, by="period")
    rows = frame[(frame["id"] == "n1") & (frame["kpi"] == "conversion_rate")]
    assert list(rows.sort_values("period")["value"]) == [0.5, 1.0]
    acquisition = frame[(frame["id"] == "north") & (frame["kpi"] == "acquisition_cost")]
    assert list(acquisition.sort_values("period")["value"]) == [150.0, 100.0]


def test_a_rate_with_nothing_to_divide_is_undefined(hand):
    # south has no visitors at all: its conversion rate is undefined, not zero
    assert np.isnan(value(kpis(*hand), "distributor", "south", "conversion_rate"))


def test_every_kpi_is_defined_and_documented():
    from tests.support import ROOT

    text = (ROOT / "docs" / "kpis.md").read_text()
    for name in KPIS:
        assert f"`{name}`" in text, name


def test_kpi_reference_is_generated_from_the_code():
    from linkages_sim.analysis.kpis import reference_markdown
    from tests.support import ROOT

    assert reference_markdown() in (ROOT / "docs" / "kpis.md").read_text()


def test_costs_per_customer_count_real_customers(hand):
    """With 1 simulated customer standing for 4 real ones, money per customer is a quarter."""
    ts, scenario = hand
    scaled = ts.copy()
    weight = (scaled["level"] == "market") & (scaled["metric"] == "customer_weight")
    scaled.loc[weight, "value"] = 4.0
    assert value(kpis(scaled, scenario), "distributor", "north", "acquisition_cost") == (
        pytest.approx((400 * 0.75 + 200 * 0.5) / 3 / 4)
    )
    # rates of counts do not change
    assert value(kpis(scaled, scenario), "store", "n1", "retention_rate") == pytest.approx(0.97)
