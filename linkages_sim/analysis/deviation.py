"""The relationship as a dynamic game: one-shot deviations on the cooperative path (model.md §5.4).

The payoff matrix (`payoff_matrix`) measures a stationary 2x2 game between fixed action
profiles, and its threshold (T - R) / (T - P) is the folk theorem's for a stage game repeated
unchanged. The market is not such a game: a defection moves state (customers' perceptions and
satisfaction, brand equity, data fit, trust, whether the relationship survives) that outlasts the
period. What decides whether cooperation is self-enforcing here is measured directly, with the
one-shot deviation principle (Fudenberg & Tirole 1991, *Game Theory*, §4.2; Mailath & Samuelson
2006, *Repeated Games and Reputations*, §2.2): a strategy profile is subgame perfect when no
player gains by deviating at a single history and then following its strategy again.

For one contract both parties play the same strategy, tit-for-tat or grim trigger (on the
cooperative path both cooperate at every review). For each party and each review k the market
is run again with that party defecting at review k alone (it cuts corners on its clauses for one
review period) and following its strategy afterwards, reading its own D like any other move: a
tit-for-tat deviator copies the partner's retaliation, a grim deviator turns to defection for
ever once it reads the partner's (`Relationship.deviation`). Everything else is the scenario's.

Each deviation run uses the seed of its cooperative-path run. Every party's strategy and
monitoring draw from their own keyed streams (`rng.Purpose.STRATEGY`, `MONITORING`), as every
customer's draws do, so the two runs are identical up to review k (tested) and the differences
after it are the deviation's effect. Per replication (seeds from `replication_seeds`, each with
its own market layout):

- gain: the deviator's profit in the review period that starts at review k, deviation run
  less cooperative path;
- continuation loss: its profit from the next review to the horizon, cooperative path less
  deviation run (an SLA penalty for the breach is paid at the next review, so it is here);
- net = gain - loss; all three undiscounted and discounted to review k by a per-period factor.

Paired 95% t intervals over the replications (`stats.t_interval`). A deviation *pays* at a
review when the discounted net's interval lies above zero, and does not when it lies below.
Cooperation is a (measured) equilibrium along the path for a party when no review's deviation
pays and every review's is shown not to. On a finite horizon the last review's deviation is not
punished inside it; the reviews from which every deviation pays to the end are the end game
(backward induction) and are reported apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkages_sim.analysis.payoff_matrix import PARTIES, resolve_contract
from linkages_sim.analysis.replication import replication_seeds, run_jobs
from linkages_sim.config.editing import contract_index, edit_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.rng import fresh_seed
from linkages_sim.stats import CONFIDENCE, json_number, t_interval

PARTNERS = ("tft", "grim")
"""The partner strategies: both cooperate on the path and punish a defection they read."""
DEFAULT_DISCOUNT = 0.9 ** (1 / 52)
"""Per-period discount factor: 10% a year over weekly periods (about 0.998)."""
PATH = "path"
"""The `party` of the cooperative-path runs in `DeviationAnalysis.paths`."""
PARTNER_OF = {"supplier": "distributor", "distributor": "supplier"}
MEASURES = ("gain", "loss", "net")

_CONTRACT_METRICS = (
    "supplier_action", "distributor_action", "supplier_trust", "distributor_trust",
    "relationship_active", "sla_penalty_paid_by_supplier", "sla_penalty_paid_by_distributor",
)  # fmt: skip
_FIRM_METRICS = ("profit", "sla_penalty_paid", "sla_penalty_received")


def both_play(scenario: Scenario, contract: str, strategy: str) -> Scenario:
    """A copy of the scenario where both parties of `contract` play `strategy`."""

    def change(data: dict) -> None:
        for c in data["contracts"]:
            if (c["id"] or f"{c['supplier']}-{c['distributor']}") == contract:
                c["supplier_strategy"] = c["distributor_strategy"] = strategy

    return edit_scenario(scenario, change, source="deviation")


@dataclass(frozen=True)
class PathMeasure:
    """Picklable measure of a run: one contract's path, period by period.

    Both parties' profit (their firms' cash change), their firms' SLA penalties paid less
    received on all their contracts (`*_fines`), both actions (1 = C), both trusts, whether the
    relationship is active and the SLA penalties each side paid under the contract.
    """

    supplier: str
    distributor: str
    contract: str

    def __call__(self, model: MarketModel) -> pd.DataFrame:
        """The period x measure table of a finished run."""
        ts = model.timeseries()
        level, who, metric = ts["level"], ts["id"], ts["metric"]
        firm = metric.isin(_FIRM_METRICS) & (
            (level.eq("supplier") & who.eq(self.supplier))
            | (level.eq("distributor") & who.eq(self.distributor))
        )
        contract = level.eq("contract") & who.eq(self.contract) & metric.isin(_CONTRACT_METRICS)
        rows = ts[firm | contract]
        names = rows["metric"].where(rows["level"].eq("contract"),
                                     rows["level"] + "_" + rows["metric"])  # fmt: skip
        table = rows.assign(name=names).pivot(index="period", columns="name", values="value")
        out = pd.DataFrame(index=table.index)
        for party in PARTIES:
            out[f"{party}_profit"] = table[f"{party}_profit"]
            out[f"{party}_fines"] = (table[f"{party}_sla_penalty_paid"]
                                     - table[f"{party}_sla_penalty_received"])  # fmt: skip
        return out.join(table[list(_CONTRACT_METRICS)])


@dataclass(frozen=True)
class DeviationRun:
    """One run: the scenario, its seed and the deviation (None: the cooperative path)."""

    scenario: Scenario
    seed: int
    contract: int
    """The contract's position among the scenario's contracts."""
    deviation: tuple[str, int] | None
    """(party, period of the review at which it defects)."""
    measure: PathMeasure


def run_deviation(job: DeviationRun) -> pd.DataFrame:
    """Build the market, make the party deviate at its review, run it, measure the path.

    Each replication has its own layout (no `structure_seed`): the seed lays out the market too.
    """
    model = MarketModel(job.scenario, seed=job.seed)
    model.relationships[job.contract].deviation = job.deviation
    model.run()
    return job.measure(model)


def review_periods(periods: int, review_every: int) -> list[int]:
    """The periods of a contract's reviews on an unbroken path within the horizon."""
    return list(range(0, periods, review_every))


