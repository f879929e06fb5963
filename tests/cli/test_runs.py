"""The `linkages` command end to end, as a user runs it (subprocesses, so no test can hide a
traceback or an environment difference)."""

import json
import os
import re

import pandas as pd
import pytest

from linkages_sim.plots.run_figures import figure_names
from tests.support import assert_bad_input, linkages

SMALL = ["--customers", "3000", "--periods", "6", "--quiet"]
BIG = ["--customers", "20000", "--periods", "4", "--quiet", "--no-plots"]


def test_run_default_writes_every_output(tmp_path):
    out = tmp_path / "run"
    proc = linkages("run", "--out", str(out), "--seed", "3", "--timings", *SMALL)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"timings: .* simulation [0-9.]+ s", proc.stderr), proc.stderr
    umask = os.umask(0)
    os.umask(umask)
    for name in ("timeseries.parquet", "timeseries.csv", "summary.json", "report.md",
                 "scenario.yaml", "ledger.csv", "kpis.csv", "kpis_by_period.csv",
                 "customers_sample.csv", *(f"plots/{f}" for f in figure_names())):
        assert (out / name).stat().st_size > 0, name
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask, name  # not private
    csv = pd.read_csv(out / "timeseries.csv")
    assert list(csv.columns) == ["period", "level", "id", "metric", "value"]
    assert pd.read_parquet(out / "timeseries.parquet").shape == csv.shape
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["periods"] == 6
    report = (out / "report.md").read_text()
    assert "![revenue](plots/revenue.png)" in report
    assert not list(out.glob("**/*.tmp"))  # atomic writes leave no temporary files


def test_existing_results_need_force(tmp_path):
    out = tmp_path / "run"
    assert linkages("run", "--out", str(out), *SMALL).returncode == 0
    assert_bad_input(linkages("run", "--out", str(out), *SMALL), "already holds results", "--force")
    assert linkages("run", "--out", str(out), "--force", *SMALL).returncode == 0


def test_byte_identical_across_runs_and_thread_counts(tmp_path):
    """1 and 2 threads (forced, whatever the machine's cores) give the same bytes; 20,000
    customers are 20 blocks of the choice kernel, so two threads really share the work."""
    outputs = []
    for i, threads in enumerate(("1", "2", "2")):
        out = tmp_path / f"r{i}"
        proc = linkages("run", "--out", str(out), "--seed", "7", *BIG, "--timings",
                        env={"NUMBA_NUM_THREADS": threads})  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert f"customer kernels on {threads} threads" in proc.stderr
        outputs.append((out / "timeseries.csv").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    other = tmp_path / "other"
    assert linkages("run", "--out", str(other), "--seed", "8", *BIG).returncode == 0
    assert (other / "timeseries.csv").read_bytes() != outputs[0]


def test_shipped_scenario_by_name(tmp_path):
    proc = linkages("run", "broken_trust", "--out", str(tmp_path / "b"), *SMALL)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (None, ["missing.yaml: file not found"]),
        ("name: x\nsuppliers: [a\n", ["YAML syntax error at line"]),
        ("", ["empty"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ["not a text (YAML) file"]),
        (
            "extends: default\nstores: [{id: n1, location: {x: -3, y: 1}}]\n",
            ["stores[id=n1].location.x: must be >= 0"],
        ),
        ("extends: default\nperiods: many\n", ["periods: must be a whole number"]),
        (
            "extends: default\nsuppliers: [{id: acme, qualty: 0.9}]\n",
            ["unknown field 'qualty'; did you mean 'quality'?"],
        ),
    ],
)
def test_bad_scenarios_get_one_clear_message(tmp_path, content, needles):
    path = tmp_path / ("missing.yaml" if content is None else "bad.yaml")
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert_bad_input(linkages("run", str(path), "--out", str(tmp_path / "o"), *SMALL), *needles)
    assert_bad_input(linkages("validate", str(path)), *needles)


def test_bad_options_are_rejected_without_traceback(tmp_path):
    proc = linkages("run", "--periods", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_validate_and_list(tmp_path):
    proc = linkages("validate", "default", "baseline", "price_war")
    assert proc.returncode == 0 and proc.stdout.count("ok") == 3
    listing = linkages("scenarios")
    assert listing.returncode == 0
    for name in ("default", "baseline", "price_war", "service_excellence", "broken_trust"):
        assert name in listing.stdout
    strategies = linkages("strategies")
    assert strategies.returncode == 0 and "wsls" in strategies.stdout


def test_kpis_agree_across_cli_report_and_api(tmp_path):
    from linkages_sim.analysis.kpis import kpis
    from linkages_sim.config.loading import load_scenario
    from linkages_sim.formatting import pct

    out = tmp_path / "run"
    assert linkages("run", *SMALL, "--out", str(out)).returncode == 0
    api = kpis(pd.read_parquet(out / "timeseries.parquet"), load_scenario(out / "scenario.yaml"))
    written = pd.read_csv(out / "kpis.csv")
    pd.testing.assert_frame_equal(written, api, check_dtype=False)
    per_period = linkages("kpis", str(out), "--by-period")
    assert per_period.returncode == 0, per_period.stderr
    from io import StringIO

    pd.testing.assert_frame_equal(
        pd.read_csv(StringIO(per_period.stdout)), pd.read_csv(out / "kpis_by_period.csv")
    )
    shown = linkages("kpis", str(out), "--level", "market")
    conversion = api.query("level == 'market' and kpi == 'conversion_rate'")["value"].iloc[0]
    assert pct(conversion) in shown.stdout
    assert pct(conversion) in (out / "report.md").read_text()
    assert_bad_input(linkages("kpis", str(tmp_path)), "not found")
    assert_bad_input(linkages("kpis", str(out), "--level", "galaxy"), "--level must be one of")


def test_threads_option_gives_identical_results(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    four = {"NUMBA_NUM_THREADS": "4"}  # so that --threads 2 is allowed on any machine
    for out, threads in ((a, "1"), (b, "2")):
        proc = linkages("run", *BIG, "--threads", threads, "--timings", "--out", str(out),
                        env=four)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert f"customer kernels on {threads} threads" in proc.stderr
    assert (a / "timeseries.csv").read_bytes() == (b / "timeseries.csv").read_bytes()
    assert_bad_input(linkages("run", *SMALL, "--threads", "999", "--out", str(a), "--force",
                              env=four), "--threads 999", "at most 4")  # fmt: skip
