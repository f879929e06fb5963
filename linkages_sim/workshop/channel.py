"""The channel game: teams play the parties of the simulated market's contracts, review by review.

Every contract of the scenario has two *seats*, its supplier and its distributor, each taken by
a *team* (one or more phones; none: a bot). A round is one review: each seat whose contract is
reviewed then chooses to keep its clauses (C) or cut corners (D); the team's move is its
captain's (the first member) or its members' majority, as the facilitator sets. The market
(`MarketModel`, the one authoritative copy) then plays the periods up to the next review with
those moves in place of the parties' strategies: each party's strategy is wrapped in
`market.relationships.External`, whose move the game sets for that one review. A seat without a
move (no one there, no one in time, a tie without the captain) is played by the bot, a library
strategy the facilitator chooses ("contract": the party's own strategy in the scenario), which
reads the same record, with the same monitoring noise, as people do.

The market knows one action per party per review, so a seat keeps or cuts all its clauses at
once; per-clause choices are not built (docs/workshop-browser.md).

After each round every seat gets its own firm's KPIs over the round's periods (profit, market
share, brand equity or its stores' customer satisfaction, SLA penalties) and its trust in the
partner, and the partner's compliance *as observed*: what the coming review reads of each of
the partner's clauses, misread with the contract's monitoring error (`Relationship.observed`,
the review's own readings), never the partner's measured figures.

The market's random numbers come from the session's seed (the first game plays
``MarketModel(scenario, seed=seed)`` exactly; later games of the session draw afresh), so the
seed and the logged moves replay the same market. Like `classic.py`, no time, sockets or pages.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import CLAUSE_METRICS, Clause, Scenario, Trust
from linkages_sim.game.players import parse_player
from linkages_sim.game.strategies import C, D, update_trust
from linkages_sim.market.model import MarketModel
from linkages_sim.market.relationships import External, Relationship, contract_strategy
from linkages_sim.workshop.classic import MOVES, GameRuleError

SIDES = ("supplier", "distributor")
RULES = ("captain", "majority")
CONTRACT_BOT = "contract"
"""The bot setting that leaves each party to its own strategy in the scenario."""
ACTIONS = {"keep": C, "cut": D}
DEFAULT_CUSTOMERS = 20_000
"""Simulated customers: a round of four weekly periods takes about 0.03 s at this size."""
MAX_CHANNEL_ROUNDS = 52
MIN_CUSTOMERS, MAX_CUSTOMERS = 500, 200_000
MARKET_LOCK = threading.Lock()
"""Held while a game's market is built or plays one period.

