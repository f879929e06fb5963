"""Comparing two runs of one market: the paired difference is exact (a run against itself
differs by exactly zero), a run folder and the scenario it came from give the same numbers,
intervals come with replications, and runs of different markets are refused before any run."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.analysis.compare import (
    HEADLINE,
    Comparison,
    Side,
    _comparison,
    compare,
    is_run_folder,
)
from linkages_sim.api import run
from linkages_sim.config.editing import edit_scenario
from linkages_sim.files import json_text
from linkages_sim.outputs.run_folder import write_run
from linkages_sim.plots.compare_figures import comparison_figure
from tests.support import small

SIZE = {"customers": 1_500, "periods": 6}


@pytest.fixture(scope="module")
def baseline():
    return small("baseline", **SIZE)


@pytest.fixture(scope="module")
def price_war():
    return small("price_war", **SIZE)


@pytest.fixture(scope="module")
def war_vs_base(baseline, price_war) -> Comparison:
    return compare(baseline, price_war)


def test_a_run_against_itself_differs_by_exactly_zero(baseline):
    c = compare(baseline, baseline)
    assert c.paired and c.replications == 1
    assert (c.table["difference"].dropna() == 0.0).all()
    assert c.a.label != c.b.label  # told apart although both are "baseline"


def test_the_difference_is_b_minus_a_per_firm_and_kpi(war_vs_base, baseline, price_war):
    t = war_vs_base.table
    defined = t.dropna(subset=["a", "b"])
    assert np.allclose(defined["difference"], defined["b"] - defined["a"])
    # the same numbers as two separate runs with the scenario's seed (common random numbers)
    a, b = run(baseline).kpis(), run(price_war).kpis()
    for frame, column in ((a, "a"), (b, "b")):
        merged = t.merge(frame, on=["level", "id", "kpi"])
        assert np.allclose(merged[column], merged["value"], equal_nan=True)
    firms = set(zip(t["level"], t["id"], strict=True))
    assert {("supplier", s.id) for s in baseline.suppliers} <= firms
    assert {("distributor", d.id) for d in baseline.distributors} <= firms
    assert set(t["unit"]) >= {"money", "share", "0-1"}


def test_headline_rows_follow_the_firms(war_vs_base, baseline):
    rows = war_vs_base.headline()
    assert list(rows["level"].drop_duplicates()) == ["market", "supplier", "distributor"]
    assert set(zip(rows["level"], rows["kpi"], strict=True)) == set(HEADLINE)
    per_supplier = sum(1 for lv, _ in HEADLINE if lv == "supplier")
    assert len(rows[rows["level"] == "supplier"]) == per_supplier * len(baseline.suppliers)


def test_a_run_folder_and_its_scenario_give_the_same_comparison(tmp_path, baseline, price_war,
                                                                war_vs_base):  # fmt: skip
    folder = tmp_path / "base"
    write_run(run(baseline), folder, plots=False)
    assert is_run_folder(folder) and not is_run_folder(tmp_path / "nope")
    from_folder = compare(folder, price_war)  # runs price_war with the folder's settings
    assert from_folder.a.source == f"run folder {folder}"
    left = from_folder.table.set_index(["level", "id", "kpi"])["difference"]
    right = war_vs_base.table.set_index(["level", "id", "kpi"])["difference"]
    assert np.allclose(left, right.loc[left.index], equal_nan=True, rtol=1e-9)
    with pytest.raises(ValueError, match="--seed 7: the finished run"):
        compare(folder, price_war, seed=7)
    with pytest.raises(ValueError, match="--replications needs two scenarios"):
        compare(folder, price_war, replications=2)
    with pytest.raises(ValueError, match=r"without timeseries\.parquet"):
        compare(tmp_path, price_war)


def test_replications_give_paired_intervals(baseline, price_war):
    c = compare(baseline, price_war, replications=3, customers=800, periods=4)
    assert c.replications == 3 and c.paired and len(set(c.a.seeds)) == 3
    t = c.table.dropna(subset=["ci_low"])
    assert len(t) > 0.8 * len(c.table)
    assert ((t["ci_low"] <= t["difference"]) & (t["difference"] <= t["ci_high"])).all()
    assert (c.table["pairs"] <= 3).all()
    profit = t[(t["level"] == "market") & (t["kpi"] == "profit")].iloc[0]
    assert profit["ci_high"] < 0  # a price war costs the channel money, clearly (emergent)


def test_different_markets_are_refused_in_one_line(baseline):
    data = baseline.model_dump()
    data["suppliers"].append({**data["suppliers"][0], "id": "zenith"})
    other = type(baseline).model_validate(data)
    with pytest.raises(ValueError) as info:
        compare(baseline, other)
    message = str(info.value)
    assert "not the same market" in message and "zenith" in message and "\n" not in message
    longer = edit_scenario(baseline, periods=8)
    with pytest.raises(ValueError, match=r"runs 6 periods and B .* 8"):
        compare(baseline, longer)


def test_records_and_figures(tmp_path, war_vs_base):
    record = json.loads(json_text(war_vs_base.as_dict()))
    assert record["paired"] and record["a"]["scenario"] == "baseline"
    assert len(record["rows"]) == len(war_vs_base.table)
    assert "price_war" in repr(war_vs_base) and "paired" in repr(war_vs_base)
    png = comparison_figure(war_vs_base, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _side(label: str, values: list[list[float]]) -> Side:
    frames = [pd.DataFrame({"level": ["market", "supplier"], "id": ["market", "acme"],
                            "kpi": ["profit", "brand_equity"], "value": v}) for v in values]
    return Side(label, label, small("baseline", customers=100, periods=2), [1] * len(values),
                frames)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1, 1),
                          st.floats(-1, 1)), min_size=1, max_size=6))  # fmt: skip
def test_paired_difference_and_interval_properties(reps):
    a = _side("a", [[r[0], r[2]] for r in reps])
    b = _side("b", [[r[1], r[3]] for r in reps])
    t = _comparison(a, b).table.set_index("kpi")
    for k, (ia, ib) in (("profit", (0, 1)), ("brand_equity", (2, 3))):
        diffs = [r[ib] - r[ia] for r in reps]
        row = t.loc[k]
        assert math.isclose(row["difference"], np.mean(diffs), rel_tol=1e-9, abs_tol=1e-6)
        if len(reps) == 1:
            assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
        else:
            assert row["ci_low"] <= row["difference"] + 1e-6 <= row["ci_high"] + 2e-6
            assert math.isclose(row["difference"] - row["ci_low"],
                                row["ci_high"] - row["difference"], rel_tol=1e-6,
                                abs_tol=1e-6)  # fmt: skip


def test_runs_with_different_seeds_are_flagged_not_paired():
    a, b = _side("a", [[1.0, 0.5]]), _side("b", [[2.0, 0.4]])
    b.seeds = [2]
    c = _comparison(a, b)
    assert not c.paired and "NOT paired" in repr(c)
    assert any("different seeds (1 and 2)" in note for note in c.notes)
