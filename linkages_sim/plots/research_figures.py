"""Figures of a sweep, drawn from tables, not sweep folders.

An output against a parameter with its interval band, a heat map over two parameters, and
sensitivity indices as bars.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from linkages_sim.formatting import compact
from linkages_sim.plots.common import save_figure, subplots

_COMPACT = FuncFormatter(lambda x, _position: compact(x, digits="g", small="g"))


def output_by_parameter(points: pd.DataFrame, output: str, x: str, group: str | None,
                        path: Path, confidence: float = 0.95) -> Path:  # fmt: skip
    """Mean of `output` over replications against parameter `x`, one line per value of `group`.

    The replications' t interval is drawn as a band.
    """
    fig, ax = subplots(figsize=(8.5, 5.0))
    groups = [(None, points)] if group is None else list(points.groupby(group, sort=True))
    for value, frame in groups:
        frame = frame.sort_values(x)
        label = None if group is None else f"{group} = {value:g}" if isinstance(
            value, float) else f"{group} = {value}"  # fmt: skip
        line = ax.plot(frame[x], frame["mean"], marker="o", label=label)[0]
        ax.fill_between(frame[x], frame["low"], frame["high"], alpha=0.2,
                        color=line.get_color(), linewidth=0)  # fmt: skip
    ax.set_xlabel(x)
    ax.set_ylabel(output)
    ax.yaxis.set_major_formatter(_COMPACT)
    ax.set_title(f"{output}: mean over replications, {confidence:.0%} interval")
    ax.grid(alpha=0.3)
    if group is not None:
        ax.legend(fontsize=8)
    return save_figure(fig, path)


def heat_map(points: pd.DataFrame, output: str, x: str, y: str, path: Path) -> Path:
    """Mean of `output` over two parameters (a grid's points)."""
    table = points.pivot_table(index=y, columns=x, values="mean", aggfunc="mean")
    fig, ax = subplots(figsize=(7.5, 5.5))
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        r, g, b, _ = image.cmap(image.norm(value))
        ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"  # legible on any cell
        ax.text(j, i, compact(value, digits=".3g", small=".3g"), ha="center", va="center",
                fontsize=8, color=ink)  # fmt: skip
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, format=_COMPACT)
    ax.set_title(f"{output}: mean over replications")
    return save_figure(fig, path)


def sensitivity_bars(indices: pd.DataFrame, output: str, path: Path) -> Path:
    """Sobol' S1 and ST (or Morris mu*) per parameter with their confidence intervals."""
    fig, ax = subplots(figsize=(8.5, 4.8))
    names = list(indices["parameter"])
    at = np.arange(len(names))
    if "S1" in indices:
        width = 0.38
        ax.bar(at - width / 2, indices["S1"], width, yerr=indices["S1_conf"], capsize=3,
               label="first order S1")  # fmt: skip
        ax.bar(at + width / 2, indices["ST"], width, yerr=indices["ST_conf"], capsize=3,
               label="total ST")  # fmt: skip
        ax.set_ylabel("Sobol index")
        ax.set_title(f"Sensitivity of {output} (Sobol, Saltelli sampling)")
        ax.legend(fontsize=8)
    else:
        ax.bar(at, indices["mu_star"], yerr=indices["mu_star_conf"], capsize=3)
        ax.set_ylabel("mu* (mean |elementary effect|)")
        ax.set_title(f"Sensitivity of {output} (Morris)")
    ax.set_xticks(at, names, rotation=15, ha="right")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.grid(alpha=0.3, axis="y")
    return save_figure(fig, path)
