"""Reading the long time series (period, level, id, metric, value).

One metric as a period x id table, or every metric at once. Only pandas: the figures' process
imports this without the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def metric_table(timeseries: pd.DataFrame, level: str, metric: str) -> pd.DataFrame:
    """One metric of one level as a period x id table."""
    rows = timeseries[(timeseries["level"] == level) & (timeseries["metric"] == metric)]
    return rows.pivot(index="period", columns="id", values="value")


class MetricTables:
    """`metric_table` for many lookups: the long table is pivoted once.

    Each lookup is then a column selection instead of a scan of the whole table (KPIs, the summary
    and the figures read a hundred or more).
    """

    def __init__(self, timeseries: pd.DataFrame) -> None:
        """Pivot the long table once and remember the periods each metric was recorded in."""
        self._wide = timeseries.pivot(
            index="period", columns=["level", "metric", "id"], values="value"
        ).sort_index(axis=1)
        # a metric may not be recorded every period: keep the periods it has, like metric_table
        self._periods = timeseries.groupby(["level", "metric"], sort=False)["period"].unique()

    def metrics(self, level: str) -> list[str]:
        """The metrics recorded at a level."""
        return [m for lv, m in self._periods.index if lv == level]

    def __call__(self, level: str, metric: str) -> pd.DataFrame:
        """The period x id table of one metric at a level (empty if it was never recorded)."""
        if (level, metric) not in self._periods.index:
            return pd.DataFrame(index=pd.Index([], name="period"), columns=pd.Index([], name="id"))
        table = self._wide[(level, metric)].loc[np.sort(self._periods[(level, metric)])]
        table.columns.name = "id"
        return table


def wide(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per period, one column per (level, id, metric): the view notebooks plot from.

    Only the columns the run recorded: a (level, id, metric) that never occurs (a store's
    metric for a supplier) has no column. A metric not recorded in some period is NaN there.
    """
    table = timeseries.pivot(index="period", columns=["level", "id", "metric"], values="value")
    return table.sort_index(axis=1)
