"""Reading the long time series (period, level, id, metric, value).

One metric as a period x id table, or every metric at once. Only pandas: the figures' process
imports this without the model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd


def metric_table(timeseries: pd.DataFrame, level: str, metric: str) -> pd.DataFrame:
    """One metric of one level as a period x id table."""
    rows = timeseries[(timeseries["level"] == level) & (timeseries["metric"] == metric)]
    return rows.pivot(index="period", columns="id", values="value")


@functools.cache
def _single(name: str) -> pd.Index:
    """The one-label column index of a one-column grid (shared: indexes are immutable)."""
    return pd.Index([name])


class Grid:
    """A period x id table of floats with numpy arithmetic, what the KPIs compute on.

    The KPIs are some 60 ratios of small tables; pandas' cost per operation was most of a
    sweep's per-run overhead (docs/performance.md), so they compute on arrays. Two grids on the
    same periods and ids combine element by element; on different ones they are first aligned
    on the union of both, missing cells NaN, as pandas aligns. `mul(column, axis=0)` multiplies
    every column by a one-column grid, period by period.
    """

    __array_ufunc__ = None  # `array * grid` uses Grid.__rmul__, not numpy broadcasting

    def __init__(self, values: np.ndarray, periods: pd.Index, ids: pd.Index) -> None:
        """A grid of `values` (periods x ids)."""
        self.values = np.asarray(values, dtype=float)
        self.periods, self.ids = periods, ids

    @property
    def shape(self) -> tuple[int, int]:
        """(periods, ids)."""
        return self.values.shape

    @property
    def empty(self) -> bool:
        """Whether the grid has no cell."""
        return self.values.size == 0

    def frame(self) -> pd.DataFrame:
        """The grid as a DataFrame (index `period`, columns `id`)."""
        return pd.DataFrame(self.values.copy(), index=self.periods.copy(), columns=self.ids.copy())

    def column(self, name: str) -> Grid:
        """One id's column, as a one-column grid."""
        k = self.ids.get_loc(name)
        return Grid(self.values[:, k : k + 1], self.periods, self.ids[k : k + 1])

    def named(self, name: str) -> Grid:
        """A one-column grid under another id."""
        return Grid(self.values, self.periods, _single(name))

    def fillna(self, value: float) -> Grid:
        """Missing cells set to `value`."""
        return Grid(np.where(np.isnan(self.values), value, self.values), self.periods, self.ids)

    def reindex(self, periods: pd.Index, ids: pd.Index) -> Grid:
        """The grid on other periods and ids (cells it does not have are NaN)."""
        if self._same_labels_as(periods, ids):
            return self
        rows, cols = self.periods.get_indexer(periods), self.ids.get_indexer(ids)
        padded = np.pad(self.values, ((0, 1), (0, 1)), constant_values=np.nan)
        return Grid(padded[rows[:, None], cols[None, :]], periods, ids)

    def _same_labels(self, other: Grid) -> bool:
        return self._same_labels_as(other.periods, other.ids)

    def _same_labels_as(self, periods: pd.Index, ids: pd.Index) -> bool:
        return (periods is self.periods or periods.equals(self.periods)) and (
            ids is self.ids or ids.equals(self.ids))

    def _pair(self, other: object) -> tuple[Grid, np.ndarray | float]:
        if not isinstance(other, Grid):
            return self, other  # a number, or an array of the grid's shape
        if self._same_labels(other):
            return self, other.values
        periods, ids = self.periods.union(other.periods), self.ids.union(other.ids)
        return self.reindex(periods, ids), other.reindex(periods, ids).values

    def _apply(self, other: object, op: Callable[[np.ndarray, object], np.ndarray]) -> Grid:
        left, right = self._pair(other)
        return Grid(op(left.values, right), left.periods, left.ids)

    def __add__(self, other: object) -> Grid:
        """Sum, cell by cell."""
        return self._apply(other, np.add)

    __radd__ = __add__

    def __sub__(self, other: object) -> Grid:
        """Difference, cell by cell."""
        return self._apply(other, np.subtract)

    def __rsub__(self, other: object) -> Grid:
        """Difference (other - grid), cell by cell."""
        return self._apply(other, lambda a, b: np.subtract(b, a))

    def __mul__(self, other: object) -> Grid:
        """Product, cell by cell."""
        return self._apply(other, np.multiply)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Grid:
        """Quotient, cell by cell."""
        return self._apply(other, np.divide)

    def mul(self, other: Grid, axis: int | None = None) -> Grid:
        """Element by element, or (axis=0) every column times a one-column grid, by period."""
        if axis is None:
            return self * other
        if other.shape[1] != 1:
            raise ValueError("mul(axis=0) takes a one-column grid")
        left = self
        if not other.periods.equals(self.periods):  # pandas aligns on the union
            left = self.reindex(self.periods.union(other.periods), self.ids)
        column = other.reindex(left.periods, other.ids).values
        return Grid(left.values * column, left.periods, left.ids)

    def broadcast(self, like: Grid) -> Grid:
        """A one-column grid repeated over the columns of `like`, on its periods."""
        column = self.reindex(like.periods, self.ids).values
        return Grid(np.broadcast_to(column, like.shape), like.periods, like.ids)

    def __repr__(self) -> str:
        """Like the DataFrame it stands for."""
        return f"Grid(\n{self.frame()!r})"


