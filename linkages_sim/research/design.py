"""Experiment designs: which scenario fields vary, over which values, how many replications.

A design is data, validated like a scenario (pydantic at the edge, one located message per
problem, YAML through a safe loader): a base scenario, parameters addressed by field path
(`research.paths`), a sampling plan and replications. Its points come from the full grid, an
explicit table, or SALib's samplers (Herman & Usher 2017, SALib): Latin hypercube (McKay,
Beckman & Conover 1979), Sobol' sequences in Saltelli's scheme (Saltelli 2002; Saltelli et al.
2010) and Morris trajectories (Morris 1991; Campolongo, Cariboni & Saltelli 2007).

Replications are shared across points: replication r of every point runs with the same seed,
so differences between points are paired (common random numbers; Law 2015, section 11.2).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from linkages_sim.config.catalogue import shipped_folders
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.loading import format_validation_error, load_scenario, read_yaml
from linkages_sim.config.schema import LocatedError, Scenario
from linkages_sim.research.paths import FieldPath, PathError
from linkages_sim.rng import MAX_SEED


class DesignError(Exception):
    """A design that cannot be swept; the message is meant for the user as it stands."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Range(_Strict):
    """A continuous interval [low, high]."""

    low: float = Field(description="lowest value")
    high: float = Field(description="highest value")

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Distribution(_Strict):
    """A distribution to sample from (lhs and sobol designs): SALib's `dists`."""

    kind: Literal["uniform", "triangular", "normal", "lognormal"]
    low: float | None = Field(None, description="uniform, triangular: lower bound")
    high: float | None = Field(None, description="uniform, triangular: upper bound")
    mode: float | None = Field(None, description="triangular: the peak, between low and high")
    mean: float | None = Field(None, description="normal: mean; lognormal: mean of ln(x)")
    sd: float | None = Field(None, gt=0.0, description="normal, lognormal: standard deviation")

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Self:
        need = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                "normal": ("mean", "sd"), "lognormal": ("mean", "sd")}[self.kind]  # fmt: skip
        for name in need:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: a {self.kind} distribution needs {name}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low:g}) must be below high ({self.high:g})")
        if self.kind == "triangular" and not self.low <= self.mode <= self.high:  # type: ignore[operator]
            raise ValueError("mode: must lie between low and high")
        return self

    def salib(self) -> tuple[str, list[float]]:
        """SALib's (dist, bounds) for this distribution."""
        if self.kind == "uniform":
            return "unif", [self.low, self.high]  # type: ignore[list-item]
        if self.kind == "triangular":
            width = self.high - self.low  # type: ignore[operator]
            return "triang", [self.low, self.high, (self.mode - self.low) / width]  # type: ignore[operator]
        if self.kind == "normal":
            return "norm", [self.mean, self.sd]  # type: ignore[list-item]
        return "lognorm", [self.mean, self.sd]  # type: ignore[list-item]

    def extremes(self) -> tuple[float, float]:
        """The values a sample can take in practice: bounds, or the 0.1% and 99.9% quantiles.

        They are checked against the field's own bounds before any run.
        """
        if self.kind in ("uniform", "triangular"):
            return self.low, self.high  # type: ignore[return-value]
        z = 3.090232306167813  # the 99.9% quantile of the standard normal
        lo, hi = self.mean - z * self.sd, self.mean + z * self.sd  # type: ignore[operator]
        return (lo, hi) if self.kind == "normal" else (math.exp(lo), math.exp(hi))


