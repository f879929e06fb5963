"""What `linkages validate` says about a scenario: its sizes, its resolved form, its changes.

`summary_line` states both the simulated customers and the market they stand for;
`resolved_yaml` is the scenario after `extends:` and defaults (`--show`); `changes` lists, field
path by field path, what a file changes relative to the scenario it extends (`--diff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from linkages_sim.config.locating import Path, is_keyed, item_key, show_path
from linkages_sim.config.schema import Scenario


def summary_line(scenario: Scenario) -> str:
    """The scenario's name and sizes on one line, both customer numbers stated."""
    s = scenario
    return (f"{s.name}: {len(s.suppliers)} suppliers, {len(s.distributors)} distributors, "
            f"{len(s.stores)} stores, {len(s.contracts)} contracts, {s.periods} periods; "
            f"simulates {s.customers:,} customers standing for {s.market_size:,}")  # fmt: skip


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario after `extends:` and defaults, as YAML (what a run uses)."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class Change:
    """One difference between two scenarios: a field path, and its value before and after."""

    path: str
    before: Any = None
    after: Any = None
    kind: str = "changed"  # "changed", "added" or "removed"

    def __str__(self) -> str:
        """`path: before -> after`, `path: added {...}` or `path: removed`."""
        if self.kind == "added":
            return f"{self.path}: added {_short(self.after)}"
        if self.kind == "removed":
            return f"{self.path}: removed"
        return f"{self.path}: {_short(self.before)} -> {_short(self.after)}"


def changes(parent: Scenario, child: Scenario) -> list[Change]:
    """What `child` changes relative to `parent`, field by field (both resolved).

    Items of lists with ids are matched by id; any other list is compared as a whole.
    """
    found: list[Change] = []
    _compare(parent.model_dump(mode="json"), child.model_dump(mode="json"), (), found)
    return found


def _compare(before: Any, after: Any, path: Path, found: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            here = (*path, key)
            if key not in after:
                found.append(Change(show_path(here), kind="removed"))
            elif key not in before:
                found.append(Change(show_path(here), after=after[key], kind="added"))
            else:
                _compare(before[key], after[key], here, found)
        return
    field = path[-1] if path else None
    if isinstance(before, list) and isinstance(after, list) and is_keyed(field):
        name = str(field)
        old = {item_key(name, item): item for item in before}
        new = {item_key(name, item): item for item in after}
        for key, item in old.items():
            label = f"{show_path(path)}[id={key}]"
            if key not in new:
                found.append(Change(label, kind="removed"))
            else:
                _compare_item(item, new[key], label, found)
        for key, item in new.items():
            if key not in old:
                found.append(Change(f"{show_path(path)}[id={key}]", after=item, kind="added"))
        return
    if before != after:
        found.append(Change(show_path(path), before, after))


def _compare_item(before: Any, after: Any, label: str, found: list[Change]) -> None:
    inner: list[Change] = []
    _compare(before, after, (), inner)
    found.extend(Change(f"{label}{'' if c.path.startswith('[') else '.'}{c.path}".rstrip("."),
                        c.before, c.after, c.kind) for c in inner)  # fmt: skip


def _short(value: Any, limit: int = 60) -> str:
    """A value on one line, in YAML's flow style, shortened to `limit` characters."""
    if isinstance(value, str):
        text = value or "''"
    else:
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()
        text = text.removesuffix("\n...").removesuffix("...").strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
