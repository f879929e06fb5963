"""Where the quarter's prisoner's dilemma holds: screening, Sobol indices and a phase diagram.

Three sweeps of the research workflow, each measuring the stage game of acme-north at every
point (`outputs.stage_game`: the contract's four fixed action profiles on the point's seed,
one quarter, `analysis.payoff_matrix.StageGame`), every point on the same seeds, each seed its
own market layout:

1. Morris screening (Morris 1991; mu*, Campolongo, Cariboni & Saltelli 2007) of the nine inputs
   of `designs/dilemma_morris.yaml`;
2. Sobol' indices (Saltelli 2002; Saltelli et al. 2010) of the inputs that matter, in a design
   derived from the first (written beside the results, so `linkages sweep` can run it again);
3. a grid over the two inputs with the largest total indices, every other input at its
   default, and the default point itself with more seeds.

What "matters" is scored the same way at both steps: for each output (each side's gaps T-R,
R-P, P-S, whose signs order its payoffs, and the dilemma indicator), the input's index divided
by the largest of any input for that output; the score is the mean over outputs. The
classification is the standard ordinal one (`game.stage.classify`) of each side's mean payoffs
over the seeds; beside it, the share of seeds (layouts) in which both sides are in a dilemma.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from experiments.common import spread
from linkages_sim.analysis.payoff_matrix import PARTIES
from linkages_sim.files import atomic_write_text
from linkages_sim.game.stage import GAME_CLASSES, classify
from linkages_sim.plots.common import save_figure, subplots
from linkages_sim.research.analyze import SweepResults
from linkages_sim.research.design import Design, base_scenario, read_design
from linkages_sim.research.paths import FieldPath
from linkages_sim.research.sweep import sweep
from linkages_sim.stats import wilson_interval

DESIGN = Path(__file__).resolve().parents[2] / "designs" / "dilemma_morris.yaml"
GAPS = ("T-R", "R-P", "P-S")
OUTPUTS = [f"measure/{party}/{gap}" for party in PARTIES for gap in GAPS] + ["measure/dilemma"]
NAMES = {"supplier": "Acme", "distributor": "North"}
CLASS_COLOURS = {"prisoners_dilemma": "#d62728", "stag_hunt": "#ff7f0e", "chicken": "#9467bd",
                 "harmony": "#2ca02c", "deadlock": "#4d4d4d", "other": "#cccccc"}  # fmt: skip
CLASS_NAMES = {"prisoners_dilemma": "prisoner's dilemma", "stag_hunt": "stag hunt",
               "chicken": "chicken", "harmony": "harmony", "deadlock": "deadlock",
               "other": "other"}  # fmt: skip


def run_experiment(out: Path, customers=20_000, trajectories=16, samples=64, keep=4, grid=11,
                   replications=2, layouts=10, periods=13, workers=2,
                   market: str | None = None) -> dict:  # fmt: skip
    """The three sweeps (each resumed if already there), their indices and the phase diagram.

    `market`: the market the inputs vary around (a scenario name or file; None: the design's,
    the default market at fixed prices). `decided_prices` measures the region when
    distributors set their own retail prices.
    """
    out.mkdir(parents=True, exist_ok=True)
    morris_design, folder = read_design(DESIGN)
    morris_design = morris_design.model_copy(update={
        "base": market or morris_design.base, "customers": customers, "periods": periods,
        "sampling": morris_design.sampling.model_copy(update={"samples": trajectories}),
        "replications": morris_design.replications.model_copy(update={"count": replications}),
    })  # fmt: skip
    base = base_scenario(morris_design, folder, str(DESIGN))
    defaults = default_values(morris_design, base.model_dump())
    sweeps = {}

    screened = _sweep(morris_design, out / "morris", workers, sweeps)
    morris = {o: screened.morris(o) for o in OUTPUTS}
    screening = score({o: f.set_index("parameter")["mu_star"] for o, f in morris.items()})
    chosen = list(screening.index[:keep])

    sobol_design = subset(morris_design, chosen, "dilemma_sobol", "sobol", samples)
    _write_design(sobol_design, out / "dilemma_sobol.yaml")
    indexed = _sweep(sobol_design, out / "sobol", workers, sweeps)
    sobol = {o: indexed.sobol(o) for o in OUTPUTS}
    ranking = score({o: f.set_index("parameter")["ST"] for o, f in sobol.items()})
    axes = list(ranking.index[:2])

    phase_design = subset(morris_design, axes, "dilemma_phase", "grid", grid,
                          replications=max(replications, 3))  # fmt: skip
    _write_design(phase_design, out / "dilemma_phase.yaml")
    cells = phase_table(_sweep(phase_design, out / "phase", workers, sweeps), axes)

    point = {a: defaults[a] for a in axes}
    default_design = morris_design.model_copy(update={
        "name": "dilemma_default", "parameters": [p for p in morris_design.parameters
                                                  if p.label in axes],
        "sampling": morris_design.sampling.model_copy(update={"kind": "points",
                                                              "points": [point]}),
        "replications": morris_design.replications.model_copy(update={"count": layouts}),
    })  # fmt: skip
    at_default = default_summary(_sweep(default_design, out / "at_default", workers, sweeps))

    suffix = "" if market is None else f"_{Path(market).stem}"  # beside the default's figures
    figure_sensitivity(morris, screening, sobol, ranking,
                       out / f"dilemma_sensitivity{suffix}.png", customers, periods,
                       replications, morris_design.base)  # fmt: skip
    figure_phase(cells, axes, point, morris_design, out / f"dilemma_phase{suffix}.png",
                 customers, periods, phase_design.replications.count)  # fmt: skip
    return {
        "base": morris_design.base, "customers": customers, "periods": periods,
        "replications": replications,
        "sweeps": sweeps, "defaults": defaults,
        "morris": {o: _records(f, ["mu_star", "mu_star_conf", "sigma"]) for o, f in morris.items()},
        "screening_score": screening.round(3).to_dict(), "sobol_inputs": chosen,
        "sobol": {o: _records(f, ["S1", "S1_conf", "ST", "ST_conf"]) for o, f in sobol.items()},
        "sobol_score": ranking.round(3).to_dict(), "phase_axes": axes,
        "space_all_inputs": class_shares(sampled_classes(screened)),
        "space_kept_inputs": class_shares(sampled_classes(indexed)),
        "phase": {"grid": grid, "cells": len(cells),
                  "dilemma_cells": int((cells["game"] == "prisoners_dilemma").sum()),
                  "region": region(cells, axes)},
        "default": at_default,
    }  # fmt: skip


def _sweep(design: Design, folder: Path, workers: int, log: dict) -> SweepResults:
    """Run (or finish, or read) one design; a folder of other options starts afresh."""
    outcome = sweep(design, folder, workers=workers, restart=True)
    log[design.name] = {"runs": outcome.total, "done": outcome.done, "failed": outcome.failed,
                        "ran_now": outcome.ran_now, "wall_s": round(outcome.wall_s, 1)}
    return SweepResults.open(folder)


def default_values(design: Design, data: dict[str, Any]) -> dict[str, float]:
    """Each parameter's value in the base scenario (1 for a scaled one: its own values)."""
    values = {}
    for p in design.parameters:
        found = FieldPath.parse(p.path).read(data)
        values[p.label] = 1.0 if p.scale else float(np.mean(found))
    return values


