"""linkages-sim: an agent-based simulator of supplier-distributor win-win dynamics.

The notebook API: `run(scenario_or_path, seed=..., periods=..., customers=...)` returns a
`RunResult` with tidy DataFrames; `load_scenario(path)` returns an editable, validated scenario.
The workshop game: `Match`, `Tournament`, `replicator` and `moran` (see `linkages_sim.game`);
the market's game: `payoff_matrix`; decisions: `evaluate`; two runs side by side: `compare`.
Research: `read_design`, `sweep`, `SweepResults` and `analyze` (docs/research.md). Imports are
lazy so that the command line starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Design",
    "Game",
    "MarketModel",
    "Match",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResults",
    "Tournament",
    "analyze",
    "compare",
    "edit_scenario",
    "evaluate",
    "kpis",
    "load_scenario",
    "moran",
    "payoff_matrix",
    "read_design",
    "replicator",
    "run",
    "sweep",
]

if TYPE_CHECKING:
    from linkages_sim.analysis.evaluation import evaluate
    from linkages_sim.analysis.kpis import kpis
    from linkages_sim.analysis.payoff_matrix import payoff_matrix
    from linkages_sim.api import RunResult, compare, run
    from linkages_sim.config.editing import edit_scenario
    from linkages_sim.config.loading import ScenarioError, load_scenario
    from linkages_sim.config.schema import Scenario
    from linkages_sim.game import Game, Match, Tournament, moran, replicator
    from linkages_sim.market.model import MarketModel
    from linkages_sim.research.analyze import SweepResults
    from linkages_sim.research.design import Design, read_design
    from linkages_sim.research.report import analyze
    from linkages_sim.research.sweep import sweep

_HOMES = {
    "run": "linkages_sim.api",
    "compare": "linkages_sim.api",
    "RunResult": "linkages_sim.api",
    "load_scenario": "linkages_sim.config.loading",
    "ScenarioError": "linkages_sim.config.loading",
    "MarketModel": "linkages_sim.market.model",
    "Scenario": "linkages_sim.config.schema",
    "kpis": "linkages_sim.analysis.kpis",
    "edit_scenario": "linkages_sim.config.editing",
    "evaluate": "linkages_sim.analysis.evaluation",
    "payoff_matrix": "linkages_sim.analysis.payoff_matrix",
    "Design": "linkages_sim.research.design",
    "read_design": "linkages_sim.research.design",
    "sweep": "linkages_sim.research.sweep",
    "SweepResults": "linkages_sim.research.analyze",
    "analyze": "linkages_sim.research.report",
    **dict.fromkeys(["Game", "Match", "Tournament", "moran", "replicator"], "linkages_sim.game"),
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'linkages_sim' has no attribute {name!r}")
