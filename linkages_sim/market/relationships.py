"""Supplier-distributor relationships as a repeated game (model.md §3.1, §4; seed slides 8-13).

At every review each party checks the other's clauses (each reading wrong with the contract's
monitoring error, the noise of the iterated prisoner's dilemma): expectations are met when every
clause was read as met; without clauses a party reads the other's action itself. Each clause
read as breached costs the breaching party its SLA penalty, paid to the other. Trust rises slowly
when expectations are met and falls fast when they are not; when the distributor's trust in the
supplier falls below the contract's threshold the relationship breaks: the distributor's stores
drop the brand (model.md §3.8), and after the cooldown a new contract may start afresh. Each party
then chooses its next action from its strategy and the record of what it has seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linkages_sim.config.schema import Clause, Contract, Trust
from linkages_sim.game.players import parse_player
from linkages_sim.game.strategies import C, D, History, Strategy, TrustBased, flip, update_trust
from linkages_sim.market.bargaining import nash_wholesale_price
from linkages_sim.rng import Purpose, Streams


def contract_strategy(spec: str, trust: Trust) -> Strategy:
    """A contract party's strategy from its spec (`tft`, `gtft:p=0.1`, `trust:threshold=0.6`).

    The trust-based strategy keeps no trust model of its own in a contract: it is built with
    the contract's trust dynamics (opening level, gain, loss), so the trust it acts on is
    exactly the relationship's trust in the other party (both update on the same readings).
    Only its threshold is the strategy's own.
    """
    strategy = parse_player(spec).strategy
    if isinstance(strategy, TrustBased):
        given = {k for k in ("initial", "gain", "loss") if f"{k}=" in spec}
        if given:
            raise ValueError(
                f"'{spec}': in a contract, trust's {', '.join(sorted(given))} come from the "
                "contract's trust settings; give only threshold"
            )
        strategy = TrustBased(trust.initial, trust.gain, trust.loss, strategy.threshold)
    return strategy


SUPPLIER, DISTRIBUTOR = 0, 1
"""A party's place in stream keys."""


LEVERS = {"supplier": ("quality", "fill_rate", "new_products"),
          "distributor": ("price", "service", "data")}  # fmt: skip
"""What each party can cut, lever by lever (docs/model.md §3.2). A defection cuts them all; a
workshop seat may cut some: quality (with the defection's cost saving), the fill rate, new
product development; the discount, service and training spend, data sharing."""

SERVICE_METRICS = ("service_level", "staff_training", "greeting_time_s", "standards_met")


def lever_of(metric: str) -> str:
    """The lever a clause's metric answers to: what a party cuts to move it (docs/model.md §3.2).

    Quality, fill rate and the weeks since the last new product follow the supplier's levers of
    the same name; the price deviation the distributor's discount; service, training, greeting
    time, the standards met and the six service dimensions its service and training spend;
    data sharing its data.
    """
    if metric in ("quality", "fill_rate"):
        return metric
    if metric == "new_product_within":
        return "new_products"
    if metric == "price_deviation":
        return "price"
    if metric == "data_shared":
        return "data"
    if metric in SERVICE_METRICS or metric.startswith("service_"):
        return "service"
    raise ValueError(f"no lever moves the clause metric '{metric}'")


class External(Strategy):
    """A contract party whose next move is set from outside, else its fallback strategy plays.

    The browser workshop's channel game seats teams in contracts: before a review it sets
    `next` (C or D) for the seats whose team chose, and the review plays that move in place
    of the strategy, once. Unset, the fallback plays from the relationship's record, exactly
    as it would unwrapped (same history, same random stream), so bots read what people read.
    A team may cut some levers only (`choose`): the move is then D when it cuts any, and
    `cuts` says which, until the next review.
    """

    name = "external"
    description = "The move set from outside for the coming review, else the fallback's."

    def __init__(self, fallback: Strategy) -> None:
        """Play `fallback` unless a move is set for the coming review."""
        self.fallback = fallback
        self.next: str | None = None
        self.next_cuts: frozenset[str] | None = None
        self.cuts: frozenset[str] | None = None
        """The levers the move played at the latest review cut; None: all of a D, none of a C."""

    def choose(self, cuts: frozenset[str]) -> None:
        """Set the coming review's move lever by lever: D cutting `cuts`, C when empty."""
        self.next, self.next_cuts = (D if cuts else C), frozenset(cuts)

    def play(self, own: History, opponent: History, rng: np.random.Generator) -> str:
        """The move set from outside (used once), else the fallback's."""
        move, self.next = self.next, None
        cuts, self.next_cuts = self.next_cuts, None
        self.cuts = cuts if move is not None else None
        return move if move is not None else self.fallback.play(own, opponent, rng)


