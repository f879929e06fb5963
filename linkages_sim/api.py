"""The Python API that notebooks use directly; the CLI is a thin layer over it.

>>> from linkages_sim import run, load_scenario
>>> scenario = load_scenario("price_war")
>>> result = run(scenario, seed=7, customers=20_000)
>>> result.metric("supplier", "brand_equity")
>>> compare("baseline", scenario, customers=20_000).headline()   # B - A per firm and KPI
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from linkages_sim.analysis.compare import Comparison, compare
from linkages_sim.analysis.kpis import kpis
from linkages_sim.analysis.results import RunResult
from linkages_sim.analysis.summary import summarise
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel

__all__ = ["Comparison", "RunResult", "compare", "run"]


def run(
    scenario_or_path: Scenario | str | Path | None = None,
    *,
    seed: int | None = None,
    periods: int | None = None,
    customers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run a scenario (a Scenario, a path, a built-in name, or None for the default).

    `periods` and `customers` override the scenario's; `customers` is a resolution (how many
    simulated customers stand for the market), so money keeps its scale. The scenario is
    validated as a whole first, so an edited object gets the same messages as a file.
    """
    scenario = (
        scenario_or_path
        if isinstance(scenario_or_path, Scenario)
        else load_scenario(scenario_or_path)
    )
    scenario = edit_scenario(scenario, source="run()", periods=periods, customers=customers)
    started = time.perf_counter()
    model = MarketModel(scenario, seed=seed)
    set_up = time.perf_counter()
    model.run(progress=progress)
    simulated = time.perf_counter()
    timeseries = model.timeseries()
    run_kpis = kpis(timeseries, model.spec)
    summary = summarise(model, timeseries, run_kpis)
    timings = {"set_up": set_up - started, "simulation": simulated - set_up,
               "tables": time.perf_counter() - simulated}  # fmt: skip
    result = RunResult(model.spec, model.seed, timeseries, summary, model, timings)
    result.remember_kpis(run_kpis)
    return result
