"""The workshop's web app (Starlette): pages, a small JSON API and one websocket per page.

The server process holds every session's authoritative `Room`; pages only send intentions
(a move, a button) and redraw from the views they are sent back. All state changes run on the
event loop, one message at a time, so no locks are needed around the game; the reveal's
tournament and the channel game's debrief counterfactuals run in a worker thread and hand
their records back to the loop.

Routes:

* ``GET /join`` the participant page (``?code=ABCD`` fills in the code; ``#seat=TOKEN`` is a
  seat link), ``GET /facilitator?token=...`` the projector page, ``/static/...`` their assets;
* ``POST /api/join`` {code, name} -> a participant token; ``GET|POST /api/sessions`` list or
  create sessions (facilitator: ``Authorization: Bearer TOKEN``); ``GET /qr/CODE.svg`` the join
  QR code; ``GET /healthz``;
* facilitator only: ``GET /api/sessions/CODE/replay?upto=N`` the session after its first N
  events; ``GET /api/sessions/CODE/export/NAME`` a download of `debrief.EXPORTS`;
* ``/ws``: the websocket of `protocol.py`.

The facilitator's what-if (`whatif.py`: the market's payoff matrix of one contract, for any
horizon and SLA penalty) is computed once per (scenario, contract, size) in a worker thread,
one at a time, and cached by the hub; the page gets the record once and recomputes the matrix
itself as the sliders move.

Persistence: every record a room logs goes through `store.EventStore` (a SQLite file, or memory)
before the change is broadcast. A record that cannot be written undoes its change: the room is
rebuilt from what was stored and the sender gets a ``not_saved`` error. Sessions named in
``ServerConfig.resume`` come back from the store (`store.restore`), with every seat token.

Broadcasts are coalesced: a change marks each page of its session stale, and one send task per
page sends the view as it is when sent (`Connection`), so 60 moves in a burst cost each page a
view or two, not 60, and the last one's result reaches every screen without waiting behind
views already out of date. A page's records keep the order of the changes behind them.

Every request and message is size-capped, validated and rate-limited (a token bucket per
connection, and per client address for the HTTP API); failures are error records, never a
traceback, and never stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from linkages_sim.config.schema import Scenario
from linkages_sim.rng import fresh_seed
from linkages_sim.workshop.classic import GameRuleError
from linkages_sim.workshop.counterfactual import GamePlan, counterfactuals
from linkages_sim.workshop.debrief import EXPORTS, describe, export, iso_time, public_record
from linkages_sim.workshop.protocol import (
    ANY_MESSAGE,
    FACILITATOR_MESSAGES,
    MAX_MESSAGE_BYTES,
    PARTICIPANT_MESSAGES,
    Activity,
    ChannelSettingsMessage,
    Choose,
    Control,
    CreateSession,
    Hello,
    Join,
    Message,
    Move,
    ProtocolError,
    SettingsMessage,
    TakeSeat,
    WhatIfRequest,
    decode,
    error_record,
    parse,
    parse_body,
)
from linkages_sim.workshop.qr import qr_svg
from linkages_sim.workshop.reveal import DEFAULT_REPLAYS, room_reveal
from linkages_sim.workshop.room import Participant, Phase, Room
from linkages_sim.workshop.store import EventStore, StoreError, restore
from linkages_sim.workshop.views import facilitator_view, participant_view
from linkages_sim.workshop.whatif import WhatIfCache, WhatIfSize, compute_whatif

log = logging.getLogger("linkages_sim.workshop")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Join codes avoid look-alikes (0/O, 1/I)."""
CODE_LENGTH = 4
SEND_TIMEOUT = 5.0
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


def static_dir() -> Path:
    """The folder of the pages' HTML, CSS and JavaScript."""
    return Path(str(resources.files("linkages_sim.workshop") / "static"))


def new_token() -> str:
    """A new facilitator token: 48 hex digits, as Jupyter's."""
    return secrets.token_hex(24)


