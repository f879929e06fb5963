"""The market's Sobol experiment through sweep and analyze, at a small size."""

import math

from experiments.market_sensitivity.experiment import OUTPUTS, run_experiment

SMALL = {"customers": 500, "samples": 4, "periods": 8, "replications": 2, "workers": 1}


def test_every_point_runs_the_indices_come_out_and_a_rerun_resumes(tmp_path):
    first = run_experiment(tmp_path, **SMALL)
    assert first["points"] == 4 * (4 + 2) and first["done"] == first["runs"] == 48
    for output in OUTPUTS:
        for parameter, index in first[output].items():
            assert all(math.isfinite(index[k]) for k in ("S1", "ST", "S1_conf", "ST_conf")), (
                output, parameter)
    assert (tmp_path / "market_sobol.png").stat().st_size > 10_000
    again = run_experiment(tmp_path, **SMALL)  # the finished sweep is read, not run again
    channel = next(iter(OUTPUTS))
    assert again["ran_now"] == 0 and again[channel] == first[channel]
