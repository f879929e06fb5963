"""The channel game: teams play the parties of the simulated market's contracts, review by review.

Every contract of the scenario has two *seats*, its supplier and its distributor, each taken by
a *team* (one or more phones; none: a bot). A round is one review: each seat whose contract is
reviewed then chooses, lever by lever, what to keep and what to cut (`LEVERS`: a supplier's
quality, fill rate and new products; a distributor's price band, service and data sharing);
keeping all is C, cutting all D. The team's choice is its captain's (the first member) or its
members' majority lever by lever, as the facilitator sets (`team_cuts`). The market
(`MarketModel`, the one authoritative copy) then plays the periods up to the next review with
those moves in place of the parties' strategies: each party's strategy is wrapped in
`market.relationships.External`, whose move the game sets for that one review (`External.choose`
for a choice of some levers; a whole keep or cut as the plain C or D, the same market bit for
bit). A seat without a move (no one there, no one in time) is played by the bot, a library
strategy the facilitator chooses ("contract": the party's own strategy in the scenario), which
reads the same record, with the same monitoring noise, as people do, and plays whole moves.
Whatever was cut, the partner's strategy reads the clauses, and a cut lever no clause measures
goes unread (a contract without clauses reads the move itself: D when anything was cut).

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
from linkages_sim.market.relationships import (
    LEVERS,
    External,
    Relationship,
    contract_strategy,
    lever_of,
)
from linkages_sim.workshop.classic import MOVES, GameRuleError

SIDES = ("supplier", "distributor")
RULES = ("captain", "majority")
CONTRACT_BOT = "contract"
"""The bot setting that leaves each party to its own strategy in the scenario."""
ACTIONS = {"keep": C, "cut": D}
ALL_LEVERS = tuple(lever for side in SIDES for lever in LEVERS[side])
LEVER_NAMES = {
    "quality": "Quality", "fill_rate": "Fill rate", "new_products": "New products",
    "price": "Price band", "service": "Service standard", "data": "Data sharing",
}  # fmt: skip
"""What the pages call each lever (`market.relationships.LEVERS`)."""
LEVER_LETTERS = {"quality": "Q", "fill_rate": "F", "new_products": "N", "price": "P",
                 "service": "S", "data": "D"}  # fmt: skip
"""One letter per lever, for the projector's strips and the debrief (a side's letters differ)."""
Cuts = frozenset[str]
"""A move lever by lever: the levers cut (of the seat's side's `LEVERS`); empty keeps all."""
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
    """Per round, the move played at the round's review (None: the contract was not reviewed);
    D when any lever was cut."""
    cuts: list[Cuts | None] = field(default_factory=list)
    """Per round, the levers the move played cut (a bot's D cuts all, its C none; None: not
    reviewed), as the market applied them."""
    by_bot: list[bool] = field(default_factory=list)
    chosen: list[Cuts | None] = field(default_factory=list)
    """Per round, the team's own choice of levers to cut (None: none, or the contract was not
    reviewed), even when the contract broke at that review and never used it: what a replay
    holds fixed."""
    votes: list[dict[int, Cuts]] = field(default_factory=list)
    """Per round, the members' own choices (levers to cut)."""
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


def whole_cuts(move: str, side: str) -> Cuts:
    """A whole move as levers: keeping (C) cuts none, cutting (D) all of the side's levers."""
    return frozenset(LEVERS[side]) if move == D else frozenset()


def move_of(cuts: Cuts) -> str:
    """The move the market records for a choice of levers: D when anything is cut, else C."""
    return D if cuts else C


def ordered(cuts: Cuts | None, side: str) -> list[str] | None:
    """The levers cut in the side's `LEVERS` order (for JSON, logs and tables); None stays None."""
    return None if cuts is None else [lever for lever in LEVERS[side] if lever in cuts]