class Parameter(_Strict):
    """One scenario field to vary.

    Give `levels`, a `range` (with `steps` for a grid) or a `distribution`.
    """

    path: str = Field(min_length=1, description="field path, e.g. stores[north-1].greeting_time_s")
    name: str | None = Field(None, description="short name for tables (default: the path)")
    levels: list[Any] | None = Field(None, min_length=1, description="values (grid, points)")
    range: Range | None = Field(None, description="continuous bounds (lhs, sobol, morris)")
    steps: int | None = Field(None, ge=2, le=1000, description="grid: values across the range")
    distribution: Distribution | None = Field(None, description="lhs, sobol: what to sample")
    scale: bool = Field(False, description="the value multiplies each selected field's base "
                        "value instead of replacing it (keeps, e.g., the segments' differences)")

    @model_validator(mode="after")
    def _one_domain(self) -> Self:
        given = [k for k in ("levels", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of levels, range or distribution"
                             + (f" (got {', '.join(given)})" if given else ""))  # fmt: skip
        if self.steps is not None and self.range is None:
            raise ValueError("steps: only with a range")
        try:
            FieldPath.parse(self.path)
        except PathError as err:
            raise LocatedError("path", str(err)) from None
        return self

    @property
    def label(self) -> str:
        """The column name of this parameter in tables."""
        return self.name or self.path

    def grid_values(self) -> list[Any]:
        """The values a grid takes."""
        if self.levels is not None:
            return list(self.levels)
        if self.range is not None and self.steps is not None:
            return [float(v) for v in np.linspace(self.range.low, self.range.high, self.steps)]
        raise ValueError("a grid needs levels, or a range with steps")

    def extremes(self) -> list[Any]:
        """The most extreme values this parameter can take (checked before running)."""
        if self.levels is not None:
            return list(self.levels)
        if self.range is not None:
            return [self.range.low, self.range.high]
        return list(self.distribution.extremes())  # type: ignore[union-attr]


class Sampling(_Strict):
    """How design points are chosen."""

    kind: Literal["grid", "lhs", "sobol", "morris", "points"] = Field(
        "grid", description="grid (every combination), lhs, sobol (Saltelli), morris, points"
    )
    samples: int | None = Field(None, ge=1, le=1_000_000,
                                description="lhs: points; sobol: base samples N (a power "
                                "of 2); morris: trajectories")  # fmt: skip
    second_order: bool = Field(False, description="sobol: also second-order indices")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels (even)")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the sampler itself")
    points: list[dict[str, Any]] | None = Field(
        None, description="points: one mapping of parameter name (or path) to value per point"
    )

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if self.kind in ("lhs", "sobol", "morris") and self.samples is None:
            raise ValueError(f"samples: a {self.kind} design needs samples")
        if self.kind == "sobol" and self.samples & (self.samples - 1):  # type: ignore[operator]
            raise ValueError(f"samples: Saltelli's scheme needs a power of 2, got {self.samples}"
                             f" (try {1 << (self.samples - 1).bit_length()})")  # type: ignore[union-attr]
        if self.kind == "morris" and self.levels % 2:
            raise ValueError(f"levels: Morris designs need an even number of levels, "
                             f"got {self.levels}")  # fmt: skip
        if self.kind == "points" and not self.points:
            raise ValueError("points: a points design lists its points")
        if self.kind != "points" and self.points is not None:
            raise ValueError(f"points: only for kind: points (this design is {self.kind})")
        return self


class Replications(_Strict):
    """Replications shared by every point: a count spawned from a root seed, or the seeds."""

    count: int | None = Field(None, ge=1, le=100_000, description="replications per point")
    seed: int = Field(2026, ge=0, le=MAX_SEED, description="root of the SeedSequence")
    seeds: list[Annotated[int, Field(ge=0, le=MAX_SEED)]] | None = Field(
        None, min_length=1, description="explicit seeds (instead of count)"
    )

    @model_validator(mode="after")
    def _count_or_seeds(self) -> Self:
        if (self.count is None) == (self.seeds is None):
            raise ValueError("give either count or seeds")
        if self.seeds is not None and len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds: repeated seeds would repeat runs")
        return self

    def seed_list(self) -> list[int]:
        """The replication seeds, in order (replication r of every point uses seed r)."""
        if self.seeds is not None:
            return list(self.seeds)
        return [int(x) for x in np.random.SeedSequence(self.seed).generate_state(self.count)]


class StageGameOutput(_Strict):
    """Measure a contract's stage game at each point instead of running the point once."""

    contract: str | None = Field(None, description="contract key (default: the first)")
    sla_penalty: float | None = Field(None, ge=0.0, le=1e9, description="every clause's "
                                      "penalty per breach (default: the scenario's)")  # fmt: skip


class Outputs(_Strict):
    """What each run keeps."""

    kpis: bool = Field(True, description="every KPI of the KPI tool (docs/kpis.md)")
    metrics: list[str] = Field(default_factory=list,
                               description="metrics of the long table, every period")  # fmt: skip
    summary: bool = Field(True, description="the run summary's numbers")
    primary: str = Field(
        "kpi/market/market/profit", description="the output `linkages analyze` reports"
    )
    stage_game: StageGameOutput | None = Field(
        None, description="instead of one run per point and replication: the contract's four "
        "fixed action profiles on that seed (analysis.payoff_matrix.StageGame); outputs "
        "measure/dilemma, measure/<party>/T-R, ...; kpis, metrics and summary are not kept",
    )


