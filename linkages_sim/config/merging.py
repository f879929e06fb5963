"""How `extends:` merges a scenario file over the one it extends (docs/scenarios.md).

- Mappings merge key by key, at every depth.
- Lists whose items have ids (suppliers, distributors, stores, contracts, a contract's clauses,
  segments, interventions) merge item by item at every depth. An item is known by its `id`; a
  contract without one by `supplier-distributor`, a clause without one by its metric. An item
  whose id is inherited changes that item (fields it does not give are kept); `remove: true`
  drops it; an item with a new id is added, at the end.
- An id that is not inherited but is close to one that is (`acme-nrth` beside `acme-north`) is
  an error with a did-you-mean: it is almost always a typo. A new item that really is meant to
  look like that gives `new: true`.
- Any other list (a segment's `centres`, or an empty list) replaces the inherited one, and
  `linkages validate` says so in a note; `{append: [...]}` adds items to the inherited list
  instead, and `{replace: [...]}` replaces any list (with ids or not) without a note.
- Any other value replaces the inherited one.

The merge never fails on the values themselves: what is wrong with a merged value is for
validation to say. It reports what a file's merge instructions get wrong (a typo in an id, a
`remove:` of nothing, an item given twice) as Problems and leaves that item out.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from linkages_sim.config.locating import (
    Path,
    Problem,
    Where,
    is_keyed,
    item_key,
    show_path,
    singular,
    where_of,
)

MISSING: Any = object()
"""Nothing inherited at this place."""

FLAGS = ("new", "remove")
"""Merge instructions an item of a list with ids may carry."""
LIST_OPERATIONS = ("append", "replace")
"""Merge instructions a list may be given as, `{append: [...]}`."""
TYPO_CUTOFF = 0.8
"""How close (difflib's ratio) a new id must be to an inherited one to be taken for a typo:
`acme-nrth` vs `acme-north` is 0.95, `n4` vs `n1` is 0.5."""


@dataclass
class Resolved:
    """A scenario's data after `extends:`, with where each value was written."""

    data: Any
    wheres: dict[Path, Where] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def merge(
    base: Resolved | None, data: Any, wheres: dict[Path, Where], parent: str = ""
) -> Resolved:
    """`data` (one file's document, its values written at `wheres`) merged over `base`.

    `base` is the resolved scenario it extends (None for a file that extends nothing: its own
    merge instructions are still applied). `parent` names the base in notes and messages.
    """
    merger = _Merger(base, wheres, parent)
    merged = merger.merge(MISSING if base is None else base.data, data, (), (), ())
    problems = [*(base.problems if base else []), *merger.problems]
    return Resolved(merged, merger.wheres, merger.notes, problems)


def deep_merge(base: Any, override: Any) -> Any:
    """`override` merged over `base` by the rules above, as plain data (no places, no notes)."""
    return merge(Resolved(base), override, {}).data


class _Merger:
    """One merge: the merged data, where each of its values was written, notes and problems."""

    def __init__(self, base: Resolved | None, wheres: dict[Path, Where], parent: str) -> None:
        self.base_wheres = base.wheres if base is not None else {}
        self.own_wheres = wheres
        self.parent = parent or "the scenario it extends"
        self.wheres: dict[Path, Where] = {}
        self.notes: list[Problem] = []
        self.problems: list[Problem] = []
        self._data: Any = None  # the file's own document, to name its paths

    # paths: `mp` in the merged data, `bp` in the base, `op` in the file's own document

    def merge(self, base: Any, over: Any, mp: Path, bp: Path, op: Path) -> Any:
        if not mp:
            self._data = over
        where = self.own_wheres.get(op)
        if where is not None:
            self.wheres[mp] = where
        elif base is not MISSING and bp in self.base_wheres:
            self.wheres[mp] = self.base_wheres[bp]
        if _is_list_operation(over) and (base is MISSING or isinstance(base, list)):
            return self._list_operation(base, over, mp, bp, op)
        if isinstance(over, dict) and (base is MISSING or isinstance(base, dict)):
            merged: dict[Any, Any] = {}
            if base is not MISSING:
                for key, value in base.items():
                    if key in over:
                        merged[key] = self.merge(value, over[key], (*mp, key), (*bp, key),
                                                 (*op, key))  # fmt: skip
                    else:
                        merged[key] = self._inherit(value, (*mp, key), (*bp, key))
            for key, value in over.items():
                if base is MISSING or key not in base:
                    merged[key] = self.merge(MISSING, value, (*mp, key), (), (*op, key))
            return merged
        if isinstance(over, list) and (base is MISSING or isinstance(base, list)):
            name = mp[-1] if mp else None
            if is_keyed(name) and over:
                return self._by_key(str(name), [] if base is MISSING else base, over, mp, bp, op)
            if base is not MISSING and base and over != base:
                self._note(mp, op, "replaces the inherited list"
                           + (" (use {replace: [...]} to say so)" if is_keyed(name) and not over
                              else " (its items have no ids to merge by; use {append: [...]} "
                              "to add to it)"))  # fmt: skip
            return [self.merge(MISSING, v, (*mp, i), (), (*op, i)) for i, v in enumerate(over)]
        return self.merge_new(over, mp, op) if isinstance(over, dict | list) else over

    def merge_new(self, over: Any, mp: Path, op: Path) -> Any:
        """A value with nothing inherited under it (its own merge instructions still apply)."""
        return self.merge(MISSING, over, mp, (), op)

    def _inherit(self, value: Any, mp: Path, bp: Path) -> Any:
        """An inherited value kept as it is, with the places its values were written."""
        stack = [(value, mp, bp)]
        while stack:
            node, m, b = stack.pop()
            if b in self.base_wheres:
                self.wheres[m] = self.base_wheres[b]
            if isinstance(node, dict):
                stack.extend((v, (*m, k), (*b, k)) for k, v in node.items())
            elif isinstance(node, list):
                stack.extend((v, (*m, i), (*b, i)) for i, v in enumerate(node))
        return value

    def _list_operation(self, base: Any, over: dict, mp: Path, bp: Path, op: Path) -> Any:
        inherited = [] if base is MISSING else base
        items: list[Any] = []
        if "replace" in over:
            replacement = over["replace"]
            if not isinstance(replacement, list):
                self._problem(op, "replace: must be a list (of the items that replace the "
                              "inherited ones)", (*op, "replace"))  # fmt: skip
                return [self._inherit(v, (*mp, i), (*bp, i)) for i, v in enumerate(inherited)]
            items = [self.merge_new(v, (*mp, i), (*op, "replace", i))
                     for i, v in enumerate(replacement)]  # fmt: skip
        else:
            items = [self._inherit(v, (*mp, i), (*bp, i)) for i, v in enumerate(inherited)]
        if "append" in over:
            added = over["append"]
            if not isinstance(added, list):
                self._problem(op, "append: must be a list (of the items to add)",
                              (*op, "append"))  # fmt: skip
            else:
                start = len(items)
                items += [self.merge_new(v, (*mp, start + i), (*op, "append", i))
                          for i, v in enumerate(added)]  # fmt: skip
        return items

    def _by_key(self, name: str, base: list, over: list, mp: Path, bp: Path, op: Path) -> list:
        """A list of items with ids merged item by item (the rules in the module's docstring)."""
        kind = singular(name)
        # (item, base position or None, own position or None); None marks a removed item
        slots: list[list[Any]] = []
        index: dict[str, int] = {}
        for i, item in enumerate(base):
            key = item_key(name, item)
            if key is not None and key not in index:
                index[key] = len(slots)
            slots.append([item, i, None])
        inherited = list(index)
        given: dict[str, int] = {}
        added: list[str] = []
        for j, raw in enumerate(over):
            oj = (*op, j)
            item, flags = self._flags(raw, oj)
            key = item_key(name, item)
            if key is not None and key in given:
                first = self.own_wheres.get((*op, given[key]))
                also = f" (also at line {first.line})" if first else ""
                self._problem(oj, f"{kind} {_quoted(key)} is given twice in this list{also}; "
                              "give each item once")  # fmt: skip
                continue
            if key is not None:
                given[key] = j
            if key is not None and key in index:
                slot = slots[index[key]]
                if flags.get("new"):
                    self._problem(oj, f"{kind} {_quoted(key)} is marked new: true, but "
                                  f"{self.parent} has one; leave out new: to change it")
                elif flags.get("remove"):
                    slot[0] = None
                else:
                    slot[0], slot[2] = item, j
                continue
            if flags.get("remove"):
                self._problem(oj, f"no inherited {kind} {_quoted(key)} to remove"
                              + _did_you_mean(key, inherited))  # fmt: skip
                continue
            close = _did_you_mean(key, inherited)
            if close and not flags.get("new"):
                self._problem(oj, f"no inherited {kind} {_quoted(key)}{close}; to add a new "
                              f"{kind}, give it new: true")  # fmt: skip
                continue
            if key is not None and base:
                added.append(key)
            slots.append([item, None, j])
        merged: list[Any] = []
        for item, i, j in slots:
            if item is None:
                continue
            mi = (*mp, len(merged))
            if i is not None and j is not None:
                merged.append(self.merge(base[i], item, mi, (*bp, i), (*op, j)))
            elif i is not None:
                merged.append(self._inherit(item, mi, (*bp, i)))
            else:
                merged.append(self.merge_new(item, mi, (*op, j)))
        if added:
            self._note(mp, op, f"adds {kind} " + ", ".join(_quoted(k) for k in added)
                       + f" (not in {self.parent})")  # fmt: skip
        return merged

    def _flags(self, raw: Any, op: Path) -> tuple[Any, dict[str, bool]]:
        """An item without its merge instructions (`new:`, `remove:`), and the instructions."""
        if not isinstance(raw, dict) or not any(f in raw for f in FLAGS):
            return raw, {}
        flags: dict[str, bool] = {}
        for flag in FLAGS:
            if flag in raw:
                if isinstance(raw[flag], bool):
                    flags[flag] = raw[flag]
                else:
                    self._problem((*op, flag), f"must be true or false (got {raw[flag]!r})")
        return {k: v for k, v in raw.items() if k not in FLAGS}, flags

    def _problem(self, op: Path, message: str, at: Path | None = None) -> None:
        self.problems.append(Problem(show_path(op, self._data, self.own_wheres or None), message,
                                     where_of(at or op, self.own_wheres)))  # fmt: skip

    def _note(self, mp: Path, op: Path, message: str) -> None:
        self.notes.append(Problem(show_path(op, self._data, self.own_wheres or None), message,
                                  where_of(op, self.own_wheres)))  # fmt: skip


def _is_list_operation(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(k in LIST_OPERATIONS for k in value)


def _quoted(key: str | None, limit: int = 40) -> str:
    if key is None:
        return "(an item without an id)"
    shown = key if len(key) <= limit else key[: limit - 3] + "..."
    return repr(shown) if not shown.isprintable() else f"'{shown}'"


def _did_you_mean(key: str | None, inherited: list[str]) -> str:
    if key is None:
        return ""
    close = difflib.get_close_matches(key, inherited, n=1, cutoff=TYPO_CUTOFF)
    return f" (did you mean '{close[0]}'?)" if close else ""

