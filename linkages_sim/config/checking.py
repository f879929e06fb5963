"""Every problem of a scenario at once, each on its own line, in the user's terms.

Pydantic checks the fields; the scenario's cross-field rules (references, shares that sum to 1,
places on the map, unique ids) run only once every field is valid. So that a user sees both
kinds together, a scenario with field errors is checked again with each bad part set aside: a
bad optional field takes its default, an item with a bad required field (or that breaks its own
rule) is left out. The cross-field problems of what remains are reported too, except those that
setting aside could cause (a rule about a list that lost an item, a message naming a left-out
item or what it referred to). Problems are sorted by file and line.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from linkages_sim.config.locating import (
    Path,
    Problem,
    Where,
    data_path,
    parse_path,
    show_path,
    where_of,
)
from linkages_sim.config.schema import (
    INTERVENTION_KINDS,
    Intervention,
    LocatedError,
    LocatedErrors,
    Scenario,
)

LIMIT = 12
"""Most problems reported for one scenario; a last line counts the rest."""
ROUNDS = 4
"""Most times a scenario with field errors is checked again with its bad parts set aside."""


def check_scenario(
    data: Mapping[str, Any], wheres: Mapping[Path, Where] | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """The validated scenario, or None and every problem found (field and cross-field)."""
    try:
        return Scenario.model_validate(data), []
    except ValidationError as err:
        errors = err.errors(include_url=False)
    problems = problems_of(errors, data, wheres, Scenario)
    if not all(_is_cross(e) for e in errors):
        problems += _cross_field_problems(data, errors, wheres)
    return None, problems


def problems_of(
    errors: list[Any], data: Any, wheres: Mapping[Path, Where] | None,
    root: type[BaseModel] | None,
) -> list[Problem]:  # fmt: skip
    """Pydantic's errors as Problems, a group of cross-field errors as one Problem each."""
    problems = []
    for e in errors:
        for path, message in describe(e, root):
            problems.append(Problem(show_path(path, data, wheres), message,
                                    where_of(path, wheres) if wheres else None))  # fmt: skip
    return problems


def render(problems: list[Problem], source: str, limit: int = LIMIT) -> str:
    """The problems, one line each (sorted by file and line), the first `limit` of them."""
    ordered = sorted(problems, key=Problem.order)
    lines = [_clean(p.line(source)) for p in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"... and {len(ordered) - limit} more problem(s)")
    return "\n".join(lines)


