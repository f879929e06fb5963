"""Designs that measure a contract's stage game at each point, and scaled parameters."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from linkages_sim.analysis.payoff_matrix import (
    PARTIES,
    PROFILE_OF,
    ProfitPerPeriod,
    StageGame,
    fixed_profile,
)
from linkages_sim.game.stage import GAME_CLASSES, classify
from linkages_sim.market.model import MarketModel
from linkages_sim.research.analyze import SweepResults
from linkages_sim.research.design import Design, DesignError, check_design, point_scenario
from linkages_sim.research.sweep import sweep
from linkages_sim.stats import wilson_interval

GAME = {
    "name": "game", "customers": 300, "periods": 4,
    "parameters": [{"path": "distributors[*].defection.discount", "name": "discount",
                    "levels": [0.0, 0.12]}],
    "replications": {"count": 2, "seed": 5},
    "outputs": {"stage_game": {"contract": "acme-north"}, "primary": "measure/dilemma"},
}  # fmt: skip


def test_each_run_is_the_four_profiles_of_its_point_on_its_seed(tmp_path):
    design = Design.model_validate(GAME)
    outcome = sweep(design, tmp_path)
    assert outcome.done == 4 and outcome.failed == 0
    results = SweepResults.open(tmp_path)
    base = check_design(design, Path("."), "t")
    run = results.runs.iloc[3]  # discount 0.12, replication 1
    scenario = point_scenario(base, design, {"discount": run["discount"]}, "t")
    direct = StageGame("acme-north")(scenario, int(run["seed"]))
    stored = results.outputs([f"measure/{k}" for k in direct])
    stored = stored[stored["run"] == run["run"]].set_index("output")["value"]
    assert {k: stored[f"measure/{k}"] for k in direct} == pytest.approx(direct, rel=1e-12)
    # T is the supplier's profit per period when it alone defects (profile DC), run directly
    model = MarketModel(fixed_profile(scenario, "acme-north", "DC"), seed=int(run["seed"]))
    model.run()
    supplier_T = ProfitPerPeriod("acme", "north", "acme-north")(model)[0]
    assert direct["supplier/T"] == pytest.approx(supplier_T, rel=1e-12)


def test_the_class_and_the_dilemma_flag_follow_the_payoffs(tmp_path):
    sweep(Design.model_validate(GAME), tmp_path)
    results = SweepResults.open(tmp_path)
    for _, rows in results.outputs(results.output_names()).groupby("run"):
        v = rows.set_index("output")["value"]
        classes = []
        for party in PARTIES:
            p = [v[f"measure/{party}/{k}"] for k in PROFILE_OF[party]]
            assert v[f"measure/{party}/T-R"] == pytest.approx(p[0] - p[1])
            classes.append(classify(*p))
            assert GAME_CLASSES[int(v[f"measure/{party}/class"])] == classes[-1]
        both = classes[0] == classes[1] == "prisoners_dilemma"
        assert v["measure/dilemma"] == float(both)


def test_an_unknown_contract_is_refused_before_anything_runs(tmp_path):
    bad = Design.model_validate({**GAME, "outputs": {"stage_game": {"contract": "acme-nort"}}})
    with pytest.raises(DesignError, match=r"outputs\.stage_game\.contract: unknown contract "
                                          r"'acme-nort'; contracts: acme-north"):
        sweep(bad, tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_scaled_parameter_multiplies_each_field_and_keeps_their_ratios():
    design = Design.model_validate({
        "parameters": [{"path": "segments[*].tastes.price", "name": "price",
                        "range": {"low": 0.5, "high": 1.5}, "scale": True}],
        "sampling": {"kind": "morris", "samples": 2}, "replications": {"count": 1}})
    base = check_design(design, Path("."), "t")
    before = [s.tastes.price for s in base.segments]
    after = [s.tastes.price for s in point_scenario(base, design, {"price": 1.25}, "t").segments]
    assert after == pytest.approx([1.25 * b for b in before])
    assert len(set(before)) > 1  # the segments differ, and still do


def test_scaling_a_field_that_is_not_a_number_is_refused_with_the_path():
    design = Design.model_validate({
        "parameters": [{"path": "segments[*].id", "range": {"low": 0.5, "high": 1.5},
                        "scale": True}],
        "sampling": {"kind": "morris", "samples": 2}, "replications": {"count": 1}})
    with pytest.raises(DesignError, match=r"segments\[\*\]\.id.*is not a number to scale"):
        check_design(design, Path("."), "t")


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (9, 10, 0.5958, 0.9821),
])  # fmt: skip
def test_wilson_intervals_match_published_values(k, n, low, high):
    # Brown, Cai & DasGupta (2001); e.g. 0 of 10 gives an upper bound of 0.2775
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)
    assert all(math.isnan(b) for b in wilson_interval(0, 0))
