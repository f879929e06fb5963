"""Was it worth it? Each intervention against a counterfactual run without it (model.md §6).

For every intervention of a scenario the market is run twice per replication: with only that
intervention enabled, and with none (the counterfactual). Both runs of a replication use the
same seed and the same market layout (common random numbers), and interventions draw no random
numbers, so the difference between them is the intervention's effect, exactly: one that changes
nothing shows an uplift of exactly zero. Uplifts get t confidence intervals over replications.

The return is the paying distributor's profit uplift (costs included) per unit of cost; the
opportunity cost is the channel-profit uplift of the best alternative among the scenario's
interventions, the value given up by choosing this one instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from linkages_sim.analysis.kpis import kpis
from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import Intervention, Scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.rng import check_seed
from linkages_sim.stats import json_number, t_interval

COUNTERFACTUAL = "(none)"
NOTHING = "doing nothing"
"""The alternative every intervention is also judged against (an uplift of zero)."""
MEASURES = (
    # (name, level, id of the level or a role, kpi)
    ("channel_profit", "market", "market", "profit"),
    ("market_revenue", "market", "market", "revenue"),
    ("market_retention_rate", "market", "market", "retention_rate"),
    ("owner_revenue", "distributor", "owner", "revenue"),
    ("owner_profit", "distributor", "owner", "profit"),
    ("owner_market_share_value", "distributor", "owner", "market_share_value"),
    ("owner_retention_rate", "distributor", "owner", "retention_rate"),
    ("brand_equity", "supplier", "brand", "brand_equity"),
)
"""What is compared: the market, the distributor that pays for the intervention (its owner),
and the brand it concerns (all brands' mean when it names none)."""


def owner_of(scenario: Scenario, iv: Intervention) -> str:
    """The distributor that decides on and pays for the intervention."""
    if iv.distributor is not None:
        return iv.distributor
    if iv.contract is not None:
        return next(c.distributor for c in scenario.contracts if c.key == iv.contract)
    if iv.new_store is not None:
        return iv.new_store.distributor
    return next(s.distributor for s in scenario.all_stores if s.id == iv.store)


def only(scenario: Scenario, keep: str | None) -> Scenario:
    """The scenario with every intervention but `keep` disabled (None: all disabled)."""
    data = scenario.model_dump()
    for iv in data["interventions"]:
        iv["enabled"] = iv["id"] == keep
    return Scenario.model_validate(data)


@dataclass(frozen=True)
class RunKPIs:
    """Picklable measure: the run's KPIs and what each intervention cost.

    The KPIs are those of the market, the distributors and the suppliers.
    """

    def __call__(self, model: MarketModel) -> tuple[pd.DataFrame, dict[str, float]]:
        """Measure a finished run: its KPI frame and each intervention's cost paid."""
        frame = kpis(model.timeseries(), model.spec)
        frame = frame[frame["level"].isin(["market", "distributor", "supplier"])]
        return frame.reset_index(drop=True), dict(model.effects.paid)


@dataclass
class Evaluation:
    """Uplifts of every intervention, replication by replication, and their summaries."""

    scenario: Scenario
    replications: int
    seed: int
    uplifts: pd.DataFrame
    """One row per (intervention, replication, measure): treated, counterfactual, uplift."""
    costs: dict[str, float]

    def table(self) -> pd.DataFrame:
        """Per intervention and measure: mean uplift and its confidence interval (tidy)."""
        rows = []
        for (iv, measure), g in self.uplifts.groupby(["intervention", "measure"], sort=False):
            mean, low, high = t_interval(g["uplift"].to_numpy())
            base = g["counterfactual"].mean()
            rows.append({"intervention": iv, "measure": measure, "uplift": mean, "ci_low": low,
                         "ci_high": high, "counterfactual": base})  # fmt: skip
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Per intervention: cost, return, channel uplift, opportunity cost and the verdict.

        The verdict has two parts, each judged with the 95% interval the evaluation reports:
        `pays_its_cost` ("yes", "no" or "unclear") asks whether the owner's profit uplift,
        costs included, is above zero (its interval above zero: yes; below: no; containing
        zero: unclear); `best_option` ("yes", "tied" or "no") asks whether its channel-profit
        uplift beats the best alternative (the other intervention with the largest mean
        channel uplift, or doing nothing if none is positive), judged by the paired interval
        of the difference (`margin`, `margin_low`, `margin_high`). With one replication there
        is no interval and the means decide.
        """
        t = self.table().set_index(["intervention", "measure"])
        ids = [iv.id for iv in self.scenario.interventions]
        channel = {i: float(t.loc[(i, "channel_profit"), "uplift"]) for i in ids}
        by_rep = self.uplifts[self.uplifts["measure"] == "channel_profit"].pivot(
            index="replication", columns="intervention", values="uplift")
        rows = []
        for iv in self.scenario.interventions:
            cost = self.costs[iv.id]
            owner = t.loc[(iv.id, "owner_profit")]
            gain = float(owner["uplift"])
            others = {j: channel[j] for j in ids if j != iv.id}
            best_other = max(others.values(), default=0.0)
            alternative = (max(others, key=others.__getitem__) if best_other > 0
                           else NOTHING)  # fmt: skip
            rival = (by_rep[alternative] if alternative != NOTHING
                     else 0.0 * by_rep[iv.id])  # fmt: skip
            margin = t_interval((by_rep[iv.id] - rival).to_numpy())
            rows.append({
                "intervention": iv.id, "kind": iv.kind, "owner": owner_of(self.scenario, iv),
                "cost": cost, "owner_profit_uplift": gain,
                "return_on_cost": gain / cost if cost > 0 else float("nan"),
                "channel_profit_uplift": channel[iv.id],
                "opportunity_cost": max(0.0, best_other),
                "pays_its_cost": _sign(gain, owner["ci_low"], owner["ci_high"],
                                       ("yes", "no", "unclear")),
                "best_option": _sign(*margin, ("yes", "no", "tied")),
                "best_alternative": alternative, "margin": margin[0], "margin_low": margin[1],
                "margin_high": margin[2],
            })  # fmt: skip
            rows[-1]["verdict"] = verdict(rows[-1])
        return pd.DataFrame(rows)

    def as_dict(self) -> dict:
        """The evaluation as a JSON-ready record (NaN as None): settings, summary and uplifts."""

        def clean(x):
            return json_number(x) if isinstance(x, float) else x

        return {
            "scenario": self.scenario.name, "replications": self.replications,
            "seed": self.seed, "periods": self.scenario.periods,
            "customers": self.scenario.customers,
            "interventions": [
                {k: clean(v) for k, v in row.items()} for row in self.summary().to_dict("records")
            ],
            "uplifts": [{k: clean(v) for k, v in row.items()}
                        for row in self.table().to_dict("records")],
        }  # fmt: skip


def verdict(row: dict) -> str:
    """A summary row's verdict in words: how it ranks for the channel, whether it pays."""
    alternative = row["best_alternative"]
    best = {"yes": "the best option", "tied": f"tied with {alternative}",
            "no": f"{alternative} is better"}[row["best_option"]]  # fmt: skip
    pays = {"yes": "pays its cost", "no": "does not pay its cost",
            "unclear": "may not pay its cost"}[row["pays_its_cost"]]  # fmt: skip
    return f"{best}; {pays}"


def _sign(mean: float, low: float, high: float, words: tuple[str, str, str]) -> str:
    """Which of three words a value with its interval earns: above zero, below, or unclear.

    words[2] when the interval holds zero; without an interval (one replication) the mean
    decides, and zero counts as below.
    """
    if low != low or high != high:
        return words[0] if mean > 0 else words[1]
    if low > 0:
        return words[0]
    return words[1] if high < 0 else words[2]


def _value(frame: pd.DataFrame, level: str, who: str | list[str], kpi: str) -> float:
    rows = frame[(frame["level"] == level) & (frame["kpi"] == kpi)]
    rows = rows[rows["id"].isin([who] if isinstance(who, str) else who)]
    return float(rows["value"].mean())


def evaluate(
    scenario: Scenario,
    replications: int = 5,
    seed: int | None = None,
    customers: int | None = None,
    periods: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Every intervention of `scenario` against the counterfactual without any.

    `seed` defaults to the scenario's, as in `run()`, so two identical calls give identical
    numbers.
    """
    if not scenario.interventions:
        raise ValueError(f"scenario '{scenario.name}' has no interventions to evaluate")
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    base = edit_scenario(scenario, periods=periods, customers=customers)
    seed = check_seed(base.seed if seed is None else seed)
    seeds = replication_seeds(seed, replications)
    designs = [COUNTERFACTUAL, *(iv.id for iv in base.interventions)]
    jobs = [(only(base, None if d == COUNTERFACTUAL else d), s) for d in designs for s in seeds]
    results = run_many(jobs, RunKPIs(), workers, progress, structure_seed=seed)
    by_design = {
        d: results[k * replications : (k + 1) * replications] for k, d in enumerate(designs)
    }
    suppliers = [s.id for s in base.suppliers]
    rows = []
    costs = {iv.id: 0.0 for iv in base.interventions}
    for iv in base.interventions:
        who = {"market": "market", "owner": owner_of(base, iv),
               "brand": iv.supplier or suppliers}  # fmt: skip
        for rep, ((treated, paid), (control, _)) in enumerate(
            zip(by_design[iv.id], by_design[COUNTERFACTUAL], strict=True)
        ):
            costs[iv.id] += paid[iv.id] / replications
            for name, level, role, kpi in MEASURES:
                t = _value(treated, level, who[role], kpi)
                c = _value(control, level, who[role], kpi)
                rows.append((iv.id, rep, seeds[rep], name, t, c, t - c))
    uplifts = pd.DataFrame(rows, columns=["intervention", "replication", "seed", "measure",
                                          "treated", "counterfactual", "uplift"])  # fmt: skip
    return Evaluation(base, replications, seed, uplifts, costs)
