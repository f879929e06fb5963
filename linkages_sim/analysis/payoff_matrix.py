"""The payoff matrix the market produces for one contract (model.md §5; the seed's dilemma).

The workshop's 2x2 game is not typed in: the market is run under each fixed action profile of
the chosen contract (supplier's action first: CC, CD, DC, DD; `all-c`/`all-d` for the two
parties, the relationship kept alive, every other contract as in the scenario) with common
random numbers: replication k uses the same seed in all four profiles, so the differences
between profiles are the effect of the actions, not of luck. All replications share the market's
layout (where customers live, who starts as whose customer: drawn from `seed`) and differ in
what happens in it; the intervals are thus about this market, not about markets like it. A
party's payoff is its firm's mean profit per period over the horizon.

From the four means: each side's T, R, P, S (temptation, reward, punishment, sucker's payoff),
the class of the game for each side, and the continuation probability above which grim-trigger
cooperation is sustainable, (T - R) / (T - P), if the stage game were stationary. The market's
is not (a defection's costs come later, through customers, brand and trust): whether a
deviation pays in it is measured by `analysis.deviation`. Differences T - R, R - P, P - S get paired
confidence intervals (the replications are paired by seed), which is how an ordering is
established with few runs.

Participation (win-win, seed slide 13: each party earns more than it would alone): a fifth run
per replication plays the market without the contract (`WITHOUT`); a party's surplus in a
profile is its profit there less its profit without the contract and less its outside option
(`Contract.outside_options`), with a paired interval. The contract is win-win under mutual
cooperation when both sides' CC surplus is positive at the confidence level.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import OutsideOptions, Scenario
from linkages_sim.game.stage import GAME_CLASSES, classify
from linkages_sim.market.model import MarketModel
from linkages_sim.rng import fresh_seed
from linkages_sim.stats import CONFIDENCE, json_number, t_interval

PROFILES = ("CC", "CD", "DC", "DD")
"""Action profiles, the supplier's action first."""
WITHOUT = "none"
"""The run without the contract: each party's alternative, for its surplus."""
PARTIES = ("supplier", "distributor")
GAPS = (("T", "R"), ("R", "P"), ("P", "S"))
"""The gaps whose signs order a party's payoffs: all positive in a prisoner's dilemma."""
STRATEGY_FOR = {"C": "all-c", "D": "all-d"}
DEFAULT_PERIODS = 13
"""One quarter: the horizon over which managers and contract reviews judge results."""

# Which profile gives each of a party's four payoffs (supplier's action first in the profile).
PROFILE_OF = {
    "supplier": {"T": "DC", "R": "CC", "P": "DD", "S": "CD"},
    "distributor": {"T": "CD", "R": "CC", "P": "DD", "S": "DC"},
}


def resolve_contract(scenario: Scenario, contract: str | None) -> str:
    """The contract's key; the scenario's first contract when none is given."""
    keys = [c.key for c in scenario.contracts]
    if contract is None:
        return keys[0]
    if contract not in keys:
        raise ValueError(f"unknown contract '{contract}'; contracts: {', '.join(keys)}")
    return contract


def without_contract(scenario: Scenario, contract: str) -> Scenario:
    """A copy of the scenario without the contract (and the interventions that act on it).

    The distributor's stores do not carry the brand and the supplier does not sell through it:
    what each party earns without the relationship, before its outside option.
    """
    data = scenario.model_dump()
    spec = next(c for c in scenario.contracts if c.key == contract)
    data["contracts"] = [
        c for c in data["contracts"]
        if (c["id"] or f"{c['supplier']}-{c['distributor']}") != contract
    ]  # fmt: skip
    data["interventions"] = [
        iv for iv in data["interventions"]
        if iv.get("contract") != contract and not (
            iv.get("supplier") == spec.supplier and iv.get("distributor") == spec.distributor)
    ]  # fmt: skip
    return Scenario.model_validate(data)


def fixed_profile(
    scenario: Scenario, contract: str, profile: str, sla_penalty: float | None = None
) -> Scenario:
    """A copy of the scenario where the contract's parties play `profile` for ever.

    Fixed strategies, trust that never breaks the relationship, and optionally every clause's SLA
    penalty set to `sla_penalty`.
    """
    data = scenario.model_dump()
    for c in data["contracts"]:
        if (c["id"] or f"{c['supplier']}-{c['distributor']}") != contract:
            continue
        c["supplier_strategy"] = STRATEGY_FOR[profile[0]]
        c["distributor_strategy"] = STRATEGY_FOR[profile[1]]
        c["trust"]["break_below"] = 0.0
        if sla_penalty is not None:
            clauses = c["supplier_clauses"] + c["distributor_clauses"]
            if not clauses:
                raise ValueError(f"contract '{contract}' has no clauses to attach a penalty to")
            for clause in clauses:
                clause["penalty"] = float(sla_penalty)
    return Scenario.model_validate(data)


