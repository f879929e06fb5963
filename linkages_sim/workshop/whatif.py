"""The facilitator's what-if: the market's payoff matrix of a contract, at any horizon and penalty.

`analysis.payoff_matrix` runs the four fixed action profiles of a contract (CC, CD, DC, DD,
the supplier's action first) with common random numbers and reads each firm's mean profit per
period over a horizon. Moving a slider on the projector must not mean running the market
again, so the four profiles are run **once**, for `weeks` periods, with every clause's SLA
penalty at zero, and each run keeps, week by week, both firms' cumulative profit and the
clause breaches each side was read to commit at the reviews so far. Then any horizon H (the
first H weeks) and any penalty x per breached clause give the matrix exactly as a direct
``sweep_sla(scenario, [x], contract, periods=H, ...)`` with the same seeds would:

* the first H weeks of a run are the run of H weeks: nothing in the market reads how long the
  run will last;
* SLA penalties are transfers and nothing in the market depends on cash, so a penalty changes
  the payoffs, not what happens; a breach read at the review of week t is paid in week t
  (`MarketModel.relationship_round`), so over the first H weeks a party pays x for each of its
  breaches read so far: profit - x (own breaches - other's breaches) / H per week, which is how
  `sweep_sla` derives its penalties, in the same arithmetic.

The runs are `sweep_sla`'s: replication k uses ``replication_seeds(seed, replications)[k]`` in
all four profiles and every run shares the market layout of ``seed`` (``structure_seed``).
An ``introduce_sla`` intervention on the contract is removed, so that the slider is the only
penalty. A contract without clauses reads no breach: its penalty changes nothing.

Each side's game is classified by `game.stage.classify`, and each side's threshold is the
smallest penalty above which cooperating is its best reply whatever the other does (R > T and
S > P): the payoffs are linear in the penalty, so it is solved, not searched. The same
arithmetic runs in the facilitator's page (static/whatif.js) on the record `as_dict`
sends once, and so does `established`: whether each side's class holds at 95% by the paired
intervals of its gaps T - R, R - P, P - S (the four profiles share each replication's seeds).
Pure computation, apart from taking `channel.MARKET_LOCK` around every build and period: the
server runs this in a worker thread while the event loop may simulate too.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from linkages_sim.analysis.payoff_matrix import (
    PARTIES,
    PROFILE_OF,
    PROFILES,
    PayoffMatrix,
    fixed_profile,
    resolve_contract,
)
from linkages_sim.analysis.replication import replication_seeds
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.game.stage import classify
from linkages_sim.market.model import MarketModel
from linkages_sim.stats import CONFIDENCE, t_interval
from linkages_sim.workshop.channel import MARKET_LOCK

DEFAULT_CUSTOMERS = 5_000
"""Simulated customers of the what-if runs: a modest size, so that the matrix is there in
seconds (common random numbers keep the comparison between profiles tight)."""
DEFAULT_REPLICATIONS = 5
DEFAULT_WEEKS = 52
DEFAULT_HORIZON = 13
"""One quarter, as `payoff_matrix`'s default."""
MAX_PENALTY = 20_000.0
"""The top of the page's penalty slider (per breached clause)."""
MAX_REPLICATIONS = 20
MAX_WEEKS = 104


@dataclass(frozen=True)
class WhatIfSize:
    """How big the what-if runs are: part of what the server caches a what-if by."""

    customers: int = DEFAULT_CUSTOMERS
    replications: int = DEFAULT_REPLICATIONS
    weeks: int = DEFAULT_WEEKS

    def __post_init__(self) -> None:
        """Refuse sizes that would keep a worker busy for minutes or mean nothing."""
        if not 10 <= self.customers <= 200_000:
            raise ValueError("what-if customers must be from 10 to 200,000")
        if not 1 <= self.replications <= MAX_REPLICATIONS:
            raise ValueError(f"what-if replications must be from 1 to {MAX_REPLICATIONS}")
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise ValueError(f"what-if weeks must be from 1 to {MAX_WEEKS}")


