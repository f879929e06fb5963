"""`linkages workshop`: what it prints, the errors it gives, and a real start and stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from linkages_sim.cli import app
from linkages_sim.workshop.serve import addresses, startup_lines


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


def test_bad_options_and_a_busy_port_are_one_clear_error():
    runner = CliRunner()
    result = runner.invoke(app, ["workshop", "--port", "70000"])
    assert result.exit_code == 2 and "port must be from 0 to 65535" in result.output
    result = runner.invoke(app, ["workshop", "--public-url", "192.168.1.2"])
    assert result.exit_code == 2 and "--public-url must start with http://" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["workshop", "--port", str(port)])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_the_command_serves_until_interrupted():
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkages_sim", "workshop", "--port", "0"],
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


@pytest.mark.parametrize("option", ["--host", "--port", "--public-url"])
def test_help_lists_the_options(option):
    result = CliRunner().invoke(app, ["workshop", "--help"])
    assert result.exit_code == 0 and option in result.output