@dataclass(frozen=True)
class ProfitPerPeriod:
    """Picklable measure of a finished run: the two firms' mean profit per period.

    Also how many clause breaches each side was read to commit under the contract.
    """

    supplier: str
    distributor: str
    contract: str

    def __call__(self, model: MarketModel) -> tuple[float, float, int, int]:
        """Measure a finished run: both firms' mean profit per period, and breaches read."""
        periods = max(model.periods_done, 1)
        opening = {f"supplier:{s.id}": s.cash for s in model.spec.suppliers}
        opening |= {f"distributor:{d.id}": d.cash for d in model.spec.distributors}
        profit = [
            (model.ledger.accounts[name].cash - opening[name]) / periods
            for name in (f"supplier:{self.supplier}", f"distributor:{self.distributor}")
        ]
        r = next((r for r in model.relationships if r.key == self.contract), None)
        if r is None:  # the run without the contract
            return profit[0], profit[1], 0, 0
        return profit[0], profit[1], r.breaches_read["supplier"], r.breaches_read["distributor"]


@dataclass(frozen=True)
class StageGame:
    """A sweep measure (`research.sweep`): the contract's stage game at one design point.

    The four fixed action profiles run on the point's scenario with one seed (common random
    numbers: the same layout and draws, only the actions differ), so a design's replications
    are independent markets, each with its own layout. Returns each party's T, R, P, S (profit
    per period), the gaps T-R, R-P, P-S (all positive: a dilemma for that party) and its class
    (an index into `game.stage.GAME_CLASSES`), the game's class (the parties' when they agree,
    else "other") and `dilemma`, 1 when both parties are in a prisoner's dilemma.
    """

    contract: str | None = None
    """The contract's key; the scenario's first when None."""
    sla_penalty: float | None = None
    """Every clause's penalty per breach; None keeps the scenario's."""

    def __call__(self, scenario: Scenario, seed: int) -> dict[str, float]:
        """Run the four profiles with `seed` and classify the game they make."""
        key = resolve_contract(scenario, self.contract)
        spec = next(c for c in scenario.contracts if c.key == key)
        measure = ProfitPerPeriod(spec.supplier, spec.distributor, key)
        profit = {}
        for profile in PROFILES:
            model = MarketModel(fixed_profile(scenario, key, profile, self.sla_penalty), seed=seed)
            model.run()
            profit[profile] = measure(model)[:2]
        out: dict[str, float] = {}
        classes = {}
        for i, party in enumerate(PARTIES):
            p = {k: profit[where][i] for k, where in PROFILE_OF[party].items()}
            classes[party] = classify(*p.values())
            out |= {f"{party}/{k}": v for k, v in p.items()}
            out |= {f"{party}/{a}-{b}": p[a] - p[b] for a, b in GAPS}
            out[f"{party}/class"] = GAME_CLASSES.index(classes[party])
        same = classes["supplier"] == classes["distributor"]
        out["game/class"] = GAME_CLASSES.index(classes["supplier"] if same else "other")
        out["dilemma"] = float(same and classes["supplier"] == "prisoners_dilemma")
        return out