class Design(_Strict):
    """A sweep: base scenario, parameters, sampling, replications and outputs."""

    name: str = Field("sweep", min_length=1, description="short name")
    description: str = Field("", description="one line")
    base: str = Field("default", description="scenario name or path (relative to the design)")
    customers: int | None = Field(None, ge=10, le=100_000_000, description="override")
    periods: int | None = Field(None, ge=1, le=10_000, description="override")
    parameters: list[Parameter] = Field(min_length=1, description="what varies")
    sampling: Sampling = Field(default_factory=Sampling, description="how points are chosen")
    replications: Replications = Field(description="replications shared by every point")
    outputs: Outputs = Field(default_factory=Outputs, description="what each run keeps")

    @model_validator(mode="after")
    def _parameters_fit_sampling(self) -> Self:
        labels = [p.label for p in self.parameters]
        if len(set(labels)) != len(labels):
            raise ValueError("parameters: two parameters have the same name or path")
        kind = self.sampling.kind
        for i, p in enumerate(self.parameters):
            if kind == "grid" and p.levels is None and (p.range is None or p.steps is None):
                raise LocatedError(f"parameters[{i}]", "a grid needs levels, or range with steps")
            if kind in ("lhs", "sobol", "morris") and p.levels is not None:
                raise LocatedError(f"parameters[{i}].levels",
                                   f"a {kind} design samples a range or distribution")  # fmt: skip
            if kind == "morris" and p.distribution is not None:
                raise LocatedError(f"parameters[{i}].distribution",
                                   "a Morris design needs a range")  # fmt: skip
        if kind == "sobol" and len(self.parameters) < 2:
            raise LocatedError("parameters", "Sobol indices need at least two parameters")
        if kind == "points":
            known = {p.label for p in self.parameters} | {p.path for p in self.parameters}
            for j, point in enumerate(self.sampling.points or []):
                for key in point:
                    if key not in known:
                        raise LocatedError(f"sampling.points[{j}]",
                                           f"unknown parameter '{key}'")  # fmt: skip
        return self

    # --- points -------------------------------------------------------------------------

    def problem(self) -> dict[str, Any]:
        """The SALib problem of a sampled design (names, bounds, dists)."""
        bounds, dists = [], []
        for p in self.parameters:
            if p.distribution is not None:
                dist, b = p.distribution.salib()
            else:
                dist, b = "unif", [p.range.low, p.range.high]  # type: ignore[union-attr]
            dists.append(dist)
            bounds.append(b)
        return {"num_vars": len(self.parameters), "names": [p.label for p in self.parameters],
                "bounds": bounds, "dists": dists}  # fmt: skip

    def points(self) -> list[dict[str, Any]]:
        """Every design point as {parameter label: value}, in the order runs are numbered."""
        kind, labels = self.sampling.kind, [p.label for p in self.parameters]
        if kind == "grid":
            grids = [p.grid_values() for p in self.parameters]
            return [dict(zip(labels, combo, strict=True)) for combo in itertools.product(*grids)]
        if kind == "points":
            by_path = {p.path: p.label for p in self.parameters}
            return [{by_path.get(k, k): v for k, v in point.items()}
                    for point in self.sampling.points or []]  # fmt: skip
        matrix = self.sample_matrix()
        return [dict(zip(labels, map(float, row), strict=True)) for row in matrix]

    def sample_matrix(self) -> np.ndarray:
        """The SALib sample (rows = points) of a sampled design."""
        from SALib.sample import latin, morris, sobol

        s, problem = self.sampling, self.problem()
        if s.kind == "lhs":
            return latin.sample(problem, s.samples, seed=s.seed)
        if s.kind == "sobol":
            return sobol.sample(problem, s.samples, calc_second_order=s.second_order,
                                seed=s.seed)  # fmt: skip
        if s.kind == "morris":
            problem = {k: v for k, v in problem.items() if k != "dists"}
            return morris.sample(problem, s.samples, num_levels=s.levels, seed=s.seed)
        raise ValueError(f"{s.kind} designs are not sampled")


