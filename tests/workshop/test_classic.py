"""The classic dilemma's game state: seating, rounds, bots, noise and payoffs, with a seed."""

from __future__ import annotations

import numpy as np
import pytest

from linkages_sim.game.stage import Game
from linkages_sim.rng import Purpose, Streams
from linkages_sim.workshop.classic import ClassicMatch, ClassicSettings, GameRuleError


def play(match: ClassicMatch, moves: dict[int, str]) -> None:
    number = match.open()
    for pid, move in moves.items():
        match.submit(pid, number, move)
    match.close()


def test_people_are_paired_by_arrival_and_an_odd_one_out_gets_a_bot():
    m = ClassicMatch(ClassicSettings(), seed=1)
    m.start([1, 2, 3, 4, 5])
    assert [(p.seats[0].occupant, p.seats[1].occupant) for p in m.pairs] == [
        (1, 2),
        (3, 4),
        (5, None),
    ]
    assert m.pair_of(m.seat_of(5)).partner(m.seat_of(5)).occupant is None


def test_one_person_plays_a_bot_and_no_one_cannot_start():
    m = ClassicMatch(ClassicSettings(), seed=1)
    with pytest.raises(GameRuleError, match="no one has joined"):
        m.start([])
    m.start([7])
    assert len(m.pairs) == 1 and m.pairs[0].seats[1].occupant is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("C", "C", (4.0, 4.0)), ("C", "D", (-1.0, 7.0)), ("D", "C", (7.0, -1.0)),
     ("D", "D", (2.0, 2.0))],
)  # fmt: skip
def test_scores_follow_the_payoff_table(a, b, expected):
    game = Game(T=7, R=4, P=2, S=-1)
    m = ClassicMatch(ClassicSettings(game=game), seed=3)
    m.start([1, 2])
    play(m, {1: a, 2: b})
    a_seat, b_seat = m.pairs[0].seats
    assert (a_seat.payoffs[0], b_seat.payoffs[0]) == expected == game.scores(a, b)
    assert (a_seat.moves, b_seat.moves, a_seat.by_bot, b_seat.by_bot) == (
        [a],
        [b],
        [False],
        [False],
    )


def test_a_timed_out_person_is_played_by_the_bot_from_the_seat_history():
    m = ClassicMatch(ClassicSettings(bot="tft"), seed=5)
    m.start([1, 2])
    play(m, {1: "D", 2: "C"})
    play(m, {1: "C"})  # 2 does not move: tft copies 1's last move, D
    seat = m.seat_of(2)
    assert seat.moves == ["C", "D"] and seat.by_bot == [False, True]
    assert m.seat_of(1).payoffs == [5.0, 0.0]


def test_the_bot_seat_plays_the_chosen_strategy():
    m = ClassicMatch(ClassicSettings(bot="all-d"), seed=5)
    m.start([1])
    play(m, {1: "C"})
    play(m, {1: "C"})
    bot = m.pairs[0].seats[1]
    assert bot.moves == ["D", "D"] and bot.by_bot == [True, True]
    assert m.seat_of(1).score == 0.0 and bot.score == 10.0


def test_noise_flips_the_intended_move_from_the_keyed_stream_and_both_see_it():
    settings = ClassicSettings(noise=0.5, rounds=30, bot="tft")
    m = ClassicMatch(settings, seed=11, index=2)
    m.start([1, 2])
    for _ in range(30):
        play(m, {1: "C"})
    a, b = m.pairs[0].seats
    for k in range(30):
        expected = Streams(11).generator(Purpose.MATCH_NOISE, 2, 0, k + 1).random(2) < 0.5
        assert [a.flipped[k], b.flipped[k]] == list(expected)
        assert (a.moves[k] != a.intended[k]) == a.flipped[k]
        if k > 0:  # the bot (tft) answers the move as played, flipped or not
            assert b.intended[k] == a.moves[k - 1]
        assert a.payoffs[k] == settings.game.scores(a.moves[k], b.moves[k])[0]
    assert 0 < sum(a.flipped) < 30


