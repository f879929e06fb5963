"""The messages of the workshop: every one validated, every problem a clear error record.

Browsers talk to the server over one websocket per page, in JSON text messages of at most
`MAX_MESSAGE_BYTES`. The first message must be ``hello`` (who you are: a participant's token,
or the facilitator's token and the session code); then a participant may send ``move`` and
``ping``, the facilitator the controls below. The server answers with ``state`` (the whole
view of the page, after every change), ``welcome`` (after hello) and ``error``:

    {"type": "error", "code": "round_closed", "message": "round 2 has closed; ...",
     "ref": "move"}

``code`` is one of `ERROR_CODES`; ``message`` is a sentence for a person; ``ref`` the type of
the message answered (when it had one). Nothing else ever comes back, in particular no
traceback. The HTTP endpoints (create a session, join) use the same models and error records.

The channel game adds ``choose`` (for the sender's own seat: ``action`` keep or cut for every
lever, or ``cuts``, the levers to cut, e.g. ``{"type": "choose", "round": 2, "seat":
"acme-north:supplier", "cuts": ["quality"]}``; exactly one of the two) and ``seat`` (join a
team) for participants, ``activity`` (classic or channel) and ``channel_settings`` for the
facilitator; ``state`` carries an ``activity`` field ("classic" or "channel").

``whatif`` (facilitator: ``{"type": "whatif", "contract": "acme-north"}``) asks for the market's
payoff matrix of one contract of the session's scenario (`whatif.py`). The server answers that
connection with ``{"type": "whatif", "status": "computing", "contract": ...}`` while it runs
the market, then ``{"status": "ready", "contract": ..., "record": {...}}`` (or ``"failed"``
with a ``message``); an unknown contract is an ``invalid`` error that lists the contracts.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from linkages_sim.game.stage import Game
from linkages_sim.workshop.channel import (
    ACTIONS,
    ALL_LEVERS,
    MAX_CHANNEL_ROUNDS,
    MAX_CUSTOMERS,
    MIN_CUSTOMERS,
    ChannelSettings,
)
from linkages_sim.workshop.classic import MAX_ROUNDS, ClassicSettings

MAX_MESSAGE_BYTES = 4096
TOKEN_MAX = 128

ERROR_CODES = {
    "bad_json": "the message is not valid JSON",
    "too_large": "the message is too large",
    "unknown_type": "the message type is not one this page may send",
    "invalid": "a field of the message is missing or wrong",
    "hello_first": "the first message must be hello",
    "unauthorised": "the token is not valid for this",
    "not_found": "no such session",
    "rate_limited": "too many messages",
    "no_round": "no round is open",
    "wrong_round": "that round is not open",
    "round_closed": "that round has closed",
    "round_paused": "the round is paused",
    "already_moved": "the move for this round was already sent",
    "not_seated": "no seat in this match yet",
    "not_your_seat": "the move is for a seat this participant does not hold",
    "not_allowed": "the action is not possible now",
    "name_taken": "the display name is taken",
    "room_full": "the session is full",
    "not_saved": "the change could not be saved to the event log, so it was not made",
    "internal": "something went wrong on the server",
}


class ProtocolError(ValueError):
    """A message the server refuses: ``code`` (one of `ERROR_CODES`) and a sentence."""

    def __init__(self, code: str, message: str, ref: str | None = None) -> None:
        """Record the error ``code``, the sentence for a person and the message type answered."""
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref

    def record(self) -> dict:
        """The error record sent back."""
        return error_record(self.code, self.message, self.ref)


def error_record(code: str, message: str, ref: str | None = None) -> dict:
    """The error message sent to a page: code, sentence and the type of message answered."""
    record: dict = {"type": "error", "code": code, "message": message}
    if ref is not None:
        record["ref"] = ref
    return record


class Message(BaseModel):
    """Base of every message: unknown fields and loose types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Token = Annotated[str, Field(min_length=1, max_length=TOKEN_MAX)]