@dataclass(frozen=True)
class ProfileRun:
    """One run of a fixed profile: cumulative profit and breaches read, after each week.

    ``profit[t]`` is (supplier, distributor) cash after week t less their opening cash (the
    numerator of `ProfitPerPeriod` for a run of t + 1 weeks); ``breaches[t]`` the clauses of
    each side read as breached at the reviews of weeks 0..t.
    """

    profit: np.ndarray
    breaches: np.ndarray


def run_profile(
    scenario: Scenario, seed: int, structure_seed: int, contract: str,
    lock: AbstractContextManager | None = None,
) -> ProfileRun:  # fmt: skip
    """Play a fixed-profile scenario week by week, reading both parties after each week.

    ``lock`` is held around the build and each week (default `channel.MARKET_LOCK`).
    """
    guard = MARKET_LOCK if lock is None else lock
    spec = next(c for c in scenario.contracts if c.key == contract)
    names = (f"supplier:{spec.supplier}", f"distributor:{spec.distributor}")
    with guard:
        model = MarketModel(scenario, seed=seed, structure_seed=structure_seed)
    opening = (  # as `ProfitPerPeriod` reads them
        next(s.cash for s in model.spec.suppliers if s.id == spec.supplier),
        next(d.cash for d in model.spec.distributors if d.id == spec.distributor),
    )
    r = next(r for r in model.relationships if r.key == contract)
    weeks = scenario.periods
    profit = np.empty((weeks, 2))
    breaches = np.empty((weeks, 2), dtype=np.int64)
    for t in range(weeks):
        with guard:
            model.step()
        profit[t] = [model.ledger.accounts[n].cash - o for n, o in zip(names, opening, strict=True)]
        breaches[t] = [r.breaches_read["supplier"], r.breaches_read["distributor"]]
    return ProfileRun(profit, breaches)


