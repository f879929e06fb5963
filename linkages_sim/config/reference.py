"""The scenario reference (docs/scenarios.md), generated from the schema.

So the documentation cannot drift from what the validator accepts; a test compares the file
with this output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from linkages_sim.config.schema import ID_PATTERN, Intervention, Scenario
from linkages_sim.files import atomic_write_text

BEGIN = "<!-- BEGIN GENERATED: linkages_sim.config.reference -->"
SCENARIOS_BEGIN = "<!-- BEGIN GENERATED: linkages_sim.config.reference scenarios -->"
END = "<!-- END GENERATED -->"


_PLAIN_TYPES = {str: "text", int: "whole number", float: "number", bool: "true or false"}
"""Python's types as a scenario's reader knows them."""


def _type_name(annotation: Any) -> str:
    """A field's type in words: `number`, `list of [Store](#store)`, `number (optional)`."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is list:
        return f"list of {_type_name(args[0]) if args else 'values'}"
    if origin is Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin is not None:
        types = [a for a in args if _is_type(a)]
        if types and all(_is_kind(_bare(a)) for a in types):  # the intervention kinds
            return "[Intervention](#intervention) (one kind by `kind`)"
        names = list(dict.fromkeys(_type_name(a) for a in types if a is not type(None)))
        return " or ".join(names) + (" (optional)" if type(None) in args else "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if annotation in _PLAIN_TYPES:
        return _PLAIN_TYPES[annotation]
    return getattr(annotation, "__name__", "value")


def _is_type(arg: Any) -> bool:
    """Whether a union's member is a type (not a FieldInfo or other metadata pydantic keeps)."""
    return isinstance(arg, type) or get_origin(arg) is not None


def _bare(arg: Any) -> Any:
    return get_args(arg)[0] if get_origin(arg) is Annotated else arg


def _sentence(text: str) -> str:
    """A description as a sentence: a capital first letter and a full stop."""
    text = " ".join(text.split())
    if not text:
        return text
    if text[0].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _is_kind(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, Intervention) and model is not Intervention


def _constraints(field: FieldInfo) -> list:
    """A field's constraints, also those inside an optional type (`Unit | None`)."""
    found = list(field.metadata)
    for arg in get_args(field.annotation):
        if get_origin(arg) is Annotated:
            for meta in get_args(arg)[1:]:
                found += meta.metadata if isinstance(meta, FieldInfo) else [meta]
    return found


def _range(metadata: list, annotation: Any) -> str:
    if any(getattr(m, "pattern", None) == ID_PATTERN for m in metadata):
        return "identifier"
    parts = []
    for m in metadata:
        for cls, attr, sign in ((Ge, "ge", ">="), (Gt, "gt", ">"), (Le, "le", "<="),
                                (Lt, "lt", "<")):  # fmt: skip
            if isinstance(m, cls):
                parts.append(f"{sign} {getattr(m, attr):g}")
        if getattr(m, "min_length", None):
            parts.append("non-empty" if annotation is str else f"at least {m.min_length} item(s)")
        if isinstance(m, MaxLen) and annotation is str:
            parts.append(f"at most {m.max_length} characters")
    return ", ".join(parts)


def _default(field) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    if field.default_factory is not None:
        return "(defaults below)"
    return "" if field.default is None else f"`{field.default}`"


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    """The schema models an annotation holds, however deeply (lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _inner_models(arg)]


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        if _is_kind(model):
            visit(Intervention)  # the common fields come before the kinds
        seen.append(model)
        for field in model.model_fields.values():
            for inner in _inner_models(field.annotation):
                visit(inner)

    visit(root)
    return seen


def _own_fields(model: type[BaseModel]) -> dict[str, Any]:
    """The fields a model documents: for an intervention kind, those it adds or changes."""
    if not _is_kind(model):
        return dict(model.model_fields)
    common = Intervention.model_fields
    return {n: f for n, f in model.model_fields.items()
            if n not in common or n == "kind" or f.annotation != common[n].annotation
            or f.is_required() != common[n].is_required()}  # fmt: skip


def _summary(model: type[BaseModel]) -> str:
    """The first paragraph of a model's docstring, on one line."""
    paragraph = (model.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split())


def reference_markdown() -> str:
    """Every model of the schema as a table: field, type, default, valid range, meaning."""
    out = [BEGIN, ""]
    for model in _models(Scenario):
        out += [f"### {model.__name__}", "", _summary(model)]
        if _is_kind(model):
            out[-1] += " Besides the [common fields](#intervention):"
        out += ["", "| field | type | default | valid | meaning |", "|---|---|---|---|---|"]
        for name, field in _own_fields(model).items():
            description = _sentence(_describe(model, name, field)).replace("|", "\\|")
            out.append(
                f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                f"{_range(_constraints(field), field.annotation)} | {description} |"
            )
        out.append("")
    out.append(END)
    return "\n".join(out)


def _describe(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    """A field's description; an intervention kind's `kind` says which kind it is."""
    if field.description:
        return field.description
    if name == "kind" and _is_kind(model):
        return f"`{get_args(field.annotation)[0]}`: this kind"
    return ""


def scenarios_markdown() -> str:
    """The built-in and shipped scenarios as a table: name, where it comes from, its story."""
    from linkages_sim.config.loading import available_scenarios

    out = [SCENARIOS_BEGIN, "", "| name | origin | story |", "|---|---|---|"]
    for entry in available_scenarios():
        story = _sentence(entry.description).replace("|", "\\|")
        out.append(f"| `{entry.name}` | {entry.origin} | {story} |")
    out += ["", END]
    return "\n".join(out)


def update_reference(path: Path) -> None:
    """Rewrite the generated blocks of `path` (docs/scenarios.md): scenarios and fields."""
    text = path.read_text(encoding="utf-8")
    for begin, render in ((SCENARIOS_BEGIN, scenarios_markdown), (BEGIN, reference_markdown)):
        start = text.index(begin)
        end = text.index(END, start) + len(END)
        text = text[:start] + render() + text[end:]
    atomic_write_text(path, text)


if __name__ == "__main__":  # python -m linkages_sim.config.reference docs/scenarios.md
    import sys

    update_reference(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/scenarios.md"))
