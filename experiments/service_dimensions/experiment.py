"""Which service dimension pays for which customers, what the 30-second greeting standard is
worth, and whether listening to the survey beats spending evenly (issue 17, item 5).

The default market with the six service dimensions on (docs/service.md) and every contract
cooperating without break-ups (all-c), so what is measured is the customers' response, not a
partner reacting to a breached clause. Every design runs on the same seeds and market layout
(common random numbers), and every effect is a paired difference seed by seed with a 95%
Student-t interval (`linkages_sim.stats.t_interval`).

(a) For each customer profile (the six importance weights every segment gets) each store
    spends `EXTRA` more per week on one dimension, or spread evenly over all six, against the
    same market without the extra spend.
(b) Every store keeps the seed's SMART greeting standard (help within 30 s, slide 60), free or
    at `GREETER_COST` a week, against no standard (equal weights: the default market). The
    model spends a standard's cost on its dimension (efficiency), so the paid standard is also
    set against the same spend on efficiency without it: what holding the greeting adds.
(c) Every store's manager follows its survey (`largest_gap`) or holds the budget (`none`), at
    the same spend, for each profile.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter

from experiments.common import kpi_values, replicate, spread
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.config.service import DIMENSIONS
from linkages_sim.formatting import compact
from linkages_sim.plots.common import CURRENCY, save_figure, subplots

COMPACT = FuncFormatter(lambda x, _position: compact(x, digits="g", small="g"))

PROFILES: dict[str, dict[str, float]] = {
    # the seed gives no weights: all equal (the model's neutral default)
    "equal": dict.fromkeys(DIMENSIONS, 1.0),
    # Zeithaml, Parasuraman & Berry (1990): customers' 100 points over SERVQUAL's dimensions
    # (reliability 32, responsiveness 22, assurance 19, empathy 16, tangibles 11), mapped onto
    # the seed's: reliability -> trust and execution (16 each), responsiveness -> efficiency,
    # assurance -> trust and knowledge (9.5 each), empathy -> knowledge and control (8 each),
    # tangibles -> choice (the mapping is this experiment's assumption)
    "servqual": {"trust": 25.5, "efficiency": 22.0, "knowledge": 17.5, "control": 8.0,
                 "choice": 11.0, "execution": 16.0},
    # an illustrative convenience shopper: speed counts five times any other dimension
    "convenience": {**dict.fromkeys(DIMENSIONS, 10.0), "efficiency": 50.0},
}  # fmt: skip
"""Importance weights every segment gets in a design (normalised by the model)."""

EXTRA = 1_000.0
"""Extra service spend per store per week in (a): a quarter of the reference spend (4,000)."""
GREETER_COST = 300.0
"""What keeping the 30-second standard costs per store per week in (b): an assumption (about
20 staff hours at 15 currency units), spent on efficiency as the model books standards."""
GREETING_TARGET_S = 30.0
MEASURES = {"profit": ("market", "market", "profit"),
            "revenue": ("market", "market", "revenue"),
            "retention": ("market", "market", "retention_rate")}  # fmt: skip
"""Channel profit and customer spend over the run; weekly retention (annualised below)."""


def market(base: Scenario, profile: str, manager: str = "none") -> Scenario:
    """The base with the service model on, all-c contracts and every segment's weights."""
    data = base.model_dump()
    for c in data["contracts"]:
        c["supplier_strategy"] = c["distributor_strategy"] = "all-c"
        c["trust"]["break_below"] = 0.0
    for segment in data["segments"]:
        segment["service_weights"] = dict(PROFILES[profile])
    data["market"]["service"] = {"manager": manager}
    return edit_scenario(base, **{k: data[k] for k in ("contracts", "segments", "market")},
                         source=f"service_dimensions {profile} {manager}")  # fmt: skip


def raised(scenario: Scenario, dimension: str | None, extra: float = EXTRA) -> Scenario:
    """Every store spends `extra` more per week: all on `dimension`, or evenly (None).

    The distributor's spend per store rises by `extra`; a store's budget shares keep every
    other dimension's spend where it was and put the extra on `dimension`.
    """
    data = scenario.model_dump()
    cost = data["market"]["service"]["cost_shares"]
    spend = {}
    for d in data["distributors"]:
        spend[d["id"]] = d["service_spend_per_store"]
        d["service_spend_per_store"] = spend[d["id"]] + extra
    for store in data["stores"]:
        if dimension is None:
            continue
        s = spend[store["distributor"]]
        store["service_budget"] = {
            j: (s * cost[j] + (extra if j == dimension else 0.0)) / (s + extra) for j in DIMENSIONS
        }
    return edit_scenario(scenario, distributors=data["distributors"], stores=data["stores"],
                         source=f"+{extra:g} on {dimension or 'all'}")  # fmt: skip


