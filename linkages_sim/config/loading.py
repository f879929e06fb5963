"""Reading scenarios from YAML: safe loading, `extends:` inheritance, one message per problem.

Each bad input gets one clear line naming the file and the field path (never a traceback).
Whatever a file holds, `load_scenario` returns a Scenario or raises ScenarioError: YAML that is
not a scenario (duplicate keys, tags, alias bombs, deep nesting, binary bytes) is refused while
reading, with its line and column; a scenario that does not validate gets one line per problem.
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from linkages_sim.config.catalogue import ScenarioEntry, resolve_scenario_path, scenario_dirs
from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.schema import (
    ID_PATTERN,
    INTERVENTION_KINDS,
    Intervention,
    LocatedError,
    Scenario,
)

__all__ = ["ScenarioError", "available_scenarios", "load_scenario", "validate_scenario"]

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
    try:
        path = resolve_scenario_path(source if source is not None else DEFAULT_SCENARIO)
    except (OSError, ValueError) as err:  # a name the file system refuses (too long, NUL)
        raise ScenarioError(_clean(f"{source}: cannot be opened ({_reason(err)})")) from None
    data = _read_with_extends(path, seen=())
    return validate_scenario(data, source=str(path), default_name=_default_name(path.stem))


def validate_scenario(
    data: Mapping[str, Any], source: str = "<scenario>", default_name: str | None = None
) -> Scenario:
    """Validate a mapping (as read from YAML) into a Scenario, or raise ScenarioError."""
    if not isinstance(data, Mapping):
        raise ScenarioError(_clean(f"{source}: expected a mapping of scenario fields, got "
                                   f"{_yaml_type(data)}"))  # fmt: skip
    data = dict(data)
    if default_name is not None:
        data.setdefault("name", default_name)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, source)) from None
    except RecursionError:  # a structure that contains itself, built in Python
        raise ScenarioError(_clean(f"{source}: nested too deeply (or contains itself)")) from None


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
                        f"duplicate key {_show(key)} (first given at line {seen.line + 1}); a "
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
            raise ConstructorError(None, None, f"cannot read {_show(value)} ({reason})",
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
def _parse(text: str) -> Any:
    """The YAML document in `text`, read with the scenario loader.

    Cached by content: a scenario's chain of `extends:` parents (baseline, default) is read
    once per process.
    """
    return yaml.load(text, Loader=_ScenarioLoader)  # a safe loader: no Python objects


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
        data = copy.deepcopy(_parse(text))  # a copy: merging changes it
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
    return data


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


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Read a scenario, merging it over the one named by its `extends:` key, if any."""
    data = read_yaml(path)
    if "extends" not in data:
        return data
    parent = data.pop("extends")
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(_clean(f"{path}: extends: must be a scenario name or path, got "
                                   f"{_show(parent)}"))  # fmt: skip
    parent_path = _parent_path(path, parent)
    try:
        cycle = parent_path.resolve() in seen
        here = path.resolve()
    except (OSError, RuntimeError, ValueError) as err:  # a symlink loop
        raise ScenarioError(_clean(f"{path}: extends: cannot follow {_show(parent)} "
                                   f"({_reason(err)})")) from None  # fmt: skip
    if cycle or parent_path.resolve() == here:
        raise ScenarioError(_clean(f"{path}: extends: scenarios extend each other in a cycle"))
    base = _read_with_extends(parent_path, (*seen, here))
    base.pop("description", None)
    base.pop("name", None)
    return deep_merge(base, data)


def _parent_path(path: Path, parent: str) -> Path:
    """The file `extends: parent` names: beside `path`, else a built-in or shipped scenario."""
    try:
        beside = path.parent / parent
        if not beside.is_dir():
            return beside if beside.exists() else resolve_scenario_path(parent)
    except (ScenarioError, OSError, ValueError):  # unknown, or a name no file system takes
        raise ScenarioError(_clean(f"{path}: extends: no scenario {_show(parent)}")) from None
    raise ScenarioError(_clean(f"{path}: extends: {_show(parent)} is a directory, not a "
                               "scenario file"))  # fmt: skip


