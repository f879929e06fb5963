"""The classic dilemma of the browser workshop: a room of people in pairs, round by round.

The rules are the engine's (`linkages_sim.game`): the payoff table is a `game.stage.Game`,
moves are simultaneous, execution noise flips the intended move and both players see (and are
scored on) the flipped one, and a random-length match ends after each round with probability
``1 - continuation`` (capped at ``rounds``), as `game.match.Match` does with ``prob_end``.

A *seat* is one side of a pair. People are seated by arrival: the first two make pair 0, the
next two pair 1, and an odd one out gets a bot partner. A seat is never empty: whenever its
person did not move in time (or had not arrived yet) the bot strategy plays it, from the seat's
own history, like HubNet's androids. Someone who arrives mid-match takes a bot's seat beside a
person when there is one, else a new pair whose earlier rounds the bots played.

Every random number comes from `linkages_sim.rng.Streams` of the session's seed, keyed by
(match, pair, round): the match length by (match,), noise by (match, pair, round), a bot's own
draws by (match, pair, round) under the seat's purpose (PLAYER_A for side 0, PLAYER_B for
side 1). So the same seed and the same moves replay the same session, whatever the order in
which moves arrive.

This module knows nothing of time, sockets or pages; `room.py` adds those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linkages_sim.game.match import check_match_settings
from linkages_sim.game.players import Player, parse_player
from linkages_sim.game.stage import Game
from linkages_sim.game.strategies import C, D, flip
from linkages_sim.rng import Purpose, Streams

MOVES = (C, D)
MAX_ROUNDS = 100
"""The longest match a room can be set to (a fixed length, or the cap of a random one)."""


class GameRuleError(ValueError):
    """An action the rules do not allow now; ``code`` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        """Record the protocol's error ``code`` and the sentence shown to the person."""
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ClassicSettings:
    """How the room's match is played.

    ``continuation`` None: a fixed match of ``rounds`` rounds, announced. A number w: the
    length is hidden and random: after each round the match goes on with probability w (mean
    length 1 / (1 - w)), never longer than ``rounds``.
    """

    rounds: int = 10
    continuation: float | None = None
    noise: float = 0.0
    game: Game = field(default_factory=Game)
    bot: str = "tft"
    round_seconds: int = 30

    def __post_init__(self) -> None:
        """Check every setting; a bad one is a ValueError that names it and its rule."""
        if isinstance(self.rounds, bool) or not 1 <= self.rounds <= MAX_ROUNDS:
            raise ValueError(f"rounds must be a whole number from 1 to {MAX_ROUNDS}")
        if self.continuation is not None and not 0.0 <= self.continuation < 1.0:
            raise ValueError("the continuation probability must be in [0, 1)")
        if not 0.0 <= self.noise <= 0.5:
            raise ValueError("noise must be from 0 to 0.5 (a share of moves flipped)")
        if not 1 <= self.round_seconds <= 900:
            raise ValueError("a round's time must be from 1 to 900 seconds")
        check_match_settings(self.rounds, self.prob_end, self.noise)
        self.bot_player()  # a bad spec is a ValueError naming the valid strategies

    @property
    def prob_end(self) -> float | None:
        """The engine's parameter: the probability that the match ends after a round."""
        return None if self.continuation is None else 1.0 - self.continuation

    @property
    def hidden_length(self) -> bool:
        """Whether the length is random and not announced (a continuation probability is set)."""
        return self.continuation is not None

    def bot_player(self) -> Player:
        """The bot strategy that plays empty seats and timed-out moves, seated for the payoffs."""
        return parse_player(self.bot).for_payoffs(self.game.values)

    def as_dict(self) -> dict:
        """The settings as a JSON record (the log's and the pages' form)."""
        return {
            "rounds": self.rounds,
            "continuation": self.continuation,
            "noise": self.noise,
            "payoffs": self.game.as_dict(),
            "bot": self.bot,
            "round_seconds": self.round_seconds,
        }