def compare_paths(
    path: pd.DataFrame, deviated: pd.DataFrame, party: str, at: int, review_every: int,
    discount: float,
) -> dict:  # fmt: skip
    """One replication's deviation at period `at` against the cooperative path.

    The deviator's gain in the review period from `at`, its continuation loss from the next
    review on (both undiscounted and discounted to `at`) and the net; and what the deviation
    did to the contract: a break the path does not have, SLA penalties, the partner's trust at
    the horizon, whether the partner retaliated and then cooperated again.
    """
    partner = PARTNER_OF[party]
    periods = path.index.to_numpy()
    diff = (deviated[f"{party}_profit"] - path[f"{party}_profit"]).to_numpy()
    weight = np.where(periods >= at, discount ** (periods - at).clip(0), 0.0)
    window = (periods >= at) & (periods < at + review_every)
    later = periods >= at + review_every
    broke = (path["relationship_active"] == 1) & (deviated["relationship_active"] == 0)
    after = deviated.loc[deviated.index > at]
    reviews = after[(after.index % review_every == 0) & (after["relationship_active"] == 1)]
    retaliated = reviews[f"{partner}_action"].eq(0)
    forgave = None
    if retaliated.any():
        first = retaliated.idxmax()
        forgave = bool(reviews.loc[reviews.index > first, f"{partner}_action"].eq(1).any())
    paid = f"sla_penalty_paid_by_{party}"
    return {
        "on_path": bool(path.loc[at, f"{party}_action"] == 1 and path.loc[at,
                                                                          "relationship_active"]),
        "gain": float(diff[window].sum()), "loss": float(-diff[later].sum()),
        "net": float(diff[periods >= at].sum()),
        "gain_discounted": float((weight * diff)[window].sum()),
        "loss_discounted": float(-(weight * diff)[later].sum()),
        "net_discounted": float((weight * diff).sum()),
        "broke": bool(broke.any()),
        "broke_at": int(broke.idxmax()) if broke.any() else None,
        "penalty_paid": float(deviated[paid].sum() - path[paid].sum()),
        "partner_trust_change": float(deviated[f"{partner}_trust"].iloc[-1]
                                      - path[f"{partner}_trust"].iloc[-1]),
        "partner_retaliated": bool(retaliated.any()),
        "partner_forgave": forgave,
    }  # fmt: skip


