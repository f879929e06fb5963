"""The service figures (plots/service_figures.py): written into a run folder and its report only
with the service model on, drawn from the long table's survey rows, and the importance-
performance quadrants of Martilla & James (1977) assigned as they define them."""

from __future__ import annotations

import numpy as np
import pytest

from linkages_sim.analysis.tables import MetricTables
from linkages_sim.api import run
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.service import DIMENSIONS
from linkages_sim.outputs.report import FIGURE_CAPTIONS
from linkages_sim.outputs.run_folder import write_run
from linkages_sim.plots.service_figures import (
    IMPORTANCE_PERFORMANCE,
    SERVICE_GAP,
    importance,
    last_survey,
    quadrants,
    segment_performance,
    store_gaps,
)
from tests.support import small

FIGURES = {SERVICE_GAP, IMPORTANCE_PERFORMANCE}


def with_service(base, weights=None):
    """`base` with the service model on; every segment weighs the dimensions by `weights`."""
    data = base.model_dump()
    data["market"]["service"] = {}
    for segment in data["segments"]:
        if weights is not None:
            segment["service_weights"] = weights
    return edit_scenario(base, market=data["market"], segments=data["segments"])


@pytest.fixture(scope="module")
def service_run():
    return run(with_service(small(customers=2_000, periods=8), {"knowledge": 4, "trust": 2}),
               seed=3)  # fmt: skip


def test_the_figures_are_in_the_run_folder_and_the_report_only_with_the_service_model(
    tmp_path, service_run
):
    files = write_run(service_run, tmp_path / "on", map_figure=False)
    assert {f"plots/{name}" for name in FIGURES} <= set(files)
    for name in FIGURES:
        assert (tmp_path / "on" / "plots" / name).stat().st_size > 20_000
    report = (tmp_path / "on" / "report.md").read_text()
    for name in FIGURES:
        stem = name.removesuffix(".png")
        assert f"(plots/{name})" in report
        assert FIGURE_CAPTIONS[stem] in report
    page = (tmp_path / "on" / "report.html").read_text()
    assert 'alt="service_gap"' in page and 'alt="importance_performance"' in page

    off = write_run(run(small(customers=1_000, periods=8), seed=3), tmp_path / "off",
                    map_figure=False)  # fmt: skip
    assert not {f"plots/{name}" for name in FIGURES} & set(off)
    assert not (tmp_path / "off" / "plots" / SERVICE_GAP).exists()
    assert "service_gap" not in (tmp_path / "off" / "report.md").read_text()


def test_the_gap_chart_reads_the_last_survey_of_the_long_table(service_run):
    ts = service_run.timeseries
    tables = MetricTables(ts)
    period = last_survey(tables)
    assert period == 7  # surveys every 4 weeks: periods 3 and 7
    gaps = store_gaps(tables, period)
    assert set(gaps) == {s.id for s in service_run.scenario.all_stores}
    row = ts[(ts["period"] == period) & (ts["id"] == "n1")].set_index("metric")["value"]
    frame = gaps["n1"]
    for d in DIMENSIONS:
        assert frame.loc[d, "perceived"] == row[f"survey_perceived_{d}"]
        assert frame.loc[d, "expected"] - frame.loc[d, "perceived"] == pytest.approx(
            row[f"survey_gap_{d}"], abs=1e-12)  # fmt: skip
    assert frame.attrs["respondents"] == row["survey_respondents"]


def test_a_segments_performance_pools_its_respondents_over_stores(service_run):
    tables = MetricTables(service_run.timeseries)
    period = last_survey(tables)
    perf, n = segment_performance(tables, period, "urban")
    counts = tables("store", "survey_respondents@urban").loc[period]
    assert n == counts.sum() > 0
    knowledge = tables("store", "survey_perceived_knowledge@urban").loc[period]
    mine = counts > 0
    expected = (counts[mine] * knowledge[mine]).sum() / counts.sum()
    assert perf[DIMENSIONS.index("knowledge")] == pytest.approx(expected, rel=1e-12)


def test_importance_is_the_segments_normalised_weights(service_run):
    weights = importance(service_run.scenario)
    assert set(weights) == {"families", "urban", "value"}
    w = weights["families"]
    assert w.sum() == pytest.approx(1.0)
    assert w[DIMENSIONS.index("knowledge")] == pytest.approx(4 / 10)  # 4 + 2 + four 1s
    assert w[DIMENSIONS.index("control")] == pytest.approx(1 / 10)


def test_quadrants_follow_martilla_and_james():
    """Lines at the means (importance 0.2, performance 0.5): each item lands where the 1977
    paper puts it; an item exactly at a mean counts as high."""
    imp = [0.4, 0.3, 0.1, 0.05, 0.15, 0.2]
    perf = [0.3, 0.8, 0.2, 0.9, 0.5, 0.3]
    assert np.mean(imp) == pytest.approx(0.2) and np.mean(perf) == pytest.approx(0.5)
    assert quadrants(imp, perf) == ["Concentrate here", "Keep up the good work",
                                    "Low priority", "Possible overkill", "Possible overkill",
                                    "Concentrate here"]  # fmt: skip


def test_quadrants_with_equal_weights_and_missing_answers():
    equal = [1 / 6] * 6
    assert quadrants(equal, [0.2, 0.4, 0.6, 0.8, 0.5, 0.5]) == [
        "Concentrate here", "Concentrate here", "Keep up the good work", "Keep up the good work",
        "Keep up the good work", "Keep up the good work"]  # fmt: skip
    names = quadrants([0.5, 0.1, 0.4], [np.nan, 0.2, 0.9])  # means over the answered two
    assert names == ["", "Low priority", "Keep up the good work"]
    assert quadrants([0.5, 0.5], [np.nan, np.nan]) == ["", ""]
