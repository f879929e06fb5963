"""Keeping a customer vs winning one back vs winning a new one (seed: 3-10x; Gallo: 5-25x).

The same extra money (2,000 a store a week) goes either to service (keeping customers) or to
marketing (reaching prospects and lapsed customers). With common random numbers, the customers
it keeps, wins back or acquires beyond the baseline give the marginal cost of each; marketing
is charged to win-backs and acquisitions in proportion to the lapsed and prospect shares of the
pool it reaches. The KPI tool's average costs are shown beside them.
"""

from __future__ import annotations

from pathlib import Path

from experiments.common import kpi, replicate, series
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots

EXTRA = 2_000.0


def _more(scenario: Scenario, field: str, amount: float) -> Scenario:
    data = scenario.model_dump()
    for d in data["distributors"]:
        d[field] += amount
    return Scenario.model_validate(data)


def run_experiment(out: Path, customers=None, seeds=3, seed=42, workers=1) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers)
    n_stores, n_dist, periods = len(base.stores), len(base.distributors), base.periods
    designs = {
        "baseline": base,
        "service": _more(base, "service_spend_per_store", EXTRA),
        "marketing": _more(base, "marketing_per_period", EXTRA * n_stores / n_dist),
    }
    metrics = (
        ("market", "customers_lapsed"),
        ("market", "customers_prospect"),
        ("market", "churned"),
        ("market", "won_back"),
        ("market", "new_customers"),
    )
    r = replicate(designs, seeds, seed, workers, metrics)

    weight = base.market_size / base.customers  # real customers per simulated one

    def total(design: str, metric: str) -> float:
        return weight * float(series(r[design], "market", metric)["market"].sum())

    money = EXTRA * n_stores * periods
    lapsed = series(r["baseline"], "market", "customers_lapsed")["market"].mean()
    prospects = series(r["baseline"], "market", "customers_prospect")["market"].mean()
    lapsed_share = lapsed / (lapsed + prospects)
    kept = total("baseline", "churned") - total("service", "churned")
    won_back = total("marketing", "won_back") - total("baseline", "won_back")
    acquired = total("marketing", "new_customers") - total("baseline", "new_customers")
    marginal = {
        "keep": money / kept,
        "win_back": money * lapsed_share / won_back,
        "acquire": money * (1 - lapsed_share) / acquired,
    }
    average = {
        "keep": kpi(r["baseline"], "market", "market", "retention_cost"),
        "win_back": kpi(r["baseline"], "market", "market", "win_back_cost"),
        "acquire": kpi(r["baseline"], "market", "market", "acquisition_cost"),
    }
    fig, axes = subplots(1, 2, figsize=(13, 5))
    for ax, costs, title in (
        (axes[0], marginal, "Marginal cost per customer (extra spend)"),
        (axes[1], average, "Average cost per customer (KPI tool)"),
    ):
        bars = ax.bar(list(costs), list(costs.values()), color=["#4f81bd", "#c0504d", "#9bbb59"])
        for bar, (name, value) in zip(bars, costs.items(), strict=True):
            label = f"{value:,.0f}" + ("" if name == "keep" else f"\n{value / costs['keep']:.1f}x")
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, value),
                ha="center",
                va="bottom",
                fontsize=10,
            )
        ax.set_title(title)
        ax.set_ylabel("money per customer")
        ax.grid(axis="y", alpha=0.3)
    save_figure(fig, out / "retention_vs_acquisition.png")
    return {
        "extra_spend_per_store_week": EXTRA,
        "customers_kept": kept,
        "customers_won_back": won_back,
        "customers_acquired": acquired,
        "marginal_cost": marginal,
        "average_cost": average,
        "win_back_vs_keep_marginal": marginal["win_back"] / marginal["keep"],
        "acquire_vs_keep_marginal": marginal["acquire"] / marginal["keep"],
        "win_back_vs_keep_average": average["win_back"] / average["keep"],
    }
