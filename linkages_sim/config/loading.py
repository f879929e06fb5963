"""Reading scenarios from YAML: safe loading, `extends:` inheritance, and one clear message per
bad input, naming the file and the field path (never a traceback)."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from linkages_sim.config.catalogue import ScenarioEntry, resolve_scenario_path, scenario_dirs
from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.schema import LocatedError, Scenario

__all__ = ["ScenarioError", "available_scenarios", "load_scenario", "validate_scenario"]

DEFAULT_SCENARIO = "default"


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
    path = resolve_scenario_path(source if source is not None else DEFAULT_SCENARIO)
    data = _read_with_extends(path, seen=())
    return validate_scenario(data, source=str(path), default_name=path.stem)


def validate_scenario(
    data: Mapping[str, Any], source: str = "<scenario>", default_name: str | None = None
) -> Scenario:
    """Validate a mapping (as read from YAML) into a Scenario, or raise ScenarioError."""
    data = dict(data)
    if default_name is not None:
        data.setdefault("name", default_name)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, source)) from None


def revalidate(scenario: Scenario, source: str = "scenario") -> Scenario:
    """The scenario validated again as a whole tree (cross-references included), for every
    path into the model: assignments are checked field by field, but a store moved to an
    unknown distributor is only caught here. Raises ScenarioError, or TypeError for an object
    that is not a Scenario."""
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"{source}: expected a Scenario (from load_scenario), got {type(scenario).__name__}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a wrongly typed item appended to a list: caught below
        data = scenario.model_dump()
    return validate_scenario(data, source=source)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, not a scenario file") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text (YAML) file") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror})") from None
    if "\x00" in text:
        raise ScenarioError(f"{path}: not a text (YAML) file")
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = err.problem or err.context or "invalid YAML"
        raise ScenarioError(f"{path}: YAML syntax error at {where}{problem}") from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path}: YAML error: {err}") from None
    if data is None:
        raise ScenarioError(f"{path}: file is empty; a scenario needs at least its fields")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: expected a mapping of scenario fields at the top level, "
            f"got {_yaml_type(data)}"
        )
    return data


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Read a scenario, merging it over the one named by its `extends:` key, if any."""
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be a scenario name or path")
    parent_path = path.parent / parent
    if not parent_path.exists():
        try:
            parent_path = resolve_scenario_path(parent)
        except ScenarioError:
            raise ScenarioError(f"{path}: extends: no scenario '{parent}'") from None
    if parent_path.resolve() in seen:
        raise ScenarioError(f"{path}: extends: scenarios extend each other in a cycle")
    base = _read_with_extends(parent_path, (*seen, path.resolve()))
    base.pop("description", None)
    base.pop("name", None)
    return deep_merge(base, data)


def deep_merge(base: Any, override: Any) -> Any:
    """Merge `override` over `base`: mappings key by key; lists of mappings with `id` keys item by
    item (new ids appended); anything else is replaced."""
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
                merged_items.append(item)
        return merged_items
    return override


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value)


def _yaml_type(value: Any) -> str:
    return {list: "a list", str: "a plain string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


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
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a text string",
    "list_type": "must be a list",
    "model_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
    "too_short": "must have at least {min_length} item(s)",
    "string_too_short": "must not be empty",
    "finite_number": "must be a finite number",
}


def format_validation_error(err: ValidationError, source: str, limit: int = 6) -> str:
    """One readable message: `source: path: problem` per error (first `limit` of them)."""
    lines = []
    errors = err.errors(include_url=False)
    for e in errors[:limit]:
        path, message = _describe(e)
        lines.append(f"{source}: {path + ': ' if path else ''}{message}")
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more problem(s)")
    return "\n".join(lines)


def _describe(e: Mapping[str, Any]) -> tuple[str, str]:
    loc = tuple(e["loc"])
    path = _path(loc)
    kind = e["type"]
    ctx = e.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), LocatedError):
        located: LocatedError = ctx["error"]
        return _join(path, located.path), located.message
    if kind == "value_error":
        return path, str(ctx.get("error", e["msg"]))
    if kind == "extra_forbidden":
        field = str(loc[-1])
        parent = _path(loc[:-1])
        allowed = _fields_at(loc[:-1])
        hint = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        known = f" (valid: {', '.join(allowed)})" if allowed and not hint else ""
        return parent, f"unknown field '{field}'{suggestion}{known}"
    template = _MESSAGES.get(kind)
    message = template.format(**ctx) if template else e["msg"]
    if kind in {"float_parsing", "int_parsing", "bool_parsing", "string_type", "float_type"}:
        message += f" (got {e.get('input')!r})"
    return path, message


def _join(prefix: str, suffix: str) -> str:
    if not prefix:
        return suffix
    return f"{prefix}{suffix}" if suffix.startswith("[") else f"{prefix}.{suffix}"


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = _join(out, str(part))
    return out


def _fields_at(loc: tuple) -> list[str]:
    """The field names of the schema model found at a location (for did-you-mean hints)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        model = _model_of(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None