@dataclass
class PayoffMatrix:
    """The four profiles' per-period profits for both parties, replication by replication."""

    scenario: str
    contract: str
    periods: int
    replications: int
    seed: int
    customers: int
    sla_penalty: float | None
    runs: pd.DataFrame
    """One row per (profile, replication): seed, supplier, distributor (profit per period);
    profile `WITHOUT` is the run without the contract."""
    outside: OutsideOptions = field(default_factory=OutsideOptions)
    """The contract's outside options (per period), from the scenario."""

    def surplus(self, party: str) -> dict[str, dict[str, float]]:
        """Per profile: the party's profit over what it earns without the contract.

        Its profit less its profit without the contract and less its outside option, with a
        paired confidence interval (the same seeds).
        """
        table = self._by_profile(party)
        option = getattr(self.outside, party)
        out = {}
        for profile in PROFILES:
            mean, low, high = t_interval((table[profile] - table[WITHOUT] - option).to_numpy())
            out[profile] = {"mean": mean, "ci_low": low, "ci_high": high}
        return out

    @property
    def win_win(self) -> bool:
        """Whether mutual cooperation leaves both sides above their outside options (interval)."""
        return all(self.surplus(party)["CC"]["ci_low"] > 0 for party in PARTIES)

    def summary(self) -> pd.DataFrame:
        """Per profile and party: mean profit per period and its confidence interval."""
        rows = []
        for profile in PROFILES:
            sub = self.runs[self.runs["profile"] == profile]
            for party in PARTIES:
                mean, low, high = t_interval(sub[party].to_numpy())
                rows.append({"profile": profile, "party": party, "mean": mean, "ci_low": low,
                             "ci_high": high})  # fmt: skip
        return pd.DataFrame(rows)

    def _by_profile(self, party: str) -> pd.DataFrame:
        """Replication x profile table of one party's profit."""
        return self.runs.pivot(index="replication", columns="profile", values=party)

    def payoffs(self, party: str) -> dict[str, float]:
        """The party's T, R, P, S (means over replications)."""
        table = self._by_profile(party)
        return {k: float(table[p].mean()) for k, p in PROFILE_OF[party].items()}

    def differences(self, party: str) -> dict[str, dict[str, float]]:
        """T - R, R - P, P - S with paired confidence intervals; all positive for a dilemma."""
        table, where = self._by_profile(party), PROFILE_OF[party]
        out = {}
        for a, b in GAPS:
            mean, low, high = t_interval((table[where[a]] - table[where[b]]).to_numpy())
            out[f"{a}-{b}"] = {"mean": mean, "ci_low": low, "ci_high": high}
        return out

    def game_class(self) -> dict[str, str]:
        """Each side's class of 2x2 game (`classify`), and the game's.

        The game's class is the sides' when they agree, else "other".
        """
        sides = {party: classify(*self.payoffs(party).values()) for party in PARTIES}
        same = sides["supplier"] == sides["distributor"]
        return {**sides, "game": sides["supplier"] if same else "other"}

    def critical_continuation(self, party: str) -> float | None:
        """The critical continuation probability of `party`, (T - R) / (T - P).

        The stationary-game approximation: the folk theorem's threshold for this stage game
        repeated unchanged; `analysis.deviation` measures the state-dependent game itself.

        0 when defecting never tempts; None when mutual cooperation is not better than mutual
        defection (nothing to sustain).
        """
        p = self.payoffs(party)
        if p["T"] <= p["R"]:
            return 0.0
        if p["R"] <= p["P"]:
            return None
        return (p["T"] - p["R"]) / (p["T"] - p["P"])

    def ordering_established(self, party: str) -> dict[str, bool]:
        """Whether T > R > P > S is established at the confidence level, by two tests.

        By the paired differences (all three intervals above zero) and by the profile intervals
        alone (each one entirely above the next).
        """
        paired = all(d["ci_low"] > 0 for d in self.differences(party).values())
        summary = self.summary().set_index(["profile", "party"])
        order = [PROFILE_OF[party][k] for k in "TRPS"]
        separate = all(
            summary.loc[(a, party), "ci_low"] > summary.loc[(b, party), "ci_high"]
            for a, b in itertools.pairwise(order)
        )
        return {"paired_differences": paired, "intervals_separate": separate}

    @property
    def cooperation_dominant(self) -> bool:
        """Cooperating is each side's best reply whatever the other does (R > T and S > P)."""
        return all(
            (p := self.payoffs(party))["R"] > p["T"] and p["S"] > p["P"] for party in PARTIES
        )

    def as_dict(self) -> dict:
        """The matrix as a JSON-ready record: settings, profiles, payoffs, differences, verdicts."""
        summary = self.summary().set_index(["profile", "party"])
        critical = {party: self.critical_continuation(party) for party in PARTIES}
        both = list(critical.values())
        return {
            "scenario": self.scenario, "contract": self.contract, "periods": self.periods,
            "replications": self.replications, "seed": self.seed, "customers": self.customers,
            "sla_penalty": self.sla_penalty, "confidence": CONFIDENCE,
            "profiles": {
                profile: {party: {k: json_number(summary.loc[(profile, party), k])
                                  for k in ("mean", "ci_low", "ci_high")} for party in PARTIES}
                for profile in PROFILES
            },
            "payoffs": {party: self.payoffs(party) for party in PARTIES},
            "differences": {
                party: {gap: {k: json_number(v) for k, v in interval.items()}
                        for gap, interval in self.differences(party).items()}
                for party in PARTIES
            },
            "dilemma_ordering_established": {
                party: self.ordering_established(party) for party in PARTIES
            },
            "game_class": self.game_class(),
            "critical_continuation": None if None in both else max(both),
            "critical_continuation_by_party": critical,
            "cooperation_dominant": self.cooperation_dominant,
            "outside_options": self.outside.model_dump(),
            "surplus_over_outside_option": {
                party: {profile: {k: json_number(v) for k, v in interval.items()}
                        for profile, interval in self.surplus(party).items()}
                for party in PARTIES
            },
            "win_win": self.win_win,
        }  # fmt: skip