@dataclass
class ServerConfig:
    """What the app needs to know: the facilitator's secret, the address phones reach it at."""

    facilitator_token: str = field(default_factory=new_token)
    public_url: str = "http://127.0.0.1:8000"
    rate_per_second: float = 5.0
    """Websocket messages a connection may send per second, on average..."""
    burst: int = 20
    """...and in one burst."""
    http_rate_per_second: float = 5.0
    http_burst: int = 60
    """The JSON API's limit per client address (a room behind one NAT address still joins)."""
    max_connections: int = 1000
    """Websockets open at once; more are closed at once (1013, try again later)."""
    max_refusals: int = 100
    """A connection whose messages were refused this many times for flooding is closed."""
    max_sessions: int = 20
    reveal_replays: int = DEFAULT_REPLAYS
    clock: Callable[[], float] = time.monotonic
    store: EventStore | None = None
    """Where the sessions' logs go; None: an in-memory store (nothing survives the process)."""
    resume: tuple[str, ...] = ()
    """Codes of stored sessions to bring back at start (created under this token)."""
    scenario: Scenario | None = None
    """The market the channel game plays (None: the built-in default)."""
    whatif_size: WhatIfSize = field(default_factory=WhatIfSize)
    """How big the facilitator's what-if runs are (5,000 customers, 5 replications, 52 weeks)."""


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; each message takes one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        """A bucket full to ``burst`` that refills at ``rate`` per second of ``clock``."""
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.last = clock()

    def allow(self) -> bool:
        """Take one token if there is one; False means refuse the message."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Connection:
    """One websocket: who it speaks for (after hello), its rate limit and its pending view.

    Views are coalesced: a change of the room only marks the connection ``stale``; one send task
    (`Hub.refresh`) then sends the view as it is when sent. A burst of 60 moves thus costs each
    page a view or two instead of 60, and the round's result does not queue behind views already
    out of date. A record sent directly (a welcome, an error, a pong) first sends the pending
    view, so a page sees its records in the order of the changes that caused them.
    """

    def __init__(self, ws: WebSocket, bucket: TokenBucket) -> None:
        """A connection on ``ws`` limited by ``bucket``; who it is comes with hello."""
        self.ws = ws
        self.bucket = bucket
        self.role: str | None = None
        self.code: str | None = None
        self.participant: int | None = None
        self.refused = 0
        self.last_rate_error = float("-inf")
        self.lock = asyncio.Lock()
        self.open = True
        self.view: Callable[[], dict] | None = None
        """Builds this page's current view (set at hello)."""
        self.stale = False
        """The room changed since this page's last view was built."""
        self.refreshing = False
        """A send task for the pending view runs (at most one per connection)."""

    async def send(self, record: dict | Callable[[], dict]) -> None:
        """Send a record, or the record a callable builds at the moment of sending.

        Built under the connection's lock, a view is never overtaken by an older one; a pending
        view goes first, so the record never arrives before the state that led to it.
        """
        if not self.open:
            return
        async with self.lock:
            if self.stale:
                await self._send_view()
            await self._write(record() if callable(record) else record)

    async def send_view(self) -> None:
        """Send the pending view, if it is still pending once the lock is ours."""
        if not self.open:
            return
        async with self.lock:
            if self.stale:
                await self._send_view()

    async def _send_view(self) -> None:
        """Build and send the current view (the caller holds the lock)."""
        self.stale = False  # cleared before the build: a change during the send marks it again
        if self.view is None:
            return
        try:
            data = self.view()
        except Exception:  # a bug in a view must not stop this page's other records
            log.exception("building a page's view failed")
            return
        await self._write(data)

    async def _write(self, data: dict) -> None:
        try:
            await asyncio.wait_for(self.ws.send_text(json.dumps(data)), SEND_TIMEOUT)
        except Exception:  # a closed or stuck socket: forget it, keep serving the others
            self.open = False


