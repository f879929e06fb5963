"""PNG figures of a run: one generic line plot of a metric by id, and a few composed figures.

The run's figures have fixed margins (in inches) and compact tick labels (200k, 1.5M), so they
are drawn once when saved (`tight_layout` would draw each figure twice), and they are laid out
before the data exists (`prepare`) so that the figure helper (`figure_worker`) can do that
while the simulation runs and only draw the lines when it ends (`finish`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from linkages_sim.outputs import atomic_write
from linkages_sim.report import compact
from linkages_sim.tables import MetricTables

PERIOD_LABEL = "week"
PANEL_INCHES = (6.2, 4.0)
MARGINS_INCHES = {"left": 0.8, "right": 0.15, "bottom": 0.55, "top": 0.35, "between": 0.75}


FIGURES: dict[str, list[tuple[str, str, str, str]]] = {
    # file: panels of (level, metric, title, y label)
    "revenue.png": [
        ("supplier", "wholesale_revenue", "Supplier wholesale revenue", "per week"),
        ("distributor", "retail_revenue", "Distributor retail revenue", "per week"),
    ],
    "profit.png": [
        ("supplier", "profit", "Supplier profit", "per week"),
        ("distributor", "profit", "Distributor profit", "per week"),
    ],
    "market_share.png": [
        ("supplier", "market_share_units", "Market share (units)", "share"),
        ("supplier", "market_share_value", "Market share (value)", "share"),
    ],
    "brand_equity.png": [("supplier", "brand_equity", "Supplier brand equity", "0-1")],
    "satisfaction.png": [
        ("store", "satisfaction", "Satisfaction of each store's active customers", "score"),
        ("store", "reputation", "Store reputation", "0-1"),
    ],
    "churn_retention.png": [
        ("market", "churned", "Churned customers", "per week"),
        ("distributor", "retention_rate", "Weekly retention rate", "rate"),
    ],
    "trust.png": [
        ("contract", "distributor_trust", "Distributor's trust in the supplier", "0-1"),
        ("contract", "relationship_active", "Relationship active", "1 = active"),
    ],
}


CUSTOMERS = "customers.png"  # a stack plot of customers by state
CUSTOMER_STATES = ["customers_active", "customers_lapsed", "customers_prospect"]


@dataclass
class Canvas:
    """One of the run's figures, laid out before its data exists (titles, labels, axes)."""

    name: str
    fig: Figure
    axes: list


def figure_names() -> list[str]:
    """The files of a run's figures, in the report's order."""
    return [*FIGURES, CUSTOMERS]


def prepare(names: list[str] | None = None) -> list[Canvas]:
    """Lay out the figures of a run (all, or those named). The figure helpers do this while
    the simulation runs."""
    canvases = []
    layouts = {**FIGURES, CUSTOMERS: [("market", "", "Customers by state", "customers")]}
    for name in names or figure_names():
        panels = layouts[name]
        fig, axes = _panels(len(panels))
        for ax, (_, _, title, ylabel) in zip(axes, panels, strict=True):
            ax.set_title(title)
            ax.set_xlabel(PERIOD_LABEL)
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            ax.yaxis.set_major_formatter(_COMPACT)
        canvases.append(Canvas(name, fig, axes))
    return canvases


def finish(canvases: list[Canvas], ts: pd.DataFrame, folder: Path) -> list[Path]:
    """Draw the run's data into prepared figures and write them into `folder`."""
    tables = MetricTables(ts)
    paths = []
    for canvas in canvases:
        if canvas.name == CUSTOMERS:
            _draw_customers(canvas.axes[0], tables)
        else:
            for ax, (level, metric, _, _) in zip(canvas.axes, FIGURES[canvas.name], strict=True):
                _draw_metric(ax, tables, level, metric)
            if canvas.name == "churn_retention.png":
                _draw_metric(canvas.axes[0], tables, "market", "churned_silent", style="--")
        paths.append(save_figure(canvas.fig, folder / canvas.name, tight=False))
    return paths


def write_plots(ts: pd.DataFrame, folder: Path) -> list[Path]:
    """Write the run's figures into `folder`; returns their paths."""
    return finish(prepare(), ts, folder)


def _draw_metric(ax, tables: MetricTables, level: str, metric: str, style: str = "-") -> None:
    """One line per id of the level (a market metric is labelled by its name)."""
    data = tables(level, metric)
    for column in data.columns:
        ax.plot(data.index, data[column], style, label=f"{column}" if level != "market" else metric)
    if data.shape[1] > 1 or level == "market":
        ax.legend(fontsize=8, ncol=2)


def _draw_customers(ax, tables: MetricTables) -> None:
    data = pd.concat([tables("market", s)["market"].rename(s) for s in CUSTOMER_STATES], axis=1)
    labels = [s.split("_")[1] for s in CUSTOMER_STATES]
    ax.stackplot(data.index, data.T.values, labels=labels, alpha=0.8)
    ax.legend(loc="lower left", fontsize=8)


def _panels(n: int):
    """A figure of n side-by-side panels with fixed margins."""
    width, height = PANEL_INCHES[0] * n, PANEL_INCHES[1]
    fig, axes = plt.subplots(1, n, figsize=(width, height), squeeze=False)
    m = MARGINS_INCHES
    fig.subplots_adjust(
        left=m["left"] / width, right=1 - m["right"] / width, bottom=m["bottom"] / height,
        top=1 - m["top"] / height, wspace=m["between"] / (PANEL_INCHES[0] - m["between"]),
    )  # fmt: skip
    return fig, list(axes[0])


_COMPACT = FuncFormatter(lambda x, _position: compact(x, digits="g", small="g"))


def save_figure(fig, path: Path, tight: bool = True) -> Path:
    """Lay out (unless the figure has fixed margins), write atomically as PNG and release it."""
    if tight:
        fig.tight_layout()
    # zlib level 1: about a quarter less encoding time for files about a fifth larger
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png",
                                               pil_kwargs={"compress_level": 1}))  # fmt: skip
    plt.close(fig)
    return path
