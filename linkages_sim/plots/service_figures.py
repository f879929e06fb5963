"""The two pictures of the six service dimensions (docs/service.md), from a run's long table.

- `service_gap.png`: SERVQUAL's gap per store (Parasuraman, Zeithaml & Berry 1985, 1988), one
  panel per store, the six dimensions on the axis: what the store's surveyed customers expect
  (open marker) and what they perceive (filled), joined by a line, the gap (expectation minus
  perception, as `survey_gap_<dimension>` in the long table) written beside it.
- `importance_performance.png`: importance-performance analysis (Martilla & James 1977), one
  panel per segment: each dimension's importance (the segment's weight) against its
  performance (the level the segment's respondents perceive over all stores), quadrant lines
  at the means and the four quadrants named as Martilla & James name them.

Both read the run's last survey (a snapshot, as a survey report is). They are drawn only when
the run has the service model and at least one survey; the importance needs the scenario (the
segments' weights are inputs, not in the long table).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from linkages_sim.analysis.tables import MetricTables
from linkages_sim.config.service import DIMENSIONS
from linkages_sim.plots.common import subplots

if TYPE_CHECKING:
    from linkages_sim.config.schema import Scenario

SERVICE_GAP = "service_gap.png"
IMPORTANCE_PERFORMANCE = "importance_performance.png"
SHORTFALL, ABOVE = "#c0392b", "#1e8449"  # a perception below expectation, at or above it
PERCEIVED = "#1f4e79"

QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}
"""Martilla & James (1977)'s quadrants by (importance high, performance high)."""
QUADRANT_COLOURS = {"Concentrate here": SHORTFALL, "Keep up the good work": ABOVE,
                    "Low priority": "#7f7f7f", "Possible overkill": "#b9770e"}  # fmt: skip
TOLERANCE = 1e-9
"""A value within this of the mean counts as at the mean, hence high (equal weights stay
equal however they were normalised)."""


def quadrants(importance: Sequence[float], performance: Sequence[float]) -> list[str]:
    """Each item's quadrant, with the quadrant lines at the means (Martilla & James 1977).

    An item at least at the mean importance (to within `TOLERANCE`) is of high importance, and
    likewise for performance. NaN performance (no respondents) gives an empty name.
    """
    imp = np.asarray(importance, dtype=float)
    perf = np.asarray(performance, dtype=float)
    known = ~np.isnan(perf)
    if not known.any():
        return [""] * imp.size
    mean_i, mean_p = imp[known].mean(), perf[known].mean()
    return [QUADRANTS[(bool(i >= mean_i - TOLERANCE), bool(p >= mean_p - TOLERANCE))] if k
            else "" for i, p, k in zip(imp, perf, known, strict=True)]  # fmt: skip


def importance(scenario: Scenario) -> dict[str, np.ndarray]:
    """Each segment's importance weights, normalised to sum to 1 (equal when not given)."""
    out = {}
    for g in scenario.segments:
        w = np.ones(len(DIMENSIONS)) if g.service_weights is None else np.array(
            [float(getattr(g.service_weights, d)) for d in DIMENSIONS])  # fmt: skip
        out[g.id] = w / w.sum()
    return out


def has_service(tables: MetricTables) -> bool:
    """Whether the run has the service model and at least one survey."""
    return not tables("store", "survey_respondents").empty


def last_survey(tables: MetricTables) -> int:
    """The period of the run's last survey."""
    return int(tables("store", "survey_respondents").index.max())


def draw_service_figures(tables: MetricTables,
                         scenario: Scenario | None) -> Iterator[tuple[str, Figure]]:  # fmt: skip
    """The service figures with their file names; none without the service model or a survey.

    The importance-performance matrix needs the scenario (the segments' weights).
    """
    if not has_service(tables):
        return
    owner = {} if scenario is None else {s.id: s.distributor for s in scenario.all_stores}
    yield SERVICE_GAP, service_gap_figure(tables, owner)
    if scenario is not None:
        yield IMPORTANCE_PERFORMANCE, importance_performance_figure(tables, importance(scenario))


def store_gaps(tables: MetricTables, period: int) -> dict[str, pd.DataFrame]:
    """Per store at a survey: respondents and, per dimension, expectation, perception and gap.

    The expectation is the respondents' (their segments' expectations, weighted by how many
    answered): perception plus gap.
    """
    n = tables("store", "survey_respondents").loc[period]
    out = {}
    for store in n.index:
        rows = []
        for d in DIMENSIONS:
            p = float(tables("store", f"survey_perceived_{d}").loc[period, store])
            gap = float(tables("store", f"survey_gap_{d}").loc[period, store])
            rows.append({"dimension": d, "perceived": p, "gap": gap, "expected": p + gap})
        frame = pd.DataFrame(rows).set_index("dimension")
        frame.attrs["respondents"] = int(n[store]) if n[store] == n[store] else 0
        out[str(store)] = frame
    return out