class MetricTables:
    """`metric_table` for many lookups: the long table is indexed once.

    Each lookup is then a scatter of one metric's rows into a period x id array instead of a scan
    of the whole table (KPIs, the summary and the figures read a hundred or more, and a sweep
    does it once per run, so this is on the sweep's per-run overhead: docs/performance.md).
    """

    def __init__(self, timeseries: pd.DataFrame) -> None:
        """Index the rows of every (level, metric) once; tables are built when first asked for."""
        self._period, self._periods = pd.factorize(timeseries["period"], sort=True)
        self._value = timeseries["value"].to_numpy(dtype=float)
        self._id, self._ids = pd.factorize(timeseries["id"], sort=True)
        level, levels = pd.factorize(timeseries["level"])  # first-appearance order
        metric, metrics = pd.factorize(timeseries["metric"])
        key = level * len(metrics) + metric
        order = np.argsort(key, kind="stable")
        starts = np.flatnonzero(np.diff(key[order], prepend=-1))
        groups = np.split(order, starts[1:])
        # in order of first appearance, as the long table lists them
        levels, metrics = list(levels), list(metrics)
        self._rows = {(levels[level[g[0]]], metrics[metric[g[0]]]): g
                      for g in sorted(groups, key=lambda g: g[0])}  # fmt: skip
        self._tables: dict[tuple[str, str], Grid] = {}
        self._indexes: dict[tuple[str, bytes], pd.Index] = {}  # metrics share periods and ids

    def metrics(self, level: str) -> list[str]:
        """The metrics recorded at a level."""
        return [m for lv, m in self._rows if lv == level]

    def __call__(self, level: str, metric: str) -> pd.DataFrame:
        """The period x id table of one metric at a level (empty if it was never recorded).

        Only the periods the metric was recorded in, and the ids that have it, sorted, as
        `metric_table` gives them; a copy the caller may change.
        """
        if (level, metric) not in self._rows:
            return pd.DataFrame(index=pd.Index([], name="period"), columns=pd.Index([], name="id"))
        grid = self.grid(level, metric)
        return pd.DataFrame(grid.values.copy(), index=grid.periods.copy(), columns=grid.ids.copy())

    def grid(self, level: str, metric: str) -> Grid:
        """The same table as a Grid (shared: do not change its values in place)."""
        key = (level, metric)
        if key not in self._rows:
            return Grid(np.zeros((0, 0)), pd.Index([], name="period"), pd.Index([], name="id"))
        if key not in self._tables:
            self._tables[key] = self._build(self._rows[key])
        return self._tables[key]

    def _build(self, rows: np.ndarray) -> Grid:
        period, code = self._period[rows], self._id[rows]
        # counting sorts (codes are small integers), cheaper than np.unique's sorts
        periods = np.flatnonzero(np.bincount(period, minlength=len(self._periods)))
        codes = np.flatnonzero(np.bincount(code, minlength=len(self._ids)))
        row = np.searchsorted(periods, period)
        cell = row * len(codes) + np.searchsorted(codes, code)
        if np.bincount(cell).max() > 1:
            raise ValueError("Index contains duplicate entries, cannot reshape")
        values = np.full(len(periods) * len(codes), np.nan)
        values[cell] = self._value[rows]
        return Grid(values.reshape(len(periods), len(codes)), self._index("period", periods),
                    self._index("id", codes))  # fmt: skip

    def _index(self, name: str, positions: np.ndarray) -> pd.Index:
        key = (name, positions.tobytes())
        if key not in self._indexes:
            labels = (self._periods if name == "period" else self._ids)[positions]
            self._indexes[key] = pd.Index(labels, name=name)
        return self._indexes[key]


def wide(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per period, one column per (level, id, metric): the view notebooks plot from.

    Only the columns the run recorded: a (level, id, metric) that never occurs (a store's
    metric for a supplier) has no column. A metric not recorded in some period is NaN there.
    """
    table = timeseries.pivot(index="period", columns=["level", "id", "metric"], values="value")
    return table.sort_index(axis=1)
