"""The market's own prisoner's dilemma (contracts issue; model.md §4-5).

1. The payoff matrix of the default market's first contract (acme-north), measured.
2. SLA penalties: the penalty from which cooperating is each side's best reply.
3. The horizon: the same matrix over a quarter, half a year and a year.
4. Repeated play: every contract played by one strategy, without and with noisy monitoring.
5. A broken relationship (broken_trust against baseline): who loses what.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.common import spread
from linkages_sim.analysis.payoff_matrix import dilemma_gone_at, sweep_sla, sweep_table
from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.api import run as run_market
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.game.strategies import C
from linkages_sim.market.model import MarketModel
from linkages_sim.plots.common import save_figure, subplots
from linkages_sim.plots.payoff_figures import matrix_figure, sweep_figure

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "acme-north"
CLEAN_STRATEGIES = ("all-d", "tft", "grim", "wsls", "all-c")
NOISY_STRATEGIES = ("tft", "grim", "wsls", "gtft")
BROKEN_MEASURES = (  # result key, level, id, summary field: [baseline, broken_trust]
    ("acme_wholesale_revenue", "supplier", "acme", "wholesale_revenue"),
    ("acme_brand_equity_end", "supplier", "acme", "brand_equity_end"),
    ("central_retail_revenue", "distributor", "central", "retail_revenue"),
    ("central_profit", "distributor", "central", "profit"),
)


@dataclass(frozen=True)
class ChannelOutcome:
    """Picklable measure: channel profit over the run and the share of reviews at which both
    parties of a contract cooperated (averaged over contracts)."""

    def __call__(self, model: MarketModel) -> tuple[float, float]:
        opening = sum(s.cash for s in model.spec.suppliers)
        opening += sum(d.cash for d in model.spec.distributors)
        closing = sum(a.account.cash for a in (*model.suppliers, *model.distributors))
        shares = [
            np.mean(
                [
                    a == C and b == C
                    for a, b in zip(r.supplier_moves, r.distributor_moves, strict=True)
                ]
            )
            for r in model.relationships
            if r.supplier_moves
        ]
        return closing - opening, float(np.mean(shares))


def everyone_plays(scenario: Scenario, strategy: str) -> Scenario:
    data = scenario.model_dump()
    for c in data["contracts"]:
        c["supplier_strategy"] = c["distributor_strategy"] = strategy
        c["trust"]["break_below"] = 0.0
    return Scenario.model_validate(data)


def repeated_play(scenario: Scenario, strategies, seeds, workers: int) -> pd.DataFrame:
    jobs = [(everyone_plays(scenario, s), seed) for s in strategies for seed in seeds]
    results = run_many(jobs, ChannelOutcome(), workers)
    rows = [
        (s, seed, profit, coop)
        for (s, seed), (profit, coop) in zip(
            [(s, seed) for s in strategies for seed in seeds], results, strict=True
        )
    ]
    return pd.DataFrame(rows, columns=["strategy", "seed", "channel_profit", "mutual_cooperation"])


def _bars(ax, table: pd.DataFrame, title: str) -> None:
    g = table.groupby("strategy", sort=False)["channel_profit"]
    means, errors = g.mean() / 1e6, g.std(ddof=1).fillna(0) / 1e6
    coop = table.groupby("strategy", sort=False)["mutual_cooperation"].mean()
    bars = ax.bar(
        means.index,
        means,
        yerr=errors,
        capsize=4,
        color=["#c0504d" if m < 0 else "#4f81bd" for m in means],
    )
    for bar, share in zip(bars, coop, strict=True):
        ax.annotate(
            f"both C {share:.0%}",
            (bar.get_x() + bar.get_width() / 2, 0),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("channel profit, millions (± 1 sd over seeds)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)


def run_experiment(
    out: Path,
    customers: int | None = None,
    replications: int = 10,
    seeds: int = 3,
    seed: int = 42,
    workers: int = 1,
) -> dict:
    """Everything at the given size; tables and figures into `out`; headline numbers back."""
    out.mkdir(parents=True, exist_ok=True)
    default = load_scenario("default")
    # 1-2: the matrix over a quarter and the SLA sweep (one set of runs: penalties are transfers)
    penalties = [float(x) for x in range(0, 8001, 1000)]
    quarter = sweep_sla(
        default, [None, *penalties], CONTRACT, 13, replications, seed, customers, workers
    )
    matrix, swept = quarter[0], quarter[1:]
    matrix_figure(matrix, out / "payoff_matrix.png")
    sweep_figure(swept, out / "sla_sweep.png")
    sweep_table(swept).to_csv(out / "sla_sweep.csv", index=False)
    # 3: the horizon
    horizons = {13: matrix}
    for periods in (26, 52):
        horizons[periods] = sweep_sla(
            default, [None], CONTRACT, periods, replications, seed, customers, workers
        )[0]
    horizon_rows = [
        {
            "periods": p,
            "party": party,
            **m.payoffs(party),
            "class": m.game_class()[party],
            "critical_continuation": m.critical_continuation(party),
        }
        for p, m in horizons.items()
        for party in ("supplier", "distributor")
    ]
    horizon = pd.DataFrame(horizon_rows)
    horizon.to_csv(out / "horizon.csv", index=False)
    # 4: repeated play, clean and noisy
    run_seeds = replication_seeds(seed, seeds)
    clean = repeated_play(
        edit_scenario(default, customers=customers), CLEAN_STRATEGIES, run_seeds, workers
    )
    noisy_scenario = edit_scenario(
        load_scenario(ROOT / "scenarios" / "noisy_monitoring.yaml"), customers=customers
    )
    noisy = repeated_play(noisy_scenario, NOISY_STRATEGIES, run_seeds, workers)
    clean.to_csv(out / "repeated_play.csv", index=False)
    noisy.to_csv(out / "repeated_play_noisy.csv", index=False)
    fig, (left, right) = subplots(1, 2, figsize=(15, 5.5))
    _bars(left, clean, f"Every contract played by one strategy, {default.periods} weeks")
    _bars(
        right,
        noisy,
        f"Same, with {noisy_scenario.contracts[0].monitoring_error:.0%} of clause "
        f"readings wrong, {noisy_scenario.periods} weeks",
    )
    save_figure(fig, out / "repeated_play.png")
    # 5: a broken relationship
    baseline = run_market(ROOT / "scenarios" / "baseline.yaml", customers=customers, seed=seed)
    broken = run_market(ROOT / "scenarios" / "broken_trust.yaml", customers=customers, seed=seed)
    fig, axes = subplots(1, 3, figsize=(17, 4.8))
    panels = [
        ("supplier", "wholesale_revenue", "acme", "Acme's wholesale revenue"),
        ("supplier", "brand_equity", "acme", "Acme's brand equity"),
        ("distributor", "retail_revenue", "central", "Central's retail revenue"),
    ]
    for ax, (level, metric, who, title) in zip(axes, panels, strict=True):
        for label, result, style in (("baseline", baseline, "-"), ("broken_trust", broken, "--")):
            series = result.metric(level, metric)[who]
            ax.plot(series.index, series, style, label=label)
        ax.axvline(
            broken.summary["contracts"]["acme-central"]["broke_at_period"],
            color="grey",
            lw=0.8,
            ls=":",
        )
        ax.set_title(title)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
        ax.legend()
    save_figure(fig, out / "broken_relationship.png")

    def total(result, level, who, metric):
        return float(result.summary[f"{level}s"][who][metric])

    headline = {
        "settings": {
            "customers": customers or default.customers,
            "replications": replications,
            "seeds": seeds,
            "seed": seed,
        },
        "payoff_matrix": matrix.as_dict(),
        "dilemma_gone_at": dilemma_gone_at(swept),
        "horizon": {str(p): m.game_class() for p, m in horizons.items()},
        "repeated_play": clean.groupby("strategy", sort=False)[
            ["channel_profit", "mutual_cooperation"]
        ]
        .mean()
        .round(3)
        .to_dict("index"),
        "repeated_play_noisy": noisy.groupby("strategy", sort=False)[
            ["channel_profit", "mutual_cooperation"]
        ]
        .mean()
        .round(3)
        .to_dict("index"),
        "repeated_play_over_seeds": {
            label: {
                strategy: {
                    column: spread(group[column].tolist())
                    for column in ("channel_profit", "mutual_cooperation")
                }
                for strategy, group in table.groupby("strategy", sort=False)
            }
            for label, table in (("clean", clean), ("noisy", noisy))
        },
        "broken": {
            "break_week": broken.summary["contracts"]["acme-central"]["broke_at_period"],
            **{
                key: [total(result, level, who, metric) for result in (baseline, broken)]
                for key, level, who, metric in BROKEN_MEASURES
            },
        },
    }
    return headline
