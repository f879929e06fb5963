"""The figure of a comparison: B - A per firm, one panel per headline KPI.

Each panel is a horizontal bar chart starting at zero (a bar per firm, in its firm's colour),
labelled with the KPI's unit; with several replications each bar carries its 95% interval.
Panels have their own axes because their units differ (money, percentage points, an index).
"""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.ticker import FuncFormatter

from linkages_sim.analysis.compare import HEADLINE, KPI_LABELS, Comparison
from linkages_sim.formatting import compact
from linkages_sim.plots.common import CURRENCY, firm_colours, save_figure, subplots

PANELS = tuple(dict.fromkeys(kpi for _, kpi in HEADLINE))
"""One panel per headline KPI, in HEADLINE's order."""


def _axis_label(kpi: str, unit: str, periods: int) -> str:
    """What the x axis measures: the difference with its unit (and the run's length)."""
    if unit == "money":
        return f"B - A ({CURRENCY}, {periods}-week total)"
    if unit == "share per period":
        return "B - A (percentage points per week)"
    if unit == "share":
        return "B - A (percentage points)"
    if kpi == "satisfaction":
        return "B - A (satisfaction score; 0 = as expected)"
    if unit == "0-1":
        return "B - A (index on a 0-1 scale)"
    return f"B - A ({unit})"


def _scale(unit: str) -> float:
    """Shares are drawn in percentage points."""
    return 100.0 if unit.startswith("share") else 1.0


def _text(value: float, unit: str) -> str:
    """A difference as written beside its bar (shares in percentage points)."""
    if unit == "money":
        return ("+" if value > 0 else "") + compact(value, digits=".3g")
    if unit.startswith("share"):
        return f"{100 * value:+.2f} pp"
    return f"{value:+.3f}"


def comparison_figure(comparison: Comparison, path: Path) -> Path:
    """Write the comparison figure: B - A per firm for each headline KPI (zero-based bars)."""
    rows = comparison.headline()
    a, b = comparison.a, comparison.b
    spec = b.scenario
    colours = firm_colours([d.id for d in spec.distributors], [s.id for s in spec.suppliers])
    ncols = 3
    nrows = math.ceil(len(PANELS) / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(15, 4.2 * nrows), squeeze=False)
    for ax, kpi in zip(axes.flat, PANELS, strict=False):
        panel = rows[rows["kpi"] == kpi].iloc[::-1]  # first firm at the top
        unit = panel["unit"].iloc[0]
        k = _scale(unit)
        labels = [who if level == "market" else f"{who} ({level})"
                  for level, who in zip(panel["level"], panel["id"], strict=True)]  # fmt: skip
        values = panel["difference"].to_numpy() * k
        y = range(len(panel))
        ax.barh(y, values, color=[colours.get(who, "#444444") for who in panel["id"]],
                height=0.6, zorder=2)  # fmt: skip
        ends = values  # where each bar's text starts: beyond its interval, if any
        if comparison.replications > 1:
            low = values - panel["ci_low"].to_numpy() * k
            high = panel["ci_high"].to_numpy() * k - values
            ax.errorbar(values, list(y), xerr=[low, high], fmt="none", ecolor="black",
                        capsize=3, lw=1, zorder=3)  # fmt: skip
            ends = [v + h if v >= 0 else v - lo for v, lo, h in zip(values, low, high,
                                                                    strict=True)]  # fmt: skip
        for yy, value, end in zip(y, values, ends, strict=True):
            if value == value:
                right = value >= 0
                x = end if end == end else value
                ax.annotate(_text(value / k, unit), (x, yy), xytext=(4 if right else -4, 0),
                            textcoords="offset points", va="center",
                            ha="left" if right else "right", fontsize=8)  # fmt: skip
        pad = max(0.0, (5 - len(panel)) / 2)  # bars keep one thickness in every panel
        ax.set_ylim(-0.5 - pad, len(panel) - 0.5 + pad)
        ax.axvline(0, color="black", lw=0.9, zorder=2)
        low_x, high_x = ax.get_xlim()
        span = max(high_x, 0) - min(low_x, 0) or 1.0
        ax.set_xlim(min(low_x, 0) - 0.22 * span, max(high_x, 0) + 0.22 * span)  # room for text
        ax.set_yticks(list(y), labels)
        ax.set_title(KPI_LABELS.get(kpi, kpi.replace("_", " ")))
        ax.set_xlabel(_axis_label(kpi, unit, spec.periods), fontsize=9)
        if unit == "money":
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: compact(x, digits="g")))
        ax.grid(axis="x", alpha=0.3, zorder=0)
    for ax in list(axes.flat)[len(PANELS):]:
        ax.set_visible(False)
    runs = (f"{comparison.replications} paired replications, bars: mean, lines: 95% interval"
            if comparison.replications > 1 else
            f"seed {a.seeds[0]}" + (" (same seed: paired)" if comparison.paired
                                    else f" vs {b.seeds[0]} (NOT paired)"))  # fmt: skip
    fig.suptitle(f"B {b.label} - A {a.label}: difference per firm over {spec.periods} weeks, "
                 f"{spec.customers:,} simulated customers; {runs}", fontsize=12)  # fmt: skip
    return save_figure(fig, path)