def compare_all(paths: pd.DataFrame, review_every: int, discount: float) -> pd.DataFrame:
    """`compare_paths` for every deviation run in `paths` against its replication's path."""
    runs = {key: frame.set_index("period") for key, frame in
            paths.groupby(["replication", "party", "at"], sort=False)}  # fmt: skip
    rows = []
    for (k, party, at), frame in runs.items():
        if party == PATH:
            continue
        path = runs[(k, PATH, -1)]
        rows.append({"replication": k, "seed": int(frame["seed"].iloc[0]), "party": party,
                     "at": at, **compare_paths(path, frame, party, at, review_every,
                                               discount)})  # fmt: skip
    return pd.DataFrame(rows)


@dataclass
class DeviationAnalysis:
    """One-shot deviations of a contract's parties at every review, over replications."""

    scenario: str
    contract: str
    partner: str
    periods: int
    review_every: int
    replications: int
    seed: int
    customers: int
    discount: float
    runs: pd.DataFrame
    """One row per (replication, party, review): `compare_paths`' measures."""
    paths: pd.DataFrame
    """Every run's path, period by period (`PathMeasure`); `party` is `PATH` on the
    cooperative path, `at` the deviation's period (-1 on the path)."""

    def without_penalties(self) -> DeviationAnalysis:
        """The same runs with every SLA penalty of the two firms taken out.

        Penalties are transfers and nothing in the market depends on cash (model.md §3.7), so
        the scenario with its penalties at zero plays exactly these runs, each firm's profit
        plus the fines it paid less those it received (as `payoff_matrix.sweep_sla` uses).
        """
        paths = self.paths.copy()
        for party in PARTIES:
            paths[f"{party}_profit"] += paths[f"{party}_fines"]
            paths[f"{party}_fines"] = 0.0
            paths[f"sla_penalty_paid_by_{party}"] = 0.0
        return DeviationAnalysis(
            f"{self.scenario} without SLA penalties", self.contract, self.partner, self.periods,
            self.review_every, self.replications, self.seed, self.customers, self.discount,
            compare_all(paths, self.review_every, self.discount), paths,
        )  # fmt: skip

    @property
    def parties(self) -> list[str]:
        """The deviating parties measured."""
        return list(dict.fromkeys(self.runs["party"]))

    def table(self) -> pd.DataFrame:
        """Per party and review: means and paired intervals of gain, loss and net.

        Discounted (the verdict's measure) and, for the net, undiscounted too; whether the
        deviation pays (interval above zero) or not (below); the shares of replications on the
        path and in which the deviation broke the relationship; the SLA penalty it cost.
        """
        rows = []
        for (party, at), group in self.runs.groupby(["party", "at"], sort=False):
            row: dict[str, object] = {"party": party, "review": at // self.review_every,
                                      "period": at}  # fmt: skip
            for name in MEASURES:
                mean, low, high = t_interval(group[f"{name}_discounted"])
                row |= {name: mean, f"{name}_low": low, f"{name}_high": high}
            mean, low, high = t_interval(group["net"])
            row |= {"net_undiscounted": mean, "net_undiscounted_low": low,
                    "net_undiscounted_high": high}  # fmt: skip
            row["pays"] = bool(row["net_low"] > 0)
            row["does_not_pay"] = bool(row["net_high"] < 0)
            forgave = group["partner_forgave"].dropna()
            row |= {"on_path_share": float(group["on_path"].mean()),
                    "break_share": float(group["broke"].mean()),
                    "penalty_paid": float(group["penalty_paid"].mean()),
                    "partner_trust_change": float(group["partner_trust_change"].mean()),
                    "partner_retaliated_share": float(group["partner_retaliated"].mean()),
                    "partner_forgave_share": float(forgave.mean()) if len(forgave) else None}
            rows.append(row)  # fmt: skip
        return pd.DataFrame(rows)

    def verdict(self, party: str) -> dict:
        """Where a deviation pays for `party`, the end game, whether cooperation is an equilibrium.

        `equilibrium` (along the path): True when no review's deviation pays and every one is
        shown not to, False when one pays, None when neither is established.
        `equilibrium_before_end`: the same over the reviews before the end game (the reviews
        from which every deviation pays up to the horizon).
        """
        t = self.table()
        t = t[t["party"] == party].sort_values("review")
        reviews = t["review"].tolist()
        pays = t["pays"].tolist()
        end = len(pays)
        while end > 0 and pays[end - 1]:
            end -= 1
        end_game = reviews[end:] if end < len(reviews) else []

        def judge(part: pd.DataFrame) -> bool | None:
            if part["pays"].any():
                return False
            return True if part["does_not_pay"].all() else None

        return {
            "pays_at": [r for r, p in zip(reviews, pays, strict=True) if p],
            "does_not_pay_at": t.loc[t["does_not_pay"], "review"].tolist(),
            "end_game_from": end_game[0] if end_game else None,
            "equilibrium": judge(t),
            "equilibrium_before_end": judge(t.iloc[:end]) if end else None,
        }

    def as_dict(self) -> dict:
        """A JSON-ready record: settings, the table by party, the verdicts."""
        table = self.table()
        by_party = {}
        for party in self.parties:
            rows = table[table["party"] == party].drop(columns="party")
            by_party[party] = [{k: (json_number(v) if isinstance(v, float) else v)
                                for k, v in row.items()} for row in rows.to_dict("records")]
        return {
            "scenario": self.scenario, "contract": self.contract, "partner": self.partner,
            "periods": self.periods, "review_every": self.review_every,
            "replications": self.replications, "seed": self.seed, "customers": self.customers,
            "discount": self.discount, "confidence": CONFIDENCE,
            "reviews": by_party,
            "verdict": {party: self.verdict(party) for party in self.parties},
        }  # fmt: skip