def deep_merge(base: Any, override: Any) -> Any:
    """Merge `override` over `base`, as `extends:` does.

    Mappings merge key by key; non-empty lists of mappings with text `id` keys item by item
    (new ids appended); anything else (an empty list included) is replaced. Any value of any
    type merges without error: what is wrong with the result is for validation to say.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    if _is_id_list(base) and _is_id_list(override):
        merged_items = list(base)
        index = {item["id"]: i for i, item in enumerate(merged_items)}
        for item in override:
            if item["id"] in index:
                i = index[item["id"]]
                merged_items[i] = deep_merge(merged_items[i], item)
            else:
                index[item["id"]] = len(merged_items)
                merged_items.append(item)
        return merged_items
    return override


def _is_id_list(value: Any) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, dict) and isinstance(v.get("id"), str)
                    for v in value))  # fmt: skip


def _yaml_type(value: Any) -> str:
    return {list: "a list", str: "a plain string", int: "a number", float: "a number",
            bool: "true or false"}.get(type(value), type(value).__name__)  # fmt: skip


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def _show(value: Any, limit: int = 40) -> str:
    """A value from the user's file in a message: its repr, on one line and short."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "a number with thousands of digits"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clean(problem: str) -> str:
    """One problem's message on one line: control characters (line breaks included) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in problem)


# --- validation messages -------------------------------------------------------------------

_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "missing": "is required",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing_size": "must be a whole number of a sensible size",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a text string",
    "string_unicode": "must be a text string",
    "list_type": "must be a list",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
    "too_short": "must have at least {min_length} item(s)",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "string_pattern_mismatch": "must be an identifier: a letter, digit or _, then also . + or - "
    "(no spaces)",
    "finite_number": "must be a finite number",
    "recursion_loop": "contains itself",
}
_SHOW_INPUT = {
    "float_parsing", "int_parsing", "bool_parsing", "string_type", "float_type", "int_type",
    "bool_type", "list_type", "model_type", "model_attributes_type", "dict_type", "finite_number",
    "string_pattern_mismatch", "int_from_float", "string_unicode",
}  # fmt: skip
"""Errors whose message says what was given instead."""


def format_validation_error(
    err: ValidationError, source: str, limit: int = 6, model: type[BaseModel] | None = None
) -> str:
    """One readable line per problem, `source: path: problem` (the first `limit` of them).

    `model` is the schema the data was validated against, for did-you-mean hints on unknown
    fields (default: the scenario's, when the error is a scenario's).
    """
    lines = []
    errors = err.errors(include_url=False)
    root = model or (Scenario if err.title == Scenario.__name__ else None)
    for e in errors[:limit]:
        path, message = _describe(e, root)
        lines.append(_clean(f"{source}: {path + ': ' if path else ''}{message}"))
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more problem(s)")
    return "\n".join(lines)


def _describe(e: Mapping[str, Any], root: type[BaseModel] | None) -> tuple[str, str]:
    loc = tuple(e["loc"])
    path = _path(loc)
    kind = e["type"]
    ctx = e.get("ctx") or {}
    model = _model_at(root, loc[:-1]) if loc and root is not None else None
    if kind == "value_error" and isinstance(ctx.get("error"), LocatedError):
        located: LocatedError = ctx["error"]
        return _join(path, located.path), located.message
    if kind == "value_error":
        return path, str(ctx.get("error", e["msg"]))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _join(path, "kind"), _kind_message(e.get("input"))
    if kind == "invalid_key":
        return _path(loc[:-1]), f"keys must be text, got {_show(e.get('input'))}"
    field = str(loc[-1]) if loc else ""
    if _is_kind(model) and kind == "extra_forbidden" and _takes(field):
        return _join(_path(loc[:-1]), field), f"does not apply to {_a(model)} intervention"
    if _is_kind(model) and kind == "missing" and field not in _REQUIRED_BY_ALL:
        return path, f"{_a(model)} intervention needs {field}"
    if kind == "extra_forbidden":
        allowed = list(model.model_fields) if model is not None else []
        hint = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        known = f" (valid: {', '.join(allowed)})" if allowed and not hint else ""
        return _path(loc[:-1]), f"unknown field {_show(field)}{suggestion}{known}"
    template = _MESSAGES.get(kind)
    try:
        message = template.format(**{k: _number(v) for k, v in ctx.items()}) if template else (
            e["msg"])
    except (KeyError, IndexError, ValueError):
        message = e["msg"]
    if kind in _SHOW_INPUT:
        message += f" (got {_show(e.get('input'))})"
    return path, message


def _number(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else value


_REQUIRED_BY_ALL = {n for n, f in Intervention.model_fields.items() if f.is_required()}


def _kind_message(given: Any) -> str:
    valid = ", ".join(INTERVENTION_KINDS)
    tag = given.get("kind") if isinstance(given, dict) else None
    if tag is None:
        return f"is required: what the intervention does, one of {valid}"
    if not isinstance(tag, str):
        return f"must be an intervention kind (got {_show(tag)}); valid: {valid}"
    close = difflib.get_close_matches(tag, list(INTERVENTION_KINDS), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown intervention kind {_show(tag)}{hint}; valid: {valid}"


def _is_kind(model: Any) -> bool:
    return model in INTERVENTION_KINDS.values()


def _kind_of(model: Any) -> str:
    return next(k for k, m in INTERVENTION_KINDS.items() if m is model)


def _a(model: Any) -> str:
    kind = _kind_of(model)
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _takes(field: str) -> bool:
    """Whether some intervention kind takes `field` (so on another kind it does not apply)."""
    return any(field in m.model_fields for m in INTERVENTION_KINDS.values())


def _join(prefix: str, suffix: str) -> str:
    if not prefix:
        return suffix
    if not suffix:
        return prefix
    return f"{prefix}{suffix}" if suffix.startswith("[") else f"{prefix}.{suffix}"


def _path(loc: tuple) -> str:
    """A pydantic location as a field path, `stores[2].location.x`.

    The tag pydantic adds after an intervention's index (its kind) is not part of the path the
    user wrote.
    """
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif _is_tag(loc, i):
            continue
        else:
            out = _join(out, str(part))
    return out


def _is_tag(loc: tuple, i: int) -> bool:
    return (i >= 2 and loc[i - 2] == "interventions" and isinstance(loc[i - 1], int)
            and loc[i] in INTERVENTION_KINDS)  # fmt: skip


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The schema model found at a location (for did-you-mean hints and intervention kinds)."""
    model: Any = root
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if _is_tag(loc, i):
            model = INTERVENTION_KINDS[part]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _model_of(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None
