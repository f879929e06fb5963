"""Sweeps: the same files whatever runs them (1 or 2 processes, a Dask LocalCluster), a failed
run recorded while the rest finish, a killed driver resumed without redoing finished runs, a
folder of another design refused, and Sobol indices that match a function's known ones."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from linkages_sim.research.analyze import SweepResults
from linkages_sim.research.design import Design, DesignError
from linkages_sim.research.report import analyze
from linkages_sim.research.sweep import read_status, sweep
from tests.support import ROOT, assert_bad_input, linkages

SMALL = {
    "name": "small",
    "base": "default",
    "customers": 1500,
    "periods": 4,
    "parameters": [
        {"path": "stores[*].greeting_time_s", "name": "greeting", "levels": [30, 90]},
        {"path": "contracts[*].monitoring_error", "name": "noise", "levels": [0.0, 0.2]},
    ],
    "replications": {"count": 2, "seed": 9},
    "outputs": {"metrics": ["brand_equity"]},
}


def contents(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    outputs = pd.read_parquet(folder / "outputs").sort_values(["run", "output"], ignore_index=True)
    brand = pd.read_parquet(folder / "metrics" / "metric=brand_equity")
    brand = brand.sort_values(["run", "period", "id"], ignore_index=True)
    return outputs, brand


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serial")
    outcome = sweep(Design.model_validate(SMALL), folder)
    assert (outcome.done, outcome.failed, outcome.total) == (8, 0, 8)
    return folder


def test_two_processes_and_a_dask_cluster_write_the_same_files(serial, tmp_path):
    design = Design.model_validate(SMALL)
    sweep(design, tmp_path / "pool", workers=2)
    sweep(design, tmp_path / "dask", dask_local=2)
    reference = contents(serial)
    for name in ("pool", "dask"):
        for mine, theirs in zip(contents(tmp_path / name), reference, strict=True):
            pd.testing.assert_frame_equal(mine, theirs)


def test_replications_share_seeds_so_differences_are_paired(serial):
    results = SweepResults.open(serial)
    runs = results.runs
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()
    profit = "kpi/market/market/profit"
    paired = results.paired(profit, reference=0)
    assert paired.loc[paired["point"] == 0, "difference"].iloc[0] == 0.0
    by_point = results.by_point(profit)
    assert list(by_point["n"]) == [2, 2, 2, 2]
    assert (by_point["low"] <= by_point["mean"]).all()
    assert (by_point["mean"] <= by_point["high"]).all()
    # slower greeting loses money against the same customers, run by run
    slow = paired[(paired["greeting"] == 90) & (paired["noise"] == 0.0)]["difference"].iloc[0]
    assert slow < 0


def test_only_the_chosen_metric_is_read(serial):
    results = SweepResults.open(serial)
    brand = results.metric("brand_equity")
    assert set(brand["run"]) == set(range(8)) and set(brand["level"]) == {"supplier"}
    with pytest.raises(DesignError, match="was not kept"):
        results.metric("profit")
    with pytest.raises(DesignError, match="no output"):
        results.outputs("kpi/market/market/proft")


def flaky(point, seed):
    """A toy model that fails at one design point."""
    if point["x"] == 2:
        raise RuntimeError("the model broke at x = 2")
    return {"y": point["x"] * 10 + seed % 7}


TOY = {"name": "toy", "parameters": [{"path": "x", "name": "x", "levels": [1, 2, 3]}],
       "replications": {"seeds": [1, 2]}}


def test_a_failing_point_is_recorded_and_the_sweep_completes(tmp_path):
    outcome = sweep(Design.model_validate(TOY), tmp_path, toy=flaky)
    assert (outcome.done, outcome.failed) == (4, 2)
    runs = SweepResults.open(tmp_path).runs
    failed = runs[runs["status"] == "failed"]
    assert list(failed["point"]) == [1, 1]
    assert all("RuntimeError: the model broke at x = 2" in e for e in failed["error"])
    again = sweep(Design.model_validate(TOY), tmp_path, toy=flaky)
    assert again.ran_now == 0  # nothing left to do, failures are not retried by default
    retried = sweep(Design.model_validate(TOY), tmp_path, toy=flaky, retry_failed=True)
    assert retried.ran_now == 2 and retried.failed == 2


def test_a_folder_of_another_design_is_refused(serial, tmp_path):
    other = Design.model_validate({**SMALL, "replications": {"count": 3, "seed": 9}})
    with pytest.raises(DesignError, match="another design"):
        sweep(other, serial)
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "replications": {"count": 3, "seed": 9}}))
    assert_bad_input(linkages("sweep", str(path), "--out", str(serial), "-q"),
                     "holds the results of another design", "--restart")
    assert len(read_status(serial)) == 8  # nothing already computed was lost


def test_a_killed_driver_resumes_without_redoing_finished_runs(tmp_path):
    design = {**SMALL, "customers": 1000, "periods": 3,
              "replications": {"count": 4, "seed": 3}}  # 16 runs
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(design))
    folder = tmp_path / "killed"
    command = [sys.executable, "-m", "linkages_sim", "sweep", str(path), "--out", str(folder),
               "-q"]  # fmt: skip
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and len(read_status(folder)) < 5:
        time.sleep(0.05)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    finished_before = set(read_status(folder))
    assert 5 <= len(finished_before) < 16
    assert subprocess.run(command, capture_output=True, timeout=300).returncode == 0
    lines = [json.loads(x) for x in (folder / "status.jsonl").read_text().splitlines()]
    runs = [line["run"] for line in lines]
    assert sorted(set(runs)) == list(range(16))
    assert all(runs.count(r) == 1 for r in finished_before)  # never run twice
    whole = tmp_path / "whole"
    sweep(Design.model_validate(design), whole)
    for mine, theirs in zip(contents(folder), contents(whole), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def ishigami(point, seed):
    """Ishigami & Homma (1990), a = 7, b = 0.1: analytic Sobol indices are known."""
    x1, x2, x3 = point["x1"], point["x2"], point["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values(tmp_path):
    pi = math.pi
    design = Design.model_validate({
        "name": "ishigami",
        "parameters": [{"path": "x", "name": n, "range": {"low": -pi, "high": pi}}
                       for n in ("x1", "x2", "x3")],
        "sampling": {"kind": "sobol", "samples": 512, "seed": 1},
        "replications": {"count": 1},
    })  # fmt: skip
    sweep(design, tmp_path, toy=ishigami)
    indices = SweepResults.open(tmp_path).sobol("y").set_index("parameter")
    # Saltelli et al. 2008, Global Sensitivity Analysis, section 4.5 (a = 7, b = 0.1)
    s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    for name in s1:
        assert abs(indices.loc[name, "S1"] - s1[name]) <= indices.loc[name, "S1_conf"]
        assert abs(indices.loc[name, "ST"] - st[name]) <= indices.loc[name, "ST_conf"]
    report = analyze(tmp_path, output="y")
    assert report["report"].exists() and (tmp_path / "analysis" / "sensitivity.png").exists()


def test_morris_ranks_a_linear_function_by_its_slopes(tmp_path):
    design = Design.model_validate({
        "name": "morris",
        "parameters": [{"path": "x", "name": n, "range": {"low": 0, "high": 1}}
                       for n in ("a", "b", "c")],
        "sampling": {"kind": "morris", "samples": 20, "levels": 4, "seed": 2},
        "replications": {"count": 1},
    })  # fmt: skip
    sweep(design, tmp_path, toy=lambda p, seed: {"y": 5 * p["a"] + 1 * p["b"] + 0 * p["c"]})
    effects = SweepResults.open(tmp_path).morris("y").set_index("parameter")
    assert effects.loc["a", "mu_star"] == pytest.approx(5)
    assert effects.loc["b", "mu_star"] == pytest.approx(1)
    assert effects.loc["c", "mu_star"] == pytest.approx(0)
    assert effects["sigma"].max() == pytest.approx(0, abs=1e-9)  # linear: no interactions


def test_the_command_line_sweeps_and_analyses(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "customers": 800, "periods": 2,
                                    "replications": {"count": 1}}))  # fmt: skip
    out = tmp_path / "cli"
    ran = linkages("sweep", str(path), "--out", str(out), "-q")
    assert ran.returncode == 0, ran.stderr
    assert "4 done, 0 failed of 4 runs" in ran.stdout
    again = linkages("sweep", str(path), "--out", str(out), "-q")
    assert "0 run now, 4 already there" in again.stdout
    shown = linkages("analyze", str(out), "--output", "kpi/market/market/revenue")
    assert shown.returncode == 0, shown.stderr
    assert (out / "analysis" / "report.md").exists()
    assert (out / "analysis" / "heat_map.png").exists()
    listed = linkages("analyze", str(out), "--list")
    assert "kpi/distributor/north/retention_rate" in listed.stdout
    assert_bad_input(linkages("analyze", str(tmp_path)), "not a sweep folder")


def test_an_unreachable_scheduler_is_told_quickly():
    started = time.time()
    proc = linkages("sweep", str(ROOT / "designs" / "sla_under_noise.yaml"), "--out",
                    "/nonexistent/never", "--scheduler", "tcp://127.0.0.1:9")  # fmt: skip
    assert_bad_input(proc, "cannot reach it")
    assert time.time() - started < 20


def test_sobol_intervals_are_the_same_every_time_they_are_computed(tmp_path):
    """SALib reads a seed of 0 as none; the bootstrap intervals must still be reproducible."""
    design = Design.model_validate({"name": "ishigami", "parameters": [
        {"path": "x", "name": f"x{i}", "range": {"low": -math.pi, "high": math.pi}}
        for i in (1, 2, 3)], "sampling": {"kind": "sobol", "samples": 64, "seed": 3},
        "replications": {"count": 1}})  # fmt: skip
    sweep(design, tmp_path, toy=ishigami)
    results = SweepResults.open(tmp_path)
    assert results.sobol("y").equals(results.sobol("y"))
    with pytest.raises(ValueError, match="non-zero"):
        results.sobol("y", seed=0)
