"""Sobol' indices of the market through the research workflow (issue 13's acceptance).

The shipped design `designs/sensitivity_sobol.yaml` (four behavioural inputs of the default
market, Saltelli's sampling) is run with `sweep()` on local workers into a Parquet dataset,
then `SweepResults.sobol()` (SALib: Saltelli 2002; Jansen's total-effect estimator as SALib
implements it) gives first-order and total indices with bootstrap intervals for three outputs:
the channel's profit, North's profit and Acme's brand equity at the end. Nothing here is
special to the experiment: it is what `linkages sweep designs/sensitivity_sobol.yaml` and
`linkages analyze ... --output ...` do, with the figure drawn for three outputs side by side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.common import spread
from linkages_sim.plots.common import save_figure, subplots
from linkages_sim.research.analyze import SweepResults
from linkages_sim.research.design import read_design
from linkages_sim.research.sweep import sweep

DESIGN = Path(__file__).resolve().parents[2] / "designs" / "sensitivity_sobol.yaml"
OUTPUTS = {
    "kpi/market/market/profit": "channel profit",
    "kpi/distributor/north/profit": "North's profit",
    "kpi/supplier/acme/brand_equity": "Acme's brand equity (end)",
}


def run_experiment(out: Path, customers=10_000, samples=32, replications=2, periods=52,
                   workers=2) -> dict:  # fmt: skip
    """Sweep the Sobol design (resuming a finished or interrupted one), then its indices."""
    out.mkdir(parents=True, exist_ok=True)
    design, _ = read_design(DESIGN)
    design = design.model_copy(update={
        "sampling": design.sampling.model_copy(update={"samples": samples}),
        "replications": design.replications.model_copy(update={"count": replications}),
    })  # fmt: skip
    folder = out / "sweep"
    outcome = sweep(design, folder, workers=workers, customers=customers, periods=periods,
                    restart=True)  # other options than last time: start afresh
    results = SweepResults.open(folder)
    indices = {name: results.sobol(name) for name in OUTPUTS}
    figure(indices, out / "market_sobol.png", customers, len(results.runs), replications)
    headline: dict = {"runs": outcome.total, "done": outcome.done, "failed": outcome.failed,
                      "ran_now": outcome.ran_now,
                      "points": int(results.runs["point"].max()) + 1, "customers": customers,
                      "periods": periods, "replications": replications}  # fmt: skip
    headline["by_monitoring_error"] = by_monitoring_error(results)
    for name, frame in indices.items():
        headline[name] = {row.parameter: {"S1": round(row.S1, 3), "S1_conf": round(row.S1_conf, 3),
                                          "ST": round(row.ST, 3), "ST_conf": round(row.ST_conf, 3)}
                          for row in frame.itertuples()}  # fmt: skip
    return headline


def by_monitoring_error(results: SweepResults) -> list[dict]:
    """What the dominant input does: channel profit and acme-north's active share, by bins of
    the monitoring error (every run of the sweep, whatever its other inputs)."""
    import pandas as pd

    names = ["kpi/market/market/profit", "kpi/contract/acme-north/active_share"]
    wide = results.outputs(names).pivot_table(index="run", columns="output", values="value")
    wide = wide.join(results.runs.set_index("run")["monitoring_error"])
    bins = pd.cut(wide["monitoring_error"], [0.0, 0.02, 0.04, 0.06, 0.08, 0.1],
                  include_lowest=True)  # fmt: skip
    rows = []
    for interval, group in wide.groupby(bins, observed=True):
        profit = spread(group[names[0]].tolist())
        rows.append({"monitoring_error": f"{max(interval.left, 0.0):.2f}-{interval.right:.2f}",
                     "runs": len(group), "channel_profit": profit,
                     "acme_north_active_share": round(float(group[names[1]].mean()), 3)})
    return rows


def figure(indices: dict, path: Path, customers: int, runs: int, replications: int) -> Path:
    """S1 and ST with their intervals, one panel per output."""
    fig, axes = subplots(1, len(indices), figsize=(13.5, 4.6))
    for ax, (name, frame) in zip(np.atleast_1d(axes), indices.items(), strict=True):
        at = np.arange(len(frame))
        width = 0.38
        ax.bar(at - width / 2, frame["S1"], width, yerr=frame["S1_conf"], capsize=3,
               label="first order S1", color="#4c72b0")  # fmt: skip
        ax.bar(at + width / 2, frame["ST"], width, yerr=frame["ST_conf"], capsize=3,
               label="total ST", color="#dd8452")  # fmt: skip
        ax.set_xticks(at, [p.replace("_", " ") for p in frame["parameter"]], rotation=20,
                      ha="right", fontsize=8)  # fmt: skip
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(OUTPUTS[name], fontsize=10)
        ax.set_ylim(-0.25, 1.25)  # indices are shares of variance; a longer interval is cut
        if (frame[["S1", "ST"]] + frame[["S1_conf", "ST_conf"]].to_numpy() > 1.25).any(axis=None):
            ax.text(0.98, 0.03, "intervals cut at the axis", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=7, color="grey")  # fmt: skip
        ax.grid(alpha=0.3, axis="y")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("Sobol index (share of the output's variance)")
    first.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"What moves the default market: Sobol indices, {runs} runs of {customers:,} "
                 f"customers ({replications} shared seeds per point; 95% bootstrap intervals)",
                 fontsize=10)  # fmt: skip
    return save_figure(fig, path)