def segment_performance(tables: MetricTables, period: int,
                        segment: str) -> tuple[np.ndarray, int]:  # fmt: skip
    """A segment's perceived level of each dimension over all stores at a survey; respondents.

    Each store's mean rating of the segment, weighted by the segment's respondents there.
    """
    n = tables("store", f"survey_respondents@{segment}")
    if n.empty or period not in n.index:
        return np.full(len(DIMENSIONS), np.nan), 0
    counts = n.loc[period].fillna(0.0)
    total = float(counts.sum())
    values = []
    for d in DIMENSIONS:
        p = tables("store", f"survey_perceived_{d}@{segment}").loc[period].reindex(counts.index)
        mine = counts > 0
        values.append(float((counts[mine] * p[mine]).sum() / total) if total > 0 else math.nan)
    return np.array(values), int(total)


def _grid(n: int, ncols: int, panel: tuple[float, float], top: float, bottom: float):
    """A figure of `n` panels in rows of `ncols`, margins in inches; the axes as a flat list."""
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    width, height = panel[0] * ncols, panel[1] * nrows + top + bottom
    fig, axes = subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.15 / width, bottom=bottom / height,
                        top=1 - top / height, wspace=0.75 / (panel[0] - 0.75),
                        hspace=1.0 / (panel[1] - 1.0))  # fmt: skip
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def service_gap_figure(tables: MetricTables, owner: dict[str, str] | None = None) -> Figure:
    """SERVQUAL's gap per store at the last survey: expectation vs perception per dimension."""
    period = last_survey(tables)
    gaps = store_gaps(tables, period)
    owner = owner or {}
    stores = [s for s in owner if s in gaps] + [s for s in gaps if s not in owner]
    values = [v for f in gaps.values() for v in (*f["expected"], *f["perceived"]) if v == v]
    low = min([0.4, *values]) - 0.05
    high = max([1.0, *values]) + 0.08
    fig, axes = _grid(len(stores), 4, (3.6, 3.1), top=0.75, bottom=1.2)
    x = np.arange(len(DIMENSIONS))
    for k, (ax, store) in enumerate(zip(axes, stores, strict=True)):
        frame = gaps[store]
        for i, d in enumerate(DIMENSIONS):
            e, p, gap = frame.loc[d, "expected"], frame.loc[d, "perceived"], frame.loc[d, "gap"]
            if not (e == e and p == p):
                continue
            ax.plot([i, i], [e, p], color=SHORTFALL if gap > 0 else ABOVE, lw=2.2, zorder=2)
            ax.text(i + 0.12, (e + p) / 2, f"{gap:+.2f}", fontsize=7, va="center",
                    color=SHORTFALL if gap > 0 else ABOVE)  # fmt: skip
        ax.plot(x, frame["expected"], "o", mfc="white", mec="black", ms=6, zorder=3)
        ax.plot(x, frame["perceived"], "o", color=PERCEIVED, ms=6, zorder=4)
        who = f"{store} ({owner[store]})" if owner.get(store) else store
        ax.set_title(f"{who}: {frame.attrs['respondents']} respondents", fontsize=9)
        ax.set_xticks(x, DIMENSIONS, fontsize=7.5, rotation=35, ha="right",
                      rotation_mode="anchor")  # fmt: skip
        ax.set_xlim(-0.5, len(DIMENSIONS) - 0.2)
        ax.set_ylim(low, high)
        ax.grid(axis="y", alpha=0.3)
        if k % min(4, len(stores)) == 0:
            ax.set_ylabel("level (0-1 rating scale)")
    key = [
        Line2D([], [], marker="o", ls="none", mfc="white", mec="black", label="expected "
               "(respondents' segments' expectation)"),
        Line2D([], [], marker="o", ls="none", color=PERCEIVED, label="perceived (respondents' "
               "mean rating)"),
        Line2D([], [], color=SHORTFALL, lw=2.2, label="shortfall: gap > 0"),
        Line2D([], [], color=ABOVE, lw=2.2, label="at or above expectation: gap <= 0"),
    ]  # fmt: skip
    fig.legend(handles=key, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"Service gap per store at the last survey (week {period}): gap = expectation "
                 "- perception, per dimension (SERVQUAL)", fontsize=11)  # fmt: skip
    return fig


LABEL_OFFSETS = ((5, 4), (5, -11), (-5, 4), (-5, -11), (8, 16), (-8, 16), (8, -24), (-8, -24),
                 (12, 28), (-12, 28), (12, -36), (-12, -36))
"""Where a point's label may go, in points from the point (tried in this order)."""