The server simulates on its event loop while the debrief's counterfactuals replay markets in a
worker thread, and numba's parallel kernels may not run in two threads at once under its
workqueue threading layer (its fallback without TBB or OpenMP, e.g. on many Macs): the process
aborts. One period at a time, so the loop waits at most a period of a replay.
"""


def check_bot(spec: str) -> None:
    """Raise a ValueError unless ``spec`` is "contract" or a strategy a contract party can play."""
    if spec != CONTRACT_BOT:
        parse_player(spec)
        contract_strategy(spec, Trust())


@dataclass(frozen=True)
class ChannelSettings:
    """How the channel game is played; the scenario comes from the session."""

    rounds: int = 6
    customers: int = DEFAULT_CUSTOMERS
    bot: str = CONTRACT_BOT
    rule: str = "captain"
    round_seconds: int = 60

    def __post_init__(self) -> None:
        """Check every setting; a bad one is a ValueError that names it and its rule."""
        if isinstance(self.rounds, bool) or not 1 <= self.rounds <= MAX_CHANNEL_ROUNDS:
            raise ValueError(f"rounds must be a whole number from 1 to {MAX_CHANNEL_ROUNDS}")
        if not MIN_CUSTOMERS <= self.customers <= MAX_CUSTOMERS:
            raise ValueError(f"customers must be from {MIN_CUSTOMERS} to {MAX_CUSTOMERS}")
        if self.rule not in RULES:
            raise ValueError(f"the team rule must be one of {', '.join(RULES)}")
        if not 1 <= self.round_seconds <= 900:
            raise ValueError("a round's time must be from 1 to 900 seconds")
        check_bot(self.bot)

    def as_dict(self) -> dict:
        """The settings as a JSON record (the log's and the pages' form)."""
        return {
            "rounds": self.rounds,
            "customers": self.customers,
            "bot": self.bot,
            "rule": self.rule,
            "round_seconds": self.round_seconds,
        }

    @classmethod
    def from_dict(cls, record: dict) -> ChannelSettings:
        """The settings of a log record."""
        return cls(**{k: record[k] for k in ("rounds", "customers", "bot", "rule",
                                              "round_seconds")})  # fmt: skip


def clause_terms(clause: Clause) -> dict:
    """A clause as both parties know it from the contract: name, metric, standard."""
    spec = CLAUSE_METRICS[clause.metric]
    return {
        "clause": clause.name,
        "metric": clause.metric,
        "direction": spec.direction,
        "threshold": clause.threshold,
        "unit": spec.unit,
        "description": spec.description,
        "penalty": clause.penalty,
    }


@dataclass
class ChannelSeat:
    """One party of one contract and everything played on it, round by round."""

    index: int
    contract: int
    side: str
    key: str
    """``<contract key>:<side>``, what pages send."""
    firm: str
    partner_firm: str
    members: list[int] = field(default_factory=list)
    """Participant ids in the order they took the seat; the first is the captain."""
    actions: list[str | None] = field(default_factory=list)
    """Per round, the move played at the round's review (None: the contract was not reviewed)."""
    by_bot: list[bool] = field(default_factory=list)
    chosen: list[str | None] = field(default_factory=list)
    """Per round, the team's own move (None: none, or the contract was not reviewed), even
    when the contract broke at that review and never used it: what a replay holds fixed."""
    votes: list[dict[int, str]] = field(default_factory=list)
    """Per round, the members' own moves."""
    results: list[dict] = field(default_factory=list)
    """Per round, what the seat learns after it: own KPIs and the partner as observed."""

    @property
    def captain(self) -> int | None:
        """The member whose move counts under the captain rule (and breaks majority ties)."""
        return self.members[0] if self.members else None

    @property
    def partner_side(self) -> str:
        """The other party of the contract."""
        return SIDES[1 - SIDES.index(self.side)]


def review_periods(scenario: Scenario, rounds: int) -> list[int]:
    """The periods at which rounds start, and the end of the last: rounds + 1 numbers.

    A round starts at every period some contract is reviewed at (period 0 first).
    """
    cadence = sorted({c.review_every for c in scenario.contracts})
    periods, p = [], 0
    while len(periods) <= rounds:
        if any(p % every == 0 for every in cadence):
            periods.append(p)
        p += 1
    return periods


def team_move(seat: ChannelSeat, votes: dict[int, str], rule: str) -> str | None:
    """The team's move from its members' votes, or None for the bot.

    Captain: the captain's move. Majority: the more frequent move; a tie goes to the
    captain's move, and to the bot when the captain did not move.
    """
    if rule == "captain":
        return votes.get(seat.captain) if seat.captain is not None else None
    keep, cut = sum(v == C for v in votes.values()), sum(v == D for v in votes.values())
    if keep != cut:
        return C if keep > cut else D
    return votes.get(seat.captain) if seat.captain is not None else None