class Hello(Message):
    """The first message of a page: who it speaks for."""

    type: Literal["hello"]
    role: Literal["participant", "facilitator"]
    token: Token
    code: Annotated[str, Field(min_length=1, max_length=16)] | None = None


class Ping(Message):
    """A keep-alive; answered with ``pong``."""

    type: Literal["ping"]


class Move(Message):
    """A participant's move for a round: C (cooperate) or D (defect)."""

    type: Literal["move"]
    round: Annotated[int, Field(ge=1, le=10_000)]
    move: Literal["C", "D"]


class Control(Message):
    """A facilitator's button: the type says which."""

    type: Literal["open_round", "close_round", "pause", "resume", "reveal", "reset"]


class Payoffs(Message):
    """The stage game's payoffs T, R, P, S (they must satisfy T > R > P > S)."""

    T: float
    R: float
    P: float
    S: float


class SettingsMessage(Message):
    """The match settings (facilitator, between matches); a missing field keeps its value."""

    type: Literal["settings"]
    rounds: Annotated[int, Field(ge=1, le=MAX_ROUNDS)] | None = None
    length: Literal["fixed", "random"] | None = None
    continuation: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    noise: Annotated[float, Field(ge=0.0, le=0.5)] | None = None
    payoffs: Payoffs | None = None
    bot: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    round_seconds: Annotated[int, Field(ge=1, le=900)] | None = None

    def apply(self, current: ClassicSettings) -> ClassicSettings:
        """The new settings; a rule they break (e.g. T > R > P > S) is a ProtocolError."""
        continuation = current.continuation
        if self.length == "fixed":
            continuation = None
        elif self.length == "random":
            continuation = (
                self.continuation
                if self.continuation is not None
                else (current.continuation if current.continuation is not None else 0.9)
            )
        elif self.continuation is not None:
            continuation = self.continuation
        try:
            game = (
                Game(self.payoffs.T, self.payoffs.R, self.payoffs.P, self.payoffs.S)
                if self.payoffs is not None
                else current.game
            )
            return ClassicSettings(
                rounds=self.rounds if self.rounds is not None else current.rounds,
                continuation=continuation,
                noise=self.noise if self.noise is not None else current.noise,
                game=game,
                bot=self.bot.strip() if self.bot is not None else current.bot,
                round_seconds=(
                    self.round_seconds if self.round_seconds is not None else current.round_seconds
                ),
            )
        except ValueError as err:
            raise ProtocolError("invalid", str(err), "settings") from None


SeatKey = Annotated[str, Field(min_length=1, max_length=100)]


Lever = Literal[ALL_LEVERS]  # type: ignore[valid-type]


class Choose(Message):
    """A channel-game move in round ``round``: a whole ``action`` or the levers to cut.

    ``action`` keeps (or cuts) every lever of the seat; ``cuts`` names the levers to cut, at
    most one each (an empty list keeps all). Which side's levers the seat may cut is the
    game's check (`ChannelGame.submit`): the seat it holds decides.
    """

    type: Literal["choose"]
    round: Annotated[int, Field(ge=1, le=10_000)]
    seat: SeatKey
    action: Literal["keep", "cut"] | None = None
    cuts: Annotated[list[Lever], Field(max_length=len(ALL_LEVERS))] | None = None

    @model_validator(mode="after")
    def _one_choice(self) -> Choose:
        if self.action is None and self.cuts is None:
            raise ValueError("send action (keep or cut) or cuts (the levers to cut)")
        if self.action is not None and self.cuts is not None:
            raise ValueError("send action or cuts, not both")
        if self.cuts is not None and len(set(self.cuts)) != len(self.cuts):
            raise ValueError("cuts: each lever at most once")
        return self

    @property
    def move(self) -> str | None:
        """The whole move in the game's letters (keep is C, cut is D); None for ``cuts``."""
        return None if self.action is None else ACTIONS[self.action]


class TakeSeat(Message):
    """A participant joins the team of a channel seat (``contract:side``)."""

    type: Literal["seat"]
    seat: SeatKey


