"""Helpers of the workshop tests: a real server in a thread, websocket message helpers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from linkages_sim.workshop.serve import bind, uvicorn_server
from linkages_sim.workshop.server import ServerConfig, create_app


@dataclass
class LiveServer:
    """uvicorn on 127.0.0.1 and a free port, in a daemon thread; stops when the block ends."""

    config: ServerConfig

    def __enter__(self) -> LiveServer:
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.config.public_url = self.url
        self.app = create_app(self.config)
        self.hub = self.app.state.hub
        self.server = uvicorn_server(self.app)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workshop server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    @property
    def token(self) -> str:
        return self.config.facilitator_token


def receive_until(ws, predicate, limit: int = 30) -> dict:
    """Read messages until one satisfies ``predicate``; fail after ``limit`` messages."""
    seen = []
    for _ in range(limit):
        message = ws.receive_json()
        if predicate(message):
            return message
        seen.append(message.get("type"))
    raise AssertionError(f"no matching message among {limit}: {seen}")


def error_of(ws, limit: int = 30) -> dict:
    """The next error record (states broadcast in between are skipped)."""
    return receive_until(ws, lambda m: m["type"] == "error", limit)


def state_of(ws, predicate=lambda m: True, limit: int = 30) -> dict:
    """The next state record satisfying ``predicate``."""
    return receive_until(ws, lambda m: m["type"] == "state" and predicate(m), limit)


class FakeClock:
    """A clock that moves only when told: the room's monotonic time and the store's wall time."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
