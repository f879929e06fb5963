"""Figures without pyplot: no backend is chosen and no global figure state is kept.

Figures are `matplotlib.figure.Figure` objects drawn with the Agg renderer when saved, so
importing this package never switches the backend of a notebook (its inline plots keep
working), and a figure is freed when it goes out of scope (pyplot would keep it open).

Also what every figure of a run shares: the units in axis labels, one colour per firm (a
store takes its distributor's), and the events marked on the time axis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from linkages_sim.files import atomic_write

CURRENCY = "currency units"
"""Scenarios state money in one unnamed currency (docs/scenarios.md); labels say so."""
PERIOD = "week"

DISTRIBUTOR_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#17becf", "#bcbd22", "#e377c2")
SUPPLIER_COLOURS = ("#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
STORE_STYLES = ("-", "--", ":", "-.")
"""A distributor's stores share its colour and differ by line style."""

EVENT_STYLES: dict[str, dict[str, Any]] = {
    # kind: how it is drawn on a time axis, and its legend label
    "break": {"color": "#d62728", "ls": "--", "lw": 1.3, "label": "relationship broke"},
    "recontract": {"color": "black", "ls": "-.", "lw": 1.2, "label": "re-contracted"},
    "intervention": {"color": "#9467bd", "ls": ":", "lw": 1.6, "label": "intervention starts"},
    "intervention_end": {"color": "#9467bd", "ls": ":", "lw": 0.9, "label": "intervention ends"},
    "launch": {"color": "#555555", "marker": "v", "label": "new product launched"},
}
MARKED_EVENTS = tuple(EVENT_STYLES)
"""The kinds marked on every time axis (reviews only on the trust panels: there are many)."""


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], **kwargs: Any):
    """A new figure and its axes, as `pyplot.subplots` returns them."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def save_figure(fig: Figure, path: Path, tight: bool = True) -> Path:
    """Lay out (unless the figure has fixed margins) and write atomically as PNG."""
    if tight:
        fig.tight_layout()
    # zlib level 1: about a quarter less encoding time for files about a fifth larger
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png",
                                                     pil_kwargs={"compress_level": 1}))  # fmt: skip
    return Path(path)


def money_label(what: str, per: str = PERIOD) -> str:
    """An axis label for money with its currency and period: "profit (currency units per week)"."""
    return f"{what} ({CURRENCY} per {per})"


def firm_colours(distributors: Sequence[str], suppliers: Sequence[str]) -> dict[str, str]:
    """One colour per firm id, distributors and suppliers from different palettes."""
    colours = {d: DISTRIBUTOR_COLOURS[i % len(DISTRIBUTOR_COLOURS)]
               for i, d in enumerate(distributors)}  # fmt: skip
    colours.update({s: SUPPLIER_COLOURS[i % len(SUPPLIER_COLOURS)]
                    for i, s in enumerate(suppliers)})  # fmt: skip
    return colours


def store_styles(owner: dict[str, str], colours: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each store's line: its distributor's colour, a line style per store of that distributor."""
    seen: dict[str, int] = {}
    styles = {}
    for store, distributor in owner.items():
        k = seen.get(distributor, 0)
        seen[distributor] = k + 1
        styles[store] = {"color": colours.get(distributor, "grey"),
                         "ls": STORE_STYLES[k % len(STORE_STYLES)]}  # fmt: skip
    return styles


def mark_events(
    ax, events: pd.DataFrame | None, kinds: Iterable[str] = MARKED_EVENTS, text: bool = True
) -> list[str]:
    """Mark events on a time axis: a vertical line each (launches: a marker at the top).

    Events of one kind in one period share a line and a label (written along the line's top
    when `text`). Returns the kinds drawn, for `event_handles`.
    """
    if events is None or events.empty:
        return []
    kinds = list(kinds)
    chosen = events[events["kind"].isin(kinds)]
    drawn = []
    top = ax.get_xaxis_transform()  # x in data, y in axes coordinates
    for (kind, period), group in chosen.groupby(["kind", "period"], sort=True):
        style = {k: v for k, v in EVENT_STYLES[kind].items() if k != "label"}
        if kind == "launch":
            ax.plot([period], [1.0], transform=top, clip_on=False, ms=6, ls="none",
                    zorder=5, **style)  # fmt: skip
        else:
            ax.axvline(period, zorder=1.5, **style)
            if text:
                ax.text(period, 0.985, " " + ", ".join(group["label"]), transform=top,
                        rotation=90, va="top", ha="right", fontsize=7, color=style["color"],
                        clip_on=True)  # fmt: skip
        drawn.append(kind)
    return [k for k in kinds if k in drawn]


def event_handles(kinds: Iterable[str]) -> list[Line2D]:
    """Legend entries for the event kinds drawn."""
    handles = []
    for kind in kinds:
        style = dict(EVENT_STYLES[kind])
        label = style.pop("label")
        if "marker" in style:
            style["ls"] = "none"
        handles.append(Line2D([], [], label=label, **style))
    return handles