def score(indices: dict[str, pd.Series]) -> pd.Series:
    """Mean over outputs of each input's index relative to the largest for that output."""
    table = pd.DataFrame(indices).clip(lower=0.0)
    peak = table.max().replace(0.0, np.nan)
    return (table / peak).mean(axis=1).fillna(0.0).sort_values(ascending=False)


def subset(design: Design, labels: list[str], name: str, kind: str, size: int,
           replications: int | None = None) -> Design:  # fmt: skip
    """The design restricted to some parameters, sampled another way (sobol N or grid steps)."""
    parameters = [p for p in design.parameters if p.label in labels]
    if kind == "grid":
        parameters = [p.model_copy(update={"steps": size}) for p in parameters]
        sampling = design.sampling.model_copy(update={"kind": "grid", "samples": None})
    else:
        sampling = design.sampling.model_copy(update={"kind": kind, "samples": size})
    update: dict[str, Any] = {"name": name, "parameters": parameters, "sampling": sampling,
                              "description": f"{kind} over {', '.join(labels)} (from "
                              f"{design.name}), stage game of acme-north"}  # fmt: skip
    if replications is not None:
        update["replications"] = design.replications.model_copy(update={"count": replications})
    return Design.model_validate(design.model_copy(update=update).model_dump())


def _write_design(design: Design, path: Path) -> None:
    data = design.model_dump(mode="json", exclude_defaults=True)
    data["base"] = design.base
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False))


