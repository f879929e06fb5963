"""SLA penalties under noisy monitoring: the fines honest parties pay, and the penalty that best
trades deterrence against them (issue 16, item 2).

A penalty per clause read as breached deters defection (it is paid on every breach read), but
with a monitoring error of e every clause of an honest party is misread with probability e,
so cooperators are fined too. For each noise level the payoff matrix of acme-north is run once
with penalties at zero, counting the breaches each side is read to commit in each profile; as
penalties are transfers (nothing in the market depends on cash), every penalty's matrix then
follows exactly (`analysis.payoff_matrix.sweep_sla`). The measures per penalty: whether
cooperating is each side's best reply (deterrence), and the fines each side pays per week
under mutual cooperation (all of them false readings: both sides keep every clause).
"""

from __future__ import annotations

from pathlib import Path

from experiments.common import spread
from linkages_sim.analysis.payoff_matrix import PARTIES, sweep_sla
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots

CONTRACT = "acme-north"
NOISE = (0.0, 0.05, 0.10, 0.20)
PENALTIES = tuple(float(x) for x in range(0, 12_001, 1_000))
PERIODS = 13


def with_noise(scenario: Scenario, error: float) -> Scenario:
    """The scenario with acme-north's monitoring error set to `error`."""

    def change(data: dict) -> None:
        for c in data["contracts"]:
            if c["id"] == CONTRACT:
                c["monitoring_error"] = error

    return edit_scenario(scenario, change, source="noisy_sla")


def false_fines(matrix, party: str, penalty: float) -> list[float]:
    """Per replication: the fines `party` pays per week under mutual cooperation."""
    runs = matrix.runs[matrix.runs["profile"] == "CC"]
    return (penalty * runs[f"{party}_breaches"] / matrix.periods).tolist()


def deterrent(matrix) -> bool:
    """Cooperating is each side's best reply (R > T and S > P for both)."""
    return matrix.cooperation_dominant


def run_experiment(out: Path, customers=30_000, replications=8, seeds=1, seed=42,
                   workers=2) -> dict:  # fmt: skip
    """Every noise level's sweep; the figure; the headline numbers."""
    out.mkdir(parents=True, exist_ok=True)
    base = load_scenario("default")
    results = {}
    for error in NOISE:
        matrices = sweep_sla(with_noise(base, error), list(PENALTIES), CONTRACT, PERIODS,
                             replications, seed, customers, workers)  # fmt: skip
        rows = []
        for penalty, m in zip(PENALTIES, matrices, strict=True):
            fines = {party: spread(false_fines(m, party, penalty)) for party in PARTIES}
            temptation = {party: m.differences(party)["T-R"]["mean"] for party in PARTIES}
            rows.append({"penalty": penalty, "cooperation_dominant": deterrent(m),
                         "temptation": temptation, "false_fines_per_week": fines,
                         "win_win": m.win_win})  # fmt: skip
        dominant = [r["penalty"] for r in rows if r["cooperation_dominant"]]
        smallest = min(dominant) if dominant else None
        results[f"{error:.2f}"] = {"rows": rows, "smallest_deterrent_penalty": smallest}
    figure(results, out / "noisy_sla.png")
    headline = {}
    for error, record in results.items():
        penalty = record["smallest_deterrent_penalty"]
        row = next((r for r in record["rows"] if r["penalty"] == penalty), None)
        headline[error] = {
            "smallest_deterrent_penalty": penalty,
            "false_fines_per_week_at_it": None if row is None else {
                party: row["false_fines_per_week"][party] for party in PARTIES},
            "still_win_win_at_it": None if row is None else row["win_win"],
        }  # fmt: skip
    return {"settings": {"contract": CONTRACT, "periods": PERIODS, "customers": customers,
                         "replications": replications, "seed": seed, "noise": list(NOISE),
                         "penalties": [PENALTIES[0], PENALTIES[-1], 1000.0]},
            "by_noise": headline, "sweeps": results}  # fmt: skip


def figure(results: dict, path: Path) -> None:
    """Temptation and false fines against the penalty, one line per noise level."""
    fig, axes = subplots(1, 3, figsize=(18, 5.2))
    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
    for (error, record), colour in zip(results.items(), colours, strict=True):
        penalties = [r["penalty"] for r in record["rows"]]
        for ax, party in zip(axes[:2], PARTIES, strict=True):
            ax.plot(penalties, [r["temptation"][party] for r in record["rows"]], "o-",
                    color=colour, label=f"{float(error):.0%} of readings wrong")  # fmt: skip
        fines = [r["false_fines_per_week"] for r in record["rows"]]
        total = [f["supplier"]["mean"] + f["distributor"]["mean"] for f in fines]
        axes[2].plot(penalties, total, "o-", color=colour,
                     label=f"{float(error):.0%} of readings wrong")  # fmt: skip
        smallest = record["smallest_deterrent_penalty"]
        if smallest is not None:
            for ax in axes:
                ax.axvline(smallest, color=colour, ls=":", lw=1)
    for ax, party in zip(axes[:2], PARTIES, strict=True):
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{party}'s temptation T - R (below 0: no gain from defecting)")
        ax.set_ylabel("T - R, currency units per week")
    axes[2].set_title("Fines paid by honest parties under mutual cooperation")
    axes[2].set_ylabel("false fines, both sides, currency units per week")
    axes[2].set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlabel("SLA penalty per clause read as breached (currency units)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=9)
    fig.suptitle(f"{CONTRACT}, one quarter: dotted lines mark the smallest penalty that makes "
                 "cooperating each side's best reply", fontsize=11)  # fmt: skip
    save_figure(fig, path)

