"""Timing, machine facts and the results table shared by every benchmark."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


def results_path() -> Path:
    """benchmarks/RESULTS.md in a checkout; RESULTS.md in the working directory when the
    benchmarks run from an installed package (never inside site-packages)."""
    here = Path(__file__).resolve().parent
    if here.parent.name == "linkages_sim":  # packed into the wheel
        return Path.cwd() / "RESULTS.md"
    return here / "RESULTS.md"


@dataclass
class Timing:
    """Wall times of repeated calls after warm-up."""

    seconds: list[float]

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def max(self) -> float:
        return max(self.seconds)


def measure(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return Timing(seconds)


@dataclass
class Row:
    """One line of RESULTS.md."""

    benchmark: str
    size: str
    threads: int | str
    figure: str
    ratio: str = ""
    command: str = "python -m benchmarks"
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  {row.benchmark:<34} {row.size:<18} threads {row.threads!s:<3} {row.figure:<34} "
              f"{row.ratio}", flush=True)  # fmt: skip

    def markdown(self) -> str:
        lines = [
            "# Benchmark results",
            "",
            f"Measured {date.today().isoformat()} on {machine()}. Each figure is the median of "
            "repeated runs after warm-up (min / max in the note where useful). Regenerate with "
            "`python -m benchmarks` (add `--quick` for a fast smoke run).",
            "",
            "| benchmark | size | threads | figure | ratio | command | date |",
            "|---|---|---|---|---|---|---|",
        ]
        today = date.today().isoformat()
        for r in self.rows:
            figure = r.figure + (f" ({r.note})" if r.note else "")
            lines.append(f"| {r.benchmark} | {r.size} | {r.threads} | {figure} | {r.ratio} | "
                         f"`{r.command}` | {today} |")  # fmt: skip
        return "\n".join(lines) + "\n"


def machine() -> str:
    """CPU model, cores, Python and library versions."""
    import numba
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, numba {numba.__version__}")  # fmt: skip


def ns_per(seconds: float, count: float) -> float:
    return 1e9 * seconds / count
