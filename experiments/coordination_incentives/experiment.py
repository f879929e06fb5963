"""Coordinating contracts and cutting corners: what curing double marginalisation does to the
incentive to keep the clauses (issue 15, item 3: how the coordinating contracts interact with
the service and data-sharing clauses).

The contracts that restore the integrated channel's prices (`experiments/channel_economics`)
change who keeps the margin on a unit, and so who loses when a unit is not sold. Cutting corners
saves its cutter the full cost of the clause (quality, fill rate and new products for a
supplier; service, data sharing and a discount for a distributor) and loses sales whose margin
the contract splits. Theory of double moral hazard (Romano 1994, "Double moral hazard and
resale price maintenance", RAND J. Econ. 25; Bhattacharyya & Lafontaine 1995, "Double-sided
moral hazard and the nature of share contracts", RAND J. Econ. 26; Cachon & Lariviere 2005,
"Supply chain coordination with revenue-sharing contracts", Mgmt Sci. 51, §5): no contract that
gives one side the whole margin on a unit leaves the other an incentive to keep its effort; a
two-part tariff at cost makes the supplier indifferent to sales, revenue sharing thins the
distributor's stake.

For each contract form, per market (`seed`s, each its own layout), the payoff-matrix contract's
stage game over a quarter (the four fixed action profiles with common random numbers, as
`analysis.payoff_matrix`): each party's temptation T - R (what cutting corners against a
cooperating partner earns it a week), R - P and P - S, its class of game, its profit under
mutual cooperation, and the SLA penalty per breached clause that makes keeping the clauses its
best reply, (T - R) x periods / breaches read (penalties are transfers that change no
behaviour: `analysis.deviation.without_penalties`; a run at 1.05 times the largest of those
penalties checks it directly: no market may then reward cutting corners).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.channel_economics.experiment import (
    agreed_volume,
    fee_at_agreed_margin,
    free_pricing,
    revenue_sharing,
    with_fees,
)
from experiments.common import baseline_market, spread
from linkages_sim.analysis.payoff_matrix import (
    PARTIES,
    PROFILE_OF,
    PROFILES,
    ProfitPerPeriod,
    fixed_profile,
)
from linkages_sim.analysis.replication import replication_seeds, run_jobs
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.game.stage import classify
from linkages_sim.market.model import MarketModel
from linkages_sim.plots.common import save_figure, subplots

PERIODS = 13
"""One quarter, the payoff matrix's horizon."""
CHECK_FACTOR = 1.05
"""The direct check fines every breach this multiple of the largest break-even penalty."""

FORMS = (
    "wholesale price, fixed retail (the default market)",
    "two-part tariff (w = c + fee), fixed retail",
    "revenue sharing (split kept), fixed retail",
    "quantity discount (beyond today's volume at cost), fixed retail",
    "wholesale price, decided retail",
    "two-part tariff (w = c + fee), decided retail",
    "revenue sharing (s = 0.5, w = 0.5 c), decided retail",
    "quantity discount (beyond today's volume at cost), decided retail",
)
"""The contract forms, in the output's order."""


def revenue_sharing_at_agreed_split(scenario: Scenario) -> Scenario:
    """Every contract at revenue sharing with the wholesale price's split of a unit's margin.

    The distributor pays w = (1 - s) c and a share s = (w0 - c) / (RRP - c) of its revenue, so
    at RRP the supplier keeps w0 - c a unit, as under the agreed wholesale price w0 (Cachon &
    Lariviere 2005's contract, the split chosen so that cooperation pays each side as before).
    """

    def change(data: dict) -> None:
        suppliers = {x["id"]: x for x in data["suppliers"]}
        for c in data["contracts"]:
            sup = suppliers[c["supplier"]]
            agreed = c["wholesale_price"] or sup["wholesale_price"]
            share = (agreed - sup["unit_cost"]) / (sup["rrp"] - sup["unit_cost"])
            c["revenue_share"] = share
            c["wholesale_price"] = (1 - share) * sup["unit_cost"]

    return edit_scenario(scenario, change, source="coordination_incentives")


def with_quantity_discount(scenario: Scenario, volumes: dict[str, float]) -> Scenario:
    """Every contract with its units beyond `volumes` (a period) at the supplier's unit cost.

    A growth rebate: today's volume pays the agreed wholesale price, growth pays cost, so the
    supplier keeps its margin on what it sells today and the distributor the channel's whole
    margin on each unit more (`Contract.quantity_discount`).
    """

    def change(data: dict) -> None:
        cost = {s["id"]: s["unit_cost"] for s in data["suppliers"]}
        for c in data["contracts"]:
            key = c["id"] or f"{c['supplier']}-{c['distributor']}"
            c["quantity_discount"] = {"above_units": round(volumes[key], 2),
                                      "wholesale_price": cost[c["supplier"]]}  # fmt: skip

    return edit_scenario(scenario, change, source="coordination_incentives")


