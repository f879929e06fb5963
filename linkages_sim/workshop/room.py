"""One workshop session: its participants, its phase, the round's clock and its game.

A session plays one activity at a time, chosen by the facilitator in the lobby: the classic
match (`classic.py`, the default) or the channel game (`channel.py`, teams in the market's
contracts). Both sit in ``match`` and offer the same round interface (open, submit, close,
waiting_for, end_early), so the clock, pauses and the log work the same for either.

`Room` is the authoritative state of a session, free of sockets: the server calls it with the
time (`clock`, monotonic seconds) and sends everyone the views of `views.py` after each call.
Every change is also appended to `log`, a list of plain records (join, settings, open, move,
close, pause, resume, end, reset, reveal, revealed, reveal_failed; for the channel game also
activity, channel_settings and seat, and a move chosen lever by lever carries its ``cuts``)
from which `Room.replay`
rebuilds the same room: the game is a function of the seed and that log. Each record is first
handed to ``sink`` when one is set (`store.py` writes it to SQLite there), so the room itself
does no I/O; a sink that raises leaves the record out of `log`, and the caller rolls back.

The channel game's debrief counterfactuals (`counterfactual.py`) are derived too: the server
computes them off the event loop once a game has ended and keeps them in `counterfactuals`,
never in the log, since the seed and the log determine them.

The phase is derived, never stored: lobby (no match started), open or paused (a round is
open), closed (between rounds), over (the match has played its length), revealing (the
reveal is being computed) and revealed.
"""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from linkages_sim.config.schema import Scenario
from linkages_sim.game.stage import Game
from linkages_sim.workshop.channel import ChannelGame, ChannelSettings, move_of, ordered
from linkages_sim.workshop.classic import ClassicMatch, ClassicSettings, GameRuleError
from linkages_sim.workshop.reveal import Entry

NAME_MAX = 24
MAX_PARTICIPANTS = 200
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CLASSIC, CHANNEL = "classic", "channel"
ACTIVITIES = (CLASSIC, CHANNEL)


class Phase(StrEnum):
    """Where a session stands; derived from the match, never stored."""

    LOBBY = "lobby"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    OVER = "over"
    REVEALING = "revealing"
    REVEALED = "revealed"


@dataclass
class Participant:
    """Someone who joined: id (arrival order), display name, secret token, open pages."""

    id: int
    name: str
    token: str
    connections: int = 0


@dataclass
class PastMatch:
    """A match the room has reset away from, kept for the debrief: its number, play, reveal."""

    index: int
    match: ClassicMatch | ChannelGame
    reveal: dict | None = field(default=None)


