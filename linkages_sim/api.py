"""The Python API that notebooks use directly; the CLI is a thin layer over it.

>>> from linkages_sim import run, load_scenario
>>> scenario = load_scenario("scenarios/price_war.yaml")
>>> result = run(scenario, seed=7, customers=20_000)
>>> result.timeseries.query("level == 'supplier' and metric == 'brand_equity'")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from linkages_sim.loading import load_scenario, validate_scenario
from linkages_sim.model import MarketModel
from linkages_sim.scenario import Scenario
from linkages_sim.summary import summarise
from linkages_sim.tables import metric_table, wide


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
        from linkages_sim.kpis import kpis

        return kpis(self, by=by)

    def metric(self, level: str, metric: str) -> pd.DataFrame:
        """One metric as a period x id table, e.g. `result.metric("supplier", "brand_equity")`."""
        return metric_table(self.timeseries, level, metric)


def with_overrides(
    scenario: Scenario, periods: int | None = None, customers: int | None = None
) -> Scenario:
    """A re-validated copy with the run-size overrides applied. Changing `customers` keeps the
    market size, so money stays comparable and only the resolution changes."""
    if periods is None and customers is None:
        return scenario
    data = scenario.model_dump()
    if periods is not None:
        data["periods"] = periods
    if customers is not None:
        data["customers"] = customers
    return validate_scenario(data, source="command line")


def run(
    scenario_or_path: Scenario | str | Path | None = None,
    *,
    seed: int | None = None,
    periods: int | None = None,
    customers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run a scenario (a Scenario, a path, a built-in name, or None for the default)."""
    scenario = (
        scenario_or_path
        if isinstance(scenario_or_path, Scenario)
        else load_scenario(scenario_or_path)
    )
    scenario = with_overrides(scenario, periods, customers)
    started = time.perf_counter()
    model = MarketModel(scenario, seed=seed)
    set_up = time.perf_counter()
    model.run(progress=progress)
    simulated = time.perf_counter()
    timeseries = model.timeseries()
    summary = summarise(model, timeseries)
    timings = {"set_up": set_up - started, "simulation": simulated - set_up,
               "tables": time.perf_counter() - simulated}  # fmt: skip
    return RunResult(scenario, model.seed, timeseries, summary, model, timings)