@dataclass(frozen=True)
class Penalty:
    """An SLA penalty due after a review: `payer` ("supplier" or "distributor") owes `amount`."""

    payer: str
    clause: str
    amount: float


@dataclass
class Relationship:
    """The live state of one contract."""

    spec: Contract
    index: int  # position among the model's contracts
    supplier: int  # index of the supplier
    distributor: int  # index of the distributor
    supplier_strategy: Strategy
    distributor_strategy: Strategy
    wholesale_price: float
    supplier_action: str = C
    distributor_action: str = C
    supplier_cuts: frozenset[str] | None = None
    """The supplier's levers cut since the latest review when it chose lever by lever
    (`External.choose`); None: its action cuts every lever (D) or none (C)."""
    distributor_cuts: frozenset[str] | None = None
    supplier_moves: list[str] = field(default_factory=list)  # what the supplier did
    distributor_moves: list[str] = field(default_factory=list)
    seen_by_supplier: list[str] = field(default_factory=list)  # distributor's record, as read
    seen_by_distributor: list[str] = field(default_factory=list)
    supplier_trust: float = 0.0  # supplier's trust in the distributor
    distributor_trust: float = 0.0
    active: bool = True
    broke_at: int | None = None
    breaks: list[int] = field(default_factory=list)
    recontracts: list[int] = field(default_factory=list)
    compliance: dict[str, tuple[float, bool]] = field(default_factory=dict)
    """Each clause's latest measurement (value, met), updated every period by the model."""
    renegotiations: list[tuple[int, float, float | None]] = field(default_factory=list)
    """(period, price before, agreed price or None when no agreement)."""
    breaches_read: dict[str, int] = field(
        default_factory=lambda: {"supplier": 0, "distributor": 0}
    )
    """Clauses of each party read as breached at reviews, over the whole run."""
    window: np.ndarray = field(default_factory=lambda: np.zeros(4))
    """Since the last renewal: periods, units, retail revenue, production cost."""
    last_units: float = 0.0
    """Units sold on the contract in the latest period (what a quantity discount reads)."""
    penalty_override: float | None = None
    """An SLA penalty set by an intervention for every clause (None: the clauses' own)."""
    deviation: tuple[str, int] | None = None
    """(party, period): that party defects at the review of that period, whatever its strategy
    says, and follows its strategy otherwise: the one-shot deviation `analysis.deviation`
    measures. Set on a built model, never by a scenario."""

    @classmethod
    def from_contract(
        cls, spec: Contract, index: int, supplier: int, distributor: int, wholesale_price: float
    ) -> Relationship:
        """A fresh relationship for a contract, with its parties' strategies.

        The wholesale price is the contract's own, else `wholesale_price`.
        """
        r = cls(
            spec=spec,
            index=index,
            supplier=supplier,
            distributor=distributor,
            supplier_strategy=contract_strategy(spec.supplier_strategy, spec.trust),
            distributor_strategy=contract_strategy(spec.distributor_strategy, spec.trust),
            wholesale_price=spec.wholesale_price or wholesale_price,
        )
        r.restart()
        return r

    @property
    def key(self) -> str:
        """The contract's key (`Contract.key`: its id, or supplier-distributor)."""
        return self.spec.key

    def lever_action(self, party: str, lever: str) -> str:
        """C or D on one of `party`'s `LEVERS`: its action, unless it chose lever by lever."""
        cuts = self.supplier_cuts if party == "supplier" else self.distributor_cuts
        if cuts is None:
            return self.supplier_action if party == "supplier" else self.distributor_action
        return D if lever in cuts else C

    @property
    def mutual_cooperation(self) -> bool:
        """Whether the contract is active and both sides cooperate."""
        return self.active and self.supplier_action == C and self.distributor_action == C

    def restart(self) -> None:
        """A fresh contract: full histories cleared, opening trust, both sides cooperating."""
        self.supplier_moves.clear()
        self.distributor_moves.clear()
        self.seen_by_supplier.clear()
        self.seen_by_distributor.clear()
        self.supplier_trust = self.distributor_trust = self.spec.trust.initial
        self.supplier_action = self.distributor_action = C
        self.supplier_cuts = self.distributor_cuts = None
        self.active = True

    def is_review(self, period: int) -> bool:
        """Whether the active contract is reviewed in `period` (every `review_every` periods)."""
        return self.active and period % self.spec.review_every == 0

    def due_for_recontract(self, period: int) -> bool:
        """Whether a broken contract has waited `recontract_after` periods since its last break."""
        wait = self.spec.recontract_after
        return not self.active and wait is not None and period - self.breaks[-1] >= wait

    def review(self, period: int, streams: Streams) -> list[Penalty]:
        """Review the contract and return the penalties due.

        Read the other's compliance, charge penalties, update trust, maybe break, then choose the
        next actions.

        Each party's readings and each party's strategy draw from their own streams (keyed by
        period, contract and party), as in `game.Match`: changing one party's strategy or
        clauses never shifts the other's random numbers.
        """
        penalties: list[Penalty] = []
        if self.supplier_moves:
            met_d = self._read(self.spec.distributor_clauses, self.distributor_action,
                               self._misread(streams, period, DISTRIBUTOR,
                                             len(self.spec.distributor_clauses)),
                               "distributor", penalties)  # fmt: skip
            met_s = self._read(self.spec.supplier_clauses, self.supplier_action,
                               self._misread(streams, period, SUPPLIER,
                                             len(self.spec.supplier_clauses)),
                               "supplier", penalties)  # fmt: skip
            self.seen_by_supplier.append(C if met_d else D)
            self.seen_by_distributor.append(C if met_s else D)
            t = self.spec.trust
            self.supplier_trust = update_trust(self.supplier_trust, met_d, t.gain, t.loss)
            self.distributor_trust = update_trust(self.distributor_trust, met_s, t.gain, t.loss)
            if self.distributor_trust < t.break_below:
                self.active = False
                self.broke_at = period
                self.breaks.append(period)
                return penalties
        self.supplier_action = self.supplier_strategy.play(
            self.supplier_moves, self.seen_by_supplier,
            streams.generator(Purpose.STRATEGY, period, self.index, SUPPLIER),
        )  # fmt: skip
        self.distributor_action = self.distributor_strategy.play(
            self.distributor_moves, self.seen_by_distributor,
            streams.generator(Purpose.STRATEGY, period, self.index, DISTRIBUTOR),
        )  # fmt: skip
        self.supplier_cuts = _cuts_of(self.supplier_strategy)
        self.distributor_cuts = _cuts_of(self.distributor_strategy)
        if self.deviation is not None and self.deviation[1] == period:
            setattr(self, f"{self.deviation[0]}_action", D)  # its strategy reads the D it played
            setattr(self, f"{self.deviation[0]}_cuts", None)
        self.supplier_moves.append(self.supplier_action)
        self.distributor_moves.append(self.distributor_action)
        return penalties

    def observed(self, period: int, streams: Streams, party: str) -> list[tuple[str, bool]]:
        """What the review of `period` will read of `party`'s compliance: (clause, read as met).

        The same readings `review` makes (the latest measurements, each misread with the
        contract's monitoring error from the same keyed stream), without changing anything, so
        they can be shown before the review runs. Without clauses, one reading of the action,
        named "action". Empty when the review of `period` reads nothing (a fresh contract).
        """
        if not self.supplier_moves:
            return []
        side = SUPPLIER if party == "supplier" else DISTRIBUTOR
        clauses = self.spec.supplier_clauses if side == SUPPLIER else self.spec.distributor_clauses
        misread = self._misread(streams, period, side, len(clauses))
        if not clauses:
            action = self.supplier_action if side == SUPPLIER else self.distributor_action
            return [("action", (flip(action) if misread[0] else action) == C)]
        return [(c.name, self.compliance[c.name][1] != bool(wrong))
                for c, wrong in zip(clauses, misread, strict=True)]  # fmt: skip

    def _misread(self, streams: Streams, period: int, party: int, clauses: int) -> np.ndarray:
        """Which of a party's clause readings are wrong this review.

        There is one reading of its action when the contract has no clauses for it.
        """
        rng = streams.generator(Purpose.MONITORING, period, self.index, party)
        return rng.random(max(1, clauses)) < self.spec.monitoring_error

    def _read(
        self, clauses: list[Clause], action: str, misread: np.ndarray, party: str,
        penalties: list[Penalty],
    ) -> bool:  # fmt: skip
        """Whether `party` is seen to meet expectations; appends a penalty per breach read."""
        if not clauses:
            return (flip(action) if misread[0] else action) == C
        met_all = True
        for clause, wrong in zip(clauses, misread, strict=True):
            met = self.compliance[clause.name][1] != bool(wrong)
            if not met:
                met_all = False
                self.breaches_read[party] += 1
                amount = clause.penalty if self.penalty_override is None else self.penalty_override
                if amount > 0:
                    penalties.append(Penalty(party, clause.name, amount))
        return met_all

    def record_trade(self, units: float, revenue: float, cost: float) -> None:
        """Add one period's units, revenue and cost to the window the next renegotiation reads."""
        self.window += (1.0, units, revenue, cost)
        self.last_units = units

    def quantity_rebate(self, units: float) -> float:
        """What a quantity discount returns to the distributor on a period's `units`.

        The units beyond the schedule's volume were invoiced at the wholesale price; each is
        owed the difference to the discounted price (zero without a schedule).
        """
        q = self.spec.quantity_discount
        if q is None:
            return 0.0
        return (self.wholesale_price - q.wholesale_price) * max(0.0, units - q.above_units)

    def marginal_wholesale_price(self) -> float:
        """The price of one more unit, as a price-setter reads it: at the latest period's volume.

        Beyond a quantity discount's volume the next unit costs the discounted price; a
        distributor pricing for its margin reads that (a documented rule, not a solution of
        the kinked problem: model.md §10).
        """
        q = self.spec.quantity_discount
        if q is None or 0.0 < q.above_units >= self.last_units:
            return self.wholesale_price
        return q.wholesale_price  # beyond the volume (every unit, when the volume is zero)

    def renegotiate(self, period: int) -> None:
        """At renewal, set the wholesale price by Nash bargaining on the window's averages."""
        terms = self.spec.renegotiation
        if terms is None or not self.active or period == 0 or period % terms.every:
            return
        periods, units, revenue, cost = self.window
        self.window[:] = 0.0
        if periods == 0 or units <= 0:
            self.renegotiations.append((period, self.wholesale_price, None))
            return
        q = units / periods
        agreed = nash_wholesale_price(terms, q, revenue / units, cost / units,
                                      self.spec.outside_options, self.spec.revenue_share,
                                      self.spec.franchise_fee)  # fmt: skip
        self.renegotiations.append((period, self.wholesale_price, agreed))
        if agreed is not None:
            self.wholesale_price = agreed


def _cuts_of(strategy: Strategy) -> frozenset[str] | None:
    """The levers a lever-by-lever move cut (`External.choose`); None for any other move."""
    return strategy.cuts if isinstance(strategy, External) else None
