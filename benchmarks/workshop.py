"""The browser workshop under a room's load (issue 14's performance requirement).

`python -m benchmarks.workshop [--bots 60] [--rounds 10]` starts the real server
(`linkages workshop --port 0 --db TEMP` in a subprocess, on loopback), creates a classic-dilemma
session through the facilitator's API (`POST /api/sessions`, as the facilitator page does),
joins ``--bots`` participants (`POST /api/join`, as the join page does) and opens one real
websocket per page (the bots' and the facilitator's), all in one asyncio loop of this process.
Then, round after round, the facilitator opens the round and the bots move:

* ``trickle`` (the headline, as in a room where the moves come in over seconds): every bot but
  one moves; once every screen shows those moves and no state has arrived for 50 ms (the
  server is idle), the last bot moves alone;
* ``burst``: every bot moves at once (the worst case, 60 moves in a few milliseconds).

The latency is measured from the send of the round's last move to each of the bots + 1
screens receiving the state that shows the round's result (``round.played`` reaching the
round), on this process's clock. The classic game has no market simulation, so none is in
the figure. The server's CPU time (user + system) and peak RSS (VmHWM) are read from its
process (psutil, /proc). Target (issue 14): p95 < 250 ms for 60 bots over 10 rounds.

The bots share the machine with the server, so their own decoding of every broadcast is inside
the figure; phones would add their Wi-Fi's latency instead. `python -m benchmarks --only
workshop` runs the same measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TARGET_P95_MS = 250.0
MODES = ("trickle", "burst")


@dataclass
class Server:
    """`linkages workshop` in a subprocess: its URL, facilitator token and process."""

    process: subprocess.Popen
    url: str
    token: str
    lines: list[str] = field(default_factory=list)

    def request(self, path: str, body: dict, token: str | None = None) -> dict:
        """POST JSON; a rate-limited request (one address joining 60 times) waits and retries."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for _ in range(100):
            req = urllib.request.Request(self.url + path, json.dumps(body).encode(), headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as err:
                if err.code != 429:
                    raise RuntimeError(f"{path}: {err.code} {err.read()[:200]!r}") from None
                time.sleep(0.25)
        raise RuntimeError(f"{path}: still rate-limited after 100 tries")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        import psutil

        t = psutil.Process(self.process.pid).cpu_times()
        return t.user + t.system

    def rss(self) -> int:
        """The server's resident set now (bytes)."""
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss

    def peak_rss(self) -> int:
        """The server's peak resident set (VmHWM, bytes); the current RSS if /proc lacks it."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss

    def stop(self) -> None:
        """Ctrl+C (the server pauses open rounds and closes its store), then wait."""
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(db: Path, timeout: float = 120) -> Server:
    """Start `linkages workshop` on 127.0.0.1 and a free port; read its facilitator link."""
    process = subprocess.Popen(
        [sys.executable, "-m", "linkages_sim", "workshop", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    found = None
    while found is None:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the workshop server stopped:\n" + "".join(lines))
        lines.append(line)
        found = re.search(r"(http://127\.0\.0\.1:\d+)/facilitator\?token=([0-9a-f]+)", line)
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the workshop server did not print its link")
    # keep reading its output, so that a full pipe never blocks the server
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return Server(process, found.group(1), found.group(2), lines)


class Screen:
    """One page's websocket: reads every state, notes when each round opened and closed."""

    def __init__(self, ws, name: str) -> None:
        """Wrap an open websocket; the reader task is started by `run`."""
        self.ws = ws
        self.name = name
        self.opened: dict[int, asyncio.Event] = {}
        self.moved: dict[tuple[int, int], asyncio.Event] = {}
        self.result_at: dict[int, float] = {}
        self.results: dict[int, asyncio.Event] = {}
        self.welcome = asyncio.Event()
        self.errors: list[dict] = []
        self.states = 0
        self.last_state_at = time.perf_counter()

    def event(self, table: dict, key) -> asyncio.Event:
        """The event for ``key``, made on first use (a waiter may come before the message)."""
        if key not in table:
            table[key] = asyncio.Event()
        return table[key]

    async def run(self) -> None:
        """Read until the socket closes; timestamps first, then the bookkeeping."""
        async for text in self.ws:
            now = time.perf_counter()
            message = json.loads(text)
            kind = message.get("type")
            if kind == "welcome":
                self.welcome.set()
            elif kind == "error":
                self.errors.append(message)
            elif kind == "state":
                self.states += 1
                self.last_state_at = now
                r = message["round"]
                for played in range(1, r["played"] + 1):
                    if played not in self.result_at:
                        self.result_at[played] = now
                        self.event(self.results, played).set()
                if r["open"]:
                    self.event(self.opened, r["number"]).set()
                    self.event(self.moved, (r["number"], r["moved"])).set()


async def _measure(server: Server, code: str, tokens: list[str], rounds: int, mode: str,
                   timeout: float) -> tuple[list[float], dict]:  # fmt: skip
    """Play the rounds; per round and screen, the last move's send to the result (seconds)."""
    from websockets.asyncio.client import connect

    ws_url = server.url.replace("http://", "ws://") + "/ws"
    sockets = []
    screens: list[Screen] = []
    hellos = [{"type": "hello", "role": "facilitator", "token": server.token, "code": code}]
    hellos += [{"type": "hello", "role": "participant", "token": t} for t in tokens]
    for k, hello in enumerate(hellos):
        ws = await connect(ws_url, max_size=2**22, open_timeout=timeout)
        sockets.append(ws)
        screen = Screen(ws, "facilitator" if k == 0 else f"bot {k}")
        screens.append(screen)
        asyncio.get_running_loop().create_task(screen.run())
        await ws.send(json.dumps(hello))
        await asyncio.wait_for(screen.welcome.wait(), timeout)
    facilitator, bots = screens[0], screens[1:]
    latencies: list[float] = []

    async def every(table_of, key) -> None:
        await asyncio.wait_for(
            asyncio.gather(*(s.event(table_of(s), key).wait() for s in screens)), timeout
        )

    async def quiet(for_s: float = 0.05) -> None:
        """Until no screen has received a state for ``for_s`` (the server is idle).

        The server coalesces broadcasts (a page gets the view as it is when sent, not one per
        change), so the number of states a screen receives is not known in advance; silence is.
        """
        deadline = time.monotonic() + timeout
        while time.perf_counter() - max(s.last_state_at for s in screens) < for_s:
            if time.monotonic() > deadline:
                raise TimeoutError("the server never went quiet")
            await asyncio.sleep(0.005)

    cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
    for r in range(1, rounds + 1):
        await quiet()
        await facilitator.ws.send(json.dumps({"type": "open_round"}))
        await every(lambda s: s.opened, r)
        move = json.dumps({"type": "move", "round": r, "move": "C" if r % 3 else "D"})
        if mode == "trickle" and len(bots) > 1:
            await asyncio.gather(*(b.ws.send(move) for b in bots[:-1]))
            await every(lambda s: s.moved, (r, len(bots) - 1))
            await quiet()  # every screen has the state showing those moves: the server is idle
            last = time.perf_counter()
            await bots[-1].ws.send(move)
        else:
            await asyncio.gather(*(b.ws.send(move) for b in bots))
            last = time.perf_counter()
        await every(lambda s: s.results, r)
        latencies += [s.result_at[r] - last for s in screens]
    usage = {"cpu_s": server.cpu_seconds() - cpu_before,
             "wall_s": time.perf_counter() - wall_before,
             "errors": [e for s in screens for e in s.errors]}  # fmt: skip
    for ws in sockets:
        await ws.close()
    return latencies, usage


@dataclass
class Outcome:
    """One mode's figures: latency percentiles (ms), the server's CPU and memory."""

    mode: str
    bots: int
    rounds: int
    latencies_ms: np.ndarray
    cpu_s: float
    wall_s: float
    peak_rss: int
    start_rss: int
    errors: list[dict]

    @property
    def p50(self) -> float:
        """Median latency, ms."""
        return float(np.percentile(self.latencies_ms, 50))

    @property
    def p95(self) -> float:
        """95th percentile latency, ms."""
        return float(np.percentile(self.latencies_ms, 95))

    @property
    def max(self) -> float:
        """Largest latency, ms."""
        return float(self.latencies_ms.max())

    def line(self) -> str:
        """The short line for RESULTS.md."""
        met = "met" if self.p95 < TARGET_P95_MS else "NOT met"
        return (f"workshop ({self.mode}): {self.bots} bots + facilitator, {self.rounds} rounds: "
                f"last move to every screen p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, max "
                f"{self.max:.0f} ms (target p95 < {TARGET_P95_MS:.0f} ms: {met}); server CPU "
                f"{self.cpu_s:.2f} s over {self.wall_s:.2f} s of rounds "
                f"({100 * self.cpu_s / self.wall_s:.0f}% of a core), peak RSS "
                f"{self.peak_rss / 2**20:.0f} MB ({self.start_rss / 2**20:.0f} MB before the "
                "bots joined)")  # fmt: skip


def run(bots: int = 60, rounds: int = 10, mode: str = "trickle",
        timeout: float = 60.0) -> Outcome:  # fmt: skip
    """One measurement on a fresh server and a temporary store."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if bots < 1 or rounds < 1:
        raise ValueError("bots and rounds must be >= 1")
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder) / "workshop.sqlite")
        try:
            start_rss = server.rss()
            code = server.request("/api/sessions", {"seed": 1}, server.token)["code"]
            tokens = [server.request("/api/join", {"code": code, "name": f"bot{k:03d}"})["token"]
                      for k in range(bots)]  # fmt: skip
            latencies, usage = asyncio.run(_measure(server, code, tokens, rounds, mode, timeout))
            peak = server.peak_rss()
        finally:
            server.stop()
    return Outcome(mode, bots, rounds, 1000 * np.array(latencies), usage["cpu_s"],
                   usage["wall_s"], peak, start_rss, usage["errors"])  # fmt: skip


def load_note() -> str:
    """The 1-minute load average against the cores: whether the machine was busy."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return "load unknown"
    return f"load average {load:.1f} on {os.cpu_count()} cores before the run"


def main(argv: list[str] | None = None) -> None:
    """Print each mode's table row and the line for RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workshop")
    parser.add_argument("--bots", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--mode", choices=(*MODES, "both"), default="both")
    args = parser.parse_args(argv)
    note = load_note()
    print(f"workshop server under {args.bots} bots, {args.rounds} rounds ({note})")
    print(f"  {'mode':8} {'screens':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'CPU s':>6} {'wall s':>6} {'RSS MB':>6}")  # fmt: skip
    outcomes = [run(args.bots, args.rounds, m) for m in (MODES if args.mode == "both"
                                                         else (args.mode,))]  # fmt: skip
    for o in outcomes:
        print(f"  {o.mode:8} {o.bots + 1:>7} {o.p50:>7.1f} {o.p95:>7.1f} {o.max:>7.1f} "
              f"{o.cpu_s:>6.2f} {o.wall_s:>6.2f} {o.peak_rss / 2**20:>6.0f}")  # fmt: skip
    for o in outcomes:
        print(o.line())
        if o.errors:
            print(f"  {len(o.errors)} error records, e.g. {o.errors[0]}")


if __name__ == "__main__":
    main()