class ChannelGame:
    """The channel game of one session: seats and teams, the market, rounds and their results.

    Rounds are numbered from 1. The market is built when the first round opens (`start`);
    until then people may take and change seats, and the settings may change. While a round
    is open, ``current`` is its number and ``pending`` holds people's moves for it.
    """

    def __init__(
        self, scenario: Scenario, settings: ChannelSettings, seed: int, index: int = 0
    ) -> None:
        """A game of ``scenario`` under ``settings``; ``index`` numbers the session's games."""
        self.scenario = scenario
        self.settings = settings
        self.seed = int(seed)
        self.index = int(index)
        self.seats: list[ChannelSeat] = []
        for k, c in enumerate(scenario.contracts):
            for side in SIDES:
                other = c.distributor if side == "supplier" else c.supplier
                firm = c.supplier if side == "supplier" else c.distributor
                self.seats.append(ChannelSeat(len(self.seats), k, side, f"{c.key}:{side}",
                                              firm, other))  # fmt: skip
        self.by_key = {s.key: s for s in self.seats}
        self.seated: dict[int, ChannelSeat] = {}
        self.model: MarketModel | None = None
        self.periods: list[int] = []
        self.played = 0
        self.current: int | None = None
        self.pending: dict[int, str] = {}
        self.ended_early = False

    # -- settings and seating ----------------------------------------------------------------

    @property
    def started(self) -> bool:
        """Whether the market has been built (the first round has opened)."""
        return self.model is not None

    @property
    def length(self) -> int:
        """The number of rounds the game plays."""
        return self.settings.rounds

    @property
    def over(self) -> bool:
        """Whether the game has played its rounds or was ended early."""
        return self.ended_early or self.played >= self.length

    def configure(self, settings: ChannelSettings) -> None:
        """New settings, before the first round only."""
        if self.started:
            raise GameRuleError("not_allowed", "settings change between games only: reset first")
        self.settings = settings

    def admit(self, participant: int) -> ChannelSeat:
        """Seat a participant in the team with the fewest members (the first such seat)."""
        if participant in self.seated:
            return self.seated[participant]
        seat = min(self.seats, key=lambda s: (len(s.members), s.index))
        seat.members.append(participant)
        self.seated[participant] = seat
        return seat

    def move_to(self, participant: int, key: str) -> ChannelSeat:
        """Move a participant to the team of seat ``key`` (not while a round is open)."""
        seat = self.by_key.get(key)
        if seat is None:
            raise GameRuleError("invalid", f"there is no seat '{key[:64]}'")
        if self.current is not None:
            raise GameRuleError("not_allowed", "seats change between rounds: wait for the close")
        old = self.seated.get(participant)
        if old is not None:
            old.members.remove(participant)
        seat.members.append(participant)
        self.seated[participant] = seat
        return seat

    def seat_of(self, participant: int) -> ChannelSeat | None:
        """A participant's seat, or None."""
        return self.seated.get(participant)

    def start(self, participants: list[int] | None = None) -> None:
        """Build the market; seat anyone not seated yet; the parties' strategies become bots."""
        if self.started:
            raise GameRuleError("not_allowed", "the game has already started")
        for pid in participants or ():
            self.admit(pid)
        self.periods = review_periods(self.scenario, self.settings.rounds)
        spec = edit_scenario(self.scenario, customers=self.settings.customers,
                             periods=max(1, self.periods[-1]))  # fmt: skip
        seed = (
            self.seed
            if self.index == 0
            else int(np.random.SeedSequence([self.seed, self.index]).generate_state(1)[0])
        )
        with MARKET_LOCK:
            model = MarketModel(spec, seed=seed)
        bot = self.settings.bot
        for r in model.relationships:
            for side in SIDES:
                own = getattr(r, f"{side}_strategy")
                fallback = own if bot == CONTRACT_BOT else contract_strategy(bot, r.spec.trust)
                setattr(r, f"{side}_strategy", External(fallback))
        self.model = model

    # -- a round -----------------------------------------------------------------------------

    def relationship(self, seat: ChannelSeat) -> Relationship:
        """The market's live relationship of a seat's contract."""
        assert self.model is not None
        return self.model.relationships[seat.contract]

    def decides(self, seat: ChannelSeat, number: int | None = None) -> bool:
        """Whether the seat's contract is reviewed at round ``number``'s start (default: open)."""
        number = self.current if number is None else number
        if self.model is None or number is None:
            return False
        r = self.relationship(seat)
        period = self.periods[number - 1]
        live = r.active or r.due_for_recontract(period)
        return live and period % r.spec.review_every == 0

    def open(self) -> int:
        """Open the next round and return its number."""
        if not self.started:
            raise GameRuleError("not_allowed", "the game has not started")
        if self.current is not None:
            raise GameRuleError("not_allowed", f"round {self.current} is already open")
        if self.over:
            raise GameRuleError("not_allowed", f"the game is over after {self.played} rounds")
        self.current = self.played + 1
        self.pending = {}
        return self.current

    def submit(self, participant: int, number: int, move: str, seat: str | None = None) -> None:
        """A person's move for their team in round ``number``; errors say what was wrong.

        ``seat``, when given, is the seat the page acts for: it must be the person's own.
        """
        if move not in MOVES:
            raise GameRuleError("invalid", f"'{move}' is not a move; send keep or cut")
        own = self.seated.get(participant)
        if own is None:
            raise GameRuleError("not_seated", "you have no seat yet")
        if seat is not None and seat != own.key:
            raise GameRuleError(
                "not_your_seat", f"you sit in {own.key}, not in {seat[:64]}; you move for yours"
            )
        if self.current is None:
            if number <= self.played:
                raise GameRuleError(
                    "round_closed", f"round {number} has closed; your move was not counted"
                )
            raise GameRuleError("no_round", "no round is open; wait for the facilitator")
        if number < self.current:
            raise GameRuleError(
                "round_closed", f"round {number} has closed; round {self.current} is open"
            )
        if number > self.current:
            raise GameRuleError(
                "wrong_round", f"round {number} is not open; the open round is {self.current}"
            )
        if not self.decides(own):
            raise GameRuleError("not_allowed", "your contract is not reviewed in this round")
        if participant in self.pending:
            raise GameRuleError(
                "already_moved", f"you have already moved in round {number}; moves are final"
            )
        self.pending[participant] = move

    def counted(self, seat: ChannelSeat) -> list[int]:
        """The members whose move counts this round: the captain, or everyone (majority)."""
        if not self.decides(seat):
            return []
        if self.settings.rule == "captain":
            return [] if seat.captain is None else [seat.captain]
        return list(seat.members)

    def waiting_for(self) -> list[int]:
        """People whose move counts in the open round and has not arrived."""
        if self.current is None:
            return []
        return [p for s in self.seats for p in self.counted(s) if p not in self.pending]

    def everyone_moved(self) -> bool:
        """Whether every move that counts in the open round has arrived."""
        return self.current is not None and not self.waiting_for()

    def close(self) -> int:
        """Close the open round: the teams' moves (else the bots') at the review, then the market.

        The market plays from the round's review up to the next round's start.
        """
        if self.current is None:
            raise GameRuleError("not_allowed", "no round is open")
        number = self.current
        votes = [{p: self.pending[p] for p in seat.members if p in self.pending}
                 for seat in self.seats]  # fmt: skip
        rule = self.settings.rule
        moves = [team_move(s, v, rule) for s, v in zip(self.seats, votes, strict=True)]
        self.play_round(moves, votes)
        self.current = None
        self.pending = {}
        return number

    def play_round(
        self, moves: Sequence[str | None], votes: Sequence[dict[int, str]] | None = None
    ) -> int:
        """Play the next round with one move per seat (None: the bot's), then the market.

        `close` plays the teams' moves through it; `counterfactual` replays a game with other
        moves through the very same code, so a replay of the moves played is the game itself.
        A move for a seat whose contract is not reviewed at the round's start is not used.
        """
        model = self.model
        if model is None:
            raise GameRuleError("not_allowed", "the game has not started")
        if self.over:
            raise GameRuleError("not_allowed", f"the game is over after {self.played} rounds")
        number = self.played + 1
        start, end = self.periods[number - 1], self.periods[number]
        assert model.steps == start, "the market is where the last round left it"
        decided = []
        for seat, wanted in zip(self.seats, moves, strict=True):
            move = wanted if self.decides(seat, number) else None
            getattr(self.relationship(seat), f"{seat.side}_strategy").next = move
            decided.append(move)
        before = [len(getattr(self.relationship(s), f"{s.side}_moves")) for s in self.seats]
        blocks = len(model.recorder.blocks)
        with MARKET_LOCK:
            model.step()  # the review, with the moves set
        for seat in self.seats:  # a contract that broke at the review never used its move
            getattr(self.relationship(seat), f"{seat.side}_strategy").next = None
        while model.steps < end:
            with MARKET_LOCK:
                model.step()
        kpis = _interval_kpis(model, blocks)
        for k, (seat, move, n) in enumerate(zip(self.seats, decided, before, strict=True)):
            moves_now = getattr(self.relationship(seat), f"{seat.side}_moves")
            played = moves_now[-1] if len(moves_now) > n else None
            seat.actions.append(played)
            seat.by_bot.append(played is not None and move is None)
            seat.chosen.append(move)
            seat.votes.append(dict(votes[k]) if votes is not None else {})
            seat.results.append(self._result(seat, start, end, kpis))
        self.played = number
        return number

    def end_early(self) -> None:
        """The facilitator stops the game before its rounds are played."""
        if self.current is not None:
            raise GameRuleError("not_allowed", "close the open round first")
        if self.played < self.length:
            self.ended_early = True

    # -- what a seat learns -----------------------------------------------------------------

    def _result(self, seat: ChannelSeat, start: int, end: int, kpis: dict) -> dict:
        """Own KPIs over periods [start, end), own trust, the partner as the review reads it."""
        model = self.model
        assert model is not None
        r = self.relationship(seat)
        own = kpis[(seat.side, seat.firm)]
        trust = r.supplier_trust if seat.side == "supplier" else r.distributor_trust
        reviewed_next = r.active and end % r.spec.review_every == 0
        observed = r.observed(end, model.streams, seat.partner_side) if reviewed_next else []
        read_of_me = r.observed(end, model.streams, seat.side) if reviewed_next else []
        if observed:
            t = r.spec.trust
            trust = update_trust(trust, all(met for _, met in observed), t.gain, t.loss)
        own_clauses = r.spec.supplier_clauses if seat.side == "supplier" else (
            r.spec.distributor_clauses)  # fmt: skip
        return {
            "periods": [start, end],
            **own,
            "trust": trust,
            "active": r.active,
            "observed": [{"clause": name, "met": met} for name, met in observed],
            "read_of_you": [{"clause": name, "met": met} for name, met in read_of_me],
            "own_compliance": [
                {"clause": c.name, "value": _number(r.compliance[c.name][0]),
                 "met": r.compliance[c.name][1]}
                for c in own_clauses if c.name in r.compliance
            ],
        }  # fmt: skip

    def terms(self, seat: ChannelSeat) -> dict:
        """The seat's contract as both parties know it: its own and its partner's clauses."""
        c = self.scenario.contracts[seat.contract]
        mine = c.supplier_clauses if seat.side == "supplier" else c.distributor_clauses
        theirs = c.distributor_clauses if seat.side == "supplier" else c.supplier_clauses
        return {
            "contract": c.key,
            "review_every": c.review_every,
            "monitoring_error": c.monitoring_error,
            "break_below": c.trust.break_below,
            "own": [clause_terms(x) for x in mine],
            "partner": [clause_terms(x) for x in theirs],
        }

    def timeseries(self) -> pd.DataFrame:
        """The market's long table so far (empty before the first round)."""
        if self.model is None:
            return pd.DataFrame(columns=["period", "level", "id", "metric", "value"])
        return self.model.timeseries()


