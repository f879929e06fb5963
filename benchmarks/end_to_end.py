"""The default market end to end at several sizes, each in its own process so that peak memory
(RSS) is the run's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r"""
import hashlib, json, sys, time
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.market.model import MarketModel
n, periods = int(sys.argv[1]), int(sys.argv[2])
spec = edit_scenario(load_scenario("default"), periods=periods, customers=n)
warm = MarketModel(edit_scenario(spec, periods=2, customers=1000)); warm.run()  # JIT warm-up
t0 = time.perf_counter(); model = MarketModel(spec); t1 = time.perf_counter()
model.step(); t2 = time.perf_counter()
model.run(periods - 1); t3 = time.perf_counter()
# VmHWM: this process's own peak (ru_maxrss would include the parent's, kept across exec)
rss = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM"))
# what the run produced, to compare thread counts: every output and every customer's state
digest = hashlib.sha256(model.timeseries().to_csv(index=False).encode())
for segment in model.segments:
    for name in ("state", "stage", "store", "brand", "satisfaction", "expectation", "tenure"):
        digest.update(getattr(segment, name).tobytes())
print(json.dumps({"setup": t1 - t0, "first_period": t2 - t1, "run": t3 - t1,
                  "periods": periods, "rss": rss, "digest": digest.hexdigest()}))
"""


def run_size(n: int, periods: int, threads: int | None = None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(n), str(periods)],
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def baseline_rss() -> int:
    """RSS of a process that has imported everything and compiled the kernels, but holds no
    customers: the fixed overhead."""
    return run_size(10, 1)["rss"]
