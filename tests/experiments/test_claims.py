"""The seed's claim experiments run end to end at a small size (one seed, 12,000 customers):
their code works and the directions their READMEs state show even in one small market.

These are smoke tests of the experiments, not the claims' statistical tests: each claim is
tested over several seeds, each its own layout, with paired 95% intervals in
`test_claims_over_layouts.py`, and the calibrated inputs within binomial standard errors in
`tests/market/test_calibrated_claims.py` (where a factor-of-two change fails)."""

import itertools

import pytest

from experiments import (
    location_layout,
    price_war,
    retention_vs_acquisition,
    service_standards,
    silent_churn,
)

SMALL = {"customers": 12_000, "seeds": 1, "seed": 42}


def test_winning_back_and_acquiring_cost_more_than_keeping(tmp_path):
    h = retention_vs_acquisition.run_experiment(tmp_path, **SMALL)
    assert h["customers_kept"] > 0 and h["customers_won_back"] > 0
    assert h["win_back_vs_keep_marginal"] > 1.5
    assert h["acquire_vs_keep_marginal"] > 1.5
    assert h["average_cost"]["win_back"] > 3 * h["average_cost"]["keep"]


def test_most_churn_is_silent_and_recovery_helps(tmp_path):
    h = silent_churn.run_experiment(tmp_path, **SMALL)
    base, programme = h["baseline"], h["recovery programme"]
    # the complaint rate itself (an input, 1 in 27) is tested over seeds and layouts within
    # binomial standard errors in tests/market/test_calibrated_claims.py
    assert base["silent_share_of_churn"] > 0.9
    assert programme["complaints_per_dissatisfied"] > 1.5 * base["complaints_per_dissatisfied"]
    assert programme["churned"] < base["churned"]


def test_a_price_war_without_service_destroys_value(tmp_path):
    h = price_war.run_experiment(tmp_path, **SMALL)
    hold = h["hold price, keep service (baseline)"]
    war = h["price war: discount and cut service"]
    cut = h["discount, keep service"]
    assert war["channel_profit"] < cut["channel_profit"] < hold["channel_profit"]
    assert war["brand_equity_end_mean"] < hold["brand_equity_end_mean"] - 0.2
    assert war["customers_active_end"] < hold["customers_active_end"]


def test_distance_costs_and_layout_pays(tmp_path):
    h = location_layout.run_experiment(tmp_path, **SMALL)
    by_shift = h["revenue_by_shift"]
    assert all(a > b for a, b in itertools.pairwise(by_shift))
    by_layout = list(h["revenue_by_layout"].values())
    assert by_layout[-1] > by_layout[0]


def test_service_standards_pay(tmp_path):
    h = service_standards.run_experiment(tmp_path, **SMALL)
    greet = [h[f"greet {g}"] for g in (30, 60, 90)]
    assert greet[0]["revenue"] > greet[1]["revenue"] > greet[2]["revenue"]
    assert greet[0]["retention_rate_annual"] > greet[2]["retention_rate_annual"]
    assert h["service +0.15"]["channel_profit"] > h["service -0.15"]["channel_profit"]


@pytest.mark.parametrize(
    "name",
    [
        "retention_vs_acquisition",
        "silent_churn",
        "price_war",
        "location_layout",
        "service_standards",
        "ipd_tournament",
        "market_dilemma",
    ],
)
def test_every_experiment_has_a_readme_and_a_committed_figure(name):
    from tests.support import ROOT

    folder = ROOT / "experiments" / name
    assert (folder / "README.md").exists()
    assert list(folder.glob("*.png")), f"{name}: no committed figure"