def design_dirs() -> list[Path]:
    """Folders searched for named designs, first match wins (as for scenarios)."""
    return shipped_folders("designs")


def shipped_designs() -> list[tuple[str, Path, str]]:
    """(name, path, description) of every shipped design."""
    out: dict[str, tuple[str, Path, str]] = {}
    for folder in design_dirs():
        for path in sorted(folder.glob("*.yaml")):
            if path.stem not in out:
                try:
                    description = read_design(path)[0].description
                except DesignError as err:
                    description = f"(invalid: {str(err).splitlines()[0]})"
                out[path.stem] = (path.stem, path, description)
    return list(out.values())


def resolve_design(name_or_path: str | Path) -> Path:
    """A design file as given, or a shipped design of that name."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or path.parent != Path("."):
        return path
    for folder in design_dirs():
        if (folder / f"{path.name}.yaml").exists():
            return folder / f"{path.name}.yaml"
    known = ", ".join(name for name, _, _ in shipped_designs())
    raise DesignError(f"{name_or_path}: no such file, and no such shipped design (known: {known})")


def read_design(path: str | Path) -> tuple[Design, Path]:
    """Read and validate a design file (or a shipped design by name).

    Returns (design, the folder that relative paths in it start from).
    """
    path = resolve_design(path)
    try:
        data = read_yaml(path)
    except ScenarioError as err:
        raise DesignError(str(err).replace("a scenario", "a design")) from None
    try:
        return Design.model_validate(data), path.parent
    except ValidationError as err:
        raise DesignError(format_validation_error(err, str(path), model=Design)) from None


def base_scenario(design: Design, folder: Path, source: str) -> Scenario:
    """The design's base scenario with its run-size overrides, validated."""
    base = Path(design.base)
    candidate = base if base.is_absolute() else folder / base
    try:
        scenario = load_scenario(candidate if candidate.is_file() else design.base)
        return edit_scenario(scenario, source=f"{source}: base",
                             customers=design.customers, periods=design.periods)  # fmt: skip
    except ScenarioError as err:
        raise DesignError(f"{source}: base: {err}") from None


def point_scenario(base: Scenario, design: Design, point: dict[str, Any], source: str) -> Scenario:
    """The base scenario with one point's values set (the whole tree validated)."""
    def change(data: dict[str, Any]) -> None:
        for p in design.parameters:
            if p.label not in point:
                continue
            if p.scale:
                try:
                    FieldPath.parse(p.path).scale(data, float(point[p.label]))
                except PathError as err:
                    raise ScenarioError(f"{source}: {p.label}: {err}") from None
            else:
                FieldPath.parse(p.path).apply(data, _typed(data, p.path, point[p.label]))

    return edit_scenario(base, change, source=source)


def _typed(data: dict[str, Any], path: str, value: Any) -> Any:
    """A sampled float for an integer field is rounded to the nearest integer."""
    current = FieldPath.parse(path).read(data)
    if current and all(isinstance(v, int) and not isinstance(v, bool) for v in current) and (
            isinstance(value, float) and math.isfinite(value)):  # fmt: skip
        return round(value)
    return value


def check_design(design: Design, folder: Path, source: str) -> Scenario:
    """Check everything that can be checked before running; return the base scenario.

    The base scenario loads, every path leads to a field, and each parameter's extreme values are
    valid for its field. Raises DesignError with one line per problem.
    """
    base = base_scenario(design, folder, source)
    data = base.model_dump()
    problems = []
    for i, p in enumerate(design.parameters):
        try:
            FieldPath.parse(p.path).targets(data)
        except PathError as err:
            problems.append(f"{source}: parameters[{i}].path: {err}")
            continue
        for value in p.extremes():
            try:
                point_scenario(base, design, {p.label: value}, source="x")
            except ScenarioError as err:
                reason = str(err).splitlines()[0].removeprefix("x: ")
                problems.append(f"{source}: parameters[{i}]: {p.label} = {value!r} is outside "
                                f"what the field allows ({reason})")  # fmt: skip
                break
    game = design.outputs.stage_game
    if game is not None and game.contract is not None:
        keys = [c.key for c in base.contracts]
        if game.contract not in keys:
            problems.append(f"{source}: outputs.stage_game.contract: unknown contract "
                            f"'{game.contract}'; contracts: {', '.join(keys)}")  # fmt: skip
    if problems:
        raise DesignError("\n".join(problems))
    return base