class Hub:
    """Every session of this server and the connections watching them."""

    def __init__(self, config: ServerConfig) -> None:
        """No sessions yet; ``config`` says how they are served."""
        self.config = config
        self.rooms: dict[str, Room] = {}
        self.connections: dict[str, set[Connection]] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task] = set()
        self.http_buckets: dict[str, TokenBucket] = {}
        self.store = config.store if config.store is not None else EventStore(None)
        self.whatifs = WhatIfCache()
        self.whatif_waiting: dict[tuple, set[Connection]] = {}
        """What-ifs being computed, and the pages waiting for each."""
        self.whatif_turn: asyncio.Lock | None = None
        """One what-if computes at a time (created on the loop, at the first request)."""
        self.stopping = threading.Event()
        """Set at shutdown: a what-if being computed stops after its current run."""
        self._default_scenario: Scenario | None = None
        for code in config.resume:
            self.resume_room(code)

    # -- sessions ---------------------------------------------------------------------------

    def join_url(self, code: str) -> str:
        """The address participants open for session ``code`` (also in its QR code)."""
        return f"{self.config.public_url.rstrip('/')}/join?code={code}"

    def create_room(self, seed: int | None = None) -> Room:
        """A new session with a fresh join code (and a fresh seed unless one is given)."""
        if len(self.rooms) >= self.config.max_sessions:
            raise ProtocolError("not_allowed", "this server already runs its maximum of sessions")
        while True:  # unique in the store too, so that --resume CODE is never ambiguous
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self.rooms and self.store.session(code) is None:
                break
        room = Room(code, fresh_seed() if seed is None else seed, clock=self.config.clock,
                    scenario=self.config.scenario)  # fmt: skip
        try:
            self.store.create(room, self.config.facilitator_token)
        except StoreError as err:
            log.error("%s", err)
            raise ProtocolError("not_saved", "the session could not be saved, so it was not "
                                "created (see the server's terminal)") from None  # fmt: skip
        self.rooms[code] = room
        self.connections[code] = set()
        log.info("session %s created (seed %d)", code, room.seed)
        return room

    def resume_room(self, code: str) -> Room:
        """Bring stored session ``code`` back (replayed; an open round paused)."""
        room = restore(self.store, code, self.config.clock)
        self.rooms[room.code] = room
        self.connections.setdefault(room.code, set())
        log.info("session %s resumed (%d events)", room.code, len(room.log))
        return room

    @contextlib.contextmanager
    def saving(self, room: Room):
        """Run a change of ``room``; if its record cannot be stored, undo it and say so.

        The room is rebuilt from the stored log (memory never runs ahead of the disk), with
        the clock and the connections it had before the change.
        """
        clock = (room.paused, room.deadline, room.remaining_paused)
        try:
            yield
        except StoreError as err:
            log.error("%s", err)
            fresh = Room.replay(room.code, self.store.records(room.code), self.config.clock)
            fresh.paused, fresh.deadline, fresh.remaining_paused = clock
            fresh.counterfactuals = dict(room.counterfactuals)  # derived from the same games;
            fresh.counterfactuals_pending = set(room.counterfactuals_pending)  # still on the way
            for pid, p in fresh.participants.items():
                p.connections = room.participants[pid].connections
            self.store.attach(fresh)
            self.rooms[room.code] = fresh
            self.broadcast(fresh)
            raise ProtocolError(
                "not_saved", "the server could not save that change, so it was not made; "
                "try again (the server's terminal says why)"
            ) from None  # fmt: skip

    def room(self, code: str) -> Room:
        """The session with join code ``code`` (any case), or a not_found error."""
        room = self.rooms.get(code.strip().upper())
        if room is None:
            raise ProtocolError("not_found", f"no session has the code '{code[:16]}'")
        return room

    def find_participant(self, token: str) -> tuple[Room, Participant] | None:
        """The session and participant a participant token belongs to, or None."""
        for room in self.rooms.values():
            p = room.participant_by_token(token)
            if p is not None:
                return room, p
        return None

    def facilitator_ok(self, token: str | None) -> bool:
        """Whether ``token`` is the facilitator's (compared in constant time)."""
        return bool(token) and hmac.compare_digest(
            str(token).encode(), self.config.facilitator_token.encode()
        )

    def http_allowed(self, request: Request) -> bool:
        """The HTTP API's rate limit, per client address."""
        host = request.client.host if request.client else "?"
        bucket = self.http_buckets.get(host)
        if bucket is None:
            if len(self.http_buckets) > 10_000:
                self.http_buckets.clear()
            bucket = self.http_buckets[host] = TokenBucket(
                self.config.http_rate_per_second, self.config.http_burst, self.config.clock
            )
        return bucket.allow()

    # -- broadcasting -----------------------------------------------------------------------

    def view_for(self, room: Room, conn: Connection) -> dict:
        """The view a connection is sent: the whole room or one participant's."""
        if conn.role == "facilitator":
            return facilitator_view(room, self.join_url(room.code))
        assert conn.participant is not None
        return participant_view(room, conn.participant)

    def broadcast(self, room: Room) -> None:
        """Mark every page of the session stale; each gets its view from its own send task.

        Returns at once: the change is already stored, and the views are built when sent, so a
        burst of changes costs a page one or two views, never one per change, and a slow or
        dead page delays only its own task (its sends time out after ``SEND_TIMEOUT``).
        A channel game that has just ended gets its counterfactuals computed (`debrief_channel`).
        """
        self.debrief_channel(room)
        for conn in self.connections.get(room.code, ()):
            if conn.role and conn.open:
                conn.stale = True
                if not conn.refreshing:
                    conn.refreshing = True
                    self.spawn(self.refresh(conn))

    async def refresh(self, conn: Connection) -> None:
        """A connection's send task: send its view until it is no longer stale, then end."""
        try:
            while conn.stale and conn.open:
                await conn.send_view()
        finally:
            conn.refreshing = False
            if not conn.open:
                self.drop(conn)

    def page_view(self, conn: Connection) -> dict:
        """The view of a connection's session as it is now (a failed write may rebuild it)."""
        assert conn.code is not None
        return self.view_for(self.rooms[conn.code], conn)

    def drop(self, conn: Connection) -> None:
        """Forget a closed connection (a participant's seat stays theirs)."""
        if conn.code is None:
            return
        watchers = self.connections.get(conn.code, set())
        if conn in watchers:
            watchers.discard(conn)
            room = self.rooms.get(conn.code)
            if room is not None and conn.participant is not None:
                p = room.participants.get(conn.participant)
                if p is not None:
                    p.connections = max(0, p.connections - 1)
        conn.open = False

    # -- the round's clock ------------------------------------------------------------------

    def arm(self, room: Room) -> None:
        """(Re)schedule the close of the open round at its deadline."""
        old = self.timers.pop(room.code, None)
        if old is not None:
            old.cancel()
        left = room.remaining()
        if left is None or room.phase != "open":
            return
        loop = asyncio.get_running_loop()
        code = room.code
        self.timers[code] = loop.call_later(left + 0.02, lambda: self.spawn(self._expire(code)))

    def spawn(self, coroutine) -> None:
        """Run a coroutine as a task of its own, kept until it ends (and cancelled at exit)."""
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _expire(self, code: str) -> None:
        room = self.rooms[code]  # looked up now: a failed write may have rebuilt it
        try:
            with self.saving(room):
                closed = room.tick()
        except ProtocolError:  # not saved: the round stays open; try again shortly
            self.timers[code] = asyncio.get_running_loop().call_later(
                1.0, lambda: self.spawn(self._expire(code))
            )
            return
        except Exception:
            log.exception("closing a round at its deadline failed")
            return
        if closed:
            self.broadcast(room)
        else:
            self.arm(room)

    # -- messages ---------------------------------------------------------------------------

    async def handle(self, conn: Connection, text: str | bytes) -> None:
        """One incoming websocket message: every failure becomes an error record."""
        ref = None
        try:
            data = decode(text)
            ref = data["type"]
            if conn.role is None:
                allowed = {k: ANY_MESSAGE[k] for k in ("hello", "ping")}
            else:
                facilitator = conn.role == "facilitator"
                allowed = FACILITATOR_MESSAGES if facilitator else PARTICIPANT_MESSAGES
            if ref not in ANY_MESSAGE:
                parse(data, allowed)  # raises unknown_type, listing what this page may send
            if conn.role is None and ref not in allowed:
                raise ProtocolError("hello_first", "say hello first (with your token)", ref)
            if conn.role == "participant" and ref not in allowed:
                raise ProtocolError("unauthorised", f"only the facilitator may send '{ref}'", ref)
            message = parse(data, allowed)
            await self.dispatch(conn, message)
        except ProtocolError as err:
            await conn.send(error_record(err.code, err.message, err.ref or ref))
        except GameRuleError as err:
            await conn.send(error_record(err.code, err.message, ref))
        except Exception:
            log.exception("a %s message failed", ref)
            await conn.send(
                error_record("internal", "the server could not handle that message", ref)
            )

    async def dispatch(self, conn: Connection, message: Message) -> None:
        """Carry out a validated message."""
        if isinstance(message, Hello):
            await self.hello(conn, message)
            return
        if message.type == "ping":
            await conn.send({"type": "pong"})
            return
        assert conn.code is not None
        room = self.rooms[conn.code]
        if isinstance(message, Control):
            await self.control(room, message.type)
            return
        if isinstance(message, WhatIfRequest):
            await self.whatif(conn, room, message.contract)
            return
        with self.saving(room):
            if isinstance(message, Move):
                assert conn.participant is not None
                if room.channel is not None:
                    raise ProtocolError("not_allowed", "this session plays the channel game: "
                                        "choose keep or cut for your seat", "move")  # fmt: skip
                room.submit(conn.participant, message.round, message.move)
            elif isinstance(message, Choose):
                assert conn.participant is not None
                if room.channel is None:
                    raise ProtocolError("not_allowed", "this session plays the classic match: "
                                        "send a move", "choose")  # fmt: skip
                room.submit(conn.participant, message.round, message.move, seat=message.seat,
                            cuts=message.cuts)  # fmt: skip
            elif isinstance(message, TakeSeat):
                assert conn.participant is not None
                room.take_seat(conn.participant, message.seat)
            elif isinstance(message, Activity):
                room.set_activity(message.activity)
            elif isinstance(message, ChannelSettingsMessage):
                room.check_settings_allowed()
                room.update_channel_settings(message.apply(room.channel_settings))
            elif isinstance(message, SettingsMessage):
                room.check_settings_allowed()
                room.update_settings(message.apply(room.settings))
        self.arm(room)
        self.broadcast(room)

    async def hello(self, conn: Connection, hello: Hello) -> None:
        """Attach a connection to a participant's seat or to the facilitator's session."""
        if conn.role is not None:
            raise ProtocolError("not_allowed", "this connection has already said hello", "hello")
        if hello.role == "facilitator":
            if not self.facilitator_ok(hello.token):
                raise ProtocolError("unauthorised", "the facilitator token is not valid", "hello")
            if hello.code is None:
                raise ProtocolError("invalid", "code: the session code is missing", "hello")
            room = self.room(hello.code)
            conn.role, conn.code = "facilitator", room.code
            conn.view = lambda: self.page_view(conn)
            self.connections[room.code].add(conn)
            await conn.send({"type": "welcome", "role": "facilitator", "code": room.code})
            await conn.send(conn.view)
            return
        found = self.find_participant(hello.token)
        if found is None:
            raise ProtocolError(
                "unauthorised",
                "this seat is not known here (the server may have restarted): join again "
                "with the session code",
                "hello",
            )
        room, p = found
        conn.role, conn.code, conn.participant = "participant", room.code, p.id
        conn.view = lambda: self.page_view(conn)
        p.connections += 1
        self.connections[room.code].add(conn)
        await conn.send(
            {"type": "welcome", "role": "participant", "code": room.code,
             "participant": p.id, "name": p.name}
        )  # fmt: skip
        self.broadcast(room)

    async def control(self, room: Room, action: str) -> None:
        """A facilitator's button."""
        with self.saving(room):
            if action == "open_round":
                room.open_round()
            elif action == "close_round":
                room.close_round("facilitator")
            elif action == "pause":
                room.pause()
            elif action == "resume":
                room.resume()
            elif action == "reset":
                room.reset()
            elif action == "reveal":
                room.start_reveal()
        if action == "reveal":
            self.start_reveal(room)
        self.arm(room)
        self.broadcast(room)

    # -- the facilitator's what-if -----------------------------------------------------------

    def whatif_scenario(self, room: Room) -> Scenario:
        """The market the session's channel game plays (the built-in default when none is set)."""
        if room.channel is not None:
            return room.channel.scenario
        if room.scenario is not None:
            return room.scenario
        if self._default_scenario is None:
            from linkages_sim.config.loading import load_scenario

            self._default_scenario = load_scenario("default")
        return self._default_scenario

    async def whatif(self, conn: Connection, room: Room, contract: str) -> None:
        """Send the page the what-if record of ``contract``; compute it first if need be.

        A cached record goes back at once. Otherwise the page is told it is computing, and
        the record follows when the worker thread is done (to every page that asked for it).
        """
        scenario = self.whatif_scenario(room)
        keys = [c.key for c in scenario.contracts]
        if contract not in keys:
            shown = contract if len(contract) <= 64 else contract[:64] + "..."
            raise ProtocolError("invalid", f"unknown contract '{shown}'; the contracts are: "
                                + ", ".join(keys), "whatif")  # fmt: skip
        size = self.config.whatif_size
        digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
        key = (digest, contract, size.customers, size.replications, size.weeks, scenario.seed)
        record = self.whatifs.get(key)
        if record is not None:
            await conn.send({"type": "whatif", "status": "ready", "contract": contract,
                             "record": record})  # fmt: skip
            return
        await conn.send({
            "type": "whatif", "status": "computing", "contract": contract,
            "customers": size.customers, "replications": size.replications,
            "weeks": size.weeks, "seed": scenario.seed,
        })  # fmt: skip
        waiting = self.whatif_waiting.get(key)
        if waiting is not None:
            waiting.add(conn)
            return
        self.whatif_waiting[key] = {conn}
        self.spawn(self._whatif(key, scenario, contract, size))

    async def _whatif(
        self, key: tuple, scenario: Scenario, contract: str, size: WhatIfSize
    ) -> None:
        if self.whatif_turn is None:
            self.whatif_turn = asyncio.Lock()

        def stop_if_stopping(done: int, total: int) -> None:
            if self.stopping.is_set():
                raise RuntimeError("the server is stopping")

        def work() -> dict:
            return compute_whatif(scenario, contract, size, progress=stop_if_stopping).as_dict()

        try:
            async with self.whatif_turn:
                record = await asyncio.to_thread(work)
            self.whatifs.put(key, record)
            reply = {"type": "whatif", "status": "ready", "contract": contract, "record": record}
            log.info("what-if of %s computed in %.1f s", contract, record["seconds"])
        except Exception as err:
            log.exception("the what-if of %s failed", contract)
            message = f"the payoff matrix could not be computed ({type(err).__name__})"
            reply = {"type": "whatif", "status": "failed", "contract": contract, "message": message}
        finally:
            waiting = self.whatif_waiting.pop(key, set())
        for conn in waiting:
            await conn.send(reply)

    def start_reveal(self, room: Room) -> None:
        """Compute the reveal of a room that is revealing, in a worker thread."""
        self.spawn(self._reveal(room.code, room.reveal_entries(), room.match_index))

    async def _reveal(self, code: str, entries, match_index: int) -> None:
        room = self.rooms[code]
        settings, seed = room.settings, room.seed
        try:
            record = await asyncio.to_thread(
                room_reveal, entries, settings, seed, match_index, self.config.reveal_replays
            )
            outcome = lambda r: r.finish_reveal(record)  # noqa: E731
        except Exception as err:
            log.exception("the reveal failed")
            message = f"the reveal could not be computed ({type(err).__name__})"
            outcome = lambda r: r.fail_reveal(message)  # noqa: E731
        room = self.rooms[code]
        if room.match_index == match_index and room.revealing:
            try:
                outcome(room)
            except StoreError as err:  # shown now, not stored: a resume computes it again
                log.error("%s", err)
        self.broadcast(room)

    def debrief_channel(self, room: Room) -> None:
        """Compute the counterfactuals of each ended channel game that lacks them, off the loop.

        Checked at every broadcast, so the close of a game's last round (by the last move, the
        clock or the button), a reset mid-game, a resumed session and a rebuilt room all start
        it, once per game. The room never waits: the replays run in a worker thread, and the
        pages show the table when it arrives (5.6 s for the default market's 6 rounds at
        20,000 customers, docs/workshop-browser.md). Not logged: the seed and the log
        determine it, so a resumed session computes it again.
        """
        for game in room.ended_channel_games():
            index = game.index
            if (index in room.counterfactuals or index in room.counterfactuals_pending
                    or index in room.counterfactual_errors):  # fmt: skip
                continue
            room.counterfactuals_pending.add(index)
            self.spawn(self._counterfactuals(room.code, GamePlan.of(game)))

    async def _counterfactuals(self, code: str, plan: GamePlan) -> None:
        started = self.rooms.get(code)
        try:
            record = await asyncio.to_thread(counterfactuals, plan)
            error = None
        except Exception as err:
            log.exception("the channel game's counterfactuals failed")
            record = None
            error = f"the counterfactuals could not be computed ({type(err).__name__})"
        room = self.rooms.get(code)  # looked up now: a failed write may have rebuilt it
        for r in (started, room):
            if r is not None:
                r.counterfactuals_pending.discard(plan.index)
        if room is None:
            return
        if record is not None:
            room.counterfactuals[plan.index] = record
        else:
            room.counterfactual_errors[plan.index] = error or "the counterfactuals failed"
        self.broadcast(room)

    async def start(self) -> None:
        """At start-up: finish the reveals that were being computed when the server stopped.

        Resumed sessions whose channel game had ended compute its counterfactuals again.
        """
        self.stopping.clear()
        for room in self.rooms.values():
            if room.revealing:
                self.start_reveal(room)
            self.debrief_channel(room)

    async def shutdown(self) -> None:
        """Pause the open rounds (logged, with their time left), cancel clocks and reveals.

        A session resumed after a Ctrl+C thus gets exactly the time its round had left.
        """
        self.stopping.set()
        for room in self.rooms.values():
            if room.phase == Phase.OPEN:
                try:
                    room.pause(reason="server stopped")
                except StoreError as err:
                    log.error("%s", err)
        for timer in self.timers.values():
            timer.cancel()
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(BaseException):
                await task


