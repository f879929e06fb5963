"""The service-dimensions experiment at its quick size (experiments/service_dimensions): its
designs spend what they say, every effect is a paired interval over seeds, and the figures are
written."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.publish import QUICK
from experiments.service_dimensions.experiment import (
    EXTRA,
    GREETER_COST,
    PROFILES,
    designs,
    market,
    raised,
    run_experiment,
)
from linkages_sim.config.service import DIMENSIONS
from tests.support import small


def test_raising_a_dimension_adds_the_extra_spend_to_it_alone():
    reference = market(small("default", customers=500, periods=2), "servqual")
    arm = raised(reference, "knowledge")
    spend = {d.id: d.service_spend_per_store for d in reference.distributors}
    for before, after in zip(reference.all_stores, arm.all_stores, strict=True):
        s = spend[before.distributor]
        total = s + EXTRA
        by = {d: total * getattr(after.service_budget, d) for d in DIMENSIONS}
        assert by["knowledge"] == pytest.approx(s / 6 + EXTRA)
        assert all(by[d] == pytest.approx(s / 6) for d in DIMENSIONS if d != "knowledge")
    even = raised(reference, None)
    assert all(s.service_budget is None for s in even.all_stores)
    assert {d.service_spend_per_store for d in even.distributors} == {v + EXTRA
                                                                      for v in spend.values()}
    names = designs(small("default", customers=500, periods=2))
    assert len(names) == 9 * len(PROFILES) + 3  # base, evenly, six, listening; greeting
    assert names["greet30/spend only"].distributors[0].service_spend_per_store == (
        reference.distributors[0].service_spend_per_store + GREETER_COST)
    assert names["servqual/listening"].market.service.manager == "largest_gap"
    cost = [s.standards[0].cost_per_period for s in names["greet30/at cost"].all_stores]
    assert cost == [GREETER_COST] * 8


def test_the_experiment_at_its_quick_size(tmp_path):
    options = QUICK["service_dimensions"]
    result = run_experiment(tmp_path, **options, workers=1)
    seeds = options["seeds"]
    which = result["a_which_dimension_pays"]
    assert set(which) == set(PROFILES)
    for profile, record in which.items():
        assert record["best_dimension_by_profit"] in DIMENSIONS
        for arm, effect in record["uplift_over_base"].items():
            for measure in ("profit", "revenue", "retention"):
                e = effect[measure]
                assert e["n"] == seeds, (profile, arm, measure)
                assert e["low"] <= e["mean"] <= e["high"]
    # raising every dimension alike leaves every weighted mean the stores' one level, so the
    # weights cannot matter: the same runs, bit for bit, whatever the profile
    even = [which[p]["uplift_over_base"]["+even"] for p in PROFILES]
    assert all(e == even[0] for e in even)
    assert which["equal"]["best_minus_runner_up"]["profit"]["n"] == seeds
    greeting = result["b_greeting_standard"]
    cost = greeting["cost over the run"]
    assert cost == GREETER_COST * 8 * options["periods"]
    free = greeting["free - none"]["profit"]
    assert greeting["free - none, less the cost"]["mean"] == pytest.approx(free["mean"] - cost)
    assert greeting["value per unit of cost"]["low"] == pytest.approx(free["low"] / cost)
    assert greeting["at cost - spend only"]["profit"]["n"] == seeds
    for profile, effect in result["c_listening_vs_holding"].items():
        assert effect["profit"]["n"] == seeds, profile
    for profile, shares in result["c_listening_final_budget_mean_over_stores"].items():
        assert sum(shares.values()) == pytest.approx(1.0), profile
        assert np.isfinite(list(shares.values())).all()
    for name in ("service_dimensions.png", "service_dimensions_policies.png"):
        assert (tmp_path / name).stat().st_size > 20_000
