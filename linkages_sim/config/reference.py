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

BEGIN = "<!-- BEGIN GENERATED: linkages_sim.config.reference -->"
END = "<!-- END GENERATED -->"


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin is not None:
        if args and all(_is_kind(a) for a in args):  # the intervention kinds, by `kind`
            return "[Intervention](#intervention) (one kind by `kind`)"
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" (optional)" if type(None) in args else "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return getattr(annotation, "__name__", str(annotation))


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
            description = (field.description or "").replace("|", "\\|")
            out.append(
                f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                f"{_range(_constraints(field), field.annotation)} | {description} |"
            )
        out.append("")
    out.append(END)
    return "\n".join(out)


def update_reference(path: Path) -> None:
    """Rewrite the generated block of `path` (docs/scenarios.md) from the schema."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    path.write_text(text[:start] + reference_markdown() + text[end:], encoding="utf-8")


if __name__ == "__main__":  # python -m linkages_sim.config.reference docs/scenarios.md
    import sys

    update_reference(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/scenarios.md"))