def _records(frame: pd.DataFrame, columns: list[str]) -> dict:
    return {row["parameter"]: {c: round(float(row[c]), 4) for c in columns}
            for _, row in frame.iterrows()}  # fmt: skip


def wide(results: SweepResults) -> pd.DataFrame:
    """One row per run: the point's parameters and every stage-game output."""
    names = [f"measure/{party}/{k}" for party in PARTIES for k in "TRPS"] + ["measure/dilemma"]
    table = results.outputs(names).pivot_table(index="run", columns="output", values="value")
    return results.runs.set_index("run").join(table)


def _classes(row: pd.Series) -> dict[str, str]:
    sides = {party: classify(*(row[f"measure/{party}/{k}"] for k in "TRPS")) for party in PARTIES}
    same = sides["supplier"] == sides["distributor"]
    return {**sides, "game": sides["supplier"] if same else "other"}


def sampled_classes(results: SweepResults) -> pd.DataFrame:
    """Each sampled point's classes, from its mean payoffs over the seeds."""
    runs = wide(results)
    means = runs.groupby("point").mean(numeric_only=True)
    return pd.DataFrame([_classes(row) for _, row in means.iterrows()], index=means.index)


def class_shares(classes: pd.DataFrame) -> dict:
    """Share of sampled points in each class, per side and for the game (Wilson intervals)."""
    out = {}
    for column in (*PARTIES, "game"):
        counts = classes[column].value_counts()
        out[column] = {}
        for name in GAME_CLASSES:
            k = int(counts.get(name, 0))
            low, high = wilson_interval(k, len(classes))
            out[column][name] = {"share": round(k / len(classes), 3), "low": round(low, 3),
                                 "high": round(high, 3)}  # fmt: skip
    out["points"] = len(classes)
    return out


def phase_table(results: SweepResults, axes: list[str]) -> pd.DataFrame:
    """Per grid cell: each side's class of its mean payoffs, and the share of seeds in which
    both sides are in a prisoner's dilemma."""
    runs = wide(results)
    grouped = runs.groupby(axes)
    means = grouped.mean(numeric_only=True)
    rows = []
    for key, row in means.iterrows():
        rows.append({**dict(zip(axes, key, strict=True)), **_classes(row),
                     "dilemma_share": float(row["measure/dilemma"]),
                     "seeds": int(grouped.size().loc[key])})  # fmt: skip
    return pd.DataFrame(rows)


