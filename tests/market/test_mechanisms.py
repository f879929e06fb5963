"""The seed's claims as mechanism directions, each tested with common random numbers: the two
runs differ in one lever and share every random draw (same seed, same streams)."""

import pytest

from linkages_sim.api import run
from linkages_sim.config.loading import validate_scenario
from tests.support import small

SEED = 1
BASE = small(customers=30_000, periods=30)


def edited(change) -> object:
    data = BASE.model_dump()
    change(data)
    return validate_scenario(data)


def total(result, level, metric):
    ts = result.timeseries
    return ts[(ts.level == level) & (ts.metric == metric)].value.sum()


def mean(result, level, metric):
    ts = result.timeseries
    return ts[(ts.level == level) & (ts.metric == metric)].value.mean()


def final(result, level, metric):
    ts = result.timeseries
    rows = ts[(ts.level == level) & (ts.metric == metric)]
    return rows[rows.period == rows.period.max()].set_index("id").value


@pytest.fixture(scope="module")
def baseline():
    return run(BASE, seed=SEED)


def test_better_service_raises_retention_and_satisfaction(baseline):
    def better_service(d):
        for s in d["stores"]:
            s["service_level"] = min(1.0, s["service_level"] + 0.2)

    better = run(edited(better_service), seed=SEED)
    assert mean(better, "distributor", "retention_rate") > mean(baseline, "distributor",
                                                                "retention_rate")  # fmt: skip
    assert total(better, "market", "churned") < total(baseline, "market", "churned")
    assert (
        final(better, "market", "satisfaction")["market"]
        > final(baseline, "market", "satisfaction")["market"]
    )


def test_pricing_below_the_band_damages_the_brand(baseline):
    def central_discounts(d):
        for c in d["contracts"]:
            if c["distributor"] == "central":
                c.update(distributor_strategy="all-d", supplier_strategy="all-c")
                c["trust"]["break_below"] = 0.0

    discounted = run(edited(central_discounts), seed=SEED)
    assert mean(discounted, "market", "price_consistency") < 0.9
    brand_before, brand_after = (final(baseline, "supplier", "brand_equity"),
                                 final(discounted, "supplier", "brand_equity"))  # fmt: skip
    assert (brand_after < brand_before - 0.05).all()


def test_unmet_expectations_raise_churn_mostly_silent(baseline):
    def demanding(d):
        for s in d["segments"]:
            s["expectation"] = min(1.0, s["expectation"] + 0.15)

    unmet = run(edited(demanding), seed=SEED)
    churned = total(unmet, "market", "churned")
    assert churned > 1.5 * total(baseline, "market", "churned")
    silent_share = total(unmet, "market", "churned_silent") / churned
    assert silent_share > 0.8  # TARP: most dissatisfied customers leave without complaining
    complaints_per_dissatisfied = total(unmet, "market", "complaints") / total(
        unmet, "market", "dissatisfied"
    )
    assert 1 / 60 < complaints_per_dissatisfied < 1 / 12  # about 1 in 27


def test_winning_back_costs_more_than_keeping(baseline):
    """Spend the same extra money on service (keeping) or on marketing (winning back); the
    marketing cost is charged to win-backs in proportion to the lapsed share of the funnel."""
    extra = 2_000.0
    n_stores, n_distributors, periods = len(BASE.stores), len(BASE.distributors), BASE.periods

    def more_service(d):
        for x in d["distributors"]:
            x["service_spend_per_store"] += extra

    def more_marketing(d):
        for x in d["distributors"]:
            x["marketing_per_period"] += extra * n_stores / n_distributors

    money = extra * n_stores * periods
    kept = total(baseline, "market", "churned") - total(run(edited(more_service), seed=SEED),
                                                        "market", "churned")  # fmt: skip
    marketing = run(edited(more_marketing), seed=SEED)
    won_back = total(marketing, "market", "won_back") - total(baseline, "market", "won_back")
    lapsed = mean(baseline, "market", "customers_lapsed")
    lapsed_share = lapsed / (lapsed + mean(baseline, "market", "customers_prospect"))
    assert kept > 0 and won_back > 0
    cost_to_keep = money / kept
    cost_to_win_back = money * lapsed_share / won_back
    print(f"win-back / keep cost ratio: {cost_to_win_back / cost_to_keep:.2f}")
    assert cost_to_win_back > 1.5 * cost_to_keep