@contextmanager
def one_numba_thread() -> Iterator[None]:
    """Run the market's parallel kernels on one thread here, as `analysis.replication` workers do.

    Results do not change; the what-if then takes one core, not both, beside the event loop
    and the room's own rounds, and a busy machine does not stall its kernels (a parallel
    kernel waits for its slowest thread). Numba's thread count is per calling thread; the
    previous one is restored.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _penalty_free(scenario: Scenario, contract: str) -> Scenario:
    """The scenario without ``introduce_sla`` interventions on the contract: the slider decides."""
    data = scenario.model_dump()
    data["interventions"] = [
        iv for iv in data["interventions"]
        if not (iv["kind"] == "introduce_sla" and iv.get("contract") == contract)
    ]  # fmt: skip
    return Scenario.model_validate(data)


def compute_whatif(
    scenario: Scenario,
    contract: str | None = None,
    size: WhatIfSize | None = None,
    seed: int | None = None,
    lock: AbstractContextManager | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WhatIf:
    """Run the contract's four fixed profiles once, each replication with its own seed.

    ``seed`` defaults to the scenario's own; ``lock`` to `channel.MARKET_LOCK`. The runs use
    one numba thread (`one_numba_thread`).
    """
    size = size or WhatIfSize()
    key = resolve_contract(scenario, contract)
    spec = next(c for c in scenario.contracts if c.key == key)
    seed = scenario.seed if seed is None else int(seed)
    started = time.perf_counter()
    base = _penalty_free(edit_scenario(scenario, periods=size.weeks, customers=size.customers), key)
    design = 0.0 if spec.clauses else None  # no clause: nothing to attach a penalty to
    seeds = replication_seeds(seed, size.replications)
    profit = np.empty((len(PROFILES), size.replications, size.weeks, 2))
    breaches = np.empty((len(PROFILES), size.replications, size.weeks, 2), dtype=np.int64)
    done, total = 0, len(PROFILES) * size.replications
    with one_numba_thread():
        for i, profile in enumerate(PROFILES):
            variant = fixed_profile(base, key, profile, design)
            for k, s in enumerate(seeds):
                run = run_profile(variant, s, seed, key, lock)
                profit[i, k], breaches[i, k] = run.profit, run.breaches
                done += 1
                if progress is not None:
                    progress(done, total)
    suppliers = {s.id: s.label for s in scenario.suppliers}
    distributors = {d.id: d.label for d in scenario.distributors}
    return WhatIf(
        scenario=scenario.name, contract=key, supplier=spec.supplier,
        distributor=spec.distributor, supplier_name=suppliers[spec.supplier],
        distributor_name=distributors[spec.distributor], size=size, seed=seed, seeds=seeds,
        clauses=len(spec.clauses), review_every=spec.review_every, profit=profit,
        breaches=breaches, seconds=time.perf_counter() - started,
    )  # fmt: skip


@dataclass(frozen=True)
class WhatIf:
    """The four profiles' runs of one contract, from which any (horizon, penalty) matrix follows.

    ``profit[profile, replication, week]`` holds both firms' cumulative profit and
    ``breaches[...]`` both sides' cumulative breaches read, profiles in `PROFILES` order.
    """

    scenario: str
    contract: str
    supplier: str
    distributor: str
    supplier_name: str
    distributor_name: str
    size: WhatIfSize
    seed: int
    seeds: list[int]
    clauses: int
    review_every: int
    profit: np.ndarray
    breaches: np.ndarray
    seconds: float

    def _check(self, horizon: int, penalty: float) -> None:
        if isinstance(horizon, bool) or not 1 <= int(horizon) <= self.size.weeks:
            raise ValueError(f"horizon must be from 1 to {self.size.weeks} weeks, got {horizon}")
        if not (math.isfinite(penalty) and penalty >= 0):
            raise ValueError(f"the penalty must be a number >= 0, got {penalty}")

    def matrix(self, horizon: int, penalty: float = 0.0) -> PayoffMatrix:
        """The payoff matrix over the first ``horizon`` weeks with ``penalty`` per breach.

        Each replication's profit per week, less the penalties it paid net of those it
        received, in `sweep_sla`'s arithmetic; a `PayoffMatrix` (no run without the contract,
        so not its surplus).
        """
        self._check(horizon, penalty)
        t = int(horizon) - 1
        rows = []
        for i, profile in enumerate(PROFILES):
            for k, s in enumerate(self.seeds):
                supplier, distributor = self.profit[i, k, t] / horizon
                own, other = self.breaches[i, k, t]
                rows.append((profile, k, s, supplier, distributor, int(own), int(other)))
        runs = pd.DataFrame(rows, columns=["profile", "replication", "seed", "supplier",
                                           "distributor", "supplier_breaches",
                                           "distributor_breaches"])  # fmt: skip
        net = penalty * (runs["supplier_breaches"] - runs["distributor_breaches"]) / horizon
        runs["supplier"] -= net
        runs["distributor"] += net
        return PayoffMatrix(self.scenario, self.contract, int(horizon), self.size.replications,
                            self.seed, self.size.customers, float(penalty), runs)  # fmt: skip

    def classes(self, horizon: int, penalty: float = 0.0) -> dict[str, str]:
        """Each side's class of game (`classify`) at this horizon and penalty, and the game's."""
        return self.matrix(horizon, penalty).game_class()

    def established(self, horizon: int, penalty: float = 0.0) -> dict[str, dict]:
        """Per side, whether its class (by the means) is established by paired 95% intervals.

        The gaps T - R, R - P, P - S are paired per replication (the four profiles share each
        replication's seeds): `PayoffMatrix.differences`, Student-t intervals of the
        per-replication gaps (`stats.t_interval`). The class is established when each comparison
        that defines it (`DEFINING`: T > R > P > S for a prisoner's dilemma, R > T and S > P for
        harmony, ...) holds at 95%: the interval of its paired difference lies above zero; "other"
        has nothing to establish. With one replication there is no interval.
        Each side's dict holds ``class``, ``gaps`` ({"T-R": {mean, ci_low, ci_high}, ...}),
        ``established``, ``unsettled`` (the gaps whose interval does not) and ``verdict``, the
        sentence the facilitator's page shows (static/whatif.js builds the same).
        """
        m = self.matrix(horizon, penalty)
        out: dict[str, dict] = {}
        for party in PARTIES:
            kind = classify(*m.payoffs(party).values())
            gaps = m.differences(party)
            table, where = m.runs.pivot(index="replication", columns="profile", values=party), (
                PROFILE_OF[party])  # fmt: skip
            checks = {}
            for a, b in DEFINING[kind]:  # the comparisons the class is made of, each a > b
                mean, low, high = t_interval((table[where[a]] - table[where[b]]).to_numpy())
                checks[f"{a}-{b}"] = {"mean": mean, "ci_low": low, "ci_high": high}
            unsettled = [k for k, g in checks.items() if not g["ci_low"] > 0]
            if kind == "other":
                unsettled = ["class"]
            gaps = {**gaps, **{k: g for k, g in checks.items() if k not in gaps}}
            out[party] = {
                "class": kind, "gaps": gaps, "established": not unsettled,
                "unsettled": unsettled,
                "verdict": _verdict(kind, gaps, unsettled, self.size.replications),
            }  # fmt: skip
        return out

    def threshold(self, horizon: int) -> dict[str, float | None]:
        """Per side, the penalty above which cooperating is its best reply (R > T and S > P).

        0 when it already is at no penalty (and stays so as it grows); None when no penalty
        makes it so for good (a gap that no penalty moves, or one the penalty narrows). The payoffs
        are linear in the penalty: each gap is a + b x, positive for every x above -a / b when
        b > 0.
        """
        self._check(horizon, 0.0)
        t = int(horizon) - 1
        base = self.matrix(horizon, 0.0)
        net = (self.breaches[:, :, t, 0] - self.breaches[:, :, t, 1]).mean(axis=1) / horizon
        out: dict[str, float | None] = {}
        for j, party in enumerate(PARTIES):
            p = base.payoffs(party)
            sign = -1.0 if j == 0 else 1.0  # the supplier pays its net breaches, the other receives
            slope = {k: sign * net[PROFILES.index(where)] for k, where in PROFILE_OF[party].items()}
            bound: float | None = 0.0
            for good, bad in (("R", "T"), ("S", "P")):
                a, b = p[good] - p[bad], slope[good] - slope[bad]
                if b > 0:
                    bound = None if bound is None else max(bound, -a / b)
                elif a <= 0 or b < 0:
                    bound = None
            out[party] = bound
        return out

    def as_dict(self) -> dict:
        """The record the facilitator's page computes every matrix from (JSON-ready).

        Per profile and replication, week by week: each firm's cumulative profit and each
        side's cumulative breaches read.
        """
        return {
            "scenario": self.scenario, "contract": self.contract,
            "supplier": self.supplier, "distributor": self.distributor,
            "supplier_name": self.supplier_name, "distributor_name": self.distributor_name,
            "customers": self.size.customers, "replications": self.size.replications,
            "weeks": self.size.weeks, "seed": self.seed, "seeds": list(self.seeds),
            "clauses": self.clauses, "review_every": self.review_every,
            "default_horizon": min(DEFAULT_HORIZON, self.size.weeks),
            "max_penalty": MAX_PENALTY, "seconds": round(self.seconds, 3),
            "profiles": list(PROFILES),
            "profit": {p: {party: self.profit[i, :, :, j].tolist()
                           for j, party in enumerate(PARTIES)} for i, p in enumerate(PROFILES)},
            "breaches": {p: {party: self.breaches[i, :, :, j].tolist()
                             for j, party in enumerate(PARTIES)}
                         for i, p in enumerate(PROFILES)},
        }  # fmt: skip

    @classmethod
    def from_dict(cls, record: dict) -> WhatIf:
        """The what-if of a record `as_dict` made (e.g. the page's, from the server)."""

        def stack(key: str) -> np.ndarray:
            return np.array([[record[key][p][party] for party in PARTIES] for p in PROFILES])

        size = WhatIfSize(record["customers"], record["replications"], record["weeks"])
        return cls(
            scenario=record["scenario"], contract=record["contract"],
            supplier=record["supplier"], distributor=record["distributor"],
            supplier_name=record["supplier_name"], distributor_name=record["distributor_name"],
            size=size, seed=record["seed"], seeds=list(record["seeds"]),
            clauses=record["clauses"], review_every=record["review_every"],
            profit=stack("profit").transpose(0, 2, 3, 1).astype(float),
            breaches=stack("breaches").transpose(0, 2, 3, 1).astype(np.int64),
            seconds=record["seconds"],
        )  # fmt: skip


CLASS_WORDS = {
    "prisoners_dilemma": "prisoner's dilemma", "stag_hunt": "stag hunt", "chicken": "chicken",
    "harmony": "harmony", "deadlock": "deadlock", "other": "no standard class",
}  # fmt: skip
"""The page's words for `classify`'s classes (static/whatif.js ``CLASS_WORDS``)."""
DEFINING = {
    "prisoners_dilemma": (("T", "R"), ("R", "P"), ("P", "S")),
    "stag_hunt": (("R", "T"), ("T", "P"), ("P", "S")),
    "chicken": (("T", "R"), ("R", "S"), ("S", "P")),
    "harmony": (("R", "T"), ("S", "P")),
    "deadlock": (("T", "P"), ("P", "R"), ("R", "S")),
    "other": (),
}
"""The comparisons (a > b) each class of `game.stage.classify` is made of (static/whatif.js
``DEFINING``); stag hunt's T >= P is checked as T > P."""
"""The gaps as the page writes them, with a minus sign."""


def whole(x: float) -> str:
    """A number as the page writes it: rounded half away from zero, thousands, a minus sign."""
    n = math.floor(abs(x) + 0.5)
    return ("\u2212" if x < 0 and n else "") + f"{n:,}"


def _verdict(kind: str, gaps: dict, unsettled: list[str], replications: int) -> str:
    """The page's sentence for one side: its class, established or not, and why not."""
    words = CLASS_WORDS[kind]
    if replications < 2:
        return f"{words} by the means \u2014 not established: one replication, no interval"
    if kind == "other":
        return f"{words} by the means \u2014 nothing to establish"
    if not unsettled:
        level = round(CONFIDENCE * 100)
        return f"{words} \u2014 established (each comparison that defines it holds at {level}%)"
    why = "; ".join(
        f"{k.replace('-', chr(0x2212))}'s interval {whole(gaps[k]['ci_low'])} to "
        f"{whole(gaps[k]['ci_high'])} "
        + ("straddles" if gaps[k]["ci_low"] < 0 < gaps[k]["ci_high"] else "touches")
        + " zero"
        for k in unsettled
    )
    return f"{words} by the means \u2014 not established: {why}"


def side_summary(matrix: PayoffMatrix) -> dict[str, dict]:
    """Per side: T, R, P, S and the class, as the page shows them (for docs and tests)."""
    return {party: {**(p := matrix.payoffs(party)), "class": classify(*p.values())}
            for party in PARTIES}  # fmt: skip


class WhatIfCache:
    """Computed what-ifs by (scenario, contract, size, seed), the oldest dropped beyond a limit.

    Thread-safe for the few calls the server makes (the worker thread only returns its result).
    """

    def __init__(self, limit: int = 64) -> None:
        """An empty cache holding at most ``limit`` what-ifs."""
        self.limit = limit
        self._items: dict[tuple, dict] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> dict | None:
        """The page's record of a computed what-if, or None."""
        with self._lock:
            return self._items.get(key)

    def records(self) -> list[dict]:
        """Every cached record, the oldest first."""
        with self._lock:
            return list(self._items.values())

    def put(self, key: tuple, record: dict) -> None:
        """Keep a computed what-if's record."""
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = record
            while len(self._items) > self.limit:
                self._items.pop(next(iter(self._items)))


__all__ = [
    "CLASS_WORDS",
    "DEFAULT_CUSTOMERS",
    "DEFAULT_HORIZON",
    "DEFAULT_REPLICATIONS",
    "DEFAULT_WEEKS",
    "MAX_PENALTY",
    "WhatIf",
    "WhatIfCache",
    "WhatIfSize",
    "compute_whatif",
    "run_profile",
    "side_summary",
]
