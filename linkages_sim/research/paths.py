"""Field paths into a scenario.

For example `stores[north-1].greeting_time_s`, `segments[0].tastes.price`,
`contracts[acme-north].supplier_clauses[*].penalty`.

A path is dotted field names; a list is indexed by position (`[0]`), by an item's id
(`[north-1]`; a contract's key is its id or supplier-distributor, as `Contract.key`), or by
`[*]` for every item. Paths are checked against the scenario they apply to, so a typo gets the
valid names at that point (with a did-you-mean) before any run starts.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

_STEP = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<index>(\[[^\[\]]+\])*)")
_INDEX = re.compile(r"\[([^\[\]]+)\]")


class PathError(ValueError):
    """A field path that does not lead to a value of the scenario."""


@dataclass(frozen=True)
class FieldPath:
    """A parsed path: a sequence of field names and list selectors."""

    text: str
    steps: tuple[str | tuple[str], ...]  # a field name, or (selector,) for a list item

    @classmethod
    def parse(cls, text: str) -> FieldPath:
        """Parse `text`; raise PathError on bad syntax."""
        steps: list[str | tuple[str]] = []
        for part in text.split("."):
            match = _STEP.fullmatch(part.strip())
            if not match:
                raise PathError(f"'{text}': '{part}' is not a field name (with [selectors])")
            steps.append(match["name"])
            steps.extend((s.strip(),) for s in _INDEX.findall(match["index"] or ""))
        return cls(text, tuple(steps))

    def targets(self, data: Any) -> list[tuple[Any, Any]]:
        """The (container, key) pairs the path selects in plain scenario data.

        Raises PathError naming the first step that leads nowhere, with the valid choices there.
        """
        level: list[Any] = [data]
        walked = ""
        for k, step in enumerate(self.steps):
            last = k == len(self.steps) - 1
            nxt: list[Any] = []
            pairs: list[tuple[Any, Any]] = []
            for node in level:
                if isinstance(step, tuple):
                    for index in _select(node, step[0], self.text, walked):
                        pairs.append((node, index))
                else:
                    if not isinstance(node, dict):
                        raise PathError(f"'{self.text}': {walked or 'the scenario'} has no fields")
                    if step not in node:
                        raise PathError(_unknown(self.text, walked, step, list(node)))
                    pairs.append((node, step))
            if last:
                return pairs
            nxt = [container[key] for container, key in pairs]
            level = nxt
            walked += f"[{step[0]}]" if isinstance(step, tuple) else (
                f".{step}" if walked else step)  # fmt: skip
        return []  # an empty path selects nothing

    def apply(self, data: Any, value: Any) -> None:
        """Set every value the path selects in `data` (plain scenario data) to `value`."""
        for container, key in self.targets(data):
            container[key] = value

    def scale(self, data: Any, factor: float) -> None:
        """Multiply every value the path selects by `factor` (keeps the items' differences)."""
        for container, key in self.targets(data):
            current = container[key]
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise PathError(f"'{self.text}': {current!r} is not a number to scale")
            container[key] = current * factor

    def read(self, data: Any) -> list[Any]:
        """The values the path selects."""
        return [container[key] for container, key in self.targets(data)]


def _select(node: Any, selector: str, text: str, walked: str) -> list[int]:
    if not isinstance(node, list):
        raise PathError(f"'{text}': {walked} is not a list, so [{selector}] selects nothing")
    if selector == "*":
        return list(range(len(node)))
    if re.fullmatch(r"-?\d+", selector):
        i = int(selector)
        if not -len(node) <= i < len(node):
            raise PathError(f"'{text}': {walked} has {len(node)} items, no [{selector}]")
        return [i % len(node)]
    keys = [_key(item) for item in node]
    if selector not in keys:
        close = difflib.get_close_matches(selector, [k for k in keys if k], n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        valid = ", ".join(k for k in keys if k)
        raise PathError(f"'{text}': {walked} has no item '{selector}'{hint}; valid: {valid}")
    return [keys.index(selector)]


def _key(item: Any) -> str | None:
    """An item's id: its `id`, a clause's metric, or a contract's supplier-distributor."""
    if not isinstance(item, dict):
        return None
    if item.get("id"):
        return str(item["id"])
    if item.get("metric"):  # a clause is named by what it measures (`Clause.name`)
        return str(item["metric"])
    if "supplier" in item and "distributor" in item:
        return f"{item['supplier']}-{item['distributor']}"
    return None


def _unknown(text: str, walked: str, step: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(step, valid, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    where = walked or "the scenario"
    return f"'{text}': {where} has no field '{step}'{hint}; valid: {', '.join(valid)}"