# -- HTTP --------------------------------------------------------------------------------------

STATUS = {
    "unauthorised": 403,
    "not_saved": 503,
    "not_found": 404,
    "rate_limited": 429,
    "name_taken": 409,
    "room_full": 409,
    "too_large": 413,
    "not_allowed": 409,
}


def error_response(code: str, message: str) -> JSONResponse:
    """An error record as an HTTP response with a fitting status."""
    return JSONResponse(error_record(code, message), status_code=STATUS.get(code, 400))


async def read_body(request: Request) -> bytes:
    """The request body, refusing more than the message limit without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_large", f"the request has more than {MAX_MESSAGE_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_MESSAGE_BYTES:
            raise ProtocolError("too_large", f"the request has more than {MAX_MESSAGE_BYTES} bytes")
    return body


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("authorization", "")
    kind, _, token = header.partition(" ")
    return token.strip() if kind.lower() == "bearer" else None


def create_app(config: ServerConfig | None = None) -> Starlette:
    """The workshop app; ``app.state.hub`` holds its sessions."""
    config = config or ServerConfig()
    hub = Hub(config)
    static = static_dir()

    def page(name: str) -> HTMLResponse:
        return HTMLResponse((static / name).read_text(encoding="utf-8"))

    async def join_page(request: Request) -> Response:
        return page("participant.html")

    async def facilitator_page(request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None and not hub.facilitator_ok(token):
            return HTMLResponse(
                "<!doctype html><title>Wrong token</title><h1>Wrong facilitator token</h1>"
                "<p>Open the facilitator link that <code>linkages workshop</code> printed.</p>",
                status_code=403,
            )
        return page("facilitator.html")

    async def root(request: Request) -> Response:
        return RedirectResponse("/join")

    async def favicon(request: Request) -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "sessions": len(hub.rooms)})

    async def api(request: Request, work) -> Response:
        if not hub.http_allowed(request):
            return error_response("rate_limited", "too many requests; wait a moment")
        try:
            return await work()
        except ProtocolError as err:
            return error_response(err.code, err.message)
        except GameRuleError as err:
            return error_response(err.code, err.message)
        except Exception:
            log.exception("an API request failed")
            return JSONResponse(
                error_record("internal", "the server could not handle that request"), 500
            )

    async def sessions(request: Request) -> Response:
        async def work() -> Response:
            if not hub.facilitator_ok(bearer(request)):
                raise ProtocolError("unauthorised", "the facilitator token is missing or wrong")
            if request.method == "POST":
                body = parse_body(await read_body(request), CreateSession)
                assert isinstance(body, CreateSession)
                room = hub.create_room(body.seed)
                return JSONResponse({"code": room.code, "seed": room.seed,
                                     "join_url": hub.join_url(room.code)}, 201)  # fmt: skip
            listing = [
                {"code": r.code, "seed": r.seed, "participants": len(r.participants),
                 "phase": str(r.phase), "join_url": hub.join_url(r.code)}
                for r in hub.rooms.values()
            ]  # fmt: skip
            return JSONResponse({"sessions": listing})

        return await api(request, work)

    async def join(request: Request) -> Response:
        async def work() -> Response:
            body = parse_body(await read_body(request), Join)
            assert isinstance(body, Join)
            room = hub.room(body.code)
            with hub.saving(room):
                p = room.join(body.name)
            hub.arm(room)
            hub.broadcast(room)
            return JSONResponse(
                {"token": p.token, "participant": p.id, "name": p.name, "code": room.code}, 201
            )

        return await api(request, work)

    def facilitator_room(request: Request) -> Room:
        if not hub.facilitator_ok(bearer(request)):
            raise ProtocolError("unauthorised", "the facilitator token is missing or wrong")
        return hub.room(request.path_params["code"])

    async def replay(request: Request) -> Response:
        async def work() -> Response:
            room = facilitator_room(request)
            events = hub.store.events(room.code)
            total = len(events)
            raw = request.query_params.get("upto", str(total))
            if not raw.isdigit() or not 1 <= int(raw) <= total:
                raise ProtocolError("invalid", f"upto: a whole number from 1 to {total}")
            upto = int(raw)
            shown = events[:upto]
            past = Room.replay(room.code, [e.record for e in shown], clock=lambda: 0.0)
            past.counterfactuals = dict(room.counterfactuals)  # shown once its game has ended
            names = {pid: p.name for pid, p in past.participants.items()}
            last = shown[-1]
            return JSONResponse({
                "code": room.code, "upto": upto, "total": total,
                "event": {"seq": last.seq, "time": iso_time(last.time),
                          "record": public_record(last.record),
                          "summary": describe(last.record, names)},
                "state": facilitator_view(past, hub.join_url(room.code)),
            })  # fmt: skip

        return await api(request, work)

    async def download(request: Request) -> Response:
        async def work() -> Response:
            room = facilitator_room(request)
            name = request.path_params["name"]
            if name not in EXPORTS:
                raise ProtocolError("not_found", f"no export '{name[:32]}'; there are: "
                                    + ", ".join(EXPORTS))  # fmt: skip
            events = hub.store.events(room.code)
            data = await asyncio.to_thread(export, room, events, name)
            return Response(data, media_type=EXPORTS[name][0], headers={
                "content-disposition": f'attachment; filename="{room.code}-{name}"'})  # fmt: skip

        return await api(request, work)

    async def qr(request: Request) -> Response:
        code = request.path_params["code"]
        room = hub.rooms.get(code.upper())
        if room is None:
            return error_response("not_found", "no such session")
        return Response(qr_svg(hub.join_url(room.code)), media_type="image/svg+xml")

    open_sockets = 0

    async def websocket(ws: WebSocket) -> None:
        nonlocal open_sockets
        await ws.accept()
        if open_sockets >= config.max_connections:
            await ws.send_text(json.dumps(error_record("not_allowed", "the server is full")))
            await ws.close(TRY_AGAIN_LATER)
            return
        open_sockets += 1
        conn = Connection(ws, TokenBucket(config.rate_per_second, config.burst, config.clock))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    text = message.get("bytes") or b""
                if not conn.bucket.allow():
                    conn.refused += 1
                    if conn.refused >= config.max_refusals:
                        await conn.send(error_record("rate_limited", "too many messages: closing"))
                        await ws.close(POLICY_VIOLATION)
                        break
                    now = config.clock()
                    if now - conn.last_rate_error >= 1.0:
                        conn.last_rate_error = now
                        await conn.send(
                            error_record(
                                "rate_limited",
                                "too many messages; some were ignored, slow down",
                            )
                        )
                    continue
                await hub.handle(conn, text)
        except WebSocketDisconnect:
            pass
        except Exception:
            log.exception("a websocket failed")
        finally:
            open_sockets -= 1
            room = hub.rooms.get(conn.code or "")
            hub.drop(conn)
            if room is not None:  # the others' pages show it gone (sent by their own tasks)
                hub.broadcast(room)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = "not found" if status == 404 else "the request could not be served"
        return JSONResponse(error_record("not_found" if status == 404 else "invalid", message),
                            status_code=status)  # fmt: skip

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_record("internal", "something went wrong on the server"), 500)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await hub.start()
        yield
        await hub.shutdown()

    routes = [
        Route("/", root),
        Route("/join", join_page),
        Route("/facilitator", facilitator_page),
        Route("/healthz", health),
        Route("/favicon.ico", favicon),
        Route("/api/sessions", sessions, methods=["GET", "POST"]),
        Route("/api/join", join, methods=["POST"]),
        Route("/api/sessions/{code:str}/replay", replay),
        Route("/api/sessions/{code:str}/export/{name:str}", download),
        Route("/qr/{code:str}.svg", qr),
        WebSocketRoute("/ws", websocket),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: not_found, Exception: crashed},
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.config = config
    return app


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeaders:
    """Security headers on every HTTP response.

    A strict content security policy (no inline script, nothing from elsewhere), no sniffing,
    no framing, no referrer (the facilitator's URL holds the token), no caching.
    """

    def __init__(self, app) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Pass the request on, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cache-control", b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
