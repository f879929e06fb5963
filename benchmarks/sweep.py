"""Sweep throughput, per-run overhead and driver memory (docs/research.md).

`python -m benchmarks.sweep [--runs N] [--customers N]` prints, for the default market at
10,000 customers x 52 weeks: runs per second with 1 and 2 local workers and on a 2-worker Dask
LocalCluster; each run's overhead (its wall time minus its simulation loop: building the model,
the long table, KPIs, summary and writing its files), median after the first run on a worker;
the driver's peak memory for 50 and 1,000 runs of a trivial model (the runs' results stream to
disk, so it should not grow); and Mesa's own `batch_run` doing the same market runs (the model
wrapped with a DataCollector, in one process: its multiprocessing pool forks, and forked
workers hang in numba's OpenMP runtime). Each measurement runs in a fresh process.
Figures on a shared host vary; the command that made them is printed with them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

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
overheads = [s["wall_s"] - s["simulation_s"] for s in status]
print(json.dumps({"wall": wall, "done": outcome.done, "overheads": overheads,
                  "simulation": [s["simulation_s"] for s in status]}))
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


def _child(script: str, *args: object) -> dict:
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Print the sweep benchmarks' figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep")
    parser.add_argument("--runs", type=int, default=12, help="market runs per measurement")
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args(argv)
    n, c = args.runs, args.customers
    print(f"sweep of {n} runs of the default market, {c:,} customers x 52 weeks")
    single = None
    for how, label in (("1", "1 local worker"), ("2", "2 local workers"),
                       ("dask", "Dask LocalCluster, 2 workers")):  # fmt: skip
        r = _child(SWEEP, n, c, how)
        rate = r["done"] / r["wall"]
        single = single or rate
        overhead = statistics.median(r["overheads"][2:] or r["overheads"])
        print(f"  {label:30s} {rate:6.2f} runs/s ({rate / single:4.2f}x one worker); "
              f"per-run overhead {overhead * 1000:6.0f} ms (median after the first runs); "
              f"simulation loop {statistics.median(r['simulation']):.2f} s")
    r = _child(BATCH_RUN, n, c, 1)
    print(f"  Mesa batch_run, 1 process        {n / r['wall']:6.2f} runs/s (collects one reporter;"
          " no KPIs, no files)")
    print("  Mesa batch_run, 2 processes: not run: its multiprocessing pool forks, and the forked"
          " workers hang in numba's OpenMP runtime on this stack (seen 2026-12-02)")
    small, large = _child(DRIVER, 50)["rss"], _child(DRIVER, 1000)["rss"]
    print(f"driver peak memory: {small / 2**20:.0f} MB for 50 runs, {large / 2**20:.0f} MB for "
          f"1,000 runs ({large / small:.2f}x)")


if __name__ == "__main__":
    main()
