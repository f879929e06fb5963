"""Starting the workshop server: the socket, the addresses to print, uvicorn.

`linkages workshop` (cli/workshop.py) is a thin wrapper over `serve`. The socket is bound
before anything is printed, so a port in use is a clear error and ``--port 0`` prints the port
actually chosen.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

from linkages_sim.workshop.server import ServerConfig, create_app, new_token

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


def startup_lines(a: Addresses) -> list[str]:
    """What `linkages workshop` prints at start.

    The facilitator's secret link, the join link, and a warning when the server listens beyond
    this machine.
    """
    lines = [
        f"linkages workshop: serving on {a.host}:{a.port}",
        "",
        "Facilitator (the projector; keep this link to yourself, it holds the token):",
        f"    {a.facilitator_url}",
        "Participants join at (each session's code and QR code are on the facilitator page):",
        f"    {a.join_url}",
        "",
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


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    public_url: str | None = None,
    token: str | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Bind, print the addresses, serve until Ctrl+C."""
    sock = bind(host, port)
    chosen = sock.getsockname()[1]
    a = addresses(host, chosen, token or new_token(), public_url)
    app = create_app(ServerConfig(facilitator_token=a.token, public_url=a.public_url))
    for line in startup_lines(a):
        say(line)
    server = uvicorn_server(app)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
