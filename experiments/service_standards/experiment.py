"""Service standards (seed: greet every customer within 30 seconds; six dimensions of service
written down, trained and monitored): greeting time and service level against satisfaction,
retention and revenue.

Every store's greeting time is set to 15, 30, 45, 60 and 90 seconds; separately every store's
service level is raised or lowered by 0.15 around the default. Contract parties cooperate
throughout (all-c, no break-ups), so what is measured is the customers' response alone, not a
supplier reacting to a breached service clause.
"""

from __future__ import annotations

from pathlib import Path

from experiments.common import kpi, kpi_values, replicate, spread
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots

GREETINGS = (15, 30, 45, 60, 90)
SERVICE_SHIFTS = (-0.15, 0.0, 0.15)


def edited(scenario: Scenario, greeting: float | None = None, service: float = 0.0) -> Scenario:
    data = scenario.model_dump()
    for c in data["contracts"]:
        c["supplier_strategy"] = c["distributor_strategy"] = "all-c"
        c["trust"]["break_below"] = 0.0
    for store in data["stores"]:
        if greeting is not None:
            store["greeting_time_s"] = greeting
        store["service_level"] = min(1.0, max(0.0, store["service_level"] + service))
    return Scenario.model_validate(data)


def run_experiment(out: Path, customers=None, seeds=3, seed=42, workers=1) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers)
    designs = {f"greet {g}": edited(base, g) for g in GREETINGS}
    designs |= {f"service {s:+g}": edited(base, service=s) for s in SERVICE_SHIFTS}
    r = replicate(designs, seeds, seed, workers)
    measures = {
        "satisfaction": ("market", "market", "satisfaction"),
        "retention_rate_annual": ("market", "market", "retention_rate"),
        "revenue": ("market", "market", "revenue"),
        "channel_profit": ("market", "market", "profit"),
    }
    results = {}
    for name, runs in r.items():
        row = {k: kpi(runs, *where) for k, where in measures.items()}
        row["retention_rate_annual"] = row["retention_rate_annual"] ** 52
        row["channel_profit_over_seeds"] = spread(kpi_values(runs, "market", "market", "profit"))
        results[name] = row

    def paired(a: str, b: str) -> dict:  # channel profit of design a minus b, seed by seed
        profit = {n: kpi_values(r[n], "market", "market", "profit") for n in (a, b)}
        return spread([x - y for x, y in zip(profit[a], profit[b], strict=True)])

    results["channel profit differences (paired by seed)"] = {
        "greet 30 - greet 45": paired("greet 30", "greet 45"),
        "greet 30 - greet 90": paired("greet 30", "greet 90"),
        "service +0.15 - service +0": paired("service +0.15", "service +0"),
    }
    fig, axes = subplots(1, 3, figsize=(17, 4.8))
    for ax, key, title in zip(
        axes,
        ("satisfaction", "retention_rate_annual", "revenue"),
        ("Satisfaction (end)", "Retention (annualised)", "Customer spend (millions)"),
        strict=True,
    ):
        values = [results[f"greet {g}"][key] for g in GREETINGS]
        if key == "revenue":
            values = [v / 1e6 for v in values]
        ax.plot(GREETINGS, values, marker="o")
        ax.axvline(30, color="grey", ls="--", lw=1, label="the seed's 30-second standard")
        ax.set_xlabel("greeting time in every store (s)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend()
    save_figure(fig, out / "service_standards.png")
    return results
