"""Shared fixtures: small, fast versions of the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkages_sim.api import with_overrides
from linkages_sim.loading import load_scenario
from linkages_sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def small(name: str | Path = "default", customers: int = 8_000, periods: int = 20) -> Scenario:
    """A shipped scenario at a test-friendly size (the market size, hence money, is kept)."""
    return with_overrides(load_scenario(name), periods=periods, customers=customers)


@pytest.fixture(scope="session")
def small_default() -> Scenario:
    return small()
