"""Reading the long table: the one-pivot lookup agrees with the per-metric scan everywhere."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.analysis.tables import Grid, MetricTables, metric_table
from linkages_sim.api import run
from tests.support import ROOT


@pytest.mark.parametrize("scenario", [None, ROOT / "scenarios" / "interventions.yaml"])
def test_metric_tables_agree_with_metric_table(scenario):
    ts = run(scenario, periods=40, customers=2_000).timeseries
    tables = MetricTables(ts)
    keys = ts.groupby(["level", "metric"]).groups
    for level, metric in keys:
        assert tables(level, metric).equals(metric_table(ts, level, metric)), (level, metric)
    assert sorted(tables.metrics("contract")) == sorted(m for lv, m in keys if lv == "contract")
    assert tables("market", "no_such_metric").empty


def test_metric_tables_do_not_depend_on_row_order_and_refuse_duplicates():
    ts = run(None, periods=12, customers=1_000).timeseries
    tables, shuffled = MetricTables(ts), MetricTables(ts.sample(frac=1.0, random_state=3))
    for level, metric in ts.groupby(["level", "metric"]).groups:
        assert tables(level, metric).equals(shuffled(level, metric)), (level, metric)
    with pytest.raises(ValueError, match="duplicate"):
        MetricTables(pd.concat([ts, ts.iloc[:1]]))("market", ts.iloc[0]["metric"])


def test_a_table_handed_out_is_the_callers_to_change():
    ts = run(None, periods=6, customers=500).timeseries
    tables = MetricTables(ts)
    first = tables("store", "visitors")
    first.iloc[0, 0] = -1.0
    first.columns.name = "changed"
    again = tables("store", "visitors")
    assert again.iloc[0, 0] != -1.0 and again.columns.name == "id"


labels = st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True)
periods = st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True)


@st.composite
def frames(draw):
    rows, cols = sorted(draw(periods)), sorted(draw(labels))
    cells = st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(0.0))
    values = draw(st.lists(cells, min_size=len(rows) * len(cols), max_size=len(rows) * len(cols)))
    return pd.DataFrame(np.array(values).reshape(len(rows), len(cols)),
                        index=pd.Index(rows, name="period"), columns=pd.Index(cols, name="id"))


def grid(frame: pd.DataFrame) -> Grid:
    return Grid(frame.to_numpy(), frame.index, frame.columns)


def same(g: Grid, frame: pd.DataFrame) -> None:
    assert list(g.periods) == list(frame.index) and list(g.ids) == list(frame.columns)
    np.testing.assert_array_equal(g.values, frame.to_numpy())


@settings(max_examples=150, deadline=None)
@given(frames(), frames(), st.floats(-10, 10))
def test_grid_arithmetic_aligns_as_pandas_does(a, b, k):
    """The KPIs' numpy tables give pandas' results, aligned on the union when labels differ."""
    ga, gb = grid(a), grid(b)
    with np.errstate(all="ignore"):
        same(ga + gb, a + b)
        same(ga - gb, a - b)
        same(ga * gb, a * b)
        same(ga / gb, a / b)
        same(k * ga, k * a)
        same(ga - k, a - k)
        same(k - ga, k - a)
        same(ga.fillna(0.0), a.fillna(0.0))
        column = b.iloc[:, :1]
        same(ga.mul(grid(column), axis=0), a.mul(column.iloc[:, 0], axis=0))
        same(grid(column).broadcast(ga),
             pd.DataFrame({c: column.iloc[:, 0] for c in a.columns}, index=a.index))
