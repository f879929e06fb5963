"""Starting the workshop server: the socket, the addresses to print, uvicorn.

`linkages workshop` (cli/workshop.py) is a thin wrapper over `serve` and `export_session`. The
store is opened and a session to resume found before the socket is bound, and the socket is
bound before anything is printed: an unknown session or a port in use is one clear error, and
``--port 0`` prints the port actually chosen.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from linkages_sim.config.schema import Scenario
from linkages_sim.workshop.debrief import write_exports
from linkages_sim.workshop.room import Phase, Room
from linkages_sim.workshop.server import ServerConfig, create_app, new_token
from linkages_sim.workshop.store import DEFAULT_DB, EventStore, StoreError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_WS_FRAME = 1 << 20
"""uvicorn closes a websocket whose frame is larger; the app answers anything past its own
4 KiB limit with a ``too_large`` error first."""


def lan_address() -> str:
    """This machine's address on its network (no packet is sent), or 127.0.0.1."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        address = probe.getsockname()[0]
    except OSError:
        address = "127.0.0.1"
    finally:
        probe.close()
    return address


@dataclass(frozen=True)
class Addresses:
    """Where the server listens and what the facilitator and the participants open."""

    host: str
    port: int
    public_url: str
    token: str

    @property
    def facilitator_url(self) -> str:
        """The projector page, with the token (the local address: it is the laptop's)."""
        local = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in local:
            local = f"[{local}]"
        return f"http://{local}:{self.port}/facilitator?token={self.token}"

    @property
    def join_url(self) -> str:
        """The participants' page (each session's QR code adds its code)."""
        return f"{self.public_url.rstrip('/')}/join"


def addresses(host: str, port: int, token: str, public_url: str | None = None) -> Addresses:
    """The addresses to print; with a wildcard host, phones reach this machine's LAN address."""
    if public_url is None:
        shown = lan_address() if host in ("0.0.0.0", "::", "") else host
        if ":" in shown:
            shown = f"[{shown}]"
        public_url = f"http://{shown}:{port}"
    return Addresses(host, port, public_url.rstrip("/"), token)


def startup_lines(a: Addresses, notes: Iterable[str] = ()) -> list[str]:
    """What `linkages workshop` prints at start.

    The facilitator's secret link, the join link, ``notes`` (where sessions are saved, which
    were resumed), and a warning when the server listens beyond this machine.
    """
    lines = [
        f"linkages workshop: serving on {a.host}:{a.port}",
        "",
        "Facilitator (the projector; keep this link to yourself, it holds the token):",
        f"    {a.facilitator_url}",
        "Participants join at (each session's code and QR code are on the facilitator page):",
        f"    {a.join_url}",
        "",
        *notes,
    ]
    if a.host not in LOCAL_HOSTS:
        lines += [
            f"warning: listening on {a.host}: anyone on this network (phones on the room's "
            "Wi-Fi) can open the join page and join a session with its code; the facilitator "
            "page still needs the token. Stop the server (Ctrl+C) after the workshop.",
            "",
        ]
    else:
        lines += [
            "Only this computer can connect. For phones on the room's Wi-Fi, restart with "
            "--host 0.0.0.0.",
            "",
        ]
    lines.append("Press Ctrl+C to stop.")
    return lines


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; OSError (in use, bad address) says why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app, **overrides):
    """A uvicorn server for the app, with the workshop's websocket limits and quiet logs."""
    import uvicorn

    options = {
        "log_level": "warning",
        "access_log": False,
        "ws_max_size": MAX_WS_FRAME,
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        "server_header": False,
        "lifespan": "on",
    }
    options.update(overrides)
    return uvicorn.Server(uvicorn.Config(app, **options))


def open_existing(db: Path) -> EventStore:
    """The store at ``db``, which must exist already (to resume or export from it)."""
    if not Path(db).is_file():
        raise StoreError(f"no workshop store at {db}: give the file with --db")
    return EventStore(db)


def find_session(store: EventStore, code: str) -> str:
    """The stored session's code, or a StoreError naming the sessions the store holds."""
    found = store.session(code)
    if found is not None:
        return found.code
    known = [s.code for s in store.sessions()]
    listing = ", ".join(known[-10:]) if known else "none yet"
    more = f" (the last 10 of {len(known)})" if len(known) > 10 else ""
    raise StoreError(
        f"no session '{code.strip()[:16]}' in {store.describe()}; stored sessions{more}: {listing}"
    )


def _db_option(db: Path) -> str:
    return "" if Path(db) == DEFAULT_DB else f" --db {db}"


def phase_text(room: Room) -> str:
    """Where a resumed session stands, in a few words for the terminal."""
    m = room.match
    if room.phase == Phase.PAUSED and m is not None:
        left = room.remaining()
        return (f"round {m.current} paused with {left:.0f} s left (press Resume on the "
                "facilitator page when the phones are back)")  # fmt: skip
    if room.phase == Phase.LOBBY:
        return "in the lobby"
    played = m.played if m is not None else 0
    return f"{room.phase.value} after {played} rounds of match {room.match_index + 1}"


def resumed_lines(rooms: Iterable[Room], join_url: Callable[[str], str]) -> list[str]:
    """The sessions brought back, each with where it stands and its join link."""
    lines = []
    for room in rooms:
        lines += [
            f"Resumed session {room.code}: {len(room.participants)} participants, "
            f"{phase_text(room)}; seats and links are as before. It joins at:",
            f"    {join_url(room.code)}",
        ]
    return lines + ([""] if lines else [])


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    public_url: str | None = None,
    token: str | None = None,
    say: Callable[[str], None] = print,
    db: Path = DEFAULT_DB,
    resume: str | None = None,
    scenario: Scenario | None = None,
) -> None:
    """Open the store, find the session to resume, bind, print the addresses, serve.

    Resuming session ``resume`` also brings back the other sessions created under its
    facilitator token (the same server before the restart), with that token, so the
    facilitator's link and session list are as they were. StoreError: no such session, or
    the store cannot be opened. ``scenario`` is the market of new sessions' channel game
    (a resumed session keeps the one in its log).
    """
    codes: tuple[str, ...] = ()
    if resume is not None:
        store = open_existing(db)
        stored = store.session(find_session(store, resume))
        assert stored is not None
        token = stored.token
        codes = tuple(s.code for s in store.sessions(token))
    sock = bind(host, port)
    if resume is None:
        try:
            store = EventStore(db)
        except StoreError:
            sock.close()
            raise
    chosen = sock.getsockname()[1]
    a = addresses(host, chosen, token or new_token(), public_url)
    app = create_app(ServerConfig(facilitator_token=a.token, public_url=a.public_url,
                                  store=store, resume=codes, scenario=scenario))  # fmt: skip
    hub = app.state.hub
    notes = [
        f"Every join, move and action is saved to {store.describe()} (it holds the tokens: "
        "keep it private). After a restart:",
        f"    linkages workshop --resume CODE{_db_option(db)} --port {chosen}",
        "",
        *resumed_lines(hub.rooms.values(), hub.join_url),
    ]
    for line in startup_lines(a, notes):
        say(line)
    server = uvicorn_server(app)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        store.close()


def export_session(db: Path, code: str, out: Path | None = None) -> list[Path]:
    """Write a stored session's exports into ``out`` (default ``runs/workshop-CODE``).

    Read from the store without a server: the session is replayed, nothing is written to it.
    """
    store = open_existing(db)
    try:
        found = find_session(store, code)
        events = store.events(found)
        room = Room.replay(found, [e.record for e in events])
        return write_exports(room, events, out or Path("runs") / f"workshop-{found}")
    finally:
        store.close()
