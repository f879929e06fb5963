"""The dilemma-region experiment at a small size: three sweeps, indices, a phase diagram."""

import math

from experiments.dilemma_region.experiment import OUTPUTS, run_experiment, score
from linkages_sim.game.stage import GAME_CLASSES
from linkages_sim.research.design import read_design

SMALL = {"customers": 300, "trajectories": 2, "samples": 2, "keep": 2, "grid": 2,
         "replications": 2, "layouts": 2, "periods": 4, "workers": 1}


def test_screening_keeps_the_top_inputs_and_the_phase_grid_uses_the_top_two(tmp_path):
    first = run_experiment(tmp_path, **SMALL)
    assert all(s["failed"] == 0 and s["done"] == s["runs"] for s in first["sweeps"].values())
    ranked = list(first["screening_score"])
    assert first["sobol_inputs"] == ranked[:2]
    assert set(first["phase_axes"]) <= set(first["sobol_inputs"])
    assert first["phase"]["cells"] == 4 and first["default"]["seeds"] == 2
    for output in OUTPUTS:
        assert all(math.isfinite(v["mu_star"]) for v in first["morris"][output].values())
    shares = first["space_all_inputs"]["game"]
    assert math.isclose(sum(v["share"] for v in shares.values()), 1.0, abs_tol=0.01)
    assert set(shares) == set(GAME_CLASSES)
    for name in ("dilemma_sensitivity.png", "dilemma_phase.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    derived, _ = read_design(tmp_path / "dilemma_sobol.yaml")  # runnable by `linkages sweep`
    assert derived.sampling.kind == "sobol" and derived.outputs.stage_game is not None
    again = run_experiment(tmp_path, **SMALL)  # finished sweeps are read, not run again
    assert all(s["ran_now"] == 0 for s in again["sweeps"].values())
    assert again["phase"] == first["phase"]


def test_the_score_is_each_input_relative_to_the_largest_per_output():
    import pandas as pd

    ranked = score({"a": pd.Series({"x": 2.0, "y": 1.0, "z": 0.0}),
                    "b": pd.Series({"x": 0.0, "y": 4.0, "z": -1.0})})
    assert list(ranked.index) == ["y", "x", "z"]
    assert ranked["y"] == 0.75 and ranked["x"] == 0.5 and ranked["z"] == 0.0
