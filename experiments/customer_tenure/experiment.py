"""Five points less defection, with and without customer value that grows with tenure.

Reichheld & Sasser (HBR 1990, "Zero Defections") report that 5 percentage points less annual
defection raise profits by 25-85% by industry, because a customer's profit grows with tenure.
This experiment parameterises the market's `tenure_value` block with their credit-card profile
(annual profit per customer 30, 42, 44, 49, 55 in years 1-5), lowers every segment's churn
hazard so that measured annual defection falls from 20% to 15%, and measures the profit change
(the distributors' profit in the last simulated year, and Reichheld's measure: the net present
value of a customer's lifetime profit) with each component switched off in turn and with the
mechanism off. Every seed has its own market layout; the arms of a seed share its random
numbers (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.common import spread
from linkages_sim.analysis.replication import replication_seeds, run_jobs
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.plots.common import save_figure, subplots

SEEDS = 10
CUSTOMERS = 20_000
YEARS = 5
"""Simulated years of a run (default)."""
PERIODS_PER_YEAR = 52
CREDIT_CARD_PROFIT = (30.0, 42.0, 44.0, 49.0, 55.0)
"""Reichheld & Sasser 1990 (credit-card exhibit): profit per customer in years 1-5 (input)."""
ACQUISITION = 51.0
"""Reichheld & Sasser 1990 (credit-card exhibit): acquisition cost per customer, year 0."""
BASE_DEFECTION, LESS_DEFECTION = 0.20, 0.05
"""Annual defection of the baseline (the credit-card exhibit's 20%) and the reduction (input)."""
SPEND_SHARE = 0.5
"""Assumption: share of the profile's growth that comes from increased purchases; the rest
from a lower cost to serve (the source gives no split for the credit-card profile)."""
COST_SHARE = 1.0 / 3.0
"""Assumption: first-year cost to serve as a share of a customer's first-year gross margin."""
REFERRALS = (0.02, 0.04, 0.06, 0.08, 0.10)
"""Assumption: prospects referred per active customer per year in years 1-5 (not in the
source's exhibit, which gives no referral rate)."""
DISCOUNT = 0.05
"""Annual discount rate of the customer-lifetime value (assumption; the source gives none)."""
HORIZON = 30
"""Years summed in the customer-lifetime value; the last year's profit holds after year 5."""
ARMS = ("mechanism off", "all components", "no spend growth", "no cost decline", "no referrals")
COMPONENTS = {"spend growth": "no spend growth", "cost decline": "no cost decline",
              "referrals": "no referrals"}  # fmt: skip
"""Each component, and the arm that switches it off."""
TARGETS = {"base": BASE_DEFECTION, "less": BASE_DEFECTION - LESS_DEFECTION}


@dataclass(frozen=True)
class Yearly:
    """What one run gives, by calendar year and by year of tenure (picklable)."""

    profit: np.ndarray  # per calendar year: the distributors' profit
    gross_margin: np.ndarray  # per calendar year: retail revenue less wholesale
    active_years: np.ndarray  # per calendar year: real active customer-years
    churn_hazard: np.ndarray  # per calendar year: churned / active at the start, per year
    acquired: float  # real customers newly acquired or won back over the run
    marketing: float  # marketing spend over the run
    tenure_profit: np.ndarray  # per year of tenure: margin less cost to serve (real money)
    tenure_active: np.ndarray  # per year of tenure: real active customer-years
    referred: float  # real prospects referred over the run


def _run(job: tuple[Scenario, int]) -> Yearly:
    """Run one arm on one seed, summing the tenure tables every period."""
    scenario, seed = job
    model = MarketModel(scenario, seed=seed)
    weight, ppy = model.customer_weight, PERIODS_PER_YEAR
    years = len(CREDIT_CARD_PROFIT)
    tenure_profit, tenure_active, referred = np.zeros(years), np.zeros(years), 0.0
    for _ in range(scenario.periods):
        model.step()
        for segment, counts in zip(model.segments, model.tenure_counts, strict=True):
            if counts is None:
                continue
            basket = segment.spec.units_per_purchase
            cost = counts.active_by_year * segment.tenure_params.cost
            tenure_profit += weight * (basket * counts.margin_by_year - cost)
            tenure_active += weight * counts.active_by_year / ppy
            referred += weight * segment.referrals[1]
    ts = model.timeseries()

    def yearly(level: str, metric: str) -> np.ndarray:
        rows = ts[(ts["level"] == level) & (ts["metric"] == metric)]
        return rows.groupby(rows["period"] // ppy)["value"].sum().to_numpy()

    def total(level: str, metric: str) -> float:
        return float(yearly(level, metric).sum())

    revenue, cogs = yearly("distributor", "retail_revenue"), yearly("distributor", "cogs")
    active = yearly("market", "customers_active") * weight / ppy
    start = yearly("store", "customers_active_start")
    return Yearly(
        profit=yearly("distributor", "profit"),
        gross_margin=revenue - cogs,
        active_years=active,
        churn_hazard=ppy * yearly("store", "churned") / start,
        acquired=weight * (total("market", "new_customers") + total("market", "won_back")),
        marketing=total("distributor", "marketing_spend"),
        tenure_profit=tenure_profit,
        tenure_active=tenure_active,
        referred=referred,
    )


def calibrate(base: Scenario, run_seeds: list[int], workers: int) -> tuple[dict, float]:
    """Churn factors that give the target defections, and a first-year customer's gross margin.

    A pilot at the scenario's churn gives the hazard per customer-year; scaling it to each
    target is refined once by the pilots at the first factors (the hazard is not quite
    proportional to the factor: fewer dissatisfied customers leave). Without the mechanism, as
    the first year of tenure is.
    """
    pilot = run_jobs(_run, [(base, s) for s in run_seeds], workers)
    hazard = float(np.mean([np.mean(r.churn_hazard[1:]) for r in pilot]))
    margin = float(np.mean([r.gross_margin.sum() / r.active_years.sum() for r in pilot]))
    factors = {level: -math.log(1.0 - d) / hazard for level, d in TARGETS.items()}
    for level, target in TARGETS.items():
        runs = run_jobs(_run, [(churn_scaled(base, factors[level]), s) for s in run_seeds],
                        workers)  # fmt: skip
        measured = float(np.mean([np.mean(r.churn_hazard[1:]) for r in runs]))
        factors[level] *= -math.log(1.0 - target) / measured
    return factors, margin


def defection(run: Yearly) -> float:
    """Annual defection after the first year: 1 - exp(-hazard per active customer-year)."""
    return 1.0 - math.exp(-float(np.mean(run.churn_hazard[1:])))


def churn_scaled(base: Scenario, factor: float) -> Scenario:
    """Every segment's churn hazard times `factor` (the lever that lowers defection)."""

    def change(data: dict) -> None:
        for segment in data["segments"]:
            segment["churn_base"] *= factor
            segment["churn_sensitivity"] *= factor

    return edit_scenario(base, change)


def tenure_block(margin: float, arm: str) -> dict | None:
    """The `tenure_value` block of an arm, from the credit-card profile and `margin`.

    `margin` is a first-year customer's gross margin a year. Profit per customer in year t is
    margin x spend_t - cost_t; spend and cost are set so that it follows the profile's ratios,
    SPEND_SHARE of the growth from spend, the rest from the cost to serve.
    """
    if arm == "mechanism off":
        return None
    ratio = np.array(CREDIT_CARD_PROFIT) / CREDIT_CARD_PROFIT[0]
    first_year = margin * (1.0 - COST_SHARE)
    spend = 1.0 + SPEND_SHARE * first_year * (ratio - 1.0) / margin
    cost = margin * COST_SHARE - (1.0 - SPEND_SHARE) * first_year * (ratio - 1.0)
    block = {"periods_per_year": PERIODS_PER_YEAR, "spend": spend.tolist(),
             "cost_to_serve": cost.tolist(), "referrals": list(REFERRALS)}  # fmt: skip
    if arm == "no spend growth":
        block["spend"] = [1.0]
    elif arm == "no cost decline":
        block["cost_to_serve"] = [float(cost[0])]
    elif arm == "no referrals":
        block["referrals"] = [0.0]
    return block


def with_tenure(base: Scenario, block: dict | None) -> Scenario:
    """`base` with `block` as every segment's `tenure_value`."""

    def change(data: dict) -> None:
        for segment in data["segments"]:
            segment["tenure_value"] = block

    return edit_scenario(base, change)


def lifetime_value(profit: np.ndarray, acquisition: float, defection_rate: float) -> float:
    """Net present value of a customer's lifetime profit (Reichheld & Sasser's measure).

    -acquisition + sum over years t of (1 - defection)^(t-1) profit_t / (1 + DISCOUNT)^t, the
    last year's profit holding to HORIZON.
    """
    years = np.arange(1, HORIZON + 1)
    per_year = np.concatenate([profit, np.full(HORIZON - len(profit), profit[-1])])
    survival = (1.0 - defection_rate) ** (years - 1)
    return float(-acquisition + np.sum(survival * per_year / (1.0 + DISCOUNT) ** years))


def uplift(low: float, high: float) -> float:
    """Relative change from `low` to `high`, in percent of |low|."""
    return 100.0 * (high - low) / abs(low)


def run_experiment(out: Path, customers: int | None = CUSTOMERS, seeds: int = SEEDS,
                   seed: int = 42, workers: int = 1, years: int = YEARS) -> dict:  # fmt: skip
    """Run the pilots and the ten arms for `years`, write the figure, return the headline."""
    out.mkdir(parents=True, exist_ok=True)
    base = edit_scenario(load_scenario("default"), customers=customers,
                         periods=years * PERIODS_PER_YEAR)  # fmt: skip
    run_seeds = replication_seeds(seed, seeds)
    factors, margin = calibrate(base, run_seeds, workers)
    levels = {level: churn_scaled(base, f) for level, f in factors.items()}
    designs = [(arm, level) for arm in ARMS for level in levels]
    scenarios = {d: with_tenure(levels[d[1]], tenure_block(margin, d[0])) for d in designs}
    jobs = [(scenarios[d], s) for d in designs for s in run_seeds]
    runs = run_jobs(_run, jobs, workers)
    by = {d: runs[k * seeds : (k + 1) * seeds] for k, d in enumerate(designs)}

    def clv(r: Yearly, rate: float) -> float:  # without the mechanism: one margin every year
        seen = r.tenure_active > 0  # the years of tenure the run reached
        profit = (r.tenure_profit[seen] / r.tenure_active[seen] if seen.any()
                  else np.array([r.gross_margin.sum() / r.active_years.sum()]))  # fmt: skip
        return lifetime_value(profit, r.marketing / r.acquired, rate)

    def gain(arm: str, k: int, measure) -> float:  # what 5 points less defection adds
        return measure(by[(arm, "less")][k]) - measure(by[(arm, "base")][k])

    def last_profit(r: Yearly) -> float:
        return float(r.profit[-1])

    def own_clv(r: Yearly) -> float:
        return clv(r, defection(r))

    contributions = {}
    for component, arm in COMPONENTS.items():  # the uplift lost when the component is off
        contributions[component] = {
            "profit_last_year_pct_points": spread([
                100.0 * (gain("all components", k, last_profit) - gain(arm, k, last_profit))
                / abs(last_profit(by[("all components", "base")][k])) for k in range(seeds)]),
            "clv_pct_points": spread([
                100.0 * (gain("all components", k, own_clv) - gain(arm, k, own_clv))
                / abs(own_clv(by[("all components", "base")][k])) for k in range(seeds)]),
        }  # fmt: skip
    arms = {}
    for arm in ARMS:
        pairs = list(zip(by[(arm, "base")], by[(arm, "less")], strict=True))
        record = {
            "defection_base": spread([defection(b) for b, _ in pairs]),
            "defection_less": spread([defection(lo) for _, lo in pairs]),
            "profit_uplift_year1_pct": spread([uplift(b.profit[0], lo.profit[0])
                                               for b, lo in pairs]),
            "profit_uplift_last_year_pct": spread([uplift(b.profit[-1], lo.profit[-1])
                                                   for b, lo in pairs]),
            "profit_last_year_base": spread([float(b.profit[-1]) for b, _ in pairs]),
        }  # fmt: skip
        record["acquisition_cost_base"] = spread([b.marketing / b.acquired for b, _ in pairs])
        record["clv_base"] = spread([own_clv(b) for b, _ in pairs])
        record["clv_uplift_pct"] = spread([uplift(own_clv(b), own_clv(lo)) for b, lo in pairs])
        record["referred_per_year_base"] = spread([b.referred / years for b, _ in pairs])
        arms[arm] = record
    all_on = by[("all components", "base")]
    profile = [spread([float(r.tenure_profit[t] / r.tenure_active[t]) for r in all_on])
               for t in range(min(years, len(CREDIT_CARD_PROFIT)))]
    ratio = np.array(CREDIT_CARD_PROFIT) / CREDIT_CARD_PROFIT[0]
    def paper(profit: tuple[float, ...], acquisition: float) -> float:  # % for 20% -> 15%
        return uplift(*(lifetime_value(np.array(profit), acquisition, d) for d in TARGETS.values()))

    analytic = {
        "credit_card_input_profile_pct": paper(CREDIT_CARD_PROFIT, ACQUISITION),
        "credit_card_flat_first_year_profit_pct": paper(CREDIT_CARD_PROFIT[:1], ACQUISITION),
        "credit_card_without_acquisition_cost_pct": paper(CREDIT_CARD_PROFIT, 0.0),
        "credit_card_value_at_20_and_10_pct_defection": [
            lifetime_value(np.array(CREDIT_CARD_PROFIT), ACQUISITION, d) for d in (0.20, 0.10)],
        "input_profit_profile_scaled": (profile[0]["mean"] * ratio[: len(profile)]).tolist(),
    }  # fmt: skip
    _figure(out / "customer_tenure.png", arms, contributions, profile, analytic, seeds, years)
    return {
        "settings": {"customers": base.customers, "seeds": seeds, "seed": seed,
                     "years": years, "layouts": "each seed its own",
                     "first_year_gross_margin_per_customer": margin,
                     "churn_factor": factors,
                     "tenure_value": tenure_block(margin, "all components")},
        "arms": arms,
        "contributions": contributions,
        "profit_per_customer_by_tenure_year": profile,
        "analytic": analytic,
    }  # fmt: skip


def _figure(path: Path, arms: dict, contributions: dict, profile: list[dict], analytic: dict,
            seeds: int, years: int) -> None:  # fmt: skip
    """Uplift with the mechanism off and on and each component's share of it (year-5 profit
    and lifetime value), and profit per customer by year of tenure."""
    fig, axes = subplots(1, 2, figsize=(14, 5.5))
    ax = axes[0]
    names = ["mechanism off", "all components", *COMPONENTS]
    x = np.arange(len(names))
    for offset, key, part, label, colour in (
        (-0.2, "profit_uplift_last_year_pct", "profit_last_year_pct_points",
         f"distributors' profit, year {years}", "#4f81bd"),
        (0.2, "clv_uplift_pct", "clv_pct_points", "customer lifetime value (NPV)", "#9bbb59"),
    ):  # fmt: skip
        figures = [arms[n][key] if n in arms else contributions[n][part] for n in names]
        means = np.array([f["mean"] for f in figures])
        errors = np.array([[f["mean"] - f["low"] for f in figures],
                           [f["high"] - f["mean"] for f in figures]])  # fmt: skip
        ax.bar(x + offset, means, 0.4, yerr=errors if seeds > 1 else None, capsize=4,
               color=colour, label=label)  # fmt: skip
    ax.axhspan(25, 85, color="#f2dcdb", alpha=0.6, zorder=0,
               label="Reichheld & Sasser: +25% to +85%")
    ax.set_xticks(x, ["mechanism\noff", "all\ncomponents",
                      *(f"of which\n{c}" for c in COMPONENTS)])  # fmt: skip
    ax.set_ylabel(f"% change (components: points of it); 95% interval, {seeds} seeds")
    ax.set_title("Profit uplift of 20% -> 15% annual defection (credit-card profile)")
    ax.legend(fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax = axes[1]
    tenure = np.arange(1, len(profile) + 1)
    means = np.array([p["mean"] for p in profile])
    errors = np.array([[p["mean"] - p["low"] for p in profile],
                       [p["high"] - p["mean"] for p in profile]])  # fmt: skip
    ax.bar(tenure, means, yerr=errors if seeds > 1 else None, capsize=4, color="#4f81bd",
           label="simulated (margin less cost to serve)")  # fmt: skip
    ax.plot(tenure, analytic["input_profit_profile_scaled"], "o-", color="#c0504d",
            label="input: credit-card profile 30, 42, 44, 49, 55 (scaled to year 1)")
    ax.set_xlabel("year of tenure")
    ax.set_ylabel("profit per customer-year (money)")
    ax.set_title("Profit per customer by tenure (all components, baseline defection)")
    ax.legend(fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    save_figure(fig, path)