def _number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _interval_kpis(model: MarketModel, first_block: int) -> dict[tuple[str, str], dict]:
    """Each firm's KPIs over the periods recorded since block ``first_block``.

    Supplier: profit (sum), market share of value and brand equity (last period). Distributor:
    profit (sum), share of the customers' spending (over the periods), its stores' customer
    satisfaction (last period, weighted by active customers). Both: SLA penalties paid.
    """
    sums: dict[tuple[str, str], dict[str, float]] = {}
    last: dict[tuple[str, str], dict[str, float]] = {}
    for _period, level, who, names, values in model.recorder.blocks[first_block:]:
        row = dict(zip(names, values, strict=True))
        acc = sums.setdefault((level, who), {})
        for name in ("profit", "sla_penalty_paid", "retail_revenue", "customer_spend"):
            if name in row:
                acc[name] = acc.get(name, 0.0) + float(row[name])
        last[(level, who)] = row
    spend = sums.get(("market", "market"), {}).get("customer_spend", 0.0)
    out: dict[tuple[str, str], dict] = {}
    for s in model.suppliers:
        row, acc = last[("supplier", s.name)], sums[("supplier", s.name)]
        out[("supplier", s.name)] = {
            "profit": acc["profit"],
            "market_share": _number(float(row["market_share_value"])),
            "brand_equity": float(row["brand_equity"]),
            "satisfaction": None,
            "penalties_paid": acc["sla_penalty_paid"],
        }
    for d in model.distributors:
        acc = sums[("distributor", d.name)]
        active = sat = 0.0
        for st in d.stores:
            row = last[("store", st.name)]
            n = float(row["customers_active"])
            if n > 0 and not math.isnan(float(row["satisfaction"])):
                active, sat = active + n, sat + n * float(row["satisfaction"])
        out[("distributor", d.name)] = {
            "profit": acc["profit"],
            "market_share": acc["retail_revenue"] / spend if spend else None,
            "brand_equity": None,
            "satisfaction": sat / active if active else None,
            "penalties_paid": acc["sla_penalty_paid"],
        }
    return out


__all__ = [
    "ACTIONS",
    "CONTRACT_BOT",
    "DEFAULT_CUSTOMERS",
    "RULES",
    "SIDES",
    "ChannelGame",
    "ChannelSeat",
    "ChannelSettings",
    "check_bot",
    "review_periods",
    "team_move",
]
