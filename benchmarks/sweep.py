"""Sweep throughput, per-run overhead, driver memory and the acceptance sweep (docs/research.md).

`python -m benchmarks.sweep [--runs N] [--customers N] [--acceptance]` prints, for the default
market at 10,000 customers x 52 weeks: runs per second with 1 and 2 local workers and on a
2-worker Dask LocalCluster; each run's overhead (its wall time minus its simulation loop:
building the model, the long table, KPIs, summary and writing its files), median over every
run but each worker's first (which imports the package and loads the kernels); the throughput
once the workers are up (workers / mean wall time of those runs), which a long sweep
approaches, beside the wall-clock rate that includes starting the workers; the driver's
peak memory for 50 and 1,000 runs of a trivial model (the runs' results stream to disk, so it
should not grow); and Mesa's own `batch_run` doing the same market runs (the model wrapped with
a DataCollector, in one process: its multiprocessing pool forks, and forked workers hang in
numba's OpenMP runtime). `--acceptance` also runs issue 13's acceptance sweep (2 parameters x 5
levels x 10 replications at 10,000 customers) on 2 local workers and on a LocalCluster and
compares the two Parquet datasets cell by cell. Each measurement runs in a fresh process.
Figures on a shared host vary; the command that made them is printed with them.
`python -m benchmarks --only sweep` runs the same measurements.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass

SWEEP = r"""
import json, sys, tempfile, time
from pathlib import Path
from linkages_sim.research.design import Design
from linkages_sim.research.sweep import sweep, read_status
runs, customers, how = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
design = Design.model_validate({"name": "bench", "base": "default", "customers": customers,
    "periods": 52, "parameters": [{"path": "stores[*].greeting_time_s", "levels": [30]}],
    "replications": {"count": runs, "seed": 1}})
folder = Path(tempfile.mkdtemp()) / "s"
kw = {"workers": 1} if how == "1" else {"workers": 2} if how == "2" else {"dask_local": 2}
started = time.perf_counter()
outcome = sweep(design, folder, **kw)
wall = time.perf_counter() - started
status = sorted(read_status(folder).values(), key=lambda s: s["run"])
print(json.dumps({"wall": wall, "done": outcome.done, "runs": status}))
"""

DRIVER = r"""
import json, sys, tempfile
from pathlib import Path
from linkages_sim.research.design import Design
from linkages_sim.research.sweep import sweep
runs = int(sys.argv[1])
design = Design.model_validate({"name": "mem", "parameters": [{"path": "x", "name": "x",
    "levels": list(range(runs))}], "replications": {"count": 1}})
sweep(design, Path(tempfile.mkdtemp()) / "s", toy=lambda p, seed: {"y": p["x"] * 2.0})
print(json.dumps({"rss": next(int(l.split()[1]) * 1024 for l in open("/proc/self/status")
                              if l.startswith("VmHWM"))}))
"""

BATCH_RUN = r"""
import json, sys, time
import mesa
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.market.model import MarketModel
runs, customers, processes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
SPEC = edit_scenario(load_scenario("default"), customers=customers, periods=52)

class Market(MarketModel):
    def __init__(self, seed=1):
        super().__init__(SPEC, seed=seed)
        self.datacollector = mesa.DataCollector(model_reporters={
            "profit": lambda m: sum(a.cash for a in m.ledger.accounts.values()
                                    if a.name.startswith(("supplier", "distributor")))})
    def step(self):
        super().step()
        self.datacollector.collect(self)

if processes == 1:  # compile (or load) the kernels; a parent that has run numba's threads
    MarketModel(edit_scenario(SPEC, customers=200, periods=1)).run()  # must not fork
started = time.perf_counter()
mesa.batch_run(Market, parameters={}, rng=list(range(1, runs + 1)), max_steps=52,
               number_processes=processes, data_collection_period=-1, display_progress=False)
print(json.dumps({"wall": time.perf_counter() - started}))
"""

ACCEPTANCE = r"""
import json, sys, tempfile, time
from pathlib import Path
import pandas as pd
from linkages_sim.research.design import Design
from linkages_sim.research.sweep import sweep
customers = int(sys.argv[1])
design = Design.model_validate({"name": "acceptance", "base": "default", "customers": customers,
    "parameters": [
        {"path": "contracts[*].supplier_clauses[*].penalty", "name": "sla_penalty",
         "levels": [0, 2000, 4000, 6000, 8000]},
        {"path": "contracts[*].monitoring_error", "name": "monitoring_error",
         "levels": [0.0, 0.025, 0.05, 0.075, 0.1]}],
    "replications": {"count": 10, "seed": 2026},
    "outputs": {"metrics": ["brand_equity", "trust"]}})