def designs(scenario: Scenario, seed: int) -> dict[str, Scenario]:
    """Every contract form on `scenario`: four at fixed retail prices, four at decided ones.

    At fixed retail prices (RRP within the band, the default market) the forms change only who
    keeps a unit's margin, not the prices: their difference is the incentive effect alone. At
    decided prices (channel_economics' designs: best replies, no band) prices move too. The
    two-part tariff's fee is each contract's mean supplier margin at the agreed wholesale price
    (measured on `seed` at fixed prices), so the supplier is kept whole on average.
    """
    fees, volumes = fee_at_agreed_margin(scenario, seed), agreed_volume(scenario, seed)
    decided = free_pricing(scenario, "best_reply")
    return {
        FORMS[0]: scenario,
        FORMS[1]: with_fees(scenario, fees),
        FORMS[2]: revenue_sharing_at_agreed_split(scenario),
        FORMS[3]: with_quantity_discount(scenario, volumes),
        FORMS[4]: decided,
        FORMS[5]: with_fees(decided, fees),
        FORMS[6]: revenue_sharing(decided),
        FORMS[7]: with_quantity_discount(decided, volumes),
    }


@dataclass(frozen=True)
class Profiles:
    """Picklable job function: the four fixed profiles of one contract on one market.

    Returns, per profile, both firms' profit per period and the clause breaches read of each.
    """

    contract: str
    sla_penalty: float | None = None

    def __call__(self, job: tuple[Scenario, int]) -> dict[str, tuple[float, float, int, int]]:
        """Run the four profiles of `job`'s scenario with its seed (common random numbers)."""
        scenario, seed = job
        spec = next(c for c in scenario.contracts if c.key == self.contract)
        measure = ProfitPerPeriod(spec.supplier, spec.distributor, self.contract)
        out = {}
        for profile in PROFILES:
            model = MarketModel(
                fixed_profile(scenario, self.contract, profile, self.sla_penalty), seed=seed
            )
            model.run()
            out[profile] = measure(model)
        return out


def stage_measures(runs: dict[str, tuple[float, float, int, int]], periods: int) -> dict:
    """One market's stage game per party: T, R, P, S, gaps, class, break-even penalty."""
    out = {}
    for i, party in enumerate(PARTIES):
        p = {k: runs[where][i] for k, where in PROFILE_OF[party].items()}
        breaches = runs[PROFILE_OF[party]["T"]][2 + i]  # read of the party when it defects
        gain = p["T"] - p["R"]
        out[party] = {
            **p, "T-R": gain, "R-P": p["R"] - p["P"], "P-S": p["P"] - p["S"],
            "class": classify(*p.values()),
            "breaches_per_period": breaches / periods,
            "break_even_penalty": max(gain, 0.0) * periods / breaches if breaches else np.nan,
        }  # fmt: skip
    return out


def summarise(per_market: list[dict]) -> dict:
    """Over markets: each gap's mean and 95% t interval, the classes' counts, the penalty."""
    out = {}
    for party in PARTIES:
        rows = [m[party] for m in per_market]
        classes: dict[str, int] = {}
        for r in rows:
            classes[r["class"]] = classes.get(r["class"], 0) + 1
        penalties = [r["break_even_penalty"] for r in rows if np.isfinite(r["break_even_penalty"])]
        out[party] = {
            **{k: spread([r[k] for r in rows]) for k in ("T", "R", "P", "S", "T-R", "R-P", "P-S")},
            "classes": classes,
            "break_even_penalty": spread(penalties) if len(penalties) > 1 else None,
            "breaches_per_period": float(np.mean([r["breaches_per_period"] for r in rows])),
        }  # fmt: skip
    return out


def run_experiment(out: Path, customers=20_000, seeds=10, seed=42, workers=2,
                   contract="acme-north", panel=None) -> dict:  # fmt: skip
    """Every form's stage game over `seeds` markets, the penalty check, the figure.

    `panel`: customers per segment in the price-setters' demand panel (None: the scenario's
    500); the tests' small size cuts it.
    """
    out.mkdir(parents=True, exist_ok=True)
    scenario = baseline_market(customers, PERIODS, panel)
    forms = designs(scenario, seed)
    market_seeds = replication_seeds(seed, seeds)
    jobs = [(forms[name], s) for name in FORMS for s in market_seeds]
    runs = run_jobs(Profiles(contract), jobs, workers)
    results = {}
    for k, name in enumerate(FORMS):
        per_market = [stage_measures(r, PERIODS) for r in runs[k * seeds:(k + 1) * seeds]]
        results[name] = summarise(per_market)
    results_check = penalty_check(forms, results, market_seeds, contract, workers)
    figure(results, out, seeds, customers, contract)
    return {"inputs": {"scenario": "baseline", "contract": contract, "customers": customers,
                       "periods": PERIODS, "markets": seeds, "seed": seed, "panel": panel},
            "forms": results, "penalty_check": results_check}  # fmt: skip