def greeting_standard(scenario: Scenario, cost: float) -> Scenario:
    """Every store keeps the seed's standard: greet within 30 s, at `cost` per week."""
    data = scenario.model_dump()
    for store in data["stores"]:
        store["standards"] = [{"id": "greet30", "dimension": "efficiency",
                               "indicator": "greeting_time_s", "target": GREETING_TARGET_S,
                               "cost_per_period": cost}]  # fmt: skip
    return edit_scenario(scenario, stores=data["stores"], source=f"greet30 at {cost:g}")


def designs(base: Scenario) -> dict[str, Scenario]:
    """Every design by name: `PROFILE/base`, `PROFILE/+DIM`, `PROFILE/+even`,
    `PROFILE/listening`, `greet30/free`, `greet30/at cost`, `greet30/spend only`."""
    out: dict[str, Scenario] = {}
    for profile in PROFILES:
        reference = market(base, profile)
        out[f"{profile}/base"] = reference
        out[f"{profile}/+even"] = raised(reference, None)
        out |= {f"{profile}/+{d}": raised(reference, d) for d in DIMENSIONS}
        out[f"{profile}/listening"] = market(base, profile, manager="largest_gap")
    equal = out["equal/base"]
    out["greet30/free"] = greeting_standard(equal, 0.0)
    out["greet30/at cost"] = greeting_standard(equal, GREETER_COST)
    out["greet30/spend only"] = raised(equal, "efficiency", GREETER_COST)
    return out


def values(runs: list, measure: str) -> list[float]:
    """A measure per replication: profit and revenue over the run, retention annualised."""
    found = kpi_values(runs, *MEASURES[measure])
    return [v**52 for v in found] if measure == "retention" else found


def paired(r: dict, arm: str, reference: str) -> dict:
    """Each measure's paired difference, arm minus reference, seed by seed, with its interval.

    Retention in percentage points (annualised), money in currency units over the run.
    """
    out = {}
    for measure in MEASURES:
        a, b = values(r[arm], measure), values(r[reference], measure)
        scale = 100.0 if measure == "retention" else 1.0
        out[measure] = spread([scale * (x - y) for x, y in zip(a, b, strict=True)])
    return out


def run_experiment(out: Path, customers=20_000, seeds=6, seed=42, periods=52,
                   workers=2) -> dict:  # fmt: skip
    """Every design on the same seeds; the paired effects; the figures."""
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers, periods=periods)
    budgets_metrics = tuple(("store", f"budget_{d}") for d in DIMENSIONS)
    r = replicate(designs(base), seeds, seed, workers, metrics=budgets_metrics)
    which = {}
    for profile in PROFILES:
        arms = {arm: paired(r, f"{profile}/{arm}", f"{profile}/base")
                for arm in ("+even", *(f"+{d}" for d in DIMENSIONS))}  # fmt: skip
        ranked = sorted((a for a in arms if a != "+even"),
                        key=lambda a: -arms[a]["profit"]["mean"])  # fmt: skip
        best, runner_up = ranked[0], ranked[1]
        which[profile] = {
            "weights": PROFILES[profile], "uplift_over_base": arms,
            "best_dimension_by_profit": best.removeprefix("+"),
            "runner_up": runner_up.removeprefix("+"),
            "best_minus_runner_up": paired(r, f"{profile}/{best}", f"{profile}/{runner_up}"),
            "best_minus_even": paired(r, f"{profile}/{best}", f"{profile}/+even"),
        }  # fmt: skip
    cost = GREETER_COST * len(base.all_stores) * periods
    free = paired(r, "greet30/free", "equal/base")
    greeting = {
        "free - none": free,
        "at cost - none": paired(r, "greet30/at cost", "equal/base"),
        "at cost - spend only": paired(r, "greet30/at cost", "greet30/spend only"),
        "cost over the run": cost,
        "free - none, less the cost": {k: free["profit"][k] - cost
                                       for k in ("mean", "low", "high")},
        "value per unit of cost": {k: free["profit"][k] / cost for k in ("mean", "low", "high")},
    }  # fmt: skip
    listening = {p: paired(r, f"{p}/listening", f"{p}/base") for p in PROFILES}
    budgets = {p: final_budget(r, f"{p}/listening") for p in PROFILES}
    figure(which, out / "service_dimensions.png", periods)
    policies_figure(greeting, listening, out / "service_dimensions_policies.png", periods)
    return {
        "settings": {"customers": customers, "seeds": seeds, "seed": seed, "periods": periods,
                     "extra_spend_per_store_week": EXTRA, "greeter_cost_per_store_week":
                     GREETER_COST, "profiles": PROFILES, "runs": seeds * len(r)},
        "a_which_dimension_pays": which,
        "b_greeting_standard": greeting,
        "c_listening_vs_holding": listening,
        "c_listening_final_budget_mean_over_stores": budgets,
    }  # fmt: skip