def _label_points(ax, x: np.ndarray, y: np.ndarray, labels: list[str],
                  size: float = 7.5) -> None:  # fmt: skip
    """Label points so that no label covers another label or a marker.

    Each label takes the first offset whose box (its text's approximate extent) overlaps no
    marker and no label placed before it; a label set further off than the first offsets gets
    a thin leader line to its point.

    The axis limits must be set: positions are converted to points with the axes' transform.
    """
    to_points = ax.transData.transform
    scale = 72.0 / ax.figure.dpi  # display units (pixels) to points
    points = [(to_points((a, b)) * scale).tolist() for a, b in zip(x, y, strict=True)]
    placed = [(a - 3.5, b - 3.5, a + 3.5, b + 3.5) for a, b in points]  # the markers
    order = np.argsort(x)
    for i in order:
        px, py = points[i]
        width, height = 0.58 * size * len(labels[i]), size * 1.1
        choice = LABEL_OFFSETS[0]
        for dx, dy in LABEL_OFFSETS:
            left = px + dx - (width if dx < 0 else 0.0)
            box = (left, py + dy, left + width, py + dy + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):  # fmt: skip
                choice = (dx, dy)
                break
        else:
            left = px + choice[0]
            box = (left, py + choice[1], left + width, py + choice[1] + height)
        placed.append(box)
        far = LABEL_OFFSETS.index(choice) >= 4
        ax.annotate(labels[i], (x[i], y[i]), xytext=choice, textcoords="offset points",
                    fontsize=size, ha="right" if choice[0] < 0 else "left",
                    arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#777777",
                                "shrinkA": 0, "shrinkB": 3} if far else None)  # fmt: skip


def importance_performance_figure(tables: MetricTables,
                                  weights: dict[str, np.ndarray]) -> Figure:  # fmt: skip
    """Importance-performance matrix per segment at the last survey (Martilla & James 1977)."""
    period = last_survey(tables)
    segments = list(weights)
    fig, axes = _grid(len(segments), 3, (4.6, 4.2), top=0.75, bottom=0.65)
    for k, (ax, segment) in enumerate(zip(axes, segments, strict=True)):
        imp = weights[segment]
        perf, n = segment_performance(tables, period, segment)
        names = quadrants(imp, perf)
        known = ~np.isnan(perf)
        ax.set_title(f"{segment}: {n} respondents", fontsize=9.5)
        ax.set_xlabel("performance: perceived level (0-1 rating scale)")
        if k % min(3, len(segments)) == 0:
            ax.set_ylabel("importance: the segment's weight (share of 1)")
        ax.grid(alpha=0.25)
        if not known.any():
            ax.text(0.5, 0.5, "no respondents", ha="center", transform=ax.transAxes)
            continue
        p_low, p_high = float(perf[known].min()), float(perf[known].max())
        pad = max(0.04, 0.25 * (p_high - p_low))
        ax.set_xlim(p_low - pad, p_high + pad)
        ax.set_ylim(0.0, max(0.3, 1.3 * float(imp.max())))
        ax.axvline(float(perf[known].mean()), color="black", ls="--", lw=0.9)
        ax.axhline(float(imp[known].mean()), color="black", ls="--", lw=0.9)
        for i in np.flatnonzero(known):
            ax.plot(perf[i], imp[i], "o", ms=7, color=QUADRANT_COLOURS[names[i]], zorder=3)
        shown = [d for d, k in zip(DIMENSIONS, known, strict=True) if k]
        _label_points(ax, perf[known], imp[known], shown)
        corners = {"Concentrate here": (0.02, 0.98, "left", "top"),
                   "Keep up the good work": (0.98, 0.98, "right", "top"),
                   "Low priority": (0.02, 0.02, "left", "bottom"),
                   "Possible overkill": (0.98, 0.02, "right", "bottom")}  # fmt: skip
        for label, (x, y, ha, va) in corners.items():
            ax.text(x, y, label, transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                    style="italic", color=QUADRANT_COLOURS[label])  # fmt: skip
        if np.ptp(imp) < TOLERANCE:
            ax.text(0.5, 0.9, "equal weights: every dimension as important", fontsize=7.5,
                    ha="center", transform=ax.transAxes, color="#555555")  # fmt: skip
    fig.suptitle(f"Importance-performance per segment at the last survey (week {period}); "
                 "dashed lines at the means (Martilla & James 1977)", fontsize=11)  # fmt: skip
    return fig


__all__ = [
    "IMPORTANCE_PERFORMANCE",
    "QUADRANTS",
    "SERVICE_GAP",
    "draw_service_figures",
    "has_service",
    "importance",
    "importance_performance_figure",
    "last_survey",
    "quadrants",
    "segment_performance",
    "service_gap_figure",
    "store_gaps",
]
