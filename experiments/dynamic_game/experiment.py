"""The relationship as a dynamic game: does a one-shot deviation pay? (issue 16, item 2).

The payoff matrix's continuation threshold (T - R) / (T - P) assumes a stage game repeated
unchanged; the market's is not (a defection moves customers, brand, data fit and trust). This
experiment measures the shadow of the future directly (`analysis.deviation`): along the
cooperative path of a contract played by tit-for-tat or grim partners, for each party and each
review, the deviator's gain from defecting for one review period and its loss over the rest of
the horizon, with the same random numbers in both runs and paired intervals over seeds.

Cases: acme-north over a year and over a quarter (a short horizon), against tit-for-tat and
grim partners, in `sla_enforced` (6,000 per breached clause) and in the default market; and
bravo-central (a large, service-led distributor) over a quarter. SLA penalties are transfers
and nothing in the market depends on cash, so each default case is its `sla_enforced` runs with
the two firms' fines taken out (`DeviationAnalysis.without_penalties`, tested against direct
runs): one set of runs serves both.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from linkages_sim.analysis.deviation import (
    DEFAULT_DISCOUNT,
    DeviationAnalysis,
    deviation_analysis,
)
from linkages_sim.analysis.payoff_matrix import PARTIES
from linkages_sim.config.loading import load_scenario
from linkages_sim.files import atomic_write_text
from linkages_sim.plots.deviation_figures import deviation_figure

CONTRACT = "acme-north"
ROW = ("review", "period", "gain", "gain_low", "gain_high", "loss", "loss_low", "loss_high",
       "net", "net_low", "net_high", "net_undiscounted", "pays", "does_not_pay", "break_share",
       "penalty_paid", "partner_retaliated_share", "partner_forgave_share")  # fmt: skip


def cases(periods: int, short: int) -> dict[str, tuple[str, str, int]]:
    """What is run: name -> (contract, partner, horizon), each in `sla_enforced`."""
    return {
        "year_tft": (CONTRACT, "tft", periods), "year_grim": (CONTRACT, "grim", periods),
        "quarter_tft": (CONTRACT, "tft", short), "quarter_grim": (CONTRACT, "grim", short),
        "central_quarter_tft": ("bravo-central", "tft", short),
    }  # fmt: skip


def summary(a: DeviationAnalysis) -> dict:
    """A case's record: its settings, each party's verdict and its reviews."""
    table = a.table()
    record = {"scenario": a.scenario, "contract": a.contract, "partner": a.partner,
              "periods": a.periods, "replications": a.replications, "seed": a.seed,
              "customers": a.customers, "discount": a.discount, "parties": {}}  # fmt: skip
    for party in PARTIES:
        rows = table[table["party"] == party]
        record["parties"][party] = {
            **a.verdict(party),
            "reviews": [{k: row[k] for k in ROW} for row in rows.to_dict("records")],
        }
    return record


def run_experiment(out: Path, customers=10_000, seeds=5, seed=42, periods=52, short=13,
                   workers=2) -> dict:  # fmt: skip
    """Every case with and without SLA penalties; the figure; the verdicts and tables."""
    out.mkdir(parents=True, exist_ok=True)
    fined = load_scenario("sla_enforced")
    analyses: dict[str, DeviationAnalysis] = {}
    labels: dict[str, str] = {}
    for name, (contract, partner, horizon) in cases(periods, short).items():
        a = deviation_analysis(fined, contract, partner, replications=seeds, seed=seed,
                               customers=customers, periods=horizon, workers=workers)  # fmt: skip
        analyses[f"default_{name}"] = a.without_penalties()
        analyses[f"sla_{name}"] = a
        for market, label in (("default", "default"), ("sla", "SLA 6,000")):
            labels[f"{market}_{name}"] = f"{contract}, {label}, {partner}, {horizon} wk"
    results = {name: summary(a) for name, a in analyses.items()}
    table = pd.concat([a.table().assign(case=name) for name, a in analyses.items()])
    atomic_write_text(out / "deviations.csv", table.to_csv(index=False))
    shown = [f"{market}_{name}" for name in ("year_tft", "year_grim", "quarter_tft")
             for market in ("default", "sla")]  # fmt: skip
    deviation_figure([analyses[n] for n in shown], out / "dynamic_game.png",
                     [labels[n] for n in shown])  # fmt: skip
    headline = {name: {party: {k: r["parties"][party][k] for k in
                               ("pays_at", "end_game_from", "equilibrium",
                                "equilibrium_before_end")}
                       for party in PARTIES} for name, r in results.items()}  # fmt: skip
    return {"settings": {"customers": customers, "seeds": seeds, "seed": seed,
                         "periods": periods, "short": short, "discount": DEFAULT_DISCOUNT},
            "verdicts": headline, "cases": results}  # fmt: skip
