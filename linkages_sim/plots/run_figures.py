"""PNG figures of a run: one generic line plot of a metric by id, and a few composed figures.

The run's figures have fixed margins (in inches) and compact tick labels (200k, 1.5M), so they
are drawn once when saved (`tight_layout` would draw each figure twice).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.ticker import FuncFormatter

from linkages_sim.analysis.tables import MetricTables
from linkages_sim.formatting import compact
from linkages_sim.plots.common import save_figure, subplots

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


def figure_names() -> list[str]:
    """The files of a run's figures, in the report's order."""
    return [*FIGURES, CUSTOMERS]


def write_plots(ts: pd.DataFrame, folder: Path) -> list[Path]:
    """Draw the run's figures from its long table and write them into `folder`.

    Returns their paths in the report's order.
    """
    tables = MetricTables(ts)
    layouts = {**FIGURES, CUSTOMERS: [("market", "", "Customers by state", "customers")]}
    paths = []
    for name in figure_names():
        panels = layouts[name]
        fig, axes = _panels(len(panels))
        for ax, (_, _, title, ylabel) in zip(axes, panels, strict=True):
            ax.set_title(title)
            ax.set_xlabel(PERIOD_LABEL)
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            ax.yaxis.set_major_formatter(_COMPACT)
        if name == CUSTOMERS:
            _draw_customers(axes[0], tables)
        else:
            for ax, (level, metric, _, _) in zip(axes, FIGURES[name], strict=True):
                _draw_metric(ax, tables, level, metric)
            if name == "churn_retention.png":
                _draw_metric(axes[0], tables, "market", "churned_silent", style="--")
        paths.append(save_figure(fig, folder / name, tight=False))
    return paths


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
    fig, axes = subplots(1, n, figsize=(width, height), squeeze=False)
    m = MARGINS_INCHES
    fig.subplots_adjust(
        left=m["left"] / width, right=1 - m["right"] / width, bottom=m["bottom"] / height,
        top=1 - m["top"] / height, wspace=m["between"] / (PANEL_INCHES[0] - m["between"]),
    )  # fmt: skip
    return fig, list(axes[0])


_COMPACT = FuncFormatter(lambda x, _position: compact(x, digits="g", small="g"))