def clean_name(raw: str) -> str:
    """A display name as shown, or an error saying what is wrong with it.

    Spaces are collapsed, control and direction-override characters removed; 1 to 24
    characters remain. The pages show it as text, never as markup.
    """
    text = BIDI_CONTROLS.sub("", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise GameRuleError("invalid", "type a display name")
    if len(text) > NAME_MAX:
        raise GameRuleError("invalid", f"a display name has at most {NAME_MAX} characters")
    return text


class Room:
    """A session of the workshop: join code, seed, settings, participants and the match."""

    def __init__(
        self,
        code: str,
        seed: int,
        settings: ClassicSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_participants: int = MAX_PARTICIPANTS,
        scenario: Scenario | None = None,
    ) -> None:
        """A session with join ``code`` and ``seed``; ``clock`` gives monotonic seconds.

        ``scenario`` is the market the channel game plays (None: the built-in default, loaded
        when the facilitator chooses the channel game).
        """
        self.code = code
        self.seed = int(seed)
        self.settings = settings or ClassicSettings()
        self.clock = clock
        self.max_participants = max_participants
        self.participants: dict[int, Participant] = {}
        self._tokens: dict[str, int] = {}
        self.match: ClassicMatch | ChannelGame | None = None
        self.activity = CLASSIC
        self.scenario = scenario
        self.channel_settings = ChannelSettings()
        self.match_index = 0
        self.paused = False
        self.deadline: float | None = None
        self.remaining_paused: float | None = None
        self.last_close_reason: str | None = None
        self.revealing = False
        self.reveal: dict | None = None
        self.reveal_error: str | None = None
        self.version = 0
        self.past: list[PastMatch] = []
        self.counterfactuals: dict[int, dict] = {}
        """Each ended channel game's debrief counterfactuals (`counterfactual.py`) by match
        index, once computed. Derived, never logged: the seed and the log determine them, so
        a resumed or replayed room computes them again."""
        self.counterfactuals_pending: set[int] = set()
        self.counterfactual_errors: dict[int, str] = {}
        self.sink: Callable[[dict], None] | None = None
        """Called with each new record before it joins `log` (persistence); may raise."""
        self.log: list[dict] = [{"event": "created", "seed": self.seed, **self.settings.as_dict()}]

    # -- state -----------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """Where the session stands, from the match and the reveal."""
        m = self.match
        if m is None or not m.started:
            return Phase.LOBBY
        if m.current is not None:
            return Phase.PAUSED if self.paused else Phase.OPEN
        if self.reveal is not None:
            return Phase.REVEALED
        if self.revealing:
            return Phase.REVEALING
        return Phase.OVER if m.over else Phase.CLOSED

    def remaining(self, now: float | None = None) -> float | None:
        """Seconds left in the open round (None when no clock runs or stands)."""
        if self.phase == Phase.PAUSED:
            return self.remaining_paused
        if self.phase != Phase.OPEN or self.deadline is None:
            return None
        return max(0.0, self.deadline - (self.clock() if now is None else now))

    @property
    def round_seconds(self) -> int:
        """A round's time under the current activity's settings."""
        if self.activity == CHANNEL:
            return self.channel_settings.round_seconds
        return self.settings.round_seconds

    @property
    def channel(self) -> ChannelGame | None:
        """The channel game, when the session plays it."""
        return self.match if isinstance(self.match, ChannelGame) else None

    def ended_channel_games(self) -> list[ChannelGame]:
        """The session's channel games that played a round and are over or were reset away.

        Their history can no longer change: what the debrief's counterfactuals replay.
        """
        games = [p.match for p in self.past if isinstance(p.match, ChannelGame)]
        current = self.channel
        if current is not None and current.started and current.over:
            games.append(current)
        return [g for g in games if g.played > 0]

    def participant_by_token(self, token: str) -> Participant | None:
        """The participant holding ``token``, or None."""
        pid = self._tokens.get(token)
        return None if pid is None else self.participants[pid]

    def _changed(self, record: dict) -> None:
        if self.sink is not None:
            self.sink(record)  # first: a record the sink refused never reaches the log
        self.version += 1
        self.log.append(record)

    # -- participants ----------------------------------------------------------------------

    def join(self, name: str, token: str | None = None) -> Participant:
        """A new participant; seated at once when a match is under way."""
        shown = clean_name(name)
        if len(self.participants) >= self.max_participants:
            raise GameRuleError("room_full", "this session is full")
        if any(p.name.casefold() == shown.casefold() for p in self.participants.values()):
            raise GameRuleError(
                "name_taken", f"'{shown}' is already taken in this session; add an initial"
            )
        pid = len(self.participants) + 1
        participant = Participant(pid, shown, token or secrets.token_urlsafe(18))
        self.participants[pid] = participant
        self._tokens[participant.token] = pid
        m = self.match
        if isinstance(m, ChannelGame):
            m.admit(pid)  # a team from the start: seats are taken in the lobby
        elif m is not None and m.started and not m.over:
            m.admit(pid)
        self._changed({"event": "join", "id": pid, "name": shown, "token": participant.token})
        return participant

    # -- settings --------------------------------------------------------------------------

    def check_settings_allowed(self) -> None:
        """Raise unless the settings may change now (in the lobby, between matches)."""
        if self.phase != Phase.LOBBY:
            raise GameRuleError(
                "not_allowed", "settings change between matches only: reset the match first"
            )

    def update_settings(self, settings: ClassicSettings) -> None:
        """Change the match settings (in the lobby only)."""
        self.check_settings_allowed()
        self.settings = settings
        if self.activity == CLASSIC:
            self.match = None
        self._changed({"event": "settings", **settings.as_dict()})

    # -- the channel game ------------------------------------------------------------------

    def _new_channel(self, keep: ChannelGame | None = None) -> ChannelGame:
        """A fresh channel game of this session; ``keep``'s teams keep their seats."""
        if self.scenario is None:
            from linkages_sim.config.loading import load_scenario

            self.scenario = load_scenario("default")
        game = ChannelGame(self.scenario, self.channel_settings, self.seed, self.match_index)
        if keep is not None:
            for seat in keep.seats:
                for pid in seat.members:
                    game.move_to(pid, seat.key)
        for pid in sorted(self.participants):
            game.admit(pid)
        return game

    def set_activity(self, activity: str, scenario: Scenario | None = None) -> None:
        """Choose what the session plays next (in the lobby only).

        The channel game's scenario goes into the log whole, so a replay needs no file.
        """
        self.check_settings_allowed()
        if activity not in ACTIVITIES:
            raise GameRuleError("invalid", f"the activity is one of {', '.join(ACTIVITIES)}")
        if scenario is not None:
            self.scenario = scenario
        self.activity = activity
        self.match = self._new_channel() if activity == CHANNEL else None
        record: dict = {"event": "activity", "activity": activity}
        if activity == CHANNEL:
            assert self.scenario is not None
            record["scenario"] = self.scenario.model_dump(mode="json")
            record["channel"] = self.channel_settings.as_dict()
        self._changed(record)

    def update_channel_settings(self, settings: ChannelSettings) -> None:
        """Change the channel game's settings (in the lobby only; teams keep their seats)."""
        self.check_settings_allowed()
        self.channel_settings = settings
        if self.channel is not None:
            self.channel.configure(settings)
        self._changed({"event": "channel_settings", **settings.as_dict()})

    def take_seat(self, pid: int, seat: str) -> None:
        """Participant ``pid`` joins the team of ``seat`` (between rounds)."""
        game = self.channel
        if game is None:
            raise GameRuleError("not_allowed", "seats are chosen in the channel game only")
        if pid not in self.participants:
            raise GameRuleError("not_seated", "join the session first")
        game.move_to(pid, seat)
        self._changed({"event": "seat", "id": pid, "seat": seat})

    # -- rounds ----------------------------------------------------------------------------

    def open_round(self, now: float | None = None) -> int:
        """Open the next round (seating the room first) and start its clock."""
        phase = self.phase
        if phase in (Phase.OPEN, Phase.PAUSED):
            raise GameRuleError("not_allowed", "a round is already open")
        if phase in (Phase.OVER, Phase.REVEALING, Phase.REVEALED):
            raise GameRuleError("not_allowed", "the match is over: reveal, or reset for a new one")
        if isinstance(self.match, ChannelGame):  # bots may play every seat
            if not self.match.started:
                self.match.start(sorted(self.participants))
        else:
            if not self.participants:
                raise GameRuleError("not_allowed", "no one has joined yet")
            if self.match is None or not self.match.started:
                self.match = ClassicMatch(self.settings, self.seed, self.match_index)
                self.match.start(sorted(self.participants))
        number = self.match.open()
        self.paused = False
        self.remaining_paused = None
        self.deadline = (self.clock() if now is None else now) + self.round_seconds
        self.last_close_reason = None
        self._changed({"event": "open", "round": number})
        return number

    def submit(
        self, pid: int, number: int, move: str | None, now: float | None = None,
        seat: str | None = None, cuts: Sequence[str] | None = None,
    ) -> bool:  # fmt: skip
        """A participant's move; True when it was the last one and closed the round.

        ``seat``: the channel seat the page moves for (checked against the person's own).
        ``cuts`` (the channel game, instead of a whole ``move``): the levers to cut. The log
        records them in the side's lever order, with the move the market reads (D when any).
        """
        if self.match is None or not self.match.started:
            raise GameRuleError("no_round", "the match has not started; wait for round 1")
        if self.phase == Phase.PAUSED and number == self.match.current:
            raise GameRuleError("round_paused", "the round is paused; wait for the facilitator")
        record: dict = {"event": "move", "id": pid, "round": number, "move": move}
        if isinstance(self.match, ChannelGame):
            self.match.submit(pid, number, move, seat, cuts=cuts)
            if cuts is not None:
                side = self.match.seated[pid].side
                record.update(move=move_of(frozenset(cuts)), cuts=ordered(frozenset(cuts), side))
        elif seat is not None or cuts is not None:
            raise GameRuleError("not_allowed", "this session plays the classic match: send a move")
        else:
            assert move is not None
            self.match.submit(pid, number, move)
        self._changed(record)
        if self.match.everyone_moved():
            self.close_round("everyone moved")
            return True
        return False

    def close_round(self, reason: str = "facilitator") -> int:
        """Close the open round; bots move for whoever did not."""
        if self.match is None or self.match.current is None:
            raise GameRuleError("not_allowed", "no round is open")
        number = self.match.close()
        self.paused = False
        self.deadline = None
        self.remaining_paused = None
        self.last_close_reason = reason
        self._changed({"event": "close", "round": number, "reason": reason})
        return number

    def tick(self, now: float | None = None) -> bool:
        """Close the open round if its time is up; True when it did."""
        if self.phase != Phase.OPEN or self.deadline is None:
            return False
        if (self.clock() if now is None else now) < self.deadline:
            return False
        self.close_round("time")
        return True

    def pause(
        self, now: float | None = None, left: float | None = None, reason: str = "facilitator"
    ) -> None:
        """Stop the open round's clock; moves wait until it resumes.

        ``left`` overrides the time left (a resumed session knows it from the stored times,
        not from this process's clock); the record keeps it, so a replay pauses the same.
        """
        if self.phase != Phase.OPEN:
            raise GameRuleError("not_allowed", "only an open round can be paused")
        self.remaining_paused = self.remaining(now) if left is None else max(0.0, float(left))
        self.paused = True
        self.deadline = None
        self._changed({"event": "pause", "remaining": self.remaining_paused, "reason": reason})

    def resume(self, now: float | None = None) -> None:
        """Restart the paused round's clock with the time it had left."""
        if self.phase != Phase.PAUSED:
            raise GameRuleError("not_allowed", "nothing is paused")
        self.paused = False
        left = self.remaining_paused if self.remaining_paused is not None else 0.0
        self.deadline = (self.clock() if now is None else now) + left
        self.remaining_paused = None
        self._changed({"event": "resume"})

    # -- reveal and reset ------------------------------------------------------------------

    def start_reveal(self) -> list[Entry]:
        """End the match (early, if need be) and hand out the sequences to reveal."""
        phase = self.phase
        if phase in (Phase.LOBBY, Phase.OPEN, Phase.PAUSED):
            what = "close the open round first" if phase != Phase.LOBBY else "play a round first"
            raise GameRuleError("not_allowed", f"nothing to reveal yet: {what}")
        if phase in (Phase.REVEALING, Phase.REVEALED):
            raise GameRuleError("not_allowed", "the reveal is already shown (or on its way)")
        m = self.match
        assert m is not None
        if isinstance(m, ChannelGame):
            raise GameRuleError(
                "not_allowed", "the channel game has no reveal: its charts and exports show it"
            )
        if m.played == 0:
            raise GameRuleError("not_allowed", "nothing to reveal yet: play a round first")
        if not m.over:
            m.end_early()
            self._changed({"event": "end", "round": m.played})
        self.revealing = True
        self.reveal_error = None
        self._changed({"event": "reveal", "match": self.match_index})
        return self.reveal_entries()

    def reveal_entries(self) -> list[Entry]:
        """The sequences the reveal replays: every seated person's chosen moves."""
        m = self.match
        if not isinstance(m, ClassicMatch):
            return []
        return [
            Entry(
                participant=pid,
                name=self.participants[pid].name,
                moves="".join(seat.intended),
                by_bot=tuple(seat.by_bot),
                actual_score=seat.score,
            )
            for pid, seat in sorted(m.seats.items())
        ]

    def finish_reveal(self, record: dict) -> None:
        """Store the reveal's record: the room is now revealed.

        The record is logged whole, so a resumed session shows the same reveal without
        computing it again (and the debrief has its table).
        """
        self.revealing = False
        self.reveal = record
        self._changed({"event": "revealed", "match": self.match_index, "record": record})

    def fail_reveal(self, message: str) -> None:
        """Record that the reveal could not be computed."""
        self.revealing = False
        self.reveal_error = message
        self._changed({"event": "reveal_failed", "match": self.match_index, "message": message})

    def reset(self) -> None:
        """Back to the lobby for a new match: same people and settings, fresh random draws."""
        if self.revealing:
            raise GameRuleError("not_allowed", "wait until the reveal has been computed")
        old = self.match
        if old is not None and old.started:
            self.past.append(PastMatch(self.match_index, old, self.reveal))
        self.match = None
        self.match_index += 1
        if self.activity == CHANNEL:
            self.match = self._new_channel(keep=old if isinstance(old, ChannelGame) else None)
        self.paused = False
        self.deadline = None
        self.remaining_paused = None
        self.last_close_reason = None
        self.reveal = None
        self.reveal_error = None
        self._changed({"event": "reset", "match": self.match_index})

    # -- replay ----------------------------------------------------------------------------

    @classmethod
    def replay(
        cls, code: str, log: Iterable[dict], clock: Callable[[], float] = time.monotonic
    ) -> Room:
        """Rebuild a room from its log (what `store.py` keeps), with no sink attached.

        Same seed, same events: same histories, same reveal, and the same log. A round open
        at the end of the log runs again on ``clock`` from its full time unless a pause
        record gave the time it had left (`store.restore` decides what a resumed round gets).
        A join without its token (an exported log) gets a fresh one.
        """
        records = list(log)
        if not records or records[0].get("event") != "created":
            raise ValueError("a room's log starts with its 'created' record")
        first = records[0]
        room = cls(code, first["seed"], _settings(first), clock=clock)
        for r in records[1:]:
            event = r["event"]
            if event == "activity":
                scenario = r.get("scenario")
                if "channel" in r:
                    room.channel_settings = ChannelSettings.from_dict(r["channel"])
                room.set_activity(
                    r["activity"], None if scenario is None else Scenario.model_validate(scenario)
                )
            elif event == "channel_settings":
                room.update_channel_settings(ChannelSettings.from_dict(r))
            elif event == "seat":
                room.take_seat(r["id"], r["seat"])
            elif event == "join":
                room.join(r["name"], token=r.get("token"))
            elif event == "settings":
                room.update_settings(_settings(r))
            elif event == "open":
                room.open_round()
            elif event == "move":
                if "cuts" in r:  # a channel move chosen lever by lever
                    room.match.submit(r["id"], r["round"], cuts=r["cuts"])  # type: ignore[union-attr]
                else:
                    room.match.submit(r["id"], r["round"], r["move"])  # type: ignore[union-attr]
                room._changed(r)
            elif event == "close":
                room.close_round(r["reason"])
            elif event == "end":
                room.match.end_early()  # type: ignore[union-attr]
                room._changed(r)
            elif event == "reset":
                room.reset()
            elif event == "pause":
                room.pause(left=r.get("remaining"), reason=r.get("reason", "facilitator"))
            elif event == "resume":
                room.resume()
            elif event == "reveal":
                room.start_reveal()
            elif event == "revealed":
                room.finish_reveal(r["record"])
            elif event == "reveal_failed":
                room.fail_reveal(r["message"])
            else:
                raise ValueError(f"unknown event '{event}' in the log of session {code}")
        return room


def _settings(record: dict) -> ClassicSettings:
    p = record["payoffs"]
    return ClassicSettings(
        rounds=record["rounds"],
        continuation=record["continuation"],
        noise=record["noise"],
        game=Game(p["T"], p["R"], p["P"], p["S"]),
        bot=record["bot"],
        round_seconds=record["round_seconds"],
    )