def team_cuts(seat: ChannelSeat, votes: dict[int, Cuts], rule: str) -> Cuts | None:
    """The team's levers to cut from its members' votes, or None for the bot.

    Captain: the captain's choice (the bot when the captain did not move). Majority, lever by
    lever among the members who moved: a lever is cut when more of them cut it than keep it; a
    tie goes to the captain's choice on that lever, and when the captain did not move the lever
    is kept: a clause stands unless a majority cuts it. The bot plays only a team in which no
    one moved (its moves are whole, so it cannot fill in one lever).
    """
    if rule == "captain":
        return votes.get(seat.captain) if seat.captain is not None else None
    if not votes:
        return None
    captain = votes.get(seat.captain) if seat.captain is not None else None
    cut = set()
    for lever in LEVERS[seat.side]:
        cutting = sum(lever in v for v in votes.values())
        keeping = len(votes) - cutting
        if cutting > keeping or (cutting == keeping and captain is not None and lever in captain):
            cut.add(lever)
    return frozenset(cut)


def team_move(seat: ChannelSeat, votes: dict[int, str], rule: str) -> str | None:
    """The team's whole move (C or D) from whole-move votes, or None for the bot: `team_cuts`.

    With whole votes every lever is counted alike, so the team keeps or cuts all.
    """
    cuts = team_cuts(seat, {p: whole_cuts(v, seat.side) for p, v in votes.items()}, rule)
    return None if cuts is None else move_of(cuts)


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
        self.pending: dict[int, Cuts] = {}
        """The open round's choices so far, by participant: the levers each would cut."""
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

    def submit(
        self, participant: int, number: int, move: str | None = None, seat: str | None = None,
        cuts: Sequence[str] | None = None,
    ) -> None:  # fmt: skip
        """A person's choice for their team in round ``number``; errors say what was wrong.

        Either a whole ``move`` (C keeps every lever, D cuts them all) or ``cuts``, the levers
        of the seat's side to cut (empty: keep all). ``seat``, when given, is the seat the page
        acts for: it must be the person's own.
        """
        if move is None and cuts is None:
            raise GameRuleError("invalid", "send a whole move (keep or cut) or the levers to cut")
        if move is not None and cuts is not None:
            raise GameRuleError("invalid", "send a whole move (keep or cut) or the levers to "
                                "cut, not both")  # fmt: skip
        if move is not None and move not in MOVES:
            raise GameRuleError("invalid", f"'{str(move)[:16]}' is not a move; send keep or cut")
        if cuts is not None:
            check_levers(cuts)
        own = self.seated.get(participant)
        if own is None:
            raise GameRuleError("not_seated", "you have no seat yet")
        if seat is not None and seat != own.key:
            raise GameRuleError(
                "not_your_seat", f"you sit in {own.key}, not in {seat[:64]}; you move for yours"
            )
        if cuts is not None:
            check_levers(cuts, own.side)
        choice = whole_cuts(move, own.side) if move is not None else frozenset(cuts or ())
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
        self.pending[participant] = choice

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
        choices = [team_cuts(s, v, rule) for s, v in zip(self.seats, votes, strict=True)]
        self.play_round(choices, votes)
        self.current = None
        self.pending = {}
        return number

    def play_round(
        self, moves: Sequence[Cuts | str | None], votes: Sequence[dict[int, Cuts]] | None = None
    ) -> int:
        """Play the next round with one choice per seat (None: the bot's), then the market.

        A choice is the levers to cut (`Cuts`), or a whole move, C or D. `close` plays the
        teams' choices through it; `counterfactual` replays a game with other moves through the
        very same code, so a replay of the choices played is the game itself. A choice for a
        seat whose contract is not reviewed at the round's start is not used. Keeping or
        cutting every lever is set as the whole move (`External.next`), some levers through
        `External.choose`: the market is the same either way, bit for bit.
        """
        model = self.model
        if model is None:
            raise GameRuleError("not_allowed", "the game has not started")
        if self.over:
            raise GameRuleError("not_allowed", f"the game is over after {self.played} rounds")
        number = self.played + 1
        start, end = self.periods[number - 1], self.periods[number]
        assert model.steps == start, "the market is where the last round left it"
        decided: list[Cuts | None] = []
        for seat, wanted in zip(self.seats, moves, strict=True):
            choice = wanted if self.decides(seat, number) else None
            if isinstance(choice, str):
                choice = whole_cuts(choice, seat.side)
            if choice is not None:
                check_levers(choice, seat.side)
            _set_move(getattr(self.relationship(seat), f"{seat.side}_strategy"), choice, seat.side)
            decided.append(choice)
        before = [len(getattr(self.relationship(s), f"{s.side}_moves")) for s in self.seats]
        blocks = len(model.recorder.blocks)
        with MARKET_LOCK:
            model.step()  # the review, with the moves set
        applied: list[Cuts | None] = []
        for seat, n in zip(self.seats, before, strict=True):
            r = self.relationship(seat)
            _set_move(getattr(r, f"{seat.side}_strategy"), None, seat.side)  # a contract that
            moves_now = getattr(r, f"{seat.side}_moves")  # broke at the review never used it
            if len(moves_now) > n:
                cut = getattr(r, f"{seat.side}_cuts")
                applied.append(whole_cuts(moves_now[-1], seat.side) if cut is None else cut)
            else:
                applied.append(None)
        while model.steps < end:
            with MARKET_LOCK:
                model.step()
        kpis = _interval_kpis(model, blocks)
        for k, (seat, choice, n) in enumerate(zip(self.seats, decided, before, strict=True)):
            moves_now = getattr(self.relationship(seat), f"{seat.side}_moves")
            played = moves_now[-1] if len(moves_now) > n else None
            seat.actions.append(played)
            seat.cuts.append(applied[k])
            seat.by_bot.append(played is not None and choice is None)
            seat.chosen.append(choice)
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

    def levers(self, seat: ChannelSeat) -> list[dict]:
        """What the seat can cut, lever by lever: name, the own clauses it moves, consequence.

        The consequence is the market's rule for that lever (docs/model.md §3.2) with the
        seat's firm's own numbers. ``read`` says how the partner's review sees a cut of it:
        through its ``clauses``; ``unread`` when no clause measures it (the review reads only
        clauses); ``move`` when the party has no clauses and the review reads the move itself
        (a cut when any lever is cut).
        """
        c = self.scenario.contracts[seat.contract]
        mine = c.supplier_clauses if seat.side == "supplier" else c.distributor_clauses
        firm = self._firm(seat.side, seat.firm)
        partner = self._firm(seat.partner_side, seat.partner_firm)
        out = []
        for lever in LEVERS[seat.side]:
            clauses = [clause_terms(x) for x in mine if lever_of(x.metric) == lever]
            line = consequence(lever, firm, partner.label)
            if any(x["metric"] == "greeting_time_s" for x in clauses):
                line += " The greeting time is the stores' policy: no cut moves it."
            out.append({
                "lever": lever, "name": LEVER_NAMES[lever], "letter": LEVER_LETTERS[lever],
                "clauses": clauses, "consequence": line,
                "read": "clauses" if clauses else ("unread" if mine else "move"),
            })  # fmt: skip
        return out

    def _firm(self, side: str, firm: str):
        firms = self.scenario.suppliers if side == "supplier" else self.scenario.distributors
        return next(f for f in firms if f.id == firm)

    def timeseries(self) -> pd.DataFrame:
        """The market's long table so far (empty before the first round)."""
        if self.model is None:
            return pd.DataFrame(columns=["period", "level", "id", "metric", "value"])
        return self.model.timeseries()