class Activity(Message):
    """The facilitator chooses what the session plays (in the lobby)."""

    type: Literal["activity"]
    activity: Literal["classic", "channel"]


class ChannelSettingsMessage(Message):
    """The channel game's settings (facilitator, in the lobby); a missing field keeps its value."""

    type: Literal["channel_settings"]
    rounds: Annotated[int, Field(ge=1, le=MAX_CHANNEL_ROUNDS)] | None = None
    customers: Annotated[int, Field(ge=MIN_CUSTOMERS, le=MAX_CUSTOMERS)] | None = None
    bot: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    rule: Literal["captain", "majority"] | None = None
    round_seconds: Annotated[int, Field(ge=1, le=900)] | None = None

    def apply(self, current: ChannelSettings) -> ChannelSettings:
        """The new settings; a rule they break (an unknown bot) is a ProtocolError."""
        given = {k: getattr(self, k) for k in current.as_dict() if getattr(self, k) is not None}
        if isinstance(given.get("bot"), str):
            given["bot"] = given["bot"].strip()
        try:
            return ChannelSettings(**{**current.as_dict(), **given})
        except ValueError as err:
            raise ProtocolError("invalid", str(err), "channel_settings") from None


class WhatIfRequest(Message):
    """The facilitator asks for the market's payoff-matrix what-if of one contract."""

    type: Literal["whatif"]
    contract: Annotated[str, Field(min_length=1, max_length=100)]


PARTICIPANT_MESSAGES: dict[str, type[Message]] = {
    "hello": Hello, "ping": Ping, "move": Move, "choose": Choose, "seat": TakeSeat,
}  # fmt: skip
FACILITATOR_MESSAGES: dict[str, type[Message]] = {
    "hello": Hello,
    "ping": Ping,
    "settings": SettingsMessage,
    "activity": Activity,
    "channel_settings": ChannelSettingsMessage,
    "whatif": WhatIfRequest,
    **{name: Control for name in ("open_round", "close_round", "pause", "resume", "reveal",
                                  "reset")},
}  # fmt: skip
ANY_MESSAGE = {**PARTICIPANT_MESSAGES, **FACILITATOR_MESSAGES}


class CreateSession(Message):
    """``POST /api/sessions`` (facilitator): an optional seed to replay a session."""

    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None


class Join(Message):
    """``POST /api/join``: the session's code and a display name."""

    code: Annotated[str, Field(min_length=1, max_length=16)]
    name: Annotated[str, Field(min_length=1, max_length=100)]


def describe(err: ValidationError) -> str:
    """Pydantic's errors as one short sentence per field, without echoing the input."""
    parts = []
    for e in err.errors(include_url=False, include_input=False)[:4]:
        where = ".".join(str(x) for x in e["loc"]) or "message"
        parts.append(f"{where}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def decode(text: str | bytes) -> dict:
    """The JSON object of a text message, or a ProtocolError (too large, not JSON, no type)."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(
            "too_large", f"the message has {size} bytes; the limit is {MAX_MESSAGE_BYTES}"
        )
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("bad_json", "the message is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid", "a message must be a JSON object with a 'type'")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("invalid", "a message needs a 'type' (a string)")
    return data


def parse(data: dict, allowed: dict[str, type[Message]]) -> Message:
    """Validate a decoded message against the types this connection may send."""
    kind = data["type"]
    model = allowed.get(kind)
    if model is None:
        shown = kind if len(kind) <= 32 else kind[:32] + "..."
        raise ProtocolError(
            "unknown_type",
            f"unknown message type '{shown}'; this page may send: {', '.join(sorted(allowed))}",
        )
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ProtocolError("invalid", describe(err), kind) from None


def parse_body(body: bytes, model: type[Message]) -> Message:
    """An HTTP request body: the same size, JSON and field checks as a websocket message."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise ProtocolError(
            "too_large", f"the request has {len(body)} bytes; the limit is {MAX_MESSAGE_BYTES}"
        )
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("bad_json", "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid", "the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ProtocolError("invalid", describe(err)) from None