def deviation_analysis(
    scenario: Scenario,
    contract: str | None = None,
    partner: str = "tft",
    parties: Sequence[str] = PARTIES,
    replications: int = 5,
    seed: int | None = None,
    customers: int | None = None,
    periods: int | None = None,
    discount: float = DEFAULT_DISCOUNT,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> DeviationAnalysis:
    """Run the cooperative path and every one-shot deviation of `parties`, `replications` times.

    Both parties of `contract` (default: the first) play `partner`; the horizon is `periods`
    (default: the scenario's). Replication k uses one seed in the path and in every deviation.
    """
    if partner not in PARTNERS:
        raise ValueError(f"partner must be one of {', '.join(PARTNERS)}, got '{partner}'")
    unknown = [p for p in parties if p not in PARTIES]
    if unknown or not parties:
        raise ValueError(f"parties must be among {', '.join(PARTIES)}, got {list(parties)}")
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if not 0.0 < discount <= 1.0:
        raise ValueError(f"discount must be in (0, 1], got {discount}")
    key = resolve_contract(scenario, contract)
    base = both_play(edit_scenario(scenario, periods=periods, customers=customers), key, partner)
    index = contract_index(base, key)
    spec = base.contracts[index]
    seed = fresh_seed() if seed is None else int(seed)
    seeds = replication_seeds(seed, replications)
    reviews = review_periods(base.periods, spec.review_every)
    measure = PathMeasure(spec.supplier, spec.distributor, key)
    plan = [(k, s, None) for k, s in enumerate(seeds)]
    plan += [(k, s, (party, at)) for k, s in enumerate(seeds) for party in parties
             for at in reviews]  # fmt: skip
    jobs = [DeviationRun(base, s, index, d, measure) for _, s, d in plan]
    results = run_jobs(run_deviation, jobs, workers, progress)
    paths = pd.concat(
        [result.reset_index().assign(replication=k, seed=s, party=dev[0] if dev else PATH,
                                     at=dev[1] if dev else -1)
         for (k, s, dev), result in zip(plan, results, strict=True)], ignore_index=True,
    )  # fmt: skip
    return DeviationAnalysis(
        scenario.name, key, partner, base.periods, spec.review_every, replications, seed,
        base.customers, discount, compare_all(paths, spec.review_every, discount), paths,
    )  # fmt: skip