def region(cells: pd.DataFrame, axes: list[str]) -> dict:
    """Where on the grid the game is a dilemma for both sides: the range of each axis over the
    dilemma cells, and for each value of the first axis the second's range."""
    pd_cells = cells[cells["game"] == "prisoners_dilemma"]
    if pd_cells.empty:
        return {"cells": 0}
    along = {}
    for value, group in pd_cells.groupby(axes[0]):
        along[f"{value:.4g}"] = [round(float(group[axes[1]].min()), 4),
                                 round(float(group[axes[1]].max()), 4)]  # fmt: skip
    return {"cells": len(pd_cells),
            axes[0]: [round(float(pd_cells[axes[0]].min()), 4),
                      round(float(pd_cells[axes[0]].max()), 4)],
            axes[1]: [round(float(pd_cells[axes[1]].min()), 4),
                      round(float(pd_cells[axes[1]].max()), 4)],
            f"{axes[1]}_by_{axes[0]}": along}  # fmt: skip


def default_summary(results: SweepResults) -> dict:
    """The default point over many seeds (layouts): each side's gaps with t intervals, the
    class of the mean payoffs, and how many seeds give a dilemma for both sides."""
    runs = wide(results)
    out: dict[str, Any] = {"seeds": len(runs)}
    for party in PARTIES:
        out[party] = {}
        for gap in GAPS:
            a, b = gap.split("-")
            values = (runs[f"measure/{party}/{a}"] - runs[f"measure/{party}/{b}"]).tolist()
            out[party][gap] = {k: round(v, 1) if isinstance(v, float) else v
                               for k, v in spread(values).items()}  # fmt: skip
    classes = _classes(runs.mean(numeric_only=True))
    k = int(runs["measure/dilemma"].sum())
    low, high = wilson_interval(k, len(runs))
    out |= {"class": classes, "dilemma_seeds": k,
            "dilemma_share": {"share": round(k / len(runs), 3), "low": round(low, 3),
                              "high": round(high, 3)}}  # fmt: skip
    return out


def _label(name: str) -> str:
    return name.replace("_", " ")


def figure_sensitivity(morris: dict, screening: pd.Series, sobol: dict, ranking: pd.Series,
                       path: Path, customers: int, periods: int, replications: int,
                       base: str = "default") -> Path:  # fmt: skip
    """Morris mu* (relative to each output's largest) for all inputs; Sobol ST for the kept."""
    fig, (left, right) = subplots(1, 2, figsize=(13.5, 5.0))
    inputs = list(screening.index)
    width = 0.8 / len(OUTPUTS)
    colours = ["#1f77b4", "#6baed6", "#c6dbef", "#d62728", "#fc9272", "#fcbba1", "#2ca02c"]
    for k, output in enumerate(OUTPUTS):
        frame = morris[output].set_index("parameter").loc[inputs]
        peak = max(float(frame["mu_star"].max()), 1e-12)
        left.bar(np.arange(len(inputs)) + (k - len(OUTPUTS) / 2 + 0.5) * width,
                 frame["mu_star"] / peak, width, color=colours[k], label=_output_label(output))
    left.plot(np.arange(len(inputs)), screening.to_numpy(), "k_", markersize=22, mew=2,
              label="score (mean)")  # fmt: skip
    left.set_xticks(np.arange(len(inputs)), [_label(p) for p in inputs], rotation=25,
                    ha="right", fontsize=8)  # fmt: skip
    left.set_ylabel("Morris mu*, relative to the output's largest")
    left.set_title("1. Screening: all nine inputs (Morris)", fontsize=10)
    left.legend(fontsize=7, ncol=2, loc="upper right")
    left.grid(alpha=0.3, axis="y")
    kept = list(ranking.index)
    width = 0.8 / len(OUTPUTS)
    for k, output in enumerate(OUTPUTS):
        frame = sobol[output].set_index("parameter").loc[kept]
        right.bar(np.arange(len(kept)) + (k - len(OUTPUTS) / 2 + 0.5) * width,
                  frame["ST"].clip(lower=0.0), width, yerr=frame["ST_conf"], capsize=2,
                  color=colours[k], error_kw={"linewidth": 0.7})  # fmt: skip
    right.set_xticks(np.arange(len(kept)), [_label(p) for p in kept], rotation=15, ha="right",
                     fontsize=8)  # fmt: skip
    right.set_ylim(0.0, 1.3)
    right.set_ylabel("Sobol total index ST (95% bootstrap interval)")
    right.set_title("2. Sobol indices of the inputs that matter", fontsize=10)
    right.grid(alpha=0.3, axis="y")
    fig.suptitle(f"What decides the acme-north quarter's game{_market(base)} ({periods} weeks, "
                 f"{customers:,} customers, {replications} seeds per point, each its own "
                 "layout)", fontsize=10)  # fmt: skip
    return save_figure(fig, path)


