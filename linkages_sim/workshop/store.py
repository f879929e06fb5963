"""The workshop's event log on disk: every record a room logs, in SQLite, append-only.

A session is its seed and its log (`room.py`), so persisting a session is writing each record
as it happens and resuming it is `Room.replay` of what was written. One file holds any number
of sessions:

* ``sessions``: code (primary key), creation time, seed, and the facilitator token of the
  server that created it. The token is kept as is, not hashed, because resuming prints the same
  facilitator link (the facilitator's bookmark keeps working); the participants' seat tokens
  are in the join records for the same reason. So the file is a secret: it is created
  readable by its owner only (0600), and exports leave every token out.
* ``events``: one row per record: session code, sequence number (0 is the ``created``
  record, then 1, 2, ... with no gap), wall-clock time (seconds since the epoch) and the
  record as JSON. Triggers refuse any UPDATE or DELETE: nothing is ever rewritten.

Durability: WAL journal with ``synchronous=FULL``, one transaction per record, committed
before `append` returns, so before the server broadcasts (acknowledges) the change. The
sequence number a room expects is checked inside the transaction: a second server writing the
same session is refused rather than interleaved.

`restore` rebuilds a session for a restarted server: replay, then a round that was open is
paused with the time it had left (see its docstring). What the log determines is not stored:
the channel game's debrief counterfactuals are computed again by the resumed server.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkages_sim.workshop.room import Phase, Room

DEFAULT_DB = Path("runs") / "workshop.sqlite"
"""Where `linkages workshop` keeps its sessions unless ``--db`` says otherwise."""
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000
RESTART = "server restarted"
"""The reason of the pause a resumed session's open round gets."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    code    TEXT PRIMARY KEY,
    created REAL NOT NULL,
    seed    INTEGER NOT NULL,
    token   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    code   TEXT NOT NULL REFERENCES sessions (code),
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    time   REAL NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (code, seq)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the workshop event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the workshop event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS sessions_no_update BEFORE UPDATE ON sessions
BEGIN SELECT RAISE(ABORT, 'a stored session is never rewritten'); END;
CREATE TRIGGER IF NOT EXISTS sessions_no_delete BEFORE DELETE ON sessions
BEGIN SELECT RAISE(ABORT, 'a stored session is never rewritten'); END;
"""


class StoreError(RuntimeError):
    """The event log could not be read or written; the message says which file and why."""


@dataclass(frozen=True)
class StoredSession:
    """A session's row: code, creation time (epoch seconds), seed, facilitator token, events."""

    code: str
    created: float
    seed: int
    token: str
    events: int


@dataclass(frozen=True)
class StoredEvent:
    """One row of the log: sequence number, wall-clock time and the room's record."""

    seq: int
    time: float
    record: dict


