"""Reading the long table: the one-pivot lookup agrees with the per-metric scan everywhere."""

import pytest

from linkages_sim.analysis.tables import MetricTables, metric_table
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
