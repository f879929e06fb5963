"""What every experiment shares: a picklable measure of a run, replicated designs, and the
command line (`python -m experiments.NAME [--out] [--customers] [--seeds] [--seed]
[--workers] [--publish]`)."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from linkages_sim.analysis.kpis import kpis
from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.analysis.tables import metric_table
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.files import atomic_write_text
from linkages_sim.market.model import MarketModel
from linkages_sim.stats import t_interval

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Collect:
    """Picklable measure: the run's KPIs and the period x id tables of some metrics."""

    metrics: tuple[tuple[str, str], ...] = ()

    def __call__(self, model: MarketModel) -> tuple[pd.DataFrame, dict]:
        ts = model.timeseries()
        tables = {(level, m): metric_table(ts, level, m) for level, m in self.metrics}
        return kpis(ts, model.spec), tables


def replicate(
    designs: dict[str, Scenario],
    seeds: int,
    seed: int,
    workers: int,
    metrics: tuple[tuple[str, str], ...] = (),
    shared_layout: bool = True,
) -> dict[str, list]:
    """Run every design on the same seeds (common random numbers); results by design, in seed
    order. With `shared_layout` every run has the layout (homes, initial states) of `seed`;
    otherwise each replication has its own, drawn from its seed (the same for every design)."""
    run_seeds = replication_seeds(seed, seeds)
    names = list(designs)
    jobs = [(designs[name], s) for name in names for s in run_seeds]
    structure = seed if shared_layout else None
    results = run_many(jobs, Collect(metrics), workers, structure_seed=structure)
    return {name: results[k * seeds : (k + 1) * seeds] for k, name in enumerate(names)}


def kpi(results: list, level: str, who: str, name: str) -> float:
    """A KPI's mean over replications."""
    values = kpi_values(results, level, who, name)
    return float(sum(values) / len(values))


def kpi_values(results: list, level: str, who: str, name: str) -> list[float]:
    """A KPI's value in each replication, in seed order."""
    values = []
    for frame, _ in results:
        row = frame[(frame["level"] == level) & (frame["id"] == who) & (frame["kpi"] == name)]
        values.append(float(row["value"].iloc[0]))
    return values


def baseline_market(customers: int, periods: int, panel: int | None = None) -> Scenario:
    """`scenarios/baseline.yaml` (the default market) at a size, optionally with another
    demand panel for the price-setters (customers per segment; None: the scenario's 500)."""

    def panel_size(data: dict) -> None:
        if panel is not None:
            data["market"].setdefault("pricing", {})["panel"] = panel

    return edit_scenario(load_scenario(ROOT / "scenarios" / "baseline.yaml"), panel_size,
                         customers=customers, periods=periods)  # fmt: skip


def spread(values: list[float]) -> dict:
    """A figure measured over seeds: mean, 95% Student-t interval, min, max and the count."""
    mean, low, high = t_interval(values)
    return {"mean": mean, "low": low, "high": high, "min": float(min(values)),
            "max": float(max(values)), "n": len(values)}  # fmt: skip


def series(results: list, level: str, metric: str) -> pd.DataFrame:
    """A metric's period x id table, averaged over replications."""
    tables = [tables[(level, metric)] for _, tables in results]
    return sum(tables) / len(tables)


STANDARD: dict[str, tuple[type, object, str]] = {
    "customers": (int, None, "simulated customers (default: the scenario's)"),
    "seeds": (int, 3, "replications per design"),
    "seed": (int, 42, "base seed"),
    "workers": (int, 2, "worker processes (results do not change)"),
}
"""The options most experiments take: name -> (type, default, help)."""


def main(
    doc: str,
    run: Callable[..., dict],
    here: Path,
    name: str,
    arguments: dict[str, tuple[type, object, str]] = STANDARD,
    after_publish: Callable[[Path], object] | None = None,
) -> None:
    """The command line of an experiment: its options, then `run(out, **options)`, then the
    headline printed and written to results.json; `--publish` copies the figures (and calls
    `after_publish(out)`, e.g. to rewrite a generated table in docs/)."""
    parser = argparse.ArgumentParser(prog=f"python -m experiments.{name}", description=doc)
    parser.add_argument("--out", type=Path, default=Path(f"runs/experiments/{name}"))
    for option, (kind, default, text) in arguments.items():
        parser.add_argument(f"--{option}", type=kind, default=default, help=text)
    parser.add_argument("--publish", action="store_true", help="copy figures beside README")
    args = parser.parse_args()
    started = time.perf_counter()
    headline = run(args.out, **{option: getattr(args, option) for option in arguments})
    text = json.dumps(headline, indent=2, default=float) + "\n"
    atomic_write_text(args.out / "results.json", text)
    print(text, end="")
    print(f"results in {args.out} ({time.perf_counter() - started:.0f} s)")
    if args.publish:
        publish(args.out, here)
        if after_publish is not None:
            print(f"wrote {after_publish(args.out)}")


def publish(out: Path, here: Path) -> None:
    """Copy an experiment's figures beside its README: the copies committed to git."""
    for png in out.glob("*.png"):
        shutil.copyfile(png, here / png.name)
    print(f"figures copied to {here}")
