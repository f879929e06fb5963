"""Two runs of the same market side by side: every KPI per firm, and the paired difference.

A side is a finished run (a `RunResult`, or a folder written by `linkages run`) or a scenario
to run (a `Scenario`, a file or a name). Scenarios are run with the other side's seed, periods
and customers, so both runs share every random number (common random numbers) and the
difference B - A is the effect of what differs between the two scenarios, not chance. With
`replications` > 1 both scenarios are run on the same replication seeds and the same market
layout, and each difference gets a t interval over the replications (`stats.t_interval`).

Two runs are of the same market when they have the same suppliers, the same distributors and
the same number of periods; anything else is refused with one message, before any run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linkages_sim.analysis.kpis import KPIS, kpis
from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.analysis.results import RunResult
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.rng import check_seed
from linkages_sim.stats import json_number, t_interval

HEADLINE: tuple[tuple[str, str], ...] = (
    ("market", "revenue"),
    ("market", "profit"),
    ("supplier", "revenue"),
    ("supplier", "profit"),
    ("supplier", "market_share_value"),
    ("supplier", "brand_equity"),
    ("distributor", "revenue"),
    ("distributor", "profit"),
    ("distributor", "market_share_value"),
    ("distributor", "retention_rate"),
    ("distributor", "satisfaction"),
)
"""The (level, KPI) pairs a reader wants first: the terminal table and the figure show these;
`Comparison.table` holds every KPI of every level."""

KPI_LABELS = {
    "revenue": "revenue",
    "profit": "profit",
    "market_share_value": "value share",
    "brand_equity": "brand equity",
    "retention_rate": "retention/week",
    "satisfaction": "satisfaction",
}
"""Short names of the headline KPIs, for narrow tables and figure titles."""

RunLike = RunResult | Scenario | str | Path
"""What `compare` takes for each side."""


def unit_of(kpi: str) -> str:
    """The unit of a KPI as `analysis.kpis.KPIS` states it (compliance_* are shares)."""
    return KPIS["compliance_<clause>" if kpi.startswith("compliance_") else kpi].unit


@dataclass(frozen=True)
class AllKPIs:
    """Picklable measure for `run_many`: every KPI of a finished run (tidy)."""

    def __call__(self, model: MarketModel) -> pd.DataFrame:
        """The run's KPIs at every level: level, id, kpi, value."""
        return kpis(model.timeseries(), model.spec)


@dataclass
class Side:
    """One side of a comparison: its scenario, its seeds and the KPIs of each replication."""

    label: str
    """How tables and figures name it: the scenario's name, or `alias` when both sides share
    a name."""
    source: str
    """Where it came from: `run folder runs/x`, `scenario price_war` or `RunResult`."""
    scenario: Scenario
    seeds: list[int]
    kpis: list[pd.DataFrame] = field(repr=False)
    alias: str = ""
    """A name that tells two sides of one scenario apart (a run folder's name)."""