def final_budget(r: dict, design: str) -> dict[str, float]:
    """A design's budget shares in the last week, averaged over stores and seeds."""
    return {d: float(np.mean([t[("store", f"budget_{d}")].iloc[-1].mean() for _, t in r[design]]))
            for d in DIMENSIONS}  # fmt: skip


def _bars(ax, names: list[str], stats: list[dict], colour: str) -> None:
    """Means as bars from zero with their 95% intervals as error bars."""
    means = np.array([s["mean"] for s in stats])
    low = means - np.array([s["low"] for s in stats])
    high = np.array([s["high"] for s in stats]) - means
    ax.bar(names, means, color=colour, edgecolor="black", lw=0.5,
           yerr=np.vstack([low, high]), capsize=3, error_kw={"lw": 1})  # fmt: skip
    ax.axhline(0, color="black", lw=0.8)
    ax.grid(axis="y", alpha=0.3)
    ax.yaxis.set_major_formatter(COMPACT)
    ax.tick_params(axis="x", labelsize=8.5, rotation=30)


def figure(which: dict, path: Path, periods: int) -> None:
    """Profit and retention uplift of each arm over its base, one column per profile."""
    profiles = list(which)
    fig, axes = subplots(2, len(profiles), figsize=(5.0 * len(profiles), 7.6), squeeze=False)
    arms = ["+even", *(f"+{d}" for d in DIMENSIONS)]
    labels = ["evenly", *DIMENSIONS]
    for k, profile in enumerate(profiles):
        up = which[profile]["uplift_over_base"]
        _bars(axes[0][k], labels, [up[a]["profit"] for a in arms], "#1f77b4")
        _bars(axes[1][k], labels, [up[a]["retention"] for a in arms], "#2ca02c")
        weights = PROFILES[profile]
        total = sum(weights.values())
        heavy = ", ".join(f"{d} {w / total:.0%}" for d, w in weights.items()
                          if w / total > 1 / 6 + 1e-9) or "all 1/6"  # fmt: skip
        axes[0][k].set_title(f"{profile} customers ({heavy})", fontsize=10)
        for ax in axes[:, k]:
            for label in ax.get_xticklabels():
                label.set_ha("right")
    axes[0][0].set_ylabel(f"channel profit uplift ({CURRENCY}, {periods} weeks)")
    axes[1][0].set_ylabel("annual retention uplift (percentage points)")
    for ax in axes[1]:
        ax.set_xlabel(f"where each store's extra {EXTRA:,.0f} a week goes")
    fig.suptitle("Raising one service dimension by the same spend, against no extra spend: "
                 "paired differences, mean and 95% interval over seeds", fontsize=11)  # fmt: skip
    save_figure(fig, path)


def policies_figure(greeting: dict, listening: dict, path: Path, periods: int) -> None:
    """(b) the greeting standard's effect, free and at cost; (c) listening against holding."""
    fig, axes = subplots(1, 2, figsize=(11.5, 4.6))
    names = ["free\n- none", f"at {GREETER_COST:,.0f}/week\n- none",
             f"at {GREETER_COST:,.0f}/week\n- same spend,\nno standard"]  # fmt: skip
    _bars(axes[0], names, [greeting[k]["profit"] for k in
                           ("free - none", "at cost - none", "at cost - spend only")],
          "#9467bd")  # fmt: skip
    axes[0].axhline(greeting["cost over the run"], color="#d62728", ls=":", lw=1.2,
                    label="the standard's cost over the run")  # fmt: skip
    axes[0].legend(fontsize=8, loc="best")
    axes[0].set_title("(b) every store greets within 30 s (the seed's standard)", fontsize=10)
    axes[0].set_ylabel(f"channel profit difference ({CURRENCY}, {periods} weeks)")
    _bars(axes[1], [f"{p} customers" for p in listening],
          [listening[p]["profit"] for p in listening], "#ff7f0e")  # fmt: skip
    axes[1].set_title("(c) manager follows the survey (largest gap) vs holds the budget",
                      fontsize=10)  # fmt: skip
    axes[1].set_ylabel(f"channel profit difference ({CURRENCY}, {periods} weeks)")
    axes[1].tick_params(axis="x", rotation=0)
    axes[0].tick_params(axis="x", rotation=0)
    fig.suptitle("Paired differences over seeds, mean and 95% interval", fontsize=11)
    save_figure(fig, path)
