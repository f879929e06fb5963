"""Most dissatisfied customers leave without a word (TARP: about 1 in 27 complains; about 96%
of those who leave never complained), and what a service-recovery programme changes.

Baseline against a programme that makes complaining easy (a feedback card, a hotline: twice the
chance a dissatisfied customer speaks up) and resolves more complaints (recovery +30 points),
same seeds.
"""

from __future__ import annotations

from pathlib import Path

from experiments.common import kpi, kpi_values, replicate, series, spread
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots


def recovery_programme(scenario: Scenario) -> Scenario:
    data = scenario.model_dump()
    for segment in data["segments"]:
        segment["complain_probability"] = min(1.0, 2 * segment["complain_probability"])
    data["market"]["recovery_base"] = min(1.0, data["market"]["recovery_base"] + 0.3)
    return Scenario.model_validate(data)


def run_experiment(out: Path, customers=None, seeds=3, seed=42, workers=1) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers)
    designs = {"baseline": base, "recovery programme": recovery_programme(base)}
    metrics = (("market", "churned"), ("market", "churned_silent"), ("market", "customers_active"))
    r = replicate(designs, seeds, seed, workers, metrics)
    rows = {}
    for name, results in r.items():
        rows[name] = {
            "complaints_per_dissatisfied": kpi(results, "market", "market", "complaint_rate"),
            "silent_share_of_churn": kpi(results, "market", "market", "silent_churn_share"),
            "retention_rate_weekly": kpi(results, "market", "market", "retention_rate"),
            "churned": float(series(results, "market", "churned")["market"].sum()),
            "channel_profit": kpi(results, "market", "market", "profit"),
        }
        per_seed_churned = [float(t[("market", "churned")]["market"].sum()) for _, t in results]
        rows[name]["spread"] = {
            "complaints_per_dissatisfied": spread(
                kpi_values(results, "market", "market", "complaint_rate")),
            "silent_share_of_churn": spread(
                kpi_values(results, "market", "market", "silent_churn_share")),
            "churned": spread(per_seed_churned),
            "channel_profit": spread(kpi_values(results, "market", "market", "profit")),
        }  # fmt: skip
    names = list(rows)
    base, programme = r[names[0]], r[names[1]]
    rows["programme minus baseline (paired by seed)"] = {
        "churned": spread([float(b[1][("market", "churned")]["market"].sum()
                                 - a[1][("market", "churned")]["market"].sum())
                           for a, b in zip(base, programme, strict=True)]),
        "channel_profit": spread([b - a for a, b in zip(
            kpi_values(base, "market", "market", "profit"),
            kpi_values(programme, "market", "market", "profit"), strict=True)]),
    }  # fmt: skip
    fig, axes = subplots(1, 3, figsize=(16, 4.8))
    axes[0].bar(names, [rows[n]["complaints_per_dissatisfied"] * 100 for n in names])
    axes[0].axhline(100 / 27, color="grey", ls="--", label="TARP: 1 in 27 (the input)")
    axes[0].set_title("Dissatisfied customers who complain (%)")
    axes[1].bar(names, [rows[n]["silent_share_of_churn"] * 100 for n in names])
    axes[1].axhline(96, color="grey", ls="--", label="TARP: about 96% (follows from the input)")
    axes[1].set_ylim(80, 100)
    axes[1].set_title("Churners who never complained (%)")
    for name in names:
        active = series(r[name], "market", "customers_active")["market"]
        axes[2].plot(active.index, active, label=name)
    axes[2].set_title("Active customers")
    axes[2].set_xlabel("week")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend()
    save_figure(fig, out / "silent_churn.png")
    return rows
