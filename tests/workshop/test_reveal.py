"""The reveal: sequences as fixed players, the what-if and the room tournament, with spreads."""

from __future__ import annotations

from linkages_sim.game.match import Match
from linkages_sim.game.players import Player
from linkages_sim.workshop.classic import ClassicSettings
from linkages_sim.workshop.reveal import Entry, FixedSequence, room_reveal


def entry(pid: int, moves: str) -> Entry:
    return Entry(pid, f"p{pid}", moves, (False,) * len(moves), 0.0)


def test_a_fixed_sequence_replays_its_moves_in_the_engine():
    m = Match(Player("me", FixedSequence("CDC")), "tft", turns=3, seed=1).play()
    assert (m.moves_a, m.moves_b) == ("CDC", "CCD")
    assert m.scores == (8.0, 8.0)


def test_without_randomness_one_replay_and_no_spread():
    entries = [entry(1, "CCCC"), entry(2, "DDDD"), entry(3, "CDCD")]
    r = room_reveal(entries, ClassicSettings(), seed=3, strategies=["tft", "all-d", "all-c"])
    assert r["replays"] == 1 and not r["random"]
    mine = next(w for w in r["what_if"] if w["participant"] == 2)
    against = {row["strategy"]: row["score"] for row in mine["rows"]}
    assert against["all-c"] == {"mean": 20.0, "low": 20.0, "high": 20.0}
    assert against["tft"]["mean"] == 5 + 1 + 1 + 1
    assert {row["name"] for row in r["tournament"]} == {"p1", "p2", "p3", "tft", "all-d", "all-c"}
    assert "no randomness" in " ".join(r["lesson"])


def test_a_seat_the_bot_played_throughout_draws_no_lesson():
    bot = Entry(3, "Absent", "DDDD", (True,) * 4, 4.0)
    r = room_reveal([entry(1, "CCCC"), bot], ClassicSettings(), seed=1,
                    strategies=["all-c", "tft"])  # fmt: skip
    row = next(x for x in r["tournament"] if x["name"] == "Absent")
    assert row["bot_rounds"] == 4 and row["rank"]["best"] == 1
    text = " ".join(r["lesson"])
    assert "Best sequence from the room: p1" in text  # not the bot's sequence


def test_with_noise_every_number_has_a_spread_over_replays():
    entries = [entry(1, "CCCCCC"), entry(2, "DDCCDD")]
    settings = ClassicSettings(noise=0.1)
    r = room_reveal(entries, settings, seed=9, replays=8)
    assert r["random"] and r["replays"] == 8
    for row in r["tournament"]:
        s = row["score_per_round"]
        assert s["low"] <= s["mean"] <= s["high"]
        assert row["rank"]["best"] <= row["rank"]["median"] <= row["rank"]["worst"]
    assert any(row["score_per_round"]["low"] < row["score_per_round"]["high"]
               for row in r["tournament"])  # fmt: skip
    assert "over 8 replays" in " ".join(r["lesson"])
    assert room_reveal(entries, settings, seed=9, replays=8) == r
    assert room_reveal(entries, settings, seed=10, replays=8) != r