def payoff_matrix(
    scenario: Scenario,
    contract: str | None = None,
    periods: int = DEFAULT_PERIODS,
    replications: int = 10,
    seed: int | None = None,
    sla_penalty: float | None = None,
    customers: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> PayoffMatrix:
    """Run the four fixed profiles `replications` times each, with common random numbers."""
    return sweep_sla(scenario, [sla_penalty], contract, periods, replications, seed, customers,
                     workers, progress)[0]  # fmt: skip


def sweep_sla(
    scenario: Scenario,
    penalties: Sequence[float | None],
    contract: str | None = None,
    periods: int = DEFAULT_PERIODS,
    replications: int = 10,
    seed: int | None = None,
    customers: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[PayoffMatrix]:
    """One payoff matrix per SLA penalty, all on the same seeds (common random numbers).

    A penalty of None stands for the scenario's own penalties.

    SLA penalties are transfers between the two parties: nothing in the market depends on cash,
    so they change the payoffs but not what happens. The four profiles are therefore run once
    with the contract's penalties at zero, counting the breaches read at each review, and each
    penalty's payoffs follow exactly: profit - penalty x (own breaches - other's breaches).
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if periods < 1:
        raise ValueError(f"periods must be >= 1, got {periods}")
    key = resolve_contract(scenario, contract)
    spec = next(c for c in scenario.contracts if c.key == key)
    base = edit_scenario(scenario, periods=periods, customers=customers)
    seed = fresh_seed() if seed is None else int(seed)
    seeds = replication_seeds(seed, replications)
    measure = ProfitPerPeriod(spec.supplier, spec.distributor, key)
    jobs, index = [], []
    designs = [None] if all(p is None for p in penalties) else [None, 0.0]
    for design in dict.fromkeys(d for d in designs if d is not None or None in penalties):
        for profile in PROFILES:
            variant = fixed_profile(base, key, profile, design)
            for k, s in enumerate(seeds):
                jobs.append((variant, s))
                index.append((design, profile, k, s))
    alone = without_contract(base, key)
    for k, s in enumerate(seeds):  # no contract, no penalties: one run serves every design
        jobs.append((alone, s))
        index.append(("alone", WITHOUT, k, s))
    results = run_many(jobs, measure, workers, progress, structure_seed=seed)
    rows = pd.DataFrame(
        [(*i, *r) for i, r in zip(index, results, strict=True)],
        columns=["design", "profile", "replication", "seed", "supplier", "distributor",
                 "supplier_breaches", "distributor_breaches"],
    )  # fmt: skip
    alone_rows = rows[rows["design"].eq("alone")]
    rows = rows[~rows["design"].eq("alone")]
    matrices = []
    for penalty in penalties:
        if penalty is None:
            runs = rows[rows["design"].isna()].copy()
        else:
            runs = rows[rows["design"] == 0.0].copy()
            net = penalty * (runs["supplier_breaches"] - runs["distributor_breaches"]) / periods
            runs["supplier"] -= net
            runs["distributor"] += net
        runs = pd.concat([runs, alone_rows]).drop(columns="design").reset_index(drop=True)
        matrices.append(PayoffMatrix(
            scenario.name, key, periods, replications, seed, base.customers, penalty, runs,
            spec.outside_options,
        ))  # fmt: skip
    return matrices


def sweep_table(matrices: Sequence[PayoffMatrix]) -> pd.DataFrame:
    """One row per penalty and party: T, R, P, S, the class, and `cooperation_dominant`.

    The last says whether cooperating is then each side's best reply.
    """
    rows = []
    for m in matrices:
        classes = m.game_class()
        for party in PARTIES:
            rows.append({"penalty": m.sla_penalty, "party": party, **m.payoffs(party),
                         "class": classes[party], "game": classes["game"],
                         "cooperation_dominant": m.cooperation_dominant})  # fmt: skip
    return pd.DataFrame(rows)


def dilemma_gone_at(matrices: Sequence[PayoffMatrix]) -> float | None:
    """The smallest penalty from which cooperating is each side's best reply.

    Cooperating must stay the best reply at every larger penalty swept; None if that never
    happens.
    """
    gone = None
    for m in sorted(matrices, key=lambda m: m.sla_penalty or 0.0, reverse=True):
        if not m.cooperation_dominant:
            break
        gone = m.sla_penalty
    return gone


def parse_sweep(text: str) -> list[float]:
    """``"0:20000:2500"`` -> [0, 2500, ..., 20000] (inclusive of MAX when on the grid)."""
    try:
        start, stop, step = (float(x) for x in text.split(":"))
    except ValueError:
        raise ValueError(f"--sweep-sla must be MIN:MAX:STEP, got '{text}'") from None
    if step <= 0 or stop < start or start < 0:
        raise ValueError(f"--sweep-sla needs 0 <= MIN <= MAX and STEP > 0, got '{text}'")
    count = int(np.floor((stop - start) / step + 1e-9)) + 1
    if count > 200:
        raise ValueError(f"--sweep-sla '{text}' has {count} points; use at most 200")
    return [start + k * step for k in range(count)]
