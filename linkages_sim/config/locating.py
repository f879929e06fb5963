"""Where a value of a scenario was written, and how to name it as the user wrote it.

A scenario read from files is one merged mapping (`extends:` chains), but a problem with it is
reported in the user's terms: the file that holds the value, its line and column, and a path that
names list items by id (`stores[id=s1].greeting_time_s`), or, for a list whose items have no ids,
by their position in that file's own list (`segments[id=urban].centres[1].x`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linkages_sim.config.schema import ID_PATTERN, INTERVENTION_KINDS, Scenario

Path = tuple[str | int, ...]
"""A location in scenario data: mapping keys and list positions, `("stores", 2, "layout")`."""


@dataclass(frozen=True)
class Where:
    """Where a value was written: its file, line and column (from 1), its position in its list."""

    file: str
    line: int
    column: int
    index: int | None = None  # for a list item: its position in the list of its own file

    def __str__(self) -> str:
        """`file: line L, column C`."""
        return f"{self.file}: line {self.line}, column {self.column}"


Marks = dict[Path, tuple[int, int]]
"""Line and column (from 1) of each value of a YAML document, by its path in the document."""


def node_marks(root: Node) -> Marks:
    """The line and column of every value of a composed YAML document, by path.

    A mapping entry is marked at its key, a list item at its start; values reached through an
    alias are marked where the anchor's value is written.
    """
    marks: Marks = {(): (root.start_mark.line + 1, root.start_mark.column + 1)}
    stack: list[tuple[Path, Node]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    here = (*path, key.value)
                    marks[here] = (key.start_mark.line + 1, key.start_mark.column + 1)
                    stack.append((here, value))
        elif isinstance(node, SequenceNode):
            for i, value in enumerate(node.value):
                here = (*path, i)
                marks[here] = (value.start_mark.line + 1, value.start_mark.column + 1)
                stack.append((here, value))
    return marks


def file_wheres(marks: Marks, file: str) -> dict[Path, Where]:
    """The marks of one file's document as Where records."""
    return {
        path: Where(file, line, column, path[-1] if path and isinstance(path[-1], int) else None)
        for path, (line, column) in marks.items()
    }


# --- keyed lists ---------------------------------------------------------------------------------

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "contracts": ("supplier", "distributor"),
    "supplier_clauses": ("metric",),
    "distributor_clauses": ("metric",),
}
"""Lists whose items are known by something else when they have no id: a contract by its
supplier-distributor pair (`Contract.key`), a clause by its metric (`Clause.name`)."""


def _item_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _item_models(arg)]


def _keyed_lists() -> dict[str, type[BaseModel]]:
    """Every list field of the schema whose items have an `id`, by field name."""
    found: dict[str, type[BaseModel]] = {}
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [Scenario, *INTERVENTION_KINDS.values()]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            inner = _item_models(field.annotation)
            todo.extend(inner)
            if get_origin(field.annotation) is list and inner and all(
                    "id" in m.model_fields for m in inner):  # fmt: skip
                found[name] = inner[0]
    return found


KEYED_LISTS = _keyed_lists()
"""List fields that `extends:` merges item by item, and errors name by id."""


def is_keyed(field: str | int | None) -> bool:
    """Whether the list held by `field` is one whose items are known by their ids."""
    return isinstance(field, str) and field in KEYED_LISTS


def item_key(field: str, item: Any) -> str | None:
    """The id an item of the keyed list `field` is known by, or None if it has none.

    Its `id`, else (a contract) `supplier-distributor`, else (a clause) its metric.
    """
    if not isinstance(item, Mapping):
        return None
    if isinstance(item.get("id"), str):
        return item["id"]
    parts = [item.get(k) for k in NATURAL_KEYS.get(field, ())]
    if parts and all(isinstance(p, str) for p in parts):
        return "-".join(parts)  # type: ignore[arg-type]
    return None


def is_identifier(text: str) -> bool:
    """Whether `text` is an identifier (ID_PATTERN, at most 64 characters): fit for a path."""
    return len(text) <= 64 and re.match(ID_PATTERN, text) is not None and text.isascii()


def singular(field: str) -> str:
    """What one item of a list is called in a message: `stores` -> `store`."""
    return field.replace("_", " ")[:-1] if field.endswith("s") else field.replace("_", " ")


# --- paths -------------------------------------------------------------------------------------

_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def parse_path(text: str) -> Path:
    """A field path as written in a LocatedError, `stores[2].location.x`, as a Path."""
    return tuple(int(index) if index else name for index, name in _PART.findall(text))


def data_path(loc: tuple) -> Path:
    """A pydantic error location as a path in the data: without the kind tags of interventions.

    Pydantic puts the discriminator's value after an intervention's position
    (`interventions, 0, train_staff, store`); the user never wrote it.
    """
    return tuple(part for i, part in enumerate(loc) if not _is_tag(loc, i))


def _is_tag(loc: tuple, i: int) -> bool:
    return (i >= 2 and loc[i - 2] == "interventions" and isinstance(loc[i - 1], int)
            and loc[i] in INTERVENTION_KINDS)  # fmt: skip


def show_path(path: Path, data: Any = None, wheres: Mapping[Path, Where] | None = None) -> str:
    """A data path as the user reads it.

    With the data it points into and the places its values were written (`wheres`, for a
    scenario read from files), an item of a list with ids is named by its id,
    `stores[id=s1].greeting_time_s`, and any other item by its position in the list of the file
    that wrote it. Without them, positions are those of the data, `stores[2].layout`.
    """
    out = ""
    node = data
    for depth, part in enumerate(path):
        if isinstance(part, int):
            out += f"[{_label(path[:depth], part, node, wheres)}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            out = f"{out}.{part}" if out else str(part)
            node = node.get(part) if isinstance(node, Mapping) else None
    return out


def _label(parent: Path, index: int, items: Any, wheres: Mapping[Path, Where] | None) -> str:
    if wheres is None or not isinstance(items, list) or not 0 <= index < len(items):
        return str(index)
    field = parent[-1] if parent else None
    if is_keyed(field):
        key = item_key(str(field), items[index])
        same = sum(item_key(str(field), i) == key for i in items) if key is not None else 0
        if key is not None and is_identifier(key) and same == 1:
            return f"id={key}"
    where = wheres.get((*parent, index))
    return str(where.index if where is not None and where.index is not None else index)


def where_of(path: Path, wheres: Mapping[Path, Where]) -> Where | None:
    """Where the value at `path` was written, else where the nearest value holding it was."""
    for end in range(len(path), -1, -1):
        found = wheres.get(path[:end])
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Problem:
    """One problem with a scenario: where it is and what is wrong."""

    path: str  # as the user reads it; "" for the whole scenario
    message: str
    where: Where | None = None

    def line(self, source: str) -> str:
        """The problem on one line: `file: line L, column C: path: message`.

        A value the file inherits is named by the file that `source` is, with where it is
        written at the end: `... (inherited from base.yaml, line L, column C)`.
        """
        w = self.where
        place = f"{w}" if w is not None and w.file == source else source
        inherited = (f" (inherited from {w.file}, line {w.line}, column {w.column})"
                     if w is not None and w.file != source else "")  # fmt: skip
        return f"{place}: {self.path + ': ' if self.path else ''}{self.message}{inherited}"

    def order(self) -> tuple:
        """Sort key: by file, then line and column; problems without a place last."""
        w = self.where
        return (0, w.file, w.line, w.column) if w is not None else (1, "", 0, 0)
