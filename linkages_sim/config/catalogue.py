"""Where named scenarios live: built into the package, shipped with it, or in a checkout.

`default` is built in (`config/data/`). The repository's `scenarios/` folder is part of the
project's layout and is also packed into the wheel as `linkages_sim/scenarios` (hatch
`force-include`), so `linkages run price_war` works from an installed package as from a
checkout; a `scenarios/` folder in the working directory is searched too.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from linkages_sim.config.errors import ScenarioError

BUILT_IN = Path(str(files("linkages_sim.config") / "data"))
"""Scenarios built into the package (always available, e.g. `default`)."""
PACKAGE = Path(str(files("linkages_sim")))
"""The installed package: a wheel packs the top-level `scenarios/` and `designs/` into it."""
CHECKOUT = Path(__file__).resolve().parents[2]
"""The repository's root, in a source checkout (or an editable install)."""


def shipped_folders(kind: str) -> list[Path]:
    """The folders searched for shipped files of a kind (`scenarios`, `designs`).

    First match wins: inside an installed wheel, in a checkout, in the working directory.
    """
    found: list[Path] = []
    for d in (PACKAGE / kind, CHECKOUT / kind, Path.cwd() / kind):
        if d.is_dir() and all(d.resolve() != f.resolve() for f in found):
            found.append(d)
    return found


@dataclass(frozen=True)
class ScenarioEntry:
    """A named scenario: where it is and what it is about."""

    name: str
    path: Path
    description: str
    origin: str  # "built-in" or "shipped"


def scenario_dirs() -> list[tuple[str, Path]]:
    """The folders searched for named scenarios, first match wins: (origin, folder)."""
    return [("built-in", BUILT_IN), *(("shipped", d) for d in shipped_folders("scenarios"))]


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists; else a built-in or shipped scenario of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    if path.suffix in {".yaml", ".yml"} or path.parent != Path("."):
        raise ScenarioError(f"{path}: file not found")
    for _, folder in scenario_dirs():
        candidate = folder / f"{path.name}.yaml"
        if candidate.exists():
            return candidate
    known = ", ".join(sorted({p.stem for _, folder in scenario_dirs()
                              for p in folder.glob("*.yaml")}))  # fmt: skip
    raise ScenarioError(
        f"{name_or_path}: no such file, and no such built-in scenario (known: {known})"
    )


