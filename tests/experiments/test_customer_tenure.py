"""The customer-tenure experiment (experiments/customer_tenure) at a tiny size: the figure is
written, the lever lowers defection by about five points, and every uplift is finite and goes
the way the README reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.customer_tenure.experiment import (
    ARMS,
    COMPONENTS,
    CREDIT_CARD_PROFIT,
    lifetime_value,
    run_experiment,
)


def test_lifetime_value_is_the_discounted_sum_over_survivors():
    # one year's profit 10 for ever, no defection: 10 / 0.05 less the tail beyond the horizon
    value = lifetime_value(np.array([10.0]), 0.0, 0.0)
    assert value == pytest.approx(10.0 / 0.05 * (1 - 1.05**-30))
    assert lifetime_value(np.array(CREDIT_CARD_PROFIT), 51.0, 0.10) > lifetime_value(
        np.array(CREDIT_CARD_PROFIT), 51.0, 0.20)


def test_the_experiment_at_a_tiny_size(tmp_path):
    result = run_experiment(tmp_path, customers=1_000, seeds=2, workers=1, years=2)
    assert (tmp_path / "customer_tenure.png").stat().st_size > 20_000
    arms = result["arms"]
    assert set(arms) == set(ARMS)
    for arm, record in arms.items():
        drop = record["defection_base"]["mean"] - record["defection_less"]["mean"]
        assert 0.03 < drop < 0.07, (arm, drop)
        for key in ("profit_uplift_last_year_pct", "clv_uplift_pct"):
            figure = record[key]
            assert figure["n"] == 2 and math.isfinite(figure["mean"]), (arm, key)
            assert figure["mean"] > 0, (arm, key)  # keeping customers longer pays
    assert arms["all components"]["referred_per_year_base"]["mean"] > 0
    assert arms["no referrals"]["referred_per_year_base"]["mean"] == 0
    for component in COMPONENTS:
        assert math.isfinite(result["contributions"][component]["clv_pct_points"]["mean"])
    profile = [p["mean"] for p in result["profit_per_customer_by_tenure_year"]]
    assert profile[-1] > profile[0]  # profit per customer grows with tenure
