"""The one way to edit a scenario in code: change a plain copy, then validate the whole tree.

Pydantic re-validates a field on assignment, but not the cross-references between parts of a
scenario (a store's distributor, a contract's parties); a copy edited here is validated as a
whole, with the same one-line messages as a YAML file (`ScenarioError`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from linkages_sim.config.loading import validate_scenario
from linkages_sim.config.schema import Scenario

Change = Callable[[dict[str, Any]], None]
"""Edits the scenario's plain data (`model_dump()`) in place."""


def edit_scenario(
    scenario: Scenario, change: Change | None = None, *, source: str = "edited scenario",
    **fields: Any,
) -> Scenario:  # fmt: skip
    """A validated copy of `scenario` with `change` applied and top-level `fields` set.

    A field given as None is left as it is, so run-size overrides pass straight through:
    `edit_scenario(s, periods=periods, customers=customers)`. Raises `ScenarioError`.
    """
    fields = {k: v for k, v in fields.items() if v is not None}
    if change is None and not fields:
        return scenario
    data = scenario.model_dump()
    data.update(fields)
    if change is not None:
        change(data)
    return validate_scenario(data, source=source)


def contract_index(scenario: Scenario, key: str) -> int:
    """Position of the contract `key` among the scenario's contracts.

    `key` is as `Contract.key`: its id, or supplier-distributor. An unknown key lists the valid
    ones.
    """
    keys = [c.key for c in scenario.contracts]
    if key not in keys:
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(f"unknown contract '{key}'{hint}; valid: {', '.join(keys)}")
    return keys.index(key)