def format_validation_error(
    err: ValidationError, source: str, limit: int = 6, model: type[BaseModel] | None = None
) -> str:
    """One readable line per problem, `source: path: problem` (the first `limit` of them).

    `model` is the schema the data was validated against, for did-you-mean hints on unknown
    fields (default: the scenario's, when the error is a scenario's).
    """
    root = model or (Scenario if err.title == Scenario.__name__ else None)
    problems = problems_of(err.errors(include_url=False), None, None, root)
    lines = [_clean(p.line(source)) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problem(s)")
    return "\n".join(lines)


def _clean(problem: str) -> str:
    """One problem's message on one line: control characters (line breaks included) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in problem)


def _is_cross(e: Mapping[str, Any]) -> bool:
    """Whether an error is the scenario's own cross-field rules (its fields all validated)."""
    error = (e.get("ctx") or {}).get("error")
    return not e["loc"] and isinstance(error, LocatedErrors | LocatedError)


# --- checking again with the bad parts set aside -------------------------------------------------


def _cross_field_problems(
    data: Mapping[str, Any], errors: list[Any], wheres: Mapping[Path, Where] | None
) -> list[Problem]:
    """The cross-field problems of the scenario once its bad parts are set aside."""
    if not isinstance(data, Mapping):
        return []
    aside = _SetAside(dict(data))
    for _ in range(ROUNDS):
        found = [e for e in errors if not _is_cross(e)]
        if not found or not all(aside.add(e) for e in found):
            return []
        try:
            Scenario.model_validate(aside.data())
            return []
        except ValidationError as err:
            errors = err.errors(include_url=False)
        except (RecursionError, ValueError, TypeError):
            return []
        cross = [e for e in errors if _is_cross(e)]
        if cross:
            return aside.keep(cross, data, wheres)
    return []


class _SetAside:
    """The scenario with its bad parts set aside, in the original data's positions."""

    def __init__(self, original: dict[str, Any]) -> None:
        self.original = original
        self.cleared: set[Path] = set()
        self.removed: set[Path] = set()  # list items, by their original paths
        self.names: set[str] = set()  # what removed items were and referred to

    def data(self) -> dict[str, Any]:
        """The original with every cleared field and removed item taken out."""
        out = copy.deepcopy(self.original)
        for path in sorted(self.cleared | self.removed, key=_sort_key, reverse=True):
            parent = _get(out, path[:-1])
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
                del parent[path[-1]]
        return out

    def original_path(self, path: Path) -> Path:
        """A path in the current data as a path in the original."""
        out: list[Any] = []
        for part in path:
            if isinstance(part, int):
                gone = sorted(p[-1] for p in self.removed if p[:-1] == tuple(out))
                for index in gone:
                    if index <= part:
                        part += 1
            out.append(part)
        return tuple(out)

    def add(self, e: Mapping[str, Any]) -> bool:
        """Set aside the part an error is about; False if there is none to set aside."""
        loc = tuple(e["loc"])
        error = (e.get("ctx") or {}).get("error")
        path = data_path(loc)
        if isinstance(error, LocatedError):
            path = (*path, *parse_path(error.path))
        path = self.original_path(path)
        if e["type"] == "extra_forbidden" and path:
            self.cleared.add(path)
            return True
        for end in range(len(path), 0, -1):
            prefix, part = path[:end], path[end - 1]
            if isinstance(part, int):
                item = _get(self.original, prefix)
                self.removed.add(prefix)
                if isinstance(item, Mapping):
                    self.names |= {v for v in item.values() if isinstance(v, str)}
                return True
            field = _field_at(prefix, self.original)
            if field is not None and not field.is_required() and _has(self.original, prefix) \
                    and prefix not in self.cleared:  # fmt: skip
                self.cleared.add(prefix)
                return True
        return False

    def keep(
        self, errors: list[Any], data: Any, wheres: Mapping[Path, Where] | None
    ) -> list[Problem]:
        """The cross-field problems that setting aside cannot have caused, in original terms."""
        kept = []
        lists = {p[:-1] for p in self.removed}
        for e in errors:
            for path, message in describe(e, Scenario):
                original = self.original_path(path)
                if original in lists or any(f"'{n}'" in message for n in self.names):
                    continue
                if ("periods",) in self.cleared and original[:1] == ("interventions",) and (
                        original[-1:] in (("start",), ("end",))):  # fmt: skip
                    continue
                kept.append(Problem(show_path(original, data, wheres), message,
                                    where_of(original, wheres) if wheres else None))  # fmt: skip
        return kept


def _sort_key(path: Path) -> tuple:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def _get(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _has(data: Any, path: Path) -> bool:
    parent = _get(data, path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def _field_at(path: Path, data: Any) -> Any:
    """The schema field the value at `path` is (None if not known)."""
    model: Any = Scenario
    for i, part in enumerate(path):
        if isinstance(part, int):
            if i and path[i - 1] == "interventions":
                kind = _get(data, (*path[:i + 1], "kind"))
                model = INTERVENTION_KINDS.get(kind) if isinstance(kind, str) else None
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        if i == len(path) - 1:
            return field
        model = _model_of(field.annotation)
    return None


# --- what each error says ------------------------------------------------------------------------

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


def describe(e: Mapping[str, Any], root: type[BaseModel] | None) -> list[tuple[Path, str]]:
    """What one pydantic error says: (data path, message), one per problem it holds."""
    loc = tuple(e["loc"])
    path = data_path(loc)
    kind = e["type"]
    ctx = e.get("ctx") or {}
    error = ctx.get("error")
    model = _model_at(root, loc[:-1]) if loc and root is not None else None
    if kind == "value_error" and isinstance(error, LocatedErrors):
        return [((*path, *parse_path(x.path)), x.message) for x in error.errors]
    if kind == "value_error" and isinstance(error, LocatedError):
        return [((*path, *parse_path(error.path)), error.message)]
    if kind == "value_error":
        return [(path, str(error if error is not None else e["msg"]))]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return [((*path, "kind"), _kind_message(e.get("input")))]
    if kind == "invalid_key":
        return [(path[:-1], f"keys must be text, got {show_value(e.get('input'))}")]
    field = str(loc[-1]) if loc else ""
    if _is_kind(model) and kind == "extra_forbidden" and _takes(field):
        return [(path, f"does not apply to {_a(model)} intervention")]
    if _is_kind(model) and kind == "missing" and field not in _REQUIRED_BY_ALL:
        return [(path, f"{_a(model)} intervention needs {field}")]
    if kind == "extra_forbidden":
        allowed = list(model.model_fields) if model is not None else []
        hint = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        known = f" (valid: {', '.join(allowed)})" if allowed and not hint else ""
        return [(path[:-1], f"unknown field {show_value(field)}{suggestion}{known}")]
    template = _MESSAGES.get(kind)
    try:
        message = template.format(**{k: _number(v) for k, v in ctx.items()}) if template else (
            e["msg"])
    except (KeyError, IndexError, ValueError):
        message = e["msg"]
    if kind in _SHOW_INPUT:
        message += f" (got {show_value(e.get('input'))})"
    return [(path, message)]


def show_value(value: Any, limit: int = 40) -> str:
    """A value from the user's file in a message: its repr, on one line and short."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "a number with thousands of digits"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else value


_REQUIRED_BY_ALL = {n for n, f in Intervention.model_fields.items() if f.is_required()}


def _kind_message(given: Any) -> str:
    valid = ", ".join(INTERVENTION_KINDS)
    tag = given.get("kind") if isinstance(given, dict) else None
    if tag is None:
        return f"is required: what the intervention does, one of {valid}"
    if not isinstance(tag, str):
        return f"must be an intervention kind (got {show_value(tag)}); valid: {valid}"
    close = difflib.get_close_matches(tag, list(INTERVENTION_KINDS), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown intervention kind {show_value(tag)}{hint}; valid: {valid}"


def _is_kind(model: Any) -> bool:
    return model in INTERVENTION_KINDS.values()


def _a(model: Any) -> str:
    kind = next(k for k, m in INTERVENTION_KINDS.items() if m is model)
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _takes(field: str) -> bool:
    """Whether some intervention kind takes `field` (so on another kind it does not apply)."""
    return any(field in m.model_fields for m in INTERVENTION_KINDS.values())


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
