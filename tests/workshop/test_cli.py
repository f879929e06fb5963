"""`linkages workshop`: what it prints, the errors it gives, and a real start and stop."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from linkages_sim.cli import app
from linkages_sim.workshop.classic import ClassicSettings
from linkages_sim.workshop.debrief import EXPORTS, MOVE_COLUMNS
from linkages_sim.workshop.room import Room
from linkages_sim.workshop.serve import addresses, startup_lines
from linkages_sim.workshop.store import EventStore


def test_local_start_prints_the_token_link_and_no_warning():
    lines = "\n".join(startup_lines(addresses("127.0.0.1", 8000, "abc123")))
    assert "http://127.0.0.1:8000/facilitator?token=abc123" in lines
    assert "http://127.0.0.1:8000/join" in lines
    assert "warning" not in lines and "--host 0.0.0.0" in lines


def test_listening_on_every_interface_warns_and_shows_the_network_address():
    a = addresses("0.0.0.0", 8000, "abc123", public_url="http://192.168.1.20:8000")
    lines = "\n".join(startup_lines(a))
    assert "warning: listening on 0.0.0.0" in lines and "phones" in lines
    assert "http://192.168.1.20:8000/join" in lines
    assert "http://127.0.0.1:8000/facilitator?token=abc123" in lines  # the laptop's own link
    assert addresses("0.0.0.0", 8000, "t").public_url.startswith("http://")


def test_bad_options_and_a_busy_port_are_one_clear_error(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["workshop", "--port", "70000"])
    assert result.exit_code == 2 and "port must be from 0 to 65535" in result.output
    result = runner.invoke(app, ["workshop", "--public-url", "192.168.1.2"])
    assert result.exit_code == 2 and "--public-url must start with http://" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        db = str(tmp_path / "w.sqlite")
        result = runner.invoke(app, ["workshop", "--port", str(port), "--db", db])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "w.sqlite").exists()  # no store is created for a server that never ran


def test_the_command_serves_until_interrupted(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkages_sim", "workshop", "--port", "0",
         "--db", str(tmp_path / "w.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        facilitator = None
        deadline = time.monotonic() + 60
        lines = []
        while facilitator is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)/facilitator\?token=([0-9a-f]{48})", line)
            if match:
                facilitator = match
        assert facilitator, "".join(lines)
        base, token = facilitator.group(1), facilitator.group(2)
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/facilitator?token={token}", timeout=2) as r:
            assert r.status == 200 and b"facilitator.js" in r.read()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


@pytest.mark.parametrize(
    "option", ["--host", "--port", "--public-url", "--db", "--resume", "--export", "--out"]
)
def test_help_lists_the_options(option):
    result = CliRunner().invoke(app, ["workshop", "--help"])
    assert result.exit_code == 0 and option in result.output


def stored_session(db: Path, code: str = "K7QM") -> Room:
    """A stored session: two people, one round played."""
    store = EventStore(db)
    room = Room(code, 3, ClassicSettings(rounds=3))
    store.create(room, "c" * 48)
    room.join("Ann")
    room.join("Bob")
    room.open_round()
    room.submit(1, 1, "C")
    room.close_round()
    store.close()
    return room


def test_resuming_an_unknown_session_is_one_clear_error(tmp_path):
    db = tmp_path / "w.sqlite"
    stored_session(db)
    result = CliRunner().invoke(app, ["workshop", "--resume", "ZZZZ", "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert "no session 'ZZZZ'" in result.output and "K7QM" in result.output
    missing = CliRunner().invoke(app, ["workshop", "--resume", "K7QM", "--db",
                                       str(tmp_path / "none.sqlite")])  # fmt: skip
    assert missing.exit_code == 2 and "no workshop store at" in missing.output
    assert not (tmp_path / "none.sqlite").exists()  # resuming never creates a store


def test_export_writes_every_file_without_a_server(tmp_path):
    db = tmp_path / "w.sqlite"
    room = stored_session(db)
    out = tmp_path / "debrief"
    result = CliRunner().invoke(
        app, ["workshop", "--export", "k7qm", "--db", str(db), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPORTS)
    moves = pd.read_parquet(out / "moves.parquet")
    assert list(moves.columns) == MOVE_COLUMNS and list(moves["name"]) == ["Ann", "Bob"]
    assert len(pd.read_csv(out / "events.csv")) == len(room.log)
    assert EventStore(db).records("K7QM") == room.log  # exporting wrote nothing to the log
    for args in (["--out", str(out)], ["--export", "K7QM", "--resume", "K7QM"]):
        bad = CliRunner().invoke(app, ["workshop", *args, "--db", str(db)])
        assert bad.exit_code == 2 and "Traceback" not in bad.output, args


def start_server(*args: str) -> tuple[subprocess.Popen, str, str, list[str]]:
    """`linkages workshop` in a subprocess: the process, base URL, token and what it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkages_sim", "workshop", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl+C"):
            break
    text = "".join(lines)
    found = re.search(r"(http://127\.0\.0\.1:\d+)/facilitator\?token=([0-9a-f]{48})", text)
    if found is None:
        proc.kill()
        raise AssertionError(text)
    base = found.group(1)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                break
        except OSError:
            time.sleep(0.1)
    return proc, base, found.group(2), lines


def call(url: str, token: str | None = None, body: dict | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as r:
        return json.loads(r.read())


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def test_the_server_restarts_and_resumes_a_session_from_its_file(tmp_path):
    db = tmp_path / "w.sqlite"
    proc, base, token, _ = start_server("--db", str(db))
    try:
        code = call(f"{base}/api/sessions", token, {"seed": 4})["code"]
        seat = call(f"{base}/api/join", body={"code": code, "name": "Ann"})["token"]
    finally:
        stop(proc)
    proc, base, again, lines = start_server("--db", str(db), "--resume", code.lower())
    try:
        assert again == token  # the facilitator's bookmark works
        printed = "".join(lines)
        assert f"Resumed session {code}: 1 participants, in the lobby" in printed
        assert f"/join?code={code}" in printed
        listed = call(f"{base}/api/sessions", token)["sessions"]
        assert [(s["code"], s["participants"]) for s in listed] == [(code, 1)]
        replay = call(f"{base}/api/sessions/{code}/replay?upto=2", token)
        assert replay["event"]["summary"] == "Ann joined (participant 1)"
    finally:
        stop(proc)
    assert EventStore(db).records(code)[1]["token"] == seat  # the seat is the same one
