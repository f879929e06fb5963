"""`linkages compare` and `linkages run --against`: a table and a figure for two runs of one
market, and a one-line refusal for two different markets."""

from __future__ import annotations

import json

import pandas as pd

SMALL = ["--customers", "1500", "--periods", "6"]


def test_compare_two_shipped_scenarios(cli80, tmp_path):
    out = cli80("compare", "baseline", "price_war", *SMALL, "--out", "c")
    assert out.exit_code == 0, out.stderr
    for words in ("B: price_war against A: baseline", "supplier acme", "distributor north",
                  "brand equity", "B - A", "same seeds"):  # fmt: skip
        assert words in out.stdout, words
    table = pd.read_csv(tmp_path / "c" / "comparison.csv")
    assert {"level", "id", "kpi", "unit", "a", "b", "difference", "ci_low", "ci_high"} <= set(
        table.columns)  # fmt: skip
    assert (tmp_path / "c" / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    record = json.loads((tmp_path / "c" / "comparison.json").read_text())
    assert record["paired"] and record["b"]["scenario"] == "price_war"
    again = cli80("compare", "baseline", "price_war", *SMALL, "--out", "c")
    assert again.exit_code == 2 and "already holds a comparison" in again.stderr


def test_compare_with_replications_and_json(cli80):
    out = cli80("compare", "baseline", "price_war", "--customers", "800", "--periods", "4",
                "--replications", "2", "--json", "-")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    record = json.loads(out.stdout)  # only the JSON on standard output
    assert record["replications"] == 2 and len(record["a"]["seeds"]) == 2
    assert (out.stdout.count("ci_low")) == len(record["rows"])


def test_run_against_baseline_writes_the_comparison(cli80, tmp_path):
    out = cli80("run", "price_war", *SMALL, "--out", "r", "--against", "baseline", "--no-plots")
    assert out.exit_code == 0, out.stderr
    assert "B: price_war against A: baseline" in out.stdout
    for name in ("comparison.csv", "comparison.json", "comparison.png", "summary.json"):
        assert (tmp_path / "r" / name).is_file(), name
    record = json.loads((tmp_path / "r" / "comparison.json").read_text())
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert record["b"]["seeds"] == [summary["seed"]] == record["a"]["seeds"]
    # and a run folder on the command line: the same numbers
    folder = cli80("compare", "r", "price_war", "--out", "c")  # a run against itself
    assert folder.exit_code == 0, folder.stderr
    rows = pd.read_csv(tmp_path / "c" / "comparison.csv")
    assert (rows["difference"].dropna() == 0).all()


def test_different_markets_are_refused(cli80, tmp_path):
    (tmp_path / "other.yaml").write_text(
        "extends: baseline\nname: other\nsuppliers:\n  - {id: zenith}\n")
    for args in (("compare", "baseline", "other.yaml", *SMALL),
                 ("run", "price_war", *SMALL, "--against", "other.yaml", "--out", "r")):
        out = cli80(*args)
        assert out.exit_code == 2
        assert "Traceback" not in out.stdout + out.stderr
        errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "not the same market" in errors[0] and "zenith" in errors[0]
    assert not (tmp_path / "r" / "summary.json").exists()  # refused before the run
    out = cli80("compare", "baseline", "no_such_scenario")
    assert out.exit_code == 2 and "no_such_scenario" in out.stderr