def check_levers(cuts: Sequence[str] | Cuts, side: str | None = None) -> None:
    """Raise an `invalid` GameRuleError unless ``cuts`` are distinct levers (of ``side``'s)."""
    if isinstance(cuts, str) or not all(isinstance(x, str) for x in cuts):
        raise GameRuleError("invalid", "cuts: a list of lever names")
    seen: set[str] = set()
    for lever in cuts:
        if lever not in ALL_LEVERS:
            raise GameRuleError("invalid", f"'{lever[:32]}' is not a lever; the levers are "
                                + ", ".join(ALL_LEVERS))  # fmt: skip
        if lever in seen:
            raise GameRuleError("invalid", f"'{lever}' is named twice in cuts")
        seen.add(lever)
        if side is not None and lever not in LEVERS[side]:
            other = SIDES[1 - SIDES.index(side)]
            raise GameRuleError("invalid", f"'{lever}' is a {other}'s lever; a {side} cuts "
                                + ", ".join(LEVERS[side]))  # fmt: skip


def _set_move(strategy: External, cuts: Cuts | None, side: str) -> None:
    """Set the coming review's move (None: the fallback's); clears any earlier choice.

    All or none of the levers is the whole move (D or C), some of them a lever-by-lever one.
    """
    if cuts is None or not cuts or cuts == frozenset(LEVERS[side]):
        strategy.next, strategy.next_cuts = (None if cuts is None else move_of(cuts)), None
    else:
        strategy.choose(cuts)


