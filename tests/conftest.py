"""Shared fixtures (the helpers themselves are in `tests/support.py`)."""

from __future__ import annotations

import pytest

from linkages_sim.config.schema import Scenario
from tests.support import small


@pytest.fixture(scope="session")
def small_default() -> Scenario:
    """The built-in default at a test-friendly size."""
    return small()