class EventStore:
    """The SQLite file of the workshop's sessions (``None``: in memory, for tests and demos).

    One connection, shared by the event loop's thread and a command-line export; a lock
    serialises its use within the process, SQLite's locks between processes.
    """

    def __init__(self, path: Path | str | None, now: Callable[[], float] = time.time) -> None:
        """Open (creating if need be) the store at ``path``; ``now`` gives epoch seconds."""
        self.path = None if path is None else Path(path)
        self.now = now
        self._lock = threading.Lock()
        where = ":memory:" if self.path is None else str(self.path)
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():  # tokens inside: readable by its owner only
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self.path is not None:
                mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"{self.path}: SQLite would not use its WAL journal")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise StoreError(
                    f"{self.describe()} has workshop schema {version}; this version reads "
                    f"schema {SCHEMA_VERSION}"
                )
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as err:
            raise StoreError(f"cannot open the workshop store {self.describe()}: {err}") from None
        except OSError as err:
            raise StoreError(
                f"cannot open the workshop store {self.describe()}: {err.strerror or err}"
            ) from None

    def describe(self) -> str:
        """The store's file, for messages ("memory" when it has none)."""
        return "memory" if self.path is None else str(self.path)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed into the file)."""
        with self._lock:
            self._db.close()

    # -- writing ---------------------------------------------------------------------------

    def create(self, room: Room, token: str) -> None:
        """Store a new session and its ``created`` record, then log the room's changes here."""
        if len(room.log) != 1:
            raise StoreError(f"session {room.code} is not new: store it before it changes")
        now = self.now()
        with self._transaction(f"store session {room.code}"):
            self._db.execute(
                "INSERT INTO sessions (code, created, seed, token) VALUES (?, ?, ?, ?)",
                (room.code, now, room.seed, token),
            )
            self._db.execute(
                "INSERT INTO events (code, seq, time, record) VALUES (?, 0, ?, ?)",
                (room.code, now, json.dumps(room.log[0])),
            )
        self.attach(room)

    def attach(self, room: Room) -> None:
        """Make the room write each new record here, at the sequence number it expects."""
        room.sink = lambda record: self.append(room.code, record, len(room.log))

    def append(self, code: str, record: dict, seq: int) -> None:
        """Write ``record`` as event ``seq`` of session ``code``, durably, or raise StoreError.

        ``seq`` must be the next number of the stored log: anything else means someone else
        wrote this session since (another server resumed it), and is refused.
        """
        text = json.dumps(record)
        with self._transaction(f"save an event of session {code}"):
            stored = self._db.execute(
                "SELECT COUNT(*) FROM events WHERE code = ?", (code,)
            ).fetchone()[0]
            if stored != seq:
                raise StoreError(
                    f"session {code} has {stored} stored events, but this server expected "
                    f"{seq}: is another server running it from {self.describe()}?"
                )
            self._db.execute(
                "INSERT INTO events (code, seq, time, record) VALUES (?, ?, ?, ?)",
                (code, seq, self.now(), text),
            )

    def _transaction(self, what: str):
        return _Transaction(self, what)

    # -- reading ---------------------------------------------------------------------------

    def session(self, code: str) -> StoredSession | None:
        """The stored session with join code ``code`` (any case), or None."""
        found = self._query(
            "SELECT s.code, s.created, s.seed, s.token, COUNT(e.seq) FROM sessions s "
            "LEFT JOIN events e ON e.code = s.code WHERE s.code = ? GROUP BY s.code",
            (code.strip().upper(),),
        )
        return StoredSession(*found[0]) if found else None

    def sessions(self, token: str | None = None) -> list[StoredSession]:
        """Every stored session, oldest first (only those created under ``token``, if given)."""
        rows = self._query(
            "SELECT s.code, s.created, s.seed, s.token, COUNT(e.seq) FROM sessions s "
            "LEFT JOIN events e ON e.code = s.code GROUP BY s.code ORDER BY s.created, s.code"
        )
        found = [StoredSession(*row) for row in rows]
        return [s for s in found if token is None or s.token == token]

    def events(self, code: str, upto: int | None = None) -> list[StoredEvent]:
        """Session ``code``'s log in order (its first ``upto`` events, if given)."""
        rows = self._query(
            "SELECT seq, time, record FROM events WHERE code = ? ORDER BY seq LIMIT ?",
            (code, -1 if upto is None else upto),
        )
        return [StoredEvent(seq, at, json.loads(text)) for seq, at, text in rows]

    def records(self, code: str) -> list[dict]:
        """Session ``code``'s records, as `Room.replay` takes them."""
        return [e.record for e in self.events(code)]

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as err:
            raise StoreError(f"cannot read the workshop store {self.describe()}: {err}") from None


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` under the store's lock; any failure a StoreError."""

    def __init__(self, store: EventStore, what: str) -> None:
        self.store, self.what = store, what

    def __enter__(self) -> None:
        self.store._lock.acquire()
        try:
            self.store._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            self.store._lock.release()
            raise StoreError(f"cannot {self.what} in {self.store.describe()}: {err}") from None

    def __exit__(self, kind, error, tb) -> bool:
        db = self.store._db
        try:
            if kind is None:
                try:
                    db.execute("COMMIT")
                    return False
                except sqlite3.Error as err:
                    db.execute("ROLLBACK")
                    raise StoreError(
                        f"cannot {self.what} in {self.store.describe()}: {err}"
                    ) from None
            db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise StoreError(
                    f"cannot {self.what} in {self.store.describe()}: {error}"
                ) from None
            return False
        finally:
            self.store._lock.release()


def time_left(events: Sequence[StoredEvent], round_seconds: int) -> float | None:
    """The time the round open at the end of ``events`` had left at the last stored event.

    From the stored wall-clock times: the round's full time from its ``open``, less the time
    it ran until the last event (a pause record carries its own remainder). None when no
    round is open at the end.
    """
    budget: float | None = None
    since: float | None = None
    for e in events:
        event = e.record["event"]
        if event == "open":
            budget, since = float(round_seconds), e.time
        elif event == "pause" and budget is not None:
            left = e.record.get("remaining")
            budget = budget - (e.time - since) if left is None and since is not None else left
            since = None
        elif event == "resume" and budget is not None:
            since = e.time
        elif event in ("close", "reset"):
            budget = since = None
    if budget is None:
        return None
    ran = events[-1].time - since if since is not None else 0.0
    return max(0.0, budget - ran)


def restore(store: EventStore, code: str, clock: Callable[[], float] = time.monotonic) -> Room:
    """Session ``code`` as the restarted server holds it: replayed, attached, round paused.

    A round that was running when the server stopped comes back *paused*, with its moves and
    with the time it had left at the last stored event (a move, a join, its opening); when
    the server was stopped with Ctrl+C it had paused the round itself, so exactly the time it
    had left. The facilitator presses Resume once the phones are back. The pause is logged
    like any other, with the reason "server restarted".
    """
    events = store.events(code)
    if not events:
        raise StoreError(f"no session '{code}' in {store.describe()}")
    room = Room.replay(code, [e.record for e in events], clock=clock)
    store.attach(room)
    if room.phase == Phase.OPEN:
        room.pause(left=time_left(events, room.round_seconds), reason=RESTART)
    return room