@dataclass
class Comparison:
    """Two runs of one market, per firm and KPI: A, B and the paired difference B - A."""

    a: Side
    b: Side
    table: pd.DataFrame
    """One row per (level, id, kpi) found in both runs: unit, a, b (means over replications),
    difference (mean of the paired differences B - A), ci_low, ci_high (NaN with one
    replication), pairs (replications in which the KPI is defined on both sides)."""
    notes: list[str] = field(default_factory=list)
    """What a reader should know: seeds that differ (the difference is not paired), etc."""

    @property
    def replications(self) -> int:
        """Paired replications behind each difference."""
        return len(self.a.seeds)

    @property
    def paired(self) -> bool:
        """Whether both sides ran on the same seeds (the difference is then the effect)."""
        return self.a.seeds == self.b.seeds

    def headline(self) -> pd.DataFrame:
        """The rows of `HEADLINE`, in that order: market first, then suppliers, distributors."""
        order = {pair: k for k, pair in enumerate(HEADLINE)}
        keys = list(zip(self.table["level"], self.table["kpi"], strict=True))
        rows = self.table[[key in order for key in keys]].copy()
        rows["_order"] = [order[(lv, k)] for lv, k in zip(rows["level"], rows["kpi"],
                                                           strict=True)]  # fmt: skip
        level_rank = {"market": 0, "supplier": 1, "distributor": 2}
        rows["_level"] = rows["level"].map(level_rank)
        rows = rows.sort_values(["_level", "id", "_order"], kind="stable")
        return rows.drop(columns=["_order", "_level"]).reset_index(drop=True)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (NaN as None): both sides, the notes and every row."""

        def clean(x: Any) -> Any:
            return json_number(x) if isinstance(x, float) else x

        def side(s: Side) -> dict[str, Any]:
            return {"label": s.label, "source": s.source, "scenario": s.scenario.name,
                    "seeds": s.seeds, "periods": s.scenario.periods,
                    "customers": s.scenario.customers}  # fmt: skip

        return {
            "a": side(self.a), "b": side(self.b), "replications": self.replications,
            "paired": self.paired, "notes": list(self.notes),
            "rows": [{k: clean(v) for k, v in row.items()}
                     for row in self.table.to_dict("records")],
        }  # fmt: skip

    def __repr__(self) -> str:
        """Short: which runs, how many replications, the channel profit difference."""
        profit = self.table[(self.table["level"] == "market") & (self.table["kpi"] == "profit")]
        diff = float(profit["difference"].iloc[0]) if len(profit) else math.nan
        return (f"<Comparison B {self.b.label!r} - A {self.a.label!r}: {self.replications} "
                f"replication(s), {'paired' if self.paired else 'NOT paired'}; channel profit "
                f"{diff:+,.0f}>")  # fmt: skip


# --- reading the sides -----------------------------------------------------------------------


def is_run_folder(source: object) -> bool:
    """A folder written by `linkages run` (it holds timeseries.parquet and scenario.yaml)."""
    if not isinstance(source, str | Path):
        return False
    path = Path(source)
    return path.is_dir() and (path / "timeseries.parquet").exists()


def read_run_folder(folder: str | Path) -> Side:
    """One side from a run folder: its resolved scenario (with the seed used) and its KPIs.

    The KPIs are recomputed from the saved long table, as `linkages kpis` does.
    """
    folder = Path(folder)
    for name in ("timeseries.parquet", "scenario.yaml"):
        if not (folder / name).exists():
            raise ValueError(f"{folder}: no {name}; give a folder written by `linkages run`")
    scenario = load_scenario(folder / "scenario.yaml")
    try:
        timeseries = pd.read_parquet(folder / "timeseries.parquet")
    except (OSError, ValueError) as err:
        raise ValueError(f"{folder / 'timeseries.parquet'}: cannot be read ({err})") from None
    return Side(scenario.name, f"run folder {folder}", scenario, [scenario.seed],
                [kpis(timeseries, scenario)], alias=folder.name)  # fmt: skip


def _fixed(source: RunLike) -> Side | None:
    """A side that is already a finished run (a RunResult or a run folder), else None."""
    if isinstance(source, RunResult):
        return Side(source.scenario.name, "RunResult", source.scenario, [source.seed],
                    [source.kpis()])  # fmt: skip
    if is_run_folder(source):
        return read_run_folder(source)  # type: ignore[arg-type]
    if isinstance(source, str | Path) and Path(source).is_dir():
        raise ValueError(f"{source}: a folder without timeseries.parquet; give a folder "
                         "written by `linkages run`, or a scenario file or name")  # fmt: skip
    return None


def _scenario(source: RunLike) -> Scenario:
    return source if isinstance(source, Scenario) else load_scenario(source)  # type: ignore[arg-type]


def same_market(a: Scenario, b: Scenario, a_label: str = "A", b_label: str = "B") -> None:
    """Refuse (ValueError, one line) two scenarios that are not of one market.

    One market: the same suppliers, the same distributors and the same number of periods.
    """
    for kind in ("suppliers", "distributors"):
        ids_a = sorted(x.id for x in getattr(a, kind))
        ids_b = sorted(x.id for x in getattr(b, kind))
        if ids_a != ids_b:
            raise ValueError(
                f"not the same market: {a_label} has {kind} {', '.join(ids_a)} and {b_label} "
                f"has {', '.join(ids_b)}; compare two runs of one market (e.g. a scenario and "
                "a copy that `extends:` it)"
            )
    if a.periods != b.periods:
        raise ValueError(f"not the same market: {a_label} runs {a.periods} periods and "
                         f"{b_label} {b.periods}; give both the same --periods")  # fmt: skip


def _label_apart(a: Side, b: Side) -> None:
    """Two sides of one scenario name: use their aliases (folder names), else (A) and (B)."""
    if a.label != b.label:
        return
    if a.alias and b.alias and a.alias != b.alias:
        a.label, b.label = a.alias, b.alias
    else:
        a.label, b.label = f"{a.label} (A)", f"{b.label} (B)"


# --- comparing -------------------------------------------------------------------------------


def compare(
    a: RunLike,
    b: RunLike,
    *,
    seed: int | None = None,
    periods: int | None = None,
    customers: int | None = None,
    replications: int = 1,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Compare run B with run A (the reference), per firm and KPI: the difference is B - A.

    Each side is a RunResult, a run folder, a Scenario, or a scenario file or name. Scenarios
    run with the seed, periods and customers of a finished side when there is one, otherwise
    with `seed` (default: A's scenario's seed), `periods` and `customers` (default: each
    scenario's). With `replications` > 1 (two scenarios only) both run on the same
    replication seeds and layout, and each difference gets a 95% t interval.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    given = [_fixed(a), _fixed(b)]
    finished = [side for side in given if side is not None]
    if finished and replications > 1:
        raise ValueError("--replications needs two scenarios: a finished run holds one seed")
    if finished:
        first = finished[0]
        for name, asked, used in (("seed", seed, first.seeds[0]),
                                  ("periods", periods, first.scenario.periods),
                                  ("customers", customers, first.scenario.customers)):  # fmt: skip
            if asked is not None and asked != used:
                raise ValueError(f"--{name} {asked}: the finished run ({first.source}) used "
                                 f"{used}, and the scenario runs with its settings")  # fmt: skip
        seed, periods, customers = first.seeds[0], first.scenario.periods, first.scenario.customers
    sides: list[Side | Scenario] = [
        side if side is not None
        else edit_scenario(_scenario(source), source="compare()", periods=periods,
                           customers=customers)
        for side, source in zip(given, (a, b), strict=True)
    ]  # fmt: skip
    specs = [s.scenario if isinstance(s, Side) else s for s in sides]
    same_market(specs[0], specs[1], f"A ({specs[0].name})", f"B ({specs[1].name})")
    seed = check_seed(specs[0].seed if seed is None else seed)
    seeds = [seed] if replications == 1 else replication_seeds(seed, replications)
    to_run = [s for s in sides if isinstance(s, Scenario)]
    results = run_many([(spec, s) for spec in to_run for s in seeds], AllKPIs(), workers,
                       progress, structure_seed=None if replications == 1 else seed)  # fmt: skip
    done: list[Side] = []
    for side in sides:
        if isinstance(side, Scenario):
            frames, results = results[:replications], results[replications:]
            side = Side(side.name, f"scenario {side.name}", side, list(seeds), frames)
        done.append(side)
    _label_apart(*done)
    return _comparison(*done)


def _stack(side: Side) -> pd.DataFrame:
    """(level, id, kpi) x replication values of one side, in the KPI tool's order."""
    keys = ["level", "id", "kpi"]
    frames = [f.assign(replication=r) for r, f in enumerate(side.kpis)]
    table = pd.concat(frames).set_index([*keys, "replication"])["value"].unstack("replication")
    return table.reindex(pd.MultiIndex.from_frame(side.kpis[0][keys]))


