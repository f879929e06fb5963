"""Start-up: `linkages --help`, a first run with a cold JIT cache against warm ones, and how
long a warm run spends outside its simulation loop (wall time minus the loop's own time, which
`linkages run --timings` reports)."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

SIMULATION = re.compile(r"simulation ([0-9.]+) s")


def wall(args: list[str], env: dict | None = None) -> tuple[float, str]:
    """Wall seconds of a command, and its stderr."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=True,
                          env={**os.environ, **(env or {})})  # fmt: skip
    return time.perf_counter() - start, proc.stderr


def help_time() -> float:
    return min(wall([sys.executable, "-m", "linkages_sim", "--help"])[0] for _ in range(3))


@dataclass
class RunTimes:
    cold: float  # wall seconds with an empty JIT cache
    warm: list[float]  # wall seconds of warm runs
    outside: list[float]  # of which outside the simulation loop

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm)

    @property
    def outside_median(self) -> float:
        return statistics.median(self.outside)


def run_times(customers: int = 100_000, warm_runs: int = 5) -> RunTimes:
    """`linkages run` with an empty numba cache, then `warm_runs` times with it warm."""
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        env = {"NUMBA_CACHE_DIR": cache}
        args = [sys.executable, "-m", "linkages_sim", "run", "--customers", str(customers),
                "--quiet", "--force", "--timings", "--out", out]  # fmt: skip
        cold, _ = wall(args, env)
        warm, outside = [], []
        for _ in range(warm_runs):
            seconds, stderr = wall(args, env)
            warm.append(seconds)
            outside.append(seconds - float(SIMULATION.search(stderr).group(1)))
    return RunTimes(cold, warm, outside)
