"""The map of the market (map.png): where customers live, where the stores are, who sells most.

Customers' homes are drawn as density (a hexagonal histogram of a customer sample), each
store as a marker in its distributor's colour sized by its share of the market's retail value
over the run and labelled with it, and the map is shaded by the nearest store's distributor
with the nearest-store boundaries drawn (each store's catchment if customers went to the
nearest store; they choose by a Huff-type logit, so the share is the measured one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from linkages_sim.plots.common import firm_colours, subplots

if TYPE_CHECKING:
    from linkages_sim.config.schema import Scenario

WIDTH_INCHES = 7.8
MARGINS_INCHES = {"left": 0.7, "right": 1.25, "bottom": 0.6, "top": 0.45}
GRID_CELLS = 240  # resolution of the nearest-store shading
MARKER_AREA = 2600.0  # points^2 of a store with the whole market


def nearest_store(x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Index of the nearest store to each point (x, y): arrays of the same shape."""
    d2 = (x[..., None] - sx) ** 2 + (y[..., None] - sy) ** 2
    return np.argmin(d2, axis=-1)


def map_figure(scenario: Scenario, homes: pd.DataFrame, share: pd.Series):
    """The map figure of a scenario from a customer sample (`x_km`, `y_km`) and store shares."""
    area = scenario.map
    stores = scenario.all_stores
    map_w, map_h = area.width_km, area.height_km
    m = MARGINS_INCHES
    plot_w = WIDTH_INCHES - m["left"] - m["right"]
    plot_h = plot_w * map_h / map_w
    height = plot_h + m["bottom"] + m["top"]
    fig, ax = subplots(1, 1, figsize=(WIDTH_INCHES, height))
    fig.subplots_adjust(left=m["left"] / WIDTH_INCHES, right=1 - m["right"] / WIDTH_INCHES,
                        bottom=m["bottom"] / height, top=1 - m["top"] / height)  # fmt: skip
    colours = firm_colours([d.id for d in scenario.distributors],
                           [s.id for s in scenario.suppliers])  # fmt: skip
    sx = np.array([s.location.x for s in stores])
    sy = np.array([s.location.y for s in stores])

    # homes as density, under the nearest-store tint and boundaries
    if len(homes):
        cells = max(10, min(40, int(np.sqrt(len(homes)) / 3)))
        hb = ax.hexbin(homes["x_km"], homes["y_km"], gridsize=cells, extent=(0, map_w, 0, map_h),
                       cmap="Greys", mincnt=1, vmin=0, lw=0.0, zorder=0)  # fmt: skip
        bar_ax = fig.add_axes((1 - (m["right"] - 0.25) / WIDTH_INCHES, m["bottom"] / height,
                               0.18 / WIDTH_INCHES, plot_h / height))  # fmt: skip
        bar = fig.colorbar(hb, cax=bar_ax)
        bar.set_label(f"homes per hexagon (sample of {len(homes):,} customers)", fontsize=8)
        bar_ax.tick_params(labelsize=7)
    gx, gy = np.meshgrid(np.linspace(0, map_w, GRID_CELLS), np.linspace(0, map_h, GRID_CELLS))
    label = nearest_store(gx, gy, sx, sy)
    tint = np.array([to_rgba(colours.get(s.distributor, "grey"), 0.22) for s in stores])
    ax.imshow(tint[label], origin="lower", extent=(0, map_w, 0, map_h), interpolation="bilinear",
              zorder=1)  # fmt: skip
    if len(stores) > 1:
        ax.contour(gx, gy, label, levels=np.arange(len(stores) - 1) + 0.5, colors="#333333",
                   linewidths=0.7, alpha=0.8, zorder=2)  # fmt: skip

    # stores: colour by distributor, size by share of retail value
    for k, s in enumerate(stores):
        value = float(share.get(s.id, 0.0))
        colour = colours.get(s.distributor, "grey")
        ax.scatter([sx[k]], [sy[k]], s=max(30.0, MARKER_AREA * value), color=colour,
                   edgecolor="black", lw=1.0, zorder=4, alpha=0.9)  # fmt: skip
        ax.annotate(f"{s.id}  {100 * value:.1f}%", (sx[k], sy[k]), xytext=(9, 7),
                    textcoords="offset points", fontsize=8.5, zorder=5,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour,
                          "alpha": 0.85})  # fmt: skip
    ax.set_xlim(0, map_w)
    ax.set_ylim(0, map_h)
    ax.set_aspect("equal")
    ax.set_xlabel("km east")
    ax.set_ylabel("km north")
    ax.set_title("The market: homes, stores and each store's share of retail value", fontsize=11)
    handles = [Patch(facecolor=to_rgba(colours[d.id], 0.35), edgecolor=colours[d.id],
                     label=f"{d.id} (nearest-store area)") for d in scenario.distributors]
    handles.append(Line2D([], [], marker="o", ls="none", color="grey", mec="black", ms=9,
                          label="store: size = share of value"))  # fmt: skip
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, framealpha=0.9)
    return fig
