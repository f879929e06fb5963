"""The workshop commands end to end: JSON records, figures, piped and interactive play, and one
clear message for every bad input."""

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.support import assert_bad_input, linkages


def test_match_json_record(tmp_path):
    out = tmp_path / "m.json"
    proc = linkages("match", "tft", "all-d", "--turns", "200", "--seed", "3", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    record = json.loads(out.read_text())
    assert record["a"] == "tft" and record["b"] == "all-d"
    assert (record["score_a"], record["score_b"]) == (199, 204)
    assert record["moves_a"] == "C" + "D" * 199
    assert record["payoffs"] == {"T": 5, "R": 3, "P": 1, "S": 0}
    assert record["turns"] == 200 and record["seed"] == 3 and record["noise"] == 0


def test_match_json_on_standard_output_is_pure_json():
    proc = linkages("match", "wsls", "all-d", "--turns", "6", "--json", "-")
    record = json.loads(proc.stdout)
    assert record["moves_a"] == "CDCDCD"


def test_tournament_json_and_plot(tmp_path):
    out, png = tmp_path / "t.json", tmp_path / "t.png"
    proc = linkages(
        "tournament",
        "--strategies",
        "tft,all-d,wsls,random",
        "--turns",
        "50",
        "--repetitions",
        "3",
        "--seed",
        "1",
        "--json",
        str(out),
        "--plot",
        str(png),
    )
    assert proc.returncode == 0, proc.stderr
    assert "rank" in proc.stdout and "wsls" in proc.stdout
    record = json.loads(out.read_text())
    for key in (
        "strategies",
        "turns",
        "repetitions",
        "noise",
        "seed",
        "self_play",
        "payoffs",
        "mean_score_per_turn",
        "pairwise_score_per_turn",
        "ranking",
    ):
        assert key in record
    assert record["pairwise_score_per_turn"]["tft"]["all-d"] == pytest.approx(49 / 50)
    means = record["mean_score_per_turn"]
    assert record["ranking"] == sorted(means, key=lambda s: -means[s])
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_tournament_is_the_same_with_one_or_two_workers(tmp_path):
    args = [
        "tournament",
        "--strategies",
        "tft,joss,random,gtft",
        "--turns",
        "30",
        "--repetitions",
        "2",
        "--noise",
        "0.1",
        "--seed",
        "5",
        "--json",
        "-",
    ]
    one, two = linkages(*args, "--workers", "1"), linkages(*args, "--workers", "2")
    assert json.loads(one.stdout) == json.loads(two.stdout)


@pytest.mark.parametrize("method", ["moran", "replicator"])
def test_evolve(tmp_path, method):
    out, png = tmp_path / "e.json", tmp_path / "e.png"
    proc = linkages(
        "evolve",
        "--strategies",
        "tft,all-d,all-c",
        "--method",
        method,
        *(["--runs", "1"] if method == "moran" else []),
        "--generations",
        "30",
        "--turns",
        "50",
        "--repetitions",
        "1",
        "--seed",
        "2",
        "--json",
        str(out),
        "--plot",
        str(png),
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(out.read_text())
    assert sum(record["final_shares"].values()) == pytest.approx(1)
    assert set(record["shares"]) == {"tft", "all-d", "all-c"}
    assert png.exists()
    if method == "moran":
        assert "ONE run, seed 2" in proc.stdout and "--runs 100" in proc.stdout


def test_evolve_many_runs_json_and_plot(tmp_path):
    out, png = tmp_path / "e.json", tmp_path / "e.png"
    args = ["evolve", "--strategies", "tft,all-d,all-c", "--runs", "30", "--generations", "30",
            "--turns", "50", "--repetitions", "1", "--seed", "2", "--json", str(out),
            "--plot", str(png)]  # fmt: skip
    proc = linkages(*args)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(out.read_text())
    assert record["runs"] == 30 and len(record["winners"]) == 30
    assert sum(record["mean_final_shares"].values()) == pytest.approx(1)
    figures = record["by_strategy"]
    assert sum(f["wins"] for f in figures.values()) + record["ties"] == 30
    for f in figures.values():
        low, high = f["win_interval_95"]
        assert low <= f["win_rate"] <= high
    assert set(record["replicator_shares"]) == {"tft", "all-d", "all-c"}
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_play_with_piped_moves():
    proc = linkages("play", "--opponent", "tft", "--turns", "4", "--seed", "1", stdin="C D\nc d\n")
    assert proc.returncode == 0, proc.stderr
    assert "round  4: you D  opponent C" in proc.stdout
    assert "The opponent was tft" in proc.stdout
    assert "What each strategy would have scored" in proc.stdout


def test_play_hidden_reveals_the_opponent():
    proc = linkages("play", "--turns", "3", "--seed", "4", stdin="CCC")
    assert proc.returncode == 0, proc.stderr
    assert "against hidden" in proc.stdout and "The opponent was " in proc.stdout


@pytest.mark.parametrize(
    ("stdin", "needles"),
    [("C maybe D", ["'maybe' is not a move"]), ("C D", ["3 moves needed, got 2"])],
)
def test_play_rejects_bad_piped_moves(stdin, needles):
    assert_bad_input(linkages("play", "--turns", "3", stdin=stdin), *needles)


def test_play_interactively_in_a_terminal():
    """A real pseudo-terminal: prompts, a re-prompt after a bad answer, the reveal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkages_sim",
            "play",
            "--opponent",
            "grim",
            "--turns",
            "2",
            "--seed",
            "1",
        ],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"},
    )
    os.close(follower)
    transcript = b""

    def read_until(needle: bytes, timeout: float = 30) -> None:
        nonlocal transcript
        deadline = time.monotonic() + timeout
        while needle not in transcript and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    transcript += os.read(leader, 4096)
                except OSError:
                    break
        assert needle in transcript, transcript.decode(errors="replace")

    read_until(b"round 1/2 - your move")
    os.write(leader, b"maybe\n")
    read_until(b"please type C (cooperate) or D (defect)")
    os.write(leader, b"d\n")
    read_until(b"round 2/2 - your move")
    os.write(leader, b"C\n")
    read_until(b"The opponent was grim")
    assert proc.wait(timeout=60) == 0
    os.close(leader)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["match", "all-x", "tft"], ["unknown strategy 'all-x'", "valid: all-c, all-d, tft"]),
        (["match", "tft", "tft", "--turns", "-5"], ["turns must be a whole number >= 1"]),
        (["match", "tft", "tft", "--noise", "1.5"], ["noise must be in [0, 1]"]),
        (["match", "tft", "tft", "--payoffs", "3,5,1,0"], ["not a prisoner's dilemma"]),
        (["match", "tft", "tft", "--prob-end", "2"], ["prob_end must be in (0, 1]"]),
        (["tournament", "--strategies", "tft,nice"], ["unknown strategy 'nice'"]),
        (["tournament", "--repetitions", "0"], ["repetitions must be >= 1"]),
        (["evolve", "--strategies", "tft,all-d", "--population", "1"], ["population must be"]),
        (["evolve", "--strategies", "tft,all-d", "--runs", "0"], ["runs must be >= 1"]),
        (["evolve", "--method", "replicator", "--runs", "5"], ["--runs applies to --method moran"]),
        (["play", "--opponent", "nobody"], ["unknown strategy 'nobody'"]),
        (["play", "--turns", "0"], ["turns must be a whole number >= 1"]),
    ],
)
def test_bad_game_inputs_get_one_clear_message(args, needles):
    assert_bad_input(linkages(*args), *needles)