def _market(base: str) -> str:
    """The market in a figure's title: nothing for the default, else the scenario's name."""
    return "" if base == "default" else f" ({Path(base).stem})"


def _output_label(output: str) -> str:
    if output == "measure/dilemma":
        return "both in a dilemma"
    _, party, gap = output.split("/")
    return f"{NAMES[party]} {gap}"


def figure_phase(cells: pd.DataFrame, axes: list[str], default: dict, design: Design,
                 path: Path, customers: int, periods: int, seeds: int) -> Path:
    """Each side's class of game over the two inputs, and the share of seeds in a dilemma."""
    x_values = sorted(cells[axes[0]].unique())
    y_values = sorted(cells[axes[1]].unique())
    fig, panels = subplots(1, 3, figsize=(15.0, 5.0))
    extent = _extent(x_values) + _extent(y_values)
    for ax, column, title in ((panels[0], "supplier", "Acme (supplier)"),
                              (panels[1], "distributor", "North (distributor)")):
        grid = np.full((len(y_values), len(x_values), 3), 1.0)
        for _, row in cells.iterrows():
            i, j = y_values.index(row[axes[1]]), x_values.index(row[axes[0]])
            grid[i, j] = _rgb(CLASS_COLOURS[row[column]])
        ax.imshow(grid, origin="lower", extent=extent, aspect="auto", interpolation="nearest")
        ax.set_title(f"{title}: class of its quarter's game", fontsize=10)
    shares = cells.pivot(index=axes[1], columns=axes[0], values="dilemma_share")
    image = panels[2].imshow(shares.to_numpy(), origin="lower", extent=extent, aspect="auto",
                             cmap="Reds", vmin=0.0, vmax=1.0, interpolation="nearest")
    fig.colorbar(image, ax=panels[2], label="share of seeds: both in a prisoner's dilemma")
    panels[2].set_title(f"Both sides in a dilemma ({seeds} seeds per cell)", fontsize=10)
    present = [c for c in GAME_CLASSES if (cells[["supplier", "distributor"]] == c).any(axis=None)]
    handles = [Patch(color=CLASS_COLOURS[c], label=CLASS_NAMES[c]) for c in present]
    labels = {p.label: _axis_label(p) for p in design.parameters}
    for ax in panels:
        ax.plot(default[axes[0]], default[axes[1]], marker="*", markersize=16, color="gold",
                markeredgecolor="black", linestyle="none")  # fmt: skip
        ax.set_xlabel(labels[axes[0]])
        ax.set_ylabel(labels[axes[1]])
    handles.append(Line2D([], [], marker="*", markersize=12, color="gold",
                          markeredgecolor="black", linestyle="none", label="the default market"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
               frameon=False)  # fmt: skip
    fig.suptitle(f"Where the acme-north quarter is a prisoner's dilemma{_market(design.base)} "
                 f"({periods} weeks, {customers:,} customers; every other input at its "
                 "default)", fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return save_figure(fig, path, tight=False)


def _axis_label(p) -> str:
    return f"{_label(p.label)} (x default)" if p.scale else _label(p.label)


def _extent(values: list[float]) -> list[float]:
    step = (values[-1] - values[0]) / max(len(values) - 1, 1) or 1.0
    return [values[0] - step / 2, values[-1] + step / 2]


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5))  # type: ignore[return-value]