@dataclass
class Seat:
    """One side of a pair and everything played on it, round by round."""

    pair: int
    side: int
    occupant: int | None
    """The participant id, or None: a bot's seat."""
    intended: list[str] = field(default_factory=list)
    """The move chosen (by the person or the bot), before noise."""
    moves: list[str] = field(default_factory=list)
    """The move played after noise: what both players saw and were scored on."""
    by_bot: list[bool] = field(default_factory=list)
    flipped: list[bool] = field(default_factory=list)
    payoffs: list[float] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The seat's total payoff so far."""
        return float(sum(self.payoffs))

    @property
    def human_rounds(self) -> int:
        """How many rounds the seat's person chose the move (not the bot)."""
        return self.by_bot.count(False)


@dataclass
class Pair:
    """Two seats that play each other every round."""

    index: int
    seats: tuple[Seat, Seat]

    def partner(self, seat: Seat) -> Seat:
        """The other seat of the pair."""
        return self.seats[1 - seat.side]


@dataclass(frozen=True)
class SeatOutcome:
    """One seat's round: what it chose, what was played, who chose it, the payoff."""

    intended: str
    move: str
    by_bot: bool
    flipped: bool
    payoff: float


class ClassicMatch:
    """One match of the classic dilemma for the whole room: pairs, the open round, histories.

    Rounds are numbered from 1. ``played`` rounds are closed; while a round is open,
    ``current`` is its number and ``pending`` holds the moves people have sent for it.
    """

    def __init__(self, settings: ClassicSettings, seed: int, index: int = 0) -> None:
        """A match of ``settings`` drawing from the streams of ``seed``.

        ``index`` numbers the session's matches, so that each new match draws afresh.
        """
        self.settings = settings
        self.seed = int(seed)
        self.index = int(index)
        self.streams = Streams(self.seed)
        self.bot = settings.bot_player()
        self.length = self._draw_length()
        self.pairs: list[Pair] = []
        self.seats: dict[int, Seat] = {}
        self.played = 0
        self.current: int | None = None
        self.pending: dict[int, str] = {}
        self.ended_early = False

    def _draw_length(self) -> int:
        s = self.settings
        if s.prob_end is None:
            return s.rounds
        drawn = int(self.streams.generator(Purpose.MATCH_LENGTH, self.index).geometric(s.prob_end))
        return min(drawn, s.rounds)

    # -- seating ---------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """Whether the room has been seated (the first round has opened)."""
        return bool(self.pairs)

    @property
    def over(self) -> bool:
        """Whether the match has played its length or was ended early."""
        return self.ended_early or self.played >= self.length

    def start(self, participants: list[int]) -> None:
        """Seat everyone present, in arrival order; an odd one out sits beside a bot."""
        if self.started:
            raise GameRuleError("not_allowed", "the match has already started")
        if not participants:
            raise GameRuleError("not_allowed", "no one has joined yet")
        for k in range(0, len(participants), 2):
            pair = participants[k : k + 2]
            self._new_pair(pair[0], pair[1] if len(pair) > 1 else None)

    def _new_pair(self, a: int | None, b: int | None) -> Pair:
        index = len(self.pairs)
        pair = Pair(index, (Seat(index, 0, a), Seat(index, 1, b)))
        self.pairs.append(pair)
        for seat in pair.seats:
            if seat.occupant is not None:
                self.seats[seat.occupant] = seat
        # the rounds before this pair existed: the bots played both seats
        for number in range(1, self.played + 1):
            self._play_round(pair, number, {})
        return pair

    def admit(self, participant: int) -> Seat:
        """Seat a late arrival: a bot's seat beside a person if any, else a new pair."""
        if participant in self.seats:
            return self.seats[participant]
        if self.over:
            raise GameRuleError("not_allowed", "the match is over; wait for the next one")
        for pair in self.pairs:
            a, b = pair.seats
            if (a.occupant is None) != (b.occupant is None):
                seat = a if a.occupant is None else b
                seat.occupant = participant
                self.seats[participant] = seat
                return seat
        return self._new_pair(participant, None).seats[0]

    def seat_of(self, participant: int) -> Seat | None:
        """The seat of a participant, or None."""
        return self.seats.get(participant)

    def pair_of(self, seat: Seat) -> Pair:
        """The pair a seat belongs to."""
        return self.pairs[seat.pair]

    # -- a round ---------------------------------------------------------------------------

    def open(self) -> int:
        """Open the next round and return its number."""
        if self.current is not None:
            raise GameRuleError("not_allowed", f"round {self.current} is already open")
        if self.over:
            raise GameRuleError("not_allowed", f"the match is over after {self.played} rounds")
        self.current = self.played + 1
        self.pending = {}
        return self.current

    def submit(self, participant: int, number: int, move: str) -> None:
        """A person's move for round ``number``; errors say what was wrong."""
        if move not in MOVES:
            raise GameRuleError("invalid", f"'{move}' is not a move; send C or D")
        if participant not in self.seats:
            raise GameRuleError("not_seated", "you have no seat in this match yet")
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
        if participant in self.pending:
            raise GameRuleError(
                "already_moved", f"you have already moved in round {number}; moves are final"
            )
        self.pending[participant] = move

    def waiting_for(self) -> list[int]:
        """People seated whose move for the open round has not arrived."""
        if self.current is None:
            return []
        return [p for p in self.seats if p not in self.pending]

    def everyone_moved(self) -> bool:
        """Whether every seated person has sent a move for the open round."""
        return self.current is not None and not self.waiting_for()

    def close(self) -> int:
        """Close the open round: bots move for whoever did not, noise, payoffs."""
        if self.current is None:
            raise GameRuleError("not_allowed", "no round is open")
        number = self.current
        for pair in self.pairs:
            self._play_round(pair, number, self.pending)
        self.played = number
        self.current = None
        self.pending = {}
        return number

    def end_early(self) -> None:
        """The facilitator stops the match before its length (e.g. to reveal now)."""
        if self.current is not None:
            raise GameRuleError("not_allowed", "close the open round first")
        if self.played < self.length:
            self.ended_early = True

    def _play_round(self, pair: Pair, number: int, pending: dict[int, str]) -> None:
        s = self.settings
        key = (self.index, pair.index, number)
        intended: list[str] = []
        by_bot: list[bool] = []
        for seat in pair.seats:
            move = pending.get(seat.occupant) if seat.occupant is not None else None
            if move is None:
                purpose = Purpose.PLAYER_A if seat.side == 0 else Purpose.PLAYER_B
                rng = self.streams.generator(purpose, *key)
                move = self.bot.strategy.play(seat.moves, pair.partner(seat).moves, rng)
            intended.append(move)
            by_bot.append(seat.occupant is None or seat.occupant not in pending)
        if s.noise > 0:
            flips = self.streams.generator(Purpose.MATCH_NOISE, *key).random(2) < s.noise
        else:
            flips = [False, False]
        played = [flip(m) if f else m for m, f in zip(intended, flips, strict=True)]
        payoffs = s.game.scores(played[0], played[1])
        for k, seat in enumerate(pair.seats):
            seat.intended.append(intended[k])
            seat.moves.append(played[k])
            seat.by_bot.append(by_bot[k])
            seat.flipped.append(bool(flips[k]))
            seat.payoffs.append(float(payoffs[k]))

    # -- what the room sees ----------------------------------------------------------------

    def outcome(self, seat: Seat, number: int) -> SeatOutcome:
        """One seat's result in round ``number``."""
        k = number - 1
        return SeatOutcome(
            seat.intended[k], seat.moves[k], seat.by_bot[k], seat.flipped[k], seat.payoffs[k]
        )

    def cooperation(self) -> list[dict]:
        """Per closed round, the room's cooperation.

        ``people``: the share of people's own choices that were C (None when no one chose);
        ``all``: the share of all moves as played, bots and noise included.
        """
        rows = []
        all_seats = [seat for pair in self.pairs for seat in pair.seats]
        for k in range(self.played):
            chosen = [s.intended[k] for s in all_seats if not s.by_bot[k]]
            played = [s.moves[k] for s in all_seats]
            rows.append(
                {
                    "round": k + 1,
                    "people": chosen.count(C) / len(chosen) if chosen else None,
                    "people_n": len(chosen),
                    "all": played.count(C) / len(played) if played else None,
                }
            )
        return rows


__all__ = [
    "MAX_ROUNDS",
    "MOVES",
    "C",
    "ClassicMatch",
    "ClassicSettings",
    "D",
    "GameRuleError",
    "Pair",
    "Seat",
    "SeatOutcome",
]