def _comparison(a: Side, b: Side) -> Comparison:
    va, vb = _stack(a), _stack(b)
    common = va.index.intersection(vb.index, sort=False)
    va, vb = va.loc[common], vb.loc[common]
    diff = vb.to_numpy() - va.to_numpy()
    rows = []
    for (level, who, kpi), d, xa, xb in zip(common, diff, va.to_numpy(), vb.to_numpy(),
                                            strict=True):  # fmt: skip
        pairs = ~np.isnan(d)  # a rate undefined in a replication (no denominator) is left out
        mean, low, high = t_interval(d[pairs])
        rows.append({"level": level, "id": who, "kpi": kpi, "unit": unit_of(kpi),
                     "a": _mean(xa), "b": _mean(xb), "difference": mean, "ci_low": low,
                     "ci_high": high, "pairs": int(pairs.sum())})  # fmt: skip
    notes = []
    if a.seeds != b.seeds:
        notes.append(f"the runs have different seeds ({_seeds(a)} and {_seeds(b)}): the "
                     "difference mixes the effect of the change with chance")  # fmt: skip
    if a.scenario.customers != b.scenario.customers:
        notes.append(f"the runs simulate different numbers of customers "
                     f"({a.scenario.customers:,} and {b.scenario.customers:,})")  # fmt: skip
    return Comparison(a, b, pd.DataFrame(rows), notes)


def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else math.nan


def _seeds(side: Side) -> str:
    return str(side.seeds[0]) if len(side.seeds) == 1 else f"{len(side.seeds)} seeds"
