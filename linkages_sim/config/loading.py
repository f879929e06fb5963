"""Reading scenarios from YAML: safe loading, `extends:` inheritance, one message per problem.

Each bad input gets one clear line naming the file and the field path (never a traceback).
Whatever a file holds, `load_scenario` returns a Scenario or raises ScenarioError: YAML that is
not a scenario (duplicate keys, tags, alias bombs, deep nesting, binary bytes) is refused while
reading, with its line and column; a scenario that does not validate gets one line per problem.
"""

from __future__ import annotations

import copy
import functools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from linkages_sim.config.catalogue import ScenarioEntry, resolve_scenario_path, scenario_dirs
from linkages_sim.config.checking import (
    check_scenario,
    format_validation_error,
    render,
    show_value,
)
from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.locating import Marks, Problem, Where, file_wheres, node_marks
from linkages_sim.config.merging import Resolved, deep_merge, merge
from linkages_sim.config.schema import ID_PATTERN, Scenario

__all__ = [
    "ScenarioError", "available_scenarios", "deep_merge", "format_validation_error",
    "inspect_scenario", "load_scenario", "validate_scenario",
]  # fmt: skip

DEFAULT_SCENARIO = "default"

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists a scenario file may have (a scenario needs 6: an
intervention's new store's location). Deeper input is refused before it is built."""
MAX_VALUES = 1_000_000
"""Most values (keys, scalars, mappings and lists) a file may expand to once its aliases are
followed: a scenario with 10,000 stores has about 300,000. Guards against alias bombs
("billion laughs"), which are small as text and exponential once expanded."""


def available_scenarios() -> list[ScenarioEntry]:
    """Built-in and shipped scenarios with their one-line descriptions."""
    entries: dict[str, ScenarioEntry] = {}
    for origin, folder in scenario_dirs():
        for path in sorted(folder.glob("*.yaml")):
            if path.stem in entries:
                continue
            try:
                description = load_scenario(path).description
            except ScenarioError as err:
                description = f"(invalid: {err})"
            entries[path.stem] = ScenarioEntry(path.stem, path, description, origin)
    return list(entries.values())


def load_scenario(source: str | Path | None = None) -> Scenario:
    """Load and validate a scenario from a path or a built-in name (default: `default`)."""
    return inspect_scenario(source).scenario


@dataclass(frozen=True)
class Inspection:
    """A scenario as `linkages validate` shows it: the scenario, what it extends, the notes."""

    scenario: Scenario
    path: Path
    parent: str | None = None  # the `extends:` value, as written
    parent_scenario: Scenario | None = None
    notes: list[Problem] = field(default_factory=list)


def inspect_scenario(source: str | Path | None = None) -> Inspection:
    """Load a scenario with what it extends and the notes on how its file was merged.

    Raises ScenarioError with every problem found (up to a cap), each on its own line.
    """
    path = _resolve(source)
    resolved, parent = _read_with_extends(path, seen=())
    scenario = _validated(resolved, str(path), _default_name(path.stem))
    parent_scenario = None
    if parent is not None:
        parent_scenario = load_scenario(_parent_path(path, parent))
    return Inspection(scenario, path, parent, parent_scenario, resolved.notes)


def _resolve(source: str | Path | None) -> Path:
    try:
        return resolve_scenario_path(source if source is not None else DEFAULT_SCENARIO)
    except (OSError, ValueError) as err:  # a name the file system refuses (too long, NUL)
        raise ScenarioError(_clean(f"{source}: cannot be opened ({_reason(err)})")) from None


def validate_scenario(
    data: Mapping[str, Any], source: str = "<scenario>", default_name: str | None = None
) -> Scenario:
    """Validate a mapping (as read from YAML) into a Scenario, or raise ScenarioError.

    Every problem is reported (up to a cap), each on its own line, `source: path: problem`;
    list items are named by their positions in `data`.
    """
    return _validated(Resolved(data), source, default_name)


def _validated(resolved: Resolved, source: str, default_name: str | None) -> Scenario:
    data = resolved.data
    if not isinstance(data, Mapping):
        raise ScenarioError(_clean(f"{source}: expected a mapping of scenario fields, got "
                                   f"{_yaml_type(data)}"))  # fmt: skip
    data = dict(data)
    if default_name is not None:
        data.setdefault("name", default_name)
    try:
        scenario, problems = check_scenario(data, resolved.wheres or None)
    except RecursionError:  # a structure that contains itself, built in Python
        raise ScenarioError(_clean(f"{source}: nested too deeply (or contains itself)")) from None
    problems = [*resolved.problems, *problems]
    if problems:
        raise ScenarioError(render(problems, source))
    assert scenario is not None
    return scenario


def revalidate(scenario: Scenario, source: str = "scenario") -> Scenario:
    """The scenario validated again as a whole tree (cross-references included).

    Every path into the model goes through it: assignments are checked field by field, but a
    store moved to an unknown distributor is only caught here. Raises ScenarioError, or
    TypeError for an object that is not a Scenario.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"{source}: expected a Scenario (from load_scenario), got {type(scenario).__name__}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a wrongly typed item appended to a list: caught below
        data = scenario.model_dump()
    return validate_scenario(data, source=source)


