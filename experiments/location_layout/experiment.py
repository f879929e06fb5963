"""Store location and layout (seed: location, layout, "the store is run as a brand"): a store's
revenue as it moves away from where its customers live (gravity, Huff's distance decay) and as
its layout improves (fewer queues, light, free browsing).

North's store n3 is moved along the line from its site (15, 15) toward the map's north-east
corner, and, at its own site, given layouts from 0.3 to 0.9; everything else as in the default.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.common import kpi, kpi_values, replicate, spread
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots

STORE = "n3"
SHIFTS_KM = (0.0, 1.0, 2.0, 3.0, 4.0)
LAYOUTS = (0.3, 0.45, 0.6, 0.75, 0.9)


def edited(scenario: Scenario, shift: float = 0.0, layout: float | None = None) -> Scenario:
    data = scenario.model_dump()
    store = next(s for s in data["stores"] if s["id"] == STORE)
    step = shift / np.sqrt(2)
    store["location"]["x"] = min(data["map"]["width_km"], store["location"]["x"] + step)
    store["location"]["y"] = min(data["map"]["height_km"], store["location"]["y"] + step)
    if layout is not None:
        store["layout"] = layout
    return Scenario.model_validate(data)


def mean_distance(scenario: Scenario, shift: float) -> float:
    """Distance from the store to the segments' home centres, weighted by segment share."""
    s = edited(scenario, shift)
    store = next(x for x in s.stores if x.id == STORE)
    total = 0.0
    for segment in s.segments:
        weights = np.array([c.weight for c in segment.centres])
        d = [np.hypot(c.x - store.location.x, c.y - store.location.y) for c in segment.centres]
        total += segment.share * float(np.dot(weights, d) / weights.sum())
    return total


def run_experiment(out: Path, customers=None, seeds=2, seed=42, workers=1) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers)
    designs = {f"shift {s:g}": edited(base, s) for s in SHIFTS_KM}
    designs |= {f"layout {x:g}": edited(base, 0.0, x) for x in LAYOUTS}
    r = replicate(designs, seeds, seed, workers)
    distance = [mean_distance(base, s) for s in SHIFTS_KM]
    revenue_by_shift = [kpi(r[f"shift {s:g}"], "store", STORE, "revenue") for s in SHIFTS_KM]
    revenue_by_layout = [kpi(r[f"layout {x:g}"], "store", STORE, "revenue") for x in LAYOUTS]
    fig, (left, right) = subplots(1, 2, figsize=(13, 4.8))
    left.plot(distance, np.array(revenue_by_shift) / 1e6, marker="o")
    left.set_xlabel("mean distance to customers' home centres (km)")
    left.set_title(f"Store {STORE}: revenue as it moves away")
    right.plot(LAYOUTS, np.array(revenue_by_layout) / 1e6, marker="o")
    right.set_xlabel("layout quality (0-1)")
    right.set_title(f"Store {STORE}: revenue by layout")
    for ax in (left, right):
        ax.set_ylabel("revenue over the year (millions)")
        ax.grid(alpha=0.3)
    save_figure(fig, out / "location_layout.png")
    def change(a: str, b: str) -> dict:  # store revenue of design b / design a - 1, per seed
        va, vb = (kpi_values(r[n], "store", STORE, "revenue") for n in (a, b))
        return spread([y / x - 1 for x, y in zip(va, vb, strict=True)])

    return {
        "revenue_change_4km_over_seeds": change("shift 0", f"shift {SHIFTS_KM[-1]:g}"),
        "revenue_change_layout_over_seeds": change(f"layout {LAYOUTS[0]:g}",
                                                   f"layout {LAYOUTS[-1]:g}"),
        "mean_distance_km": distance,
        "revenue_by_shift": revenue_by_shift,
        "revenue_by_layout": dict(zip(map(str, LAYOUTS), revenue_by_layout, strict=True)),
        "revenue_change_4km": revenue_by_shift[-1] / revenue_by_shift[0] - 1,
        "revenue_change_layout_0.3_to_0.9": revenue_by_layout[-1] / revenue_by_layout[0] - 1,
    }
