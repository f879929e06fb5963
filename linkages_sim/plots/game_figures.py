"""Figures a facilitator can project: tournament scores, the pairwise heat map, evolution.

Evolution over many Moran runs is drawn as each strategy's win frequency with its 95% Wilson
interval beside the replicator path, so the room sees the spread over seeds, not one run.
"""

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


def strategy_colours(labels: list[str]) -> dict[str, tuple]:
    """One fixed colour per strategy (tab20 in the given order), shared by a figure's panels."""
    palette = colormaps["tab20"](np.linspace(0, 1, 20))
    return {label: tuple(palette[i % 20]) for i, label in enumerate(labels)}


def draw_evolution(ax, frame: pd.DataFrame, title: str,
                   colours: dict[str, tuple] | None = None) -> None:  # fmt: skip
    """Stacked shares of each strategy over generations."""
    wide = frame.pivot_table(
        index="generation", columns="strategy", values="share", observed=False
    ).fillna(0.0)
    wide = wide.loc[:, wide.max() > 0]
    shown = [str(c) for c in wide.columns]
    palette = colours or strategy_colours(shown)
    ax.stackplot(wide.index, wide.T.to_numpy(), labels=shown,
                 colors=[palette[c] for c in shown])  # fmt: skip
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


def draw_win_frequencies(ax, spread, colours: dict[str, tuple]) -> None:
    """Horizontal bars: each strategy's share of runs won, with its 95% Wilson interval."""
    table = spread.summary().iloc[::-1]
    y = np.arange(len(table))
    rate = table["win_rate"].to_numpy()
    errors = np.clip(np.vstack([rate - table["win_low"].to_numpy(),
                               table["win_high"].to_numpy() - rate]), 0, None)
    ax.barh(y, rate, xerr=errors, capsize=3, color=[colours[s] for s in table["strategy"]],
            edgecolor="black", linewidth=0.5)  # fmt: skip
    ax.set_yticks(y, list(table["strategy"]))
    ax.set_xlim(0, max(1.0, float(table["win_high"].max())) if rate.max() > 0.5 else 0.6)
    ax.set_xlabel(f"share of {spread.runs} runs won (95% Wilson interval)")
    best = spread.summary().iloc[0]
    if spread.clear_winner is None:
        verdict = "no clear winner: the intervals overlap"
    elif best["win_low"] > 0.5:
        verdict = f"clear winner: {spread.clear_winner}"
    else:
        verdict = f"{spread.clear_winner} wins most often, in under half the runs"
    ax.set_title(f"Who wins, over {spread.runs} seeds ({verdict})")
    ax.grid(axis="x", alpha=0.3)


def spread_figure(spread, title: str, path: Path) -> Path:
    """Win frequencies over many Moran runs beside the replicator path on the same payoffs."""
    colours = strategy_colours(spread.labels)
    fig, (left, right) = subplots(1, 2, figsize=(16, 6.5), width_ratios=(1, 1.3))
    draw_win_frequencies(left, spread, colours)
    draw_evolution(right, spread.replicator_path, "Replicator dynamics (deterministic reference)",
                   colours)  # fmt: skip
    fig.suptitle(title)
    return save_figure(fig, path)


def _title(prefix: str, result: TournamentResult) -> str:
    t = result.tournament
    length = f"{t.turns} turns" if t.prob_end is None else f"prob_end {t.prob_end:g}"
    return f"{prefix}: {length}, {t.repetitions} repetitions, noise {t.noise:g}"