def penalty_check(forms: dict[str, Scenario], results: dict, market_seeds: list[int],
                  contract: str, workers: int) -> dict:  # fmt: skip
    """Rerun each form with every breach fined `CHECK_FACTOR` x the largest break-even penalty
    of its markets and parties: keeping the clauses must then pay for both in every market
    (the break-even penalties are derived, as transfers, from runs without fines)."""
    check = {}
    for name in FORMS:
        found = [results[name][p]["break_even_penalty"] for p in PARTIES]
        largest = [f["max"] for f in found if f is not None]
        if not largest:
            continue
        penalty = round(CHECK_FACTOR * max(largest), 2)
        runs = run_jobs(Profiles(contract, penalty), [(forms[name], s) for s in market_seeds],
                        workers)  # fmt: skip
        gains = {p: [stage_measures(r, PERIODS)[p]["T-R"] for r in runs] for p in PARTIES}
        check[name] = {
            "penalty": penalty,
            **{f"{p}_T-R": spread(gains[p]) for p in PARTIES},
            "markets_where_cutting_pays": {p: int(sum(g > 0 for g in gains[p])) for p in PARTIES},
        }  # fmt: skip
    return check


SHORT = ("wholesale\nprice", "two-part\ntariff", "revenue\nsharing", "quantity\ndiscount") * 2
"""Tick labels; the first four at fixed retail prices, the last four at decided ones."""
COLOURS = {"supplier": "#1f77b4", "distributor": "#ff7f0e"}
CLASS_LABELS = {"prisoners_dilemma": "PD", "stag_hunt": "stag hunt", "chicken": "chicken",
                "harmony": "harmony", "deadlock": "deadlock", "other": "other"}  # fmt: skip


def figure(results: dict, out: Path, seeds: int, customers: int, contract: str) -> None:
    """Three panels per form: temptation, profit under cooperation, break-even penalty."""
    fig, axes = subplots(1, 3, figsize=(21, 6.2))
    x = np.arange(len(FORMS))
    width = 0.38
    panels = (("T-R", "temptation T - R: a week's gain from cutting corners\nagainst a "
               "cooperating partner (95% CI over markets)"),
              ("R", "profit a week under mutual cooperation (R)"))  # fmt: skip
    for ax, (key, title) in zip(axes[:2], panels, strict=True):
        for j, party in enumerate(PARTIES):
            stats = [results[name][party][key] for name in FORMS]
            mean = np.array([s["mean"] for s in stats])
            err = np.array([[s["mean"] - s["low"] for s in stats],
                            [s["high"] - s["mean"] for s in stats]])  # fmt: skip
            ax.bar(x + (j - 0.5) * width, mean, width, yerr=err, capsize=4,
                   color=COLOURS[party], label=party)  # fmt: skip
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(x, SHORT)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    for name_index, name in enumerate(FORMS):
        for j, party in enumerate(PARTIES):
            classes = results[name][party]["classes"]
            label = "\n".join(f"{v} {CLASS_LABELS[k]}" for k, v in sorted(classes.items()))
            top = results[name][party]["T-R"]["high"]
            axes[0].text(name_index + (j - 0.5) * width, max(top, 0) + 60, label,
                         ha="center", va="bottom", fontsize=6.5)  # fmt: skip
    ax = axes[2]
    for j, party in enumerate(PARTIES):
        stats = [results[name][party]["break_even_penalty"] for name in FORMS]
        mean = np.array([s["mean"] if s else 0.0 for s in stats])
        err = np.array([[s["mean"] - s["low"] if s else 0.0 for s in stats],
                        [s["high"] - s["mean"] if s else 0.0 for s in stats]])  # fmt: skip
        ax.bar(x + (j - 0.5) * width, mean, width, yerr=err, capsize=4, color=COLOURS[party],
               label=party)  # fmt: skip
    ax.set_xticks(x, SHORT)
    ax.set_title("SLA penalty per breached clause that makes\nkeeping the clauses pay "
                 "(95% CI over markets)", fontsize=10)  # fmt: skip
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    for ax in axes:
        ax.axvline(3.5, color="#666666", lw=1, ls="--")
        for where, text in ((0.25, "fixed retail prices"), (0.75, "decided retail prices")):
            ax.text(where, -0.13, text, transform=ax.transAxes, ha="center", va="top",
                    fontsize=9.5, color="#333333")  # fmt: skip
    fig.suptitle(f"Coordinating contracts and cutting corners: {contract}, a quarter, "
                 f"{seeds} markets of {customers:,} customers (each its own layout); "
                 "game classes per party above the bars", fontsize=11)  # fmt: skip
    save_figure(fig, out / "coordination_incentives.png")