def _share(x: float) -> str:
    return f"{x:.0%}"


def consequence(lever: str, firm, partner: str) -> str:
    """One line on what cutting ``lever`` does in this market, with ``firm``'s own numbers.

    The rules of docs/model.md §3.2 (`Supplier.quality_for`, `fill_rate_for`, `unit_cost_for`,
    `develop_products`; `Distributor.price_for`, its service and training spend,
    `shares_data_for`).
    """
    d = firm.defection
    if lever == "quality":
        return (f"Cut: saves {_share(d.cost_saving)} of unit cost; the quality delivered falls "
                f"{_share(d.quality_cut)} (and a new product no longer lifts it): customers "
                "feel it at once and perceive it slowly.")  # fmt: skip
    if lever == "fill_rate":
        return (f"Cut: {d.fill_rate_cut * 100:.0f} points fewer orders delivered in full "
                "(stock-outs); it saves nothing in this model.")  # fmt: skip
    if lever == "new_products":
        if firm.new_product_every <= 0:
            return "Cut: nothing changes; this firm launches no new products."
        return (f"Cut: no new product launch (each costs {firm.new_product_cost:,.0f}, every "
                f"{firm.new_product_every} weeks), but only once {firm.label} cuts it in all "
                "its contracts: launches are the firm's.")  # fmt: skip
    if lever == "price":
        if d.discount <= 0:
            return "Cut: nothing changes; this firm's cut gives no discount."
        return (f"Cut: sells the brand {_share(d.discount)} below RRP, outside the price band: "
                "cheaper for customers, a thinner margin, and off-band prices hurt the "
                "brand.")  # fmt: skip
    if lever == "service":
        return (f"Cut: service spend −{_share(d.service_cut)} and training "
                f"−{_share(d.training_cut)} in all its stores if cut in all its contracts (in "
                "proportion otherwise): saves cost; customers feel it at once.")  # fmt: skip
    if lever == "data":
        if not d.withhold_data:
            return "Cut: nothing changes; this firm's cut keeps the data flowing."
        if not firm.shares_data:
            return f"Cut: nothing to withhold unless an agreement shares data with {partner}."
        return (f"Cut: saves {firm.data_sharing_cost:,.0f} a week by no longer sharing "
                f"buying-habit data with {partner}, whose products then fit customers less, "
                "slowly.")  # fmt: skip
    raise ValueError(f"unknown lever '{lever}'")


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
    "ALL_LEVERS",
    "CONTRACT_BOT",
    "DEFAULT_CUSTOMERS",
    "LEVER_LETTERS",
    "LEVER_NAMES",
    "RULES",
    "SIDES",
    "ChannelGame",
    "ChannelSeat",
    "ChannelSettings",
    "Cuts",
    "check_bot",
    "check_levers",
    "consequence",
    "lever_of",
    "move_of",
    "ordered",
    "review_periods",
    "team_cuts",
    "team_move",
    "whole_cuts",
]
