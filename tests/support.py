"""What tests share: small versions of the shipped scenarios, and the CLI as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def small(name: str | Path = "default", customers: int = 8_000, periods: int = 20) -> Scenario:
    """A shipped scenario at a test-friendly size (the market size, hence money, is kept)."""
    return edit_scenario(load_scenario(name), periods=periods, customers=customers)


def linkages(*args: str, env: dict | None = None, cwd: Path | None = None,
             stdin: str | None = None):
    """Run the CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "linkages_sim", *args], capture_output=True, text=True, input=stdin,
        env={**os.environ, **(env or {})}, cwd=cwd, timeout=300,
    )  # fmt: skip


def assert_bad_input(proc, *needles: str) -> None:
    """Exit code 2, no traceback, and each needle in the message on stderr."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in proc.stderr, proc.stderr