def test_same_seed_and_moves_replay_identically_whatever_the_order_of_arrival():
    settings = ClassicSettings(noise=0.2, bot="random", rounds=8)

    def run(order: list[int], seed: int) -> list:
        m = ClassicMatch(settings, seed=seed)
        m.start([1, 2, 3])
        for k in range(8):
            number = m.open()
            for pid in order:
                m.submit(pid, number, "CD"[(pid + k) % 2])
            m.close()
        return [(s.intended, s.moves, s.payoffs) for p in m.pairs for s in p.seats]

    assert run([1, 2, 3], 21) == run([3, 1, 2], 21)
    assert run([1, 2, 3], 21) != run([1, 2, 3], 22)


def test_a_random_length_is_drawn_from_the_seed_capped_and_hidden():
    settings = ClassicSettings(rounds=40, continuation=0.8)
    drawn = [ClassicMatch(settings, seed=4, index=i).length for i in range(30)]
    for i, n in enumerate(drawn):
        expected = Streams(4).generator(Purpose.MATCH_LENGTH, i).geometric(0.2)
        assert n == min(int(expected), 40)
    assert len(set(drawn)) > 3 and settings.hidden_length
    assert abs(np.mean(drawn) - 5) < 2.5
    m = ClassicMatch(settings, seed=4)
    m.start([1])
    while not m.over:
        play(m, {})
    assert m.played == m.length
    with pytest.raises(GameRuleError, match="over"):
        m.open()


def test_a_late_arrival_takes_the_bot_seat_beside_a_person_then_a_new_pair():
    m = ClassicMatch(ClassicSettings(bot="all-c"), seed=2)
    m.start([1, 2, 3])
    play(m, {1: "C", 2: "C", 3: "D"})
    seat = m.admit(4)
    assert (seat.pair, seat.side) == (1, 1) and seat.by_bot == [True]
    new = m.admit(5)
    assert (new.pair, new.side) == (2, 0)
    assert new.moves == ["C"] and new.by_bot == [True]  # the earlier round, played by bots
    play(m, {1: "C", 2: "C", 3: "C", 4: "D", 5: "D"})
    assert m.seat_of(4).by_bot == [True, False] and len(m.seat_of(5).moves) == 2


@pytest.mark.parametrize(
    ("number", "code"),
    [(1, "round_closed"), (3, "wrong_round")],
)
def test_moves_for_another_round_are_refused_with_a_reason(number, code):
    m = ClassicMatch(ClassicSettings(), seed=1)
    m.start([1, 2])
    play(m, {1: "C", 2: "C"})
    m.open()
    with pytest.raises(GameRuleError) as err:
        m.submit(1, number, "C")
    assert err.value.code == code


def test_a_second_move_a_move_with_no_round_and_a_stranger_are_refused():
    m = ClassicMatch(ClassicSettings(), seed=1)
    m.start([1, 2])
    with pytest.raises(GameRuleError) as err:
        m.submit(1, 1, "C")
    assert err.value.code == "no_round"
    m.open()
    m.submit(1, 1, "C")
    for pid, move, code in [(1, "D", "already_moved"), (9, "C", "not_seated"),
                            (2, "X", "invalid")]:  # fmt: skip
        with pytest.raises(GameRuleError) as err:
            m.submit(pid, 1, move)
        assert err.value.code == code
    assert m.waiting_for() == [2] and not m.everyone_moved()
    m.close()
    with pytest.raises(GameRuleError) as err:
        m.submit(2, 1, "C")
    assert err.value.code == "round_closed"


@pytest.mark.parametrize(
    "kwargs",
    [{"rounds": 0}, {"rounds": 101}, {"continuation": 1.0}, {"noise": 0.7},
     {"bot": "nope"}, {"round_seconds": 0}],
)  # fmt: skip
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        ClassicSettings(**kwargs)


def test_cooperation_per_round_counts_people_and_all_moves():
    m = ClassicMatch(ClassicSettings(bot="all-d"), seed=1)
    m.start([1, 2, 3])
    play(m, {1: "C", 2: "D", 3: "C"})
    play(m, {})
    rows = m.cooperation()
    assert rows[0] == {"round": 1, "people": 2 / 3, "people_n": 3, "all": 0.5}
    assert rows[1]["people"] is None and rows[1]["all"] == 0.0
