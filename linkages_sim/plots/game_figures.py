"""Figures a facilitator can project: tournament scores, the pairwise heat map, evolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps

from linkages_sim.game.tournament import TournamentResult
from linkages_sim.plots.common import save_figure, subplots


def draw_scores(ax, result: TournamentResult) -> None:
    """Box plot of each strategy's normalised score over repetitions, best first."""
    order = result.ranking
    scores = result.normalised_scores.loc[order]
    ax.boxplot(scores.T.to_numpy(), tick_labels=order, showmeans=True)
    ax.set_ylabel("mean score per turn")
    ax.set_title(_title("Tournament scores", result))
    ax.tick_params(axis="x", rotation=45)
    ax.grid(axis="y", alpha=0.3)


def draw_pairwise(ax, result: TournamentResult) -> None:
    """Heat map: row strategy's mean per-turn score against the column strategy."""
    order = result.ranking
    table = result.pairwise.loc[order, order]
    game = result.tournament.game
    image = ax.imshow(table.to_numpy(dtype=float), cmap="RdYlGn", vmin=game.S, vmax=game.T)
    ax.set_xticks(range(len(order)), order, rotation=45, ha="right")
    ax.set_yticks(range(len(order)), order)
    ax.set_xlabel("opponent")
    ax.set_ylabel("player")
    ax.set_title("Score per turn of row against column")
    if len(order) <= 15:
        for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
            if not np.isnan(value):
                ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=9)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)


def tournament_figure(result: TournamentResult, path: Path) -> Path:
    """Scores and pairwise heat map side by side, sized for a projector."""
    fig, (left, right) = subplots(1, 2, figsize=(15, 6.5))
    draw_scores(left, result)
    draw_pairwise(right, result)
    return save_figure(fig, path)


def draw_evolution(ax, frame: pd.DataFrame, title: str) -> None:
    """Stacked shares of each strategy over generations."""
    wide = frame.pivot_table(
        index="generation", columns="strategy", values="share", observed=False
    ).fillna(0.0)
    wide = wide.loc[:, wide.max() > 0]
    colours = colormaps["tab20"](np.linspace(0, 1, 20))[: wide.shape[1]]
    ax.stackplot(wide.index, wide.T.to_numpy(), labels=list(wide.columns), colors=colours)
    ax.set_xlim(wide.index.min(), wide.index.max())
    ax.set_ylim(0, 1)
    ax.set_xlabel("generation")
    ax.set_ylabel("share of population")
    ax.set_title(title)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9)


def evolution_figure(frame: pd.DataFrame, title: str, path: Path) -> Path:
    """Population shares of each strategy over generations, saved to `path`."""
    fig, ax = subplots(figsize=(11, 5.5))
    draw_evolution(ax, frame, title)
    return save_figure(fig, path)


def _title(prefix: str, result: TournamentResult) -> str:
    t = result.tournament
    length = f"{t.turns} turns" if t.prob_end is None else f"prob_end {t.prob_end:g}"
    return f"{prefix}: {length}, {t.repetitions} repetitions, noise {t.noise:g}"
