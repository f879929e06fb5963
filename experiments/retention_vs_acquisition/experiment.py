"""Keeping a customer vs winning one back vs winning a new one (seed: 3-10x; Gallo: 5-25x).

The same extra money (2,000 a store a week) goes either to service (keeping customers) or to
marketing (reaching prospects and lapsed customers). With common random numbers, the customers
it keeps, wins back or acquires beyond the baseline give the marginal cost of each; marketing
is charged to win-backs and acquisitions in proportion to the lapsed and prospect shares of the
pool it reaches. Every seed is one such comparison (its own market layout, the three designs on
the same random numbers), so the ratios come with their spread over seeds. The KPI tool's
average costs are shown beside them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.common import kpi_values, replicate, spread
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots

EXTRA = 2_000.0
SEEDS = 10
METRICS = (
    ("market", "customers_lapsed"),
    ("market", "customers_prospect"),
    ("market", "churned"),
    ("market", "won_back"),
    ("market", "new_customers"),
)


def _more(scenario: Scenario, field: str, amount: float) -> Scenario:
    data = scenario.model_dump()
    for d in data["distributors"]:
        d[field] += amount
    return Scenario.model_validate(data)


def designs(base: Scenario) -> dict[str, Scenario]:
    """The baseline, the extra service money, and the same money as extra marketing."""
    n_stores, n_dist = len(base.stores), len(base.distributors)
    return {
        "baseline": base,
        "service": _more(base, "service_spend_per_store", EXTRA),
        "marketing": _more(base, "marketing_per_period", EXTRA * n_stores / n_dist),
    }


def measure(base: Scenario, seeds: int, seed: int, workers: int) -> dict:
    """Per seed: customers kept, won back and acquired by the extra money, their marginal costs
    and ratios; the KPI tool's average costs; and the spread of each ratio over seeds."""
    r = replicate(designs(base), seeds, seed, workers, METRICS, shared_layout=False)
    weight = base.market_size / base.customers  # real customers per simulated one
    money = EXTRA * len(base.stores) * base.periods

    def total(design: str, k: int, metric: str) -> float:
        return weight * float(r[design][k][1][("market", metric)]["market"].sum())

    rows = []
    for k in range(seeds):
        tables = r["baseline"][k][1]
        lapsed = float(tables[("market", "customers_lapsed")]["market"].mean())
        prospects = float(tables[("market", "customers_prospect")]["market"].mean())
        lapsed_share = lapsed / (lapsed + prospects)
        kept = total("baseline", k, "churned") - total("service", k, "churned")
        won_back = total("marketing", k, "won_back") - total("baseline", k, "won_back")
        acquired = total("marketing", k, "new_customers") - total("baseline", k, "new_customers")
        keep, win_back = money / kept, money * lapsed_share / won_back
        acquire = money * (1 - lapsed_share) / acquired
        rows.append({"kept": kept, "won_back": won_back, "acquired": acquired,
                     "lapsed_share": lapsed_share, "keep": keep, "win_back": win_back,
                     "acquire": acquire, "win_back_vs_keep": win_back / keep,
                     "acquire_vs_keep": acquire / keep})  # fmt: skip
    average = {
        name: kpi_values(r["baseline"], "market", "market", f"{name}_cost")
        for name in ("retention", "win_back", "acquisition")
    }
    keys = ("keep", "win_back", "acquire", "win_back_vs_keep", "acquire_vs_keep", "kept",
            "won_back", "acquired")
    keep_average = average["retention"]
    return {
        "per_seed": rows,
        "marginal": {key: spread([row[key] for row in rows]) for key in keys},
        "average": {key: spread(values) for key, values in average.items()},
        "average_ratio": {
            "win_back_vs_keep": spread(
                [w / k for w, k in zip(average["win_back"], keep_average, strict=True)]
            ),
            "acquire_vs_keep": spread(
                [a / k for a, k in zip(average["acquisition"], keep_average, strict=True)]
            ),
        },
    }


def run_experiment(out: Path, customers=None, seeds=SEEDS, seed=42, workers=1) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers)
    m = measure(base, seeds, seed, workers)
    marginal = {key: m["marginal"][key] for key in ("keep", "win_back", "acquire")}
    average = {"keep": m["average"]["retention"], "win_back": m["average"]["win_back"],
               "acquire": m["average"]["acquisition"]}  # fmt: skip
    fig, axes = subplots(1, 2, figsize=(13, 5))
    colours = ["#4f81bd", "#c0504d", "#9bbb59"]
    for ax, costs, title in (
        (axes[0], marginal, "Marginal cost per customer (extra spend)"),
        (axes[1], average, "Average cost per customer (KPI tool)"),
    ):
        means = np.array([c["mean"] for c in costs.values()])
        errors = np.array([[c["mean"] - c["low"] for c in costs.values()],
                           [c["high"] - c["mean"] for c in costs.values()]])  # fmt: skip
        bars = ax.bar(list(costs), means, yerr=errors if seeds > 1 else None, capsize=5,
                      color=colours)  # fmt: skip
        for bar, name in zip(bars, costs, strict=True):
            value = costs[name]["mean"]
            label = f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2f}"
            if name != "keep":
                key = f"{name}_vs_keep"
                ratios = m["marginal"] if costs is marginal else m["average_ratio"]
                label += f"\n{ratios[key]['mean']:.1f}x"
            ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(8, 2), textcoords="offset points", ha="left", va="bottom",
                        fontsize=10)  # fmt: skip
        ax.set_ylim(0, 1.2 * max(c["high"] if seeds > 1 else c["mean"] for c in costs.values()))
        ax.set_title(title)
        ax.set_ylabel(f"money per customer (bars: 95% interval over {seeds} seeds)")
        ax.grid(axis="y", alpha=0.3)
    save_figure(fig, out / "retention_vs_acquisition.png")
    means = {key: m["marginal"][key]["mean"] for key in m["marginal"]}
    return {
        "settings": {"customers": base.customers, "seeds": seeds, "seed": seed,
                     "layouts": "each seed its own", "extra_spend_per_store_week": EXTRA},
        "customers_kept": means["kept"],
        "customers_won_back": means["won_back"],
        "customers_acquired": means["acquired"],
        "marginal_cost": {key: means[key] for key in ("keep", "win_back", "acquire")},
        "average_cost": {key: value["mean"] for key, value in average.items()},
        "win_back_vs_keep_marginal": means["win_back_vs_keep"],
        "acquire_vs_keep_marginal": means["acquire_vs_keep"],
        "win_back_vs_keep_average": m["average_ratio"]["win_back_vs_keep"]["mean"],
        "over_seeds": {"marginal": m["marginal"], "average": average,
                       "average_ratio": m["average_ratio"]},
        "per_seed": m["per_seed"],
    }  # fmt: skip