root = Path(tempfile.mkdtemp())
walls = {}
for how, kw in (("local", {"workers": 2}), ("dask", {"dask_local": 2})):
    started = time.perf_counter()
    outcome = sweep(design, root / how, **kw)
    walls[how] = (time.perf_counter() - started, outcome.done, outcome.failed)

def contents(folder):
    out = pd.read_parquet(folder / "outputs").sort_values(["run", "output"], ignore_index=True)
    metrics = {m: pd.read_parquet(folder / "metrics" / f"metric={m}").sort_values(
        ["run", "period", "level", "id"], ignore_index=True) for m in ("brand_equity", "trust")}
    return out, metrics

(a, ma), (b, mb) = contents(root / "local"), contents(root / "dask")
same = a.equals(b) and all(ma[m].equals(mb[m]) for m in ma)
print(json.dumps({"walls": walls, "identical": same, "cells": int(a.size + sum(
    f.size for f in ma.values()))}))
"""


def _child(script: str, *args: object) -> dict:
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


@dataclass
class Figure:
    """One measured figure: what, at which size, the figure, and how it compares."""

    what: str
    size: str
    figure: str
    ratio: str = ""


def after_first_on_each_worker(runs: list[dict]) -> list[dict]:
    """Every run but each worker's first (that one imports the package and loads kernels)."""
    seen: set[int] = set()
    later = []
    for record in sorted(runs, key=lambda r: r["run"]):
        worker = record.get("worker", 0)
        if worker in seen:
            later.append(record)
        seen.add(worker)
    return later or runs


def measure(runs: int, customers: int, acceptance: bool = False) -> list[Figure]:
    """Run the sweep benchmarks, each in a fresh process, and return their figures."""
    size = f"{runs} runs, N={customers:,}"
    figures, single, single_steady = [], None, None
    for how, label in (("1", "sweep, 1 local worker"), ("2", "sweep, 2 local workers"),
                       ("dask", "sweep, Dask LocalCluster (2)")):  # fmt: skip
        r = _child(SWEEP, runs, customers, how)
        rate = r["done"] / r["wall"]
        single = single or rate
        later = after_first_on_each_worker(r["runs"])
        overhead = statistics.median(x["wall_s"] - x["simulation_s"] for x in later)
        loop = statistics.median(x["simulation_s"] for x in later)
        workers = len({x.get("worker") for x in r["runs"]})
        steady = workers / statistics.mean(x["wall_s"] for x in later)  # once workers are up
        single_steady = single_steady or steady
        figures.append(Figure(label, size, f"{rate:.2f} runs/s",
                              f"{rate / single:.2f}x one worker, start-up included"))
        figures.append(Figure(f"{label}: once its workers are up", size, f"{steady:.2f} runs/s",
                              f"{steady / single_steady:.2f}x one worker"))
        figures.append(Figure(f"{label}: per-run overhead", size,
                              f"{overhead * 1000:.0f} ms (loop {loop:.2f} s)",
                              "median after each worker's first run"))  # fmt: skip
    r = _child(BATCH_RUN, runs, customers, 1)
    rate = runs / r["wall"]
    figures.append(Figure("Mesa batch_run, 1 process", size, f"{rate:.2f} runs/s",
                          f"{rate / single:.2f}x our 1 worker (one reporter, no KPIs, no files; "
                          "numba's default threads, ours run one)"))
    figures.append(Figure("Mesa batch_run, 2 processes", size, "not run",
                          "its pool forks, and forked workers hang in numba's OpenMP runtime"))
    small, large = _child(DRIVER, 50)["rss"], _child(DRIVER, 1000)["rss"]
    figures.append(Figure("sweep driver peak memory", "50 vs 1,000 runs",
                          f"{small / 2**20:.0f} MB vs {large / 2**20:.0f} MB",
                          f"{large / small:.2f}x"))  # fmt: skip
    if acceptance:
        r = _child(ACCEPTANCE, customers)
        local, dask = r["walls"]["local"], r["walls"]["dask"]
        figures.append(Figure("acceptance sweep 2 x 5 levels x 10 reps", f"N={customers:,}",
                              f"local {local[0]:.0f} s ({local[1]} done, {local[2]} failed), "
                              f"Dask {dask[0]:.0f} s",
                              "identical Parquet contents" if r["identical"]
                              else "DIFFERENT Parquet contents"))  # fmt: skip
    return figures


def main(argv: list[str] | None = None) -> None:
    """Print the sweep benchmarks' figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep")
    parser.add_argument("--runs", type=int, default=40, help="market runs per measurement")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--acceptance", action="store_true",
                        help="also run the 2 x 5 x 10 acceptance sweep, local vs Dask")
    args = parser.parse_args(argv)
    print(f"sweeps of the default market, {args.customers:,} customers x 52 weeks")
    for f in measure(args.runs, args.customers, args.acceptance):
        print(f"  {f.what:42s} {f.figure:34s} {f.ratio}")


if __name__ == "__main__":
    main()
