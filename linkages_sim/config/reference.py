"""The scenario reference (docs/scenarios.md) generated from the schema, so the documentation
cannot drift from what the validator accepts. A test compares the file with this output."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from linkages_sim.config.schema import Scenario

BEGIN = "<!-- BEGIN GENERATED: linkages_sim.config.reference -->"
END = "<!-- END GENERATED -->"


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is not None:
        names = [_type_name(a) for a in get_args(annotation) if a is not type(None)]
        return " or ".join(names) + (" (optional)" if type(None) in get_args(annotation) else "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return getattr(annotation, "__name__", str(annotation))


def _range(metadata: list, annotation: Any) -> str:
    parts = []
    for m in metadata:
        for cls, attr, sign in ((Ge, "ge", ">="), (Gt, "gt", ">"), (Le, "le", "<="),
                                (Lt, "lt", "<")):  # fmt: skip
            if isinstance(m, cls):
                parts.append(f"{sign} {getattr(m, attr):g}")
        if getattr(m, "min_length", None):
            parts.append("non-empty" if annotation is str else f"at least {m.min_length} item(s)")
    return ", ".join(parts)


def _default(field) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    if field.default_factory is not None:
        return "(defaults below)"
    return "" if field.default is None else f"`{field.default}`"


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for field in model.model_fields.values():
            for arg in (field.annotation, *get_args(field.annotation)):
                for inner in (arg, *get_args(arg)):
                    if isinstance(inner, type) and issubclass(inner, BaseModel):
                        visit(inner)

    visit(root)
    return seen


def reference_markdown() -> str:
    """Every model of the schema as a table: field, type, default, valid range, meaning."""
    out = [BEGIN, ""]
    for model in _models(Scenario):
        out += [f"### {model.__name__}", "", (model.__doc__ or "").strip().splitlines()[0], ""]
        out += ["| field | type | default | valid | meaning |", "|---|---|---|---|---|"]
        for name, field in model.model_fields.items():
            description = (field.description or "").replace("|", "\\|")
            out.append(
                f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                f"{_range(field.metadata, field.annotation)} | {description} |"
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
