"""PNG figures of a run: one generic line plot of a metric by id, and a few composed figures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from linkages_sim.metrics import metric_table
from linkages_sim.outputs import atomic_write

if TYPE_CHECKING:
    from linkages_sim.model import MarketModel

PERIOD_LABEL = "week"


def draw_metric(
    ax, ts: pd.DataFrame, level: str, metric: str, title: str, ylabel: str, style: str = "-"
) -> None:
    """Draw one metric, one line per id of the level."""
    data = metric_table(ts, level, metric)
    for column in data.columns:
        ax.plot(data.index, data[column], style, label=f"{column}" if level != "market" else metric)
    ax.set_title(title)
    ax.set_xlabel(PERIOD_LABEL)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if data.shape[1] > 1 or level == "market":
        ax.legend(fontsize=8, ncol=2)


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


def write_plots(ts: pd.DataFrame, model: MarketModel, folder: Path) -> list[Path]:
    paths = []
    for name, panels in FIGURES.items():
        fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4), squeeze=False)
        for ax, (level, metric, title, ylabel) in zip(axes[0], panels, strict=True):
            draw_metric(ax, ts, level, metric, title, ylabel)
        if name == "churn_retention.png":
            draw_metric(axes[0][0], ts, "market", "churned_silent", "Churned customers", "per week",
                        style="--")  # fmt: skip
        paths.append(save_figure(fig, folder / name))
    paths.append(_customers_figure(ts, folder / "customers.png"))
    return paths


def _customers_figure(ts: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.2, 4))
    states = ["customers_active", "customers_lapsed", "customers_prospect"]
    data = pd.concat([metric_table(ts, "market", s)["market"].rename(s) for s in states], axis=1)
    ax.stackplot(data.index, data.T.values, labels=[s.split("_")[1] for s in states], alpha=0.8)
    ax.set_title("Customers by state")
    ax.set_xlabel(PERIOD_LABEL)
    ax.set_ylabel("customers")
    ax.legend(loc="lower left", fontsize=8)
    return save_figure(fig, path)


def save_figure(fig, path: Path) -> Path:
    """Lay out, write atomically as PNG and release the figure."""
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path
