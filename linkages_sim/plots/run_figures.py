"""PNG figures of a run, drawn from its long table (and, when given, its scenario and events).

Every axis says its unit: money in currency units per week (or over the run), shares on a 0-1
axis, satisfaction on its disconfirmation scale (0 = as expected). Breaks, re-contracts,
launches and interventions are marked on every time axis; each contract has its own trust
panel with its break threshold; a store's line takes its distributor's colour; bars start at
zero. `map.png` (plots.map_figure) is drawn when the customers' homes are given.

The figures have fixed margins (in inches) and compact tick labels (200k, 1.5M), so they are
drawn once when saved (`tight_layout` would draw each figure twice).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from linkages_sim.analysis.tables import MetricTables
from linkages_sim.formatting import compact
from linkages_sim.plots.common import (
    CURRENCY,
    PERIOD,
    event_handles,
    firm_colours,
    mark_events,
    money_label,
    save_figure,
    store_styles,
    subplots,
)

if TYPE_CHECKING:
    from linkages_sim.config.schema import Scenario

PERIOD_LABEL = PERIOD
PANEL_INCHES = (6.2, 4.0)
SMALL_PANEL_INCHES = (4.2, 2.9)
MARGINS_INCHES = {"left": 0.85, "right": 0.15, "bottom": 0.55, "top": 0.4, "between": 0.8,
                  "between_rows": 0.7}  # fmt: skip
SHARE_LIMITS = (0.0, 1.0)

# file: panels of (level, metric, title, y label, y limits or None)
FIGURES: dict[str, list[tuple[str, str, str, str, tuple[float, float] | None]]] = {
    "revenue.png": [
        ("supplier", "wholesale_revenue", "Supplier wholesale revenue",
         money_label("revenue"), None),
        ("distributor", "retail_revenue", "Distributor retail revenue",
         money_label("revenue"), None),
    ],
    "profit.png": [
        ("supplier", "profit", "Supplier profit", money_label("profit"), None),
        ("distributor", "profit", "Distributor profit", money_label("profit"), None),
    ],
    "market_share.png": [
        ("supplier", "market_share_units", "Supplier market share (units)",
         "share of units sold (0-1)", SHARE_LIMITS),
        ("supplier", "market_share_value", "Supplier market share (value)",
         "share of retail value (0-1)", SHARE_LIMITS),
    ],
    "brand_equity.png": [
        ("supplier", "brand_equity", "Supplier brand equity", "brand equity (0-1)", SHARE_LIMITS),
    ],
    "satisfaction.png": [
        ("store", "satisfaction", "Satisfaction of each store's active customers",
         "satisfaction (0 = as expected)", None),
        ("store", "reputation", "Store reputation", "reputation (0-1 scale)", None),
    ],
    "churn_retention.png": [
        ("market", "churned", "Churned customers", "simulated customers per week", None),
        ("distributor", "retention_rate", "Weekly retention rate",
         "share of active customers kept (0-1)", None),
    ],
}  # fmt: skip

TRUST = "trust.png"  # small multiples: one panel per contract
CUSTOMERS = "customers.png"  # a stack plot of customers by state
FIRMS = "firms.png"  # bars: each firm's profit and revenue over the run
MAP = "map.png"  # plots.map_figure
CUSTOMER_STATES = ["customers_active", "customers_lapsed", "customers_prospect"]
MARKET_LABELS = {"churned": "all who churned", "churned_silent": "silent (never complained)"}


def figure_names() -> list[str]:
    """The files of a run's figures, in the report's order."""
    return [FIRMS, *FIGURES, TRUST, CUSTOMERS, MAP]


def write_plots(
    ts: pd.DataFrame, folder: Path, scenario: Scenario | None = None,
    events: pd.DataFrame | None = None, homes: pd.DataFrame | None = None,
) -> list[Path]:  # fmt: skip
    """Draw the run's figures (`draw_figures`) and write them into `folder`.

    Returns their paths in the report's order.
    """
    return [save_figure(fig, folder / name, tight=False)
            for name, fig in draw_figures(ts, scenario, events, homes)]  # fmt: skip


def draw_figures(
    ts: pd.DataFrame, scenario: Scenario | None = None, events: pd.DataFrame | None = None,
    homes: pd.DataFrame | None = None,
) -> Iterator[tuple[str, Figure]]:  # fmt: skip
    """Each figure of a run with its file name, in the report's order, drawn one at a time.

    `scenario` gives firms' order and colours, stores' owners and the contracts' break
    thresholds; `events` (plots.events) are marked on the time axes; `homes` (a customer
    sample with `x_km`, `y_km`) draws map.png, which needs the scenario too. With the service
    model, the service figures follow (plots.service_figures).
    """
    tables = MetricTables(ts)
    look = _Look(tables, scenario)
    for name in figure_names():
        if name == FIRMS:
            fig = firms_figure(tables, look)
        elif name == TRUST:
            fig = trust_figure(tables, look, events)
        elif name == CUSTOMERS:
            fig = customers_figure(tables, events, scenario)
        elif name == MAP:
            if scenario is None or homes is None:
                continue
            from linkages_sim.plots.map_figure import map_figure

            fig = map_figure(scenario, homes, store_share(tables))
        else:
            fig = lines_figure(FIGURES[name], tables, look, events)
        yield name, fig
    from linkages_sim.plots.service_figures import draw_service_figures

    yield from draw_service_figures(tables, scenario)  # only with the service model (service.md)


class _Look:
    """Firms' order and colours, stores' owners: from the scenario, else from the table."""

    def __init__(self, tables: MetricTables, scenario: Scenario | None) -> None:
        if scenario is not None:
            self.suppliers = [s.id for s in scenario.suppliers]
            self.distributors = [d.id for d in scenario.distributors]
            self.owner = {s.id: s.distributor for s in scenario.all_stores}
            self.threshold = {c.key: c.trust.break_below for c in scenario.contracts}
            self.strategies = {c.key: (c.supplier_strategy, c.distributor_strategy)
                               for c in scenario.contracts}  # fmt: skip
        else:
            self.suppliers = list(tables("supplier", "profit").columns)
            self.distributors = list(tables("distributor", "profit").columns)
            self.owner = {s: "" for s in tables("store", "satisfaction").columns}
            self.threshold, self.strategies = {}, {}
        self.colours = firm_colours(self.distributors, self.suppliers)
        self.stores = store_styles(self.owner, self.colours)

    def style(self, level: str, who: str) -> dict[str, str]:
        if level == "store":
            return self.stores.get(who, {})
        return {"color": self.colours[who]} if who in self.colours else {}

    def label(self, level: str, who: str) -> str:
        if level == "store" and self.owner.get(who):
            return f"{who} ({self.owner[who]})"
        return who


def lines_figure(panels, tables: MetricTables, look: _Look, events: pd.DataFrame | None):
    """Side-by-side panels, one line per id of a level, events marked on the time axis."""
    fig, axes = _grid(1, len(panels), PANEL_INCHES)
    for ax, (level, metric, title, ylabel, limits) in zip(axes, panels, strict=True):
        _time_axis(ax, title, ylabel)
        drawn = mark_events(ax, events)
        if level == "market":
            for k, name in enumerate((metric, f"{metric}_silent")):
                data = tables("market", name)
                if not data.empty:
                    ax.plot(data.index, data["market"], "-" if k == 0 else "--",
                            color="#444444", label=MARKET_LABELS.get(name, name))  # fmt: skip
        else:
            data = tables(level, metric)
            order = _ordered(data.columns, look, level)
            for who in order:
                ax.plot(data.index, data[who], label=look.label(level, who),
                        **look.style(level, who))  # fmt: skip
        if limits is not None:
            ax.set_ylim(*limits)
        if "as expected" in ylabel or "profit" in ylabel:
            ax.axhline(0, color="black", lw=0.8, zorder=1)
        handles, labels = ax.get_legend_handles_labels()
        events_key = event_handles(drawn)
        ax.legend(handles + events_key, labels + [h.get_label() for h in events_key],
                  fontsize=7.5, ncol=2, loc="best", framealpha=0.85)  # fmt: skip
    return fig


def _ordered(columns, look: _Look, level: str) -> list[str]:
    wanted = {"supplier": look.suppliers, "distributor": look.distributors,
              "store": list(look.owner)}.get(level, [])  # fmt: skip
    known = [c for c in wanted if c in columns]
    return known + [c for c in columns if c not in known]


def trust_figure(tables: MetricTables, look: _Look, events: pd.DataFrame | None):
    """One panel per contract: both sides' trust, the break threshold, reviews and status."""
    d_trust = tables("contract", "distributor_trust")
    s_trust = tables("contract", "supplier_trust")
    active = tables("contract", "relationship_active")
    contracts = list(look.threshold) or list(d_trust.columns)
    contracts = [c for c in contracts if c in d_trust.columns]
    ncols = min(3, max(1, len(contracts)))
    nrows = math.ceil(len(contracts) / ncols) if contracts else 1
    fig, axes = _grid(nrows, ncols, SMALL_PANEL_INCHES, sharex=True, sharey=True,
                      bottom_legend=True)  # fmt: skip
    for ax in axes[len(contracts):]:
        ax.set_visible(False)
    for ax, key in zip(axes, contracts, strict=False):
        strategies = look.strategies.get(key)
        title = key if strategies is None else f"{key} ({strategies[0]} / {strategies[1]})"
        threshold = look.threshold.get(key, 0.0)
        title += f", breaks below {threshold:g}" if threshold > 0 else ", never breaks"
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        off = active[key] < 0.5
        if off.any():  # weeks without a contract
            ax.fill_between(active.index, 0, 1, where=off.to_numpy(), step="mid",
                            color="#d62728", alpha=0.10, lw=0,
                            transform=ax.get_xaxis_transform())  # fmt: skip
        ax.plot(d_trust.index, d_trust[key], color="#1f4e79", lw=1.8)
        ax.plot(s_trust.index, s_trust[key], color="#b35900", lw=1.2, ls="--")
        if threshold > 0:
            ax.axhline(threshold, color="#d62728", lw=1, ls=":")
        mine = None if events is None else events[events["who"] == key]
        if mine is not None and not mine.empty:
            reviews = mine[mine["kind"] == "review"]["period"]
            ax.plot(reviews, [0.0] * len(reviews), "|", color="grey", ms=6,
                    transform=ax.get_xaxis_transform(), clip_on=False)  # fmt: skip
            mark_events(ax, mine, kinds=("break", "recontract"), text=False)
        ax.set_ylim(0, 1.05)
    for ax in axes[:len(contracts)]:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("trust (0-1)")
        if ax.get_subplotspec().is_last_row() or not _below_visible(ax, axes, contracts):
            ax.set_xlabel(PERIOD)
            ax.xaxis.set_tick_params(labelbottom=True)
    key_lines = [
        Line2D([], [], color="#1f4e79", lw=1.8, label="distributor's trust in the supplier"),
        Line2D([], [], color="#b35900", lw=1.2, ls="--",
               label="supplier's trust in the distributor"),
        Line2D([], [], color="#d62728", lw=1, ls=":", label="break threshold"),
        Line2D([], [], color="grey", marker="|", ls="none", ms=8, label="review"),
        *event_handles(["break", "recontract"]),
        Patch(color="#d62728", alpha=0.10, label="no contract"),
    ]  # fmt: skip
    fig.legend(handles=key_lines, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle("Trust and relationship status, by contract (supplier / distributor strategy)",
                 fontsize=11)  # fmt: skip
    return fig


def _below_visible(ax, axes, contracts) -> bool:
    """Whether the panel below `ax` holds a contract (else `ax` shows the x tick labels)."""
    spec = ax.get_subplotspec()
    ncols = spec.get_gridspec().ncols
    below = axes.index(ax) + ncols
    return below < len(contracts)


def customers_figure(tables: MetricTables, events: pd.DataFrame | None,
                     scenario: Scenario | None):  # fmt: skip
    """Customers by state, stacked: they sum to the simulated population."""
    fig, axes = _grid(1, 1, PANEL_INCHES, right_legend=True)
    ax = axes[0]
    of = "" if scenario is None else f" (of {scenario.customers:,})"
    _time_axis(ax, "Customers by state", f"simulated customers{of}")
    data = pd.concat([tables("market", s)["market"].rename(s) for s in CUSTOMER_STATES], axis=1)
    labels = [s.split("_")[1] for s in CUSTOMER_STATES]
    ax.stackplot(data.index, data.T.values, labels=labels, alpha=0.8,
                 colors=("#2ca02c", "#ff7f0e", "#c7c7c7"))  # fmt: skip
    ax.set_ylim(0, float(data.sum(axis=1).max()) * 1.02 or 1.0)
    drawn = mark_events(ax, events)
    handles, names = ax.get_legend_handles_labels()
    extra = event_handles(drawn)
    ax.legend(handles[::-1] + extra, names[::-1] + [h.get_label() for h in extra],
              loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    return fig


def firms_figure(tables: MetricTables, look: _Look):
    """Each firm's profit and revenue over the whole run, as bars from zero."""
    periods = len(tables("market", "customers_active"))
    rows = []
    for level, revenue, firms in (("supplier", "wholesale_revenue", look.suppliers),
                                  ("distributor", "retail_revenue", look.distributors)):
        profit, income = tables(level, "profit").sum(), tables(level, revenue).sum()
        rows += [(who, level, float(profit.get(who, 0.0)), float(income.get(who, 0.0)))
                 for who in firms]  # fmt: skip
    fig, axes = _grid(1, 2, PANEL_INCHES)
    names = [r[0] for r in rows]
    colours = [look.colours.get(r[0], "grey") for r in rows]
    over = f"{CURRENCY}, {periods} {PERIOD}s"
    for ax, k, title in ((axes[0], 2, "Profit over the run"),
                         (axes[1], 3, "Revenue over the run")):  # fmt: skip
        values = [r[k] for r in rows]
        bars = ax.bar(names, values, color=colours, edgecolor="black", lw=0.5)
        for bar, level in zip(bars, [r[1] for r in rows], strict=True):
            bar.set_hatch("" if level == "supplier" else "//")
        ax.bar_label(bars, [compact(v, digits=".3g", small=".0f") for v in values],
                     fontsize=8, padding=2)  # fmt: skip
        low, high = min(0.0, *values), max(0.0, *values)
        pad = 0.12 * (high - low or 1.0)
        ax.set_ylim(low - (pad if low < 0 else 0.0), high + pad)  # bars start at zero
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(title)
        ax.set_ylabel(f"{title.split()[0].lower()} ({over})")
        ax.grid(axis="y", alpha=0.3)
        ax.yaxis.set_major_formatter(_COMPACT)
        ax.tick_params(axis="x", labelsize=8.5)
    axes[0].legend(handles=[Patch(facecolor="white", edgecolor="black", label="supplier"),
                            Patch(facecolor="white", edgecolor="black", hatch="//",
                                  label="distributor")], fontsize=8)  # fmt: skip
    return fig


def store_share(tables: MetricTables) -> pd.Series:
    """Each store's share of the market's retail value over the run (0-1)."""
    revenue = tables("store", "retail_revenue").sum()
    total = float(revenue.sum())
    return revenue / total if total > 0 else revenue * 0.0


def _time_axis(ax, title: str, ylabel: str) -> None:
    ax.set_title(title, pad=9)  # above the launch markers on the top edge
    ax.set_xlabel(PERIOD_LABEL)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.yaxis.set_major_formatter(_COMPACT)


def _grid(nrows: int, ncols: int, panel: Sequence[float], bottom_legend: bool = False,
          right_legend: bool = False, **kwargs):  # fmt: skip
    """A figure of nrows x ncols panels with fixed margins; the axes as a flat list."""
    m = MARGINS_INCHES
    extra_bottom = 0.55 if bottom_legend else 0.0
    extra_top = 0.3 if bottom_legend else 0.0
    extra_right = 1.9 if right_legend else 0.0
    width = panel[0] * ncols + extra_right
    height = panel[1] * nrows + extra_bottom + extra_top
    fig, axes = subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)
    fig.subplots_adjust(
        left=m["left"] / width, right=1 - (m["right"] + extra_right) / width,
        bottom=(m["bottom"] + extra_bottom) / height, top=1 - (m["top"] + extra_top) / height,
        wspace=m["between"] / (panel[0] - m["between"]),
        hspace=m["between_rows"] / (panel[1] - m["between_rows"]),
    )  # fmt: skip
    return fig, [ax for row in axes for ax in row]


_COMPACT = FuncFormatter(lambda x, _position: compact(x, digits="g", small="g"))
