"""A finished run as the user holds it: its tidy tables, summary, KPIs and the model itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from linkages_sim.analysis.kpis import kpis
from linkages_sim.analysis.tables import metric_table, wide
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel


@dataclass
class RunResult:
    """A finished run: tidy tables, the summary, and the model itself for inspection."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: MarketModel = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    """Wall seconds of the model's set-up, the simulation loop and the tables (see `--timings`)."""
    _kpis: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def remember_kpis(self, frame: pd.DataFrame, by: str = "run") -> None:
        """Keep KPIs already computed (the summary is built from them) for `kpis()`."""
        self._kpis[by] = frame

    @property
    def wide(self) -> pd.DataFrame:
        """One row per period, one column per (level, id, metric)."""
        return wide(self.timeseries)

    @property
    def ledger(self) -> pd.DataFrame:
        """Every money transfer of the run: period, payer, payee, kind, amount."""
        return self.model.ledger.frame()

    def kpis(self, by: str = "run") -> pd.DataFrame:
        """The KPIs of `docs/kpis.md` as a tidy frame (level, id, kpi, value[, period])."""
        if by not in self._kpis:
            self._kpis[by] = kpis(self, by=by)
        return self._kpis[by].copy()

    def metric(self, level: str, metric: str) -> pd.DataFrame:
        """One metric as a period x id table, e.g. `result.metric("supplier", "brand_equity")`."""
        return metric_table(self.timeseries, level, metric)
