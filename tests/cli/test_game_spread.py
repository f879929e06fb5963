"""`linkages evolve` over many seeds and coloured moves, in-process at 80 columns: the
verdict says plainly whether the winner is clear, one run is labelled as one seed, and C and D
keep their letters whatever the colour."""

from __future__ import annotations

from rich.console import Console

from linkages_sim.cli.game import MOVE_STYLES, coloured_moves

FAST = ("--turns", "30", "--repetitions", "1", "--generations", "60")


def test_a_clear_winner_is_called_clear(cli80):
    out = cli80("evolve", "--strategies", "tft,all-d", "--runs", "40", "--seed", "1", *FAST)
    assert out.exit_code == 0, out.stderr
    assert "40 runs" in out.stdout and "won (95% CI)" in out.stdout
    assert "Clear winner: tft wins in most runs" in out.stdout
    assert "replicator dynamics (deterministic) leads with tft" in out.stdout


def test_indistinguishable_strategies_have_no_clear_winner(cli80):
    """Without noise all-c and tft both always cooperate: their runs are pure drift."""
    out = cli80("evolve", "--strategies", "all-c,tft", "--runs", "40", "--seed", "1", *FAST)
    assert out.exit_code == 0, out.stderr
    assert "No clear winner" in out.stdout and "overlaps" in out.stdout


def test_one_run_is_labelled_as_one_seed(cli80):
    out = cli80("evolve", "--strategies", "tft,all-d", "--runs", "1", "--seed", "7", *FAST)
    assert out.exit_code == 0, out.stderr
    assert "ONE run, seed 7" in out.stdout and "--runs 100" in out.stdout
    assert "won (95% CI)" not in out.stdout


def test_match_moves_keep_their_letters(cli80):
    out = cli80("match", "tft", "stft", "--turns", "10", "--seed", "1")
    assert out.exit_code == 0, out.stderr
    assert " tft  CDCDCDCDCD  score 25" in out.stdout
    assert "stft  DCDCDCDCDC  score 25" in out.stdout


def test_cooperation_is_green_and_defection_red_in_a_colour_terminal():
    console = Console(force_terminal=True, color_system="standard", width=40)
    with console.capture() as captured:
        console.print(coloured_moves("CD..."))
    ansi = captured.get()
    assert "\x1b[1;32mC" in ansi and "\x1b[1;31mD" in ansi  # bold green C, bold red D
    assert coloured_moves("CD...").plain == "CD..."
    assert MOVE_STYLES == {"C": "bold green", "D": "bold red"}
