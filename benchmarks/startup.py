"""Start-up: `linkages --help`, and a first run with a cold JIT cache against a warm one."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def wall(args: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def help_time() -> float:
    return min(wall([sys.executable, "-m", "linkages_sim", "--help"]) for _ in range(3))


def run_times(customers: int = 100_000) -> tuple[float, float]:
    """Seconds for `linkages run` with an empty numba cache, then with it warm."""
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        env = {"NUMBA_CACHE_DIR": cache}
        args = [sys.executable, "-m", "linkages_sim", "run", "--customers", str(customers),
                "--quiet", "--force", "--out", out]  # fmt: skip
        cold = wall(args, env)
        warm = wall(args, env)
    return cold, warm