def _default_name(stem: str) -> str:
    """A file's stem as a scenario name, for a file without `name:`.

    Characters other than ASCII letters, digits and `_ . + -` become `_`.
    """
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", stem)[:64]
    return name if re.match(ID_PATTERN, name) else f"s_{name}"[:64] if name else "scenario"


# --- reading YAML -----------------------------------------------------------------------------


class _Checks:
    """What the scenario loader adds to PyYAML's safe loading (no Python objects from tags).

    It refuses what a scenario never needs and what would otherwise be silently dropped or
    explode: a key given twice in one mapping (the safe loader keeps the last), nesting deeper
    than MAX_DEPTH, aliases that expand past MAX_VALUES values or refer to their own container;
    and a value its tag cannot be built from (an impossible date) gets its line and column.
    """

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )  # fmt: skip
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_mapping_node(self, anchor: str | None) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        node.written = list(node.value)  # the keys as written, before `<<:` merges flatten them
        return node

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node)
        return node

    def construct_mapping(self, node: Node, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            first: dict[Any, Any] = {}
            for key_node, _ in getattr(node, "written", node.value):
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = first.get(key)
                except TypeError:
                    continue  # an unhashable key: the safe loader refuses it below
                if seen is not None:
                    raise ConstructorError(
                        "while reading a mapping", node.start_mark,
                        f"duplicate key {show_value(key)} (first given at line {seen.line + 1}); a "
                        "key may appear only once in a mapping", key_node.start_mark,
                    )  # fmt: skip
                first[key] = key_node.start_mark
        return super().construct_mapping(node, deep)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as err:  # not YAMLError: those pass
            value = node.value if isinstance(node.value, str) else node.tag
            reason = "too many digits" if "digits" in str(err) else _reason(err)
            raise ConstructorError(None, None, f"cannot read {show_value(value)} ({reason})",
                                   node.start_mark) from None  # fmt: skip


class _PyScenarioLoader(_Checks, yaml.SafeLoader):
    """The checks on PyYAML's pure-Python safe loader."""


if getattr(yaml, "__with_libyaml__", False):

    class _ScenarioLoader(_Checks, yaml.composer.Composer, yaml.cyaml.CParser,
                          yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # fmt: skip
        """The checks on libyaml's parser (3 times faster).

        PyYAML's own composer builds the nodes, so they are checked in Python, as by the safe
        loader.
        """

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _ScenarioLoader = _PyScenarioLoader


@functools.lru_cache(maxsize=32)
def _parse(text: str) -> tuple[Any, Marks]:
    """The YAML document in `text`, read with the scenario loader, and where its values are.

    Cached by content: a scenario's chain of `extends:` parents (baseline, default) is read
    once per process.
    """
    loader = _ScenarioLoader(text)  # a safe loader: no Python objects
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
        return data, node_marks(node)  # after construction: `<<:` merges are flattened
    finally:
        loader.dispose()


def _check_expansion(root: Node) -> None:
    """Refuse a document that aliases blow up or make contain itself.

    Past MAX_VALUES values or MAX_DEPTH levels once aliases are followed is refused too; the
    walk is iterative and memoised, so it costs one pass over the nodes as written.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    expanding: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            expanding.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_VALUES or depth[key] > MAX_DEPTH:
                what = (f"more than {MAX_VALUES:,} values" if size[key] > MAX_VALUES
                        else f"more than {MAX_DEPTH} levels deep")  # fmt: skip
                raise yaml.composer.ComposerError(
                    None, None, f"aliases (*name) expand this to {what}", node.start_mark
                )
            continue
        if key in size:
            continue
        if key in expanding:
            raise yaml.composer.ComposerError(
                None, None, "an alias (*name) refers to a mapping or list that contains it",
                node.start_mark,
            )  # fmt: skip
        expanding.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping a YAML file holds, read safely; ScenarioError for anything else."""
    return read_document(path)[0]


def read_document(path: Path) -> tuple[dict[str, Any], Marks]:
    """The mapping a YAML file holds and the line and column of each of its values."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(_clean(f"{path}: file not found")) from None
    except IsADirectoryError:
        raise ScenarioError(_clean(f"{path}: is a directory, not a scenario file")) from None
    except UnicodeDecodeError:
        raise ScenarioError(_clean(f"{path}: not a text (YAML) file")) from None
    except (OSError, ValueError) as err:
        raise ScenarioError(_clean(f"{path}: cannot read ({_reason(err)})")) from None
    if "\x00" in text:
        raise ScenarioError(_clean(f"{path}: not a text (YAML) file"))
    try:
        parsed, marks = _parse(text)
        data = copy.deepcopy(parsed)  # a copy: the cached document is shared
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = _plain(err.problem or err.context or "invalid YAML")
        if mark and problem.startswith("found character that cannot start any token"):
            problem += _character_at(text, mark.line, mark.column)
        syntax = isinstance(err, yaml.scanner.ScannerError | yaml.parser.ParserError)
        what = f"YAML syntax error at {where}" if syntax else (where or "YAML error: ")
        raise ScenarioError(_clean(f"{path}: {what}{problem}")) from None
    except yaml.reader.ReaderError as err:
        raise ScenarioError(_clean(
            f"{path}: not a text (YAML) file: character #x{err.character:04x} at position "
            f"{err.position} is not allowed"))  from None  # fmt: skip
    except yaml.YAMLError as err:
        raise ScenarioError(_clean(f"{path}: YAML error: {err}")) from None
    except RecursionError:
        raise ScenarioError(_clean(f"{path}: YAML error: nested too deeply")) from None
    if data is None:
        raise ScenarioError(_clean(f"{path}: file is empty; a scenario needs at least its fields"))
    if not isinstance(data, dict):
        raise ScenarioError(_clean(
            f"{path}: expected a mapping of scenario fields at the top level, "
            f"got {_yaml_type(data)}"
        ))  # fmt: skip
    return data, marks


_PLAIN = {
    "could not determine a constructor for the tag":
        "tag {rest} is not allowed in a scenario (plain text, numbers, true/false, lists and "
        "mappings only)",
    "found unhashable key": "a key must be plain text or a number, not a list or mapping",
    "but found another document": "a second YAML document (---); a scenario file holds one",
}  # fmt: skip
"""PyYAML's wording for what a scenario never needs, and what to say instead."""


def _plain(problem: str) -> str:
    for theirs, ours in _PLAIN.items():
        if problem.startswith(theirs):
            return ours.format(rest=problem[len(theirs):].strip())
    return problem


def _character_at(text: str, line: int, column: int) -> str:
    """What the character a YAML error points at is (libyaml's message does not say)."""
    lines = text.splitlines()
    if line >= len(lines) or column >= len(lines[line]):
        return ""
    char = lines[line][column]
    return " (a tab: YAML indents with spaces)" if char == "\t" else f" ({char!r})"


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> tuple[Resolved, str | None]:
    """A scenario file merged over the one its `extends:` names (merging.py's rules).

    Also the `extends:` value, or None.
    """
    data, marks = read_document(path)
    wheres = file_wheres(marks, str(path))
    if "extends" not in data:
        return merge(None, data, wheres), None
    parent = data.pop("extends")
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(_clean(f"{_at(wheres, 'extends')}extends: must be a scenario name "
                                   f"or path, got {show_value(parent)}"))  # fmt: skip
    parent_path = _parent_path(path, parent)
    try:
        cycle = parent_path.resolve() in seen
        here = path.resolve()
    except (OSError, RuntimeError, ValueError) as err:  # a symlink loop
        raise ScenarioError(_clean(f"{path}: extends: cannot follow {show_value(parent)} "
                                   f"({_reason(err)})")) from None  # fmt: skip
    if cycle or parent_path.resolve() == here:
        raise ScenarioError(_clean(f"{path}: extends: scenarios extend each other in a cycle"))
    base, _ = _read_with_extends(parent_path, (*seen, here))
    if isinstance(base.data, dict):
        base.data.pop("description", None)
        base.data.pop("name", None)
        _fix_market_size(base)
    resolved = merge(base, data, wheres, parent=f"'{parent}'")
    inherited = base.data.get("market_size") if isinstance(base.data, dict) else None
    if "customers" in data and "market_size" not in data and _is_count(inherited) and (
            _is_count(data["customers"])):  # fmt: skip
        resolved.notes.append(Problem(
            "customers", f"{data['customers']:,} simulated customers stand for the market of "
            f"{inherited:,} inherited from '{parent}' (set market_size to change "
            "the market's size)", wheres.get(("customers",)),
        ))  # fmt: skip
    return resolved, parent


def _fix_market_size(base: Resolved) -> None:
    """The market size a scenario describes, made explicit before another file extends it.

    A file without `market_size` describes a market of its `customers`; a file that extends it
    changes the resolution with `customers`, not the size of the market.
    """
    data = base.data
    if "market_size" in data:
        return
    customers = data.get("customers", Scenario.model_fields["customers"].default)
    if _is_count(customers):
        data["market_size"] = customers
        if ("customers",) in base.wheres:
            base.wheres[("market_size",)] = base.wheres[("customers",)]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _at(wheres: Mapping[tuple, Where], key: str) -> str:
    where = wheres.get((key,))
    return f"{where}: " if where is not None else ""


def _parent_path(path: Path, parent: str) -> Path:
    """The file `extends: parent` names: beside `path`, else a built-in or shipped scenario."""
    try:
        beside = path.parent / parent
        if not beside.is_dir():
            return beside if beside.exists() else resolve_scenario_path(parent)
    except (ScenarioError, OSError, ValueError):  # unknown, or a name no file system takes
        raise ScenarioError(_clean(f"{path}: extends: no scenario {show_value(parent)}")) from None
    raise ScenarioError(_clean(f"{path}: extends: {show_value(parent)} is a directory, not a "
                               "scenario file"))  # fmt: skip


def _yaml_type(value: Any) -> str:
    return {list: "a list", str: "a plain string", int: "a number", float: "a number",
            bool: "true or false"}.get(type(value), type(value).__name__)  # fmt: skip


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def _clean(problem: str) -> str:
    """One problem's message on one line: control characters (line breaks included) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in problem)
