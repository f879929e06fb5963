"""Matches: exact move tables without noise, and statistics of noise and random length against
analytic values (Markov chains of memory-one strategies, the geometric distribution)."""

import numpy as np
import pytest

from linkages_sim.game import Game, Match, classify, critical_continuation
from linkages_sim.game.match import (
    DEFAULT_TURNS,
    check_match_settings,
    cut_probability,
    expected_length,
)
from linkages_sim.game.strategies import C, D, make_strategy


@pytest.mark.parametrize(
    ("a", "b", "turns", "moves_a", "moves_b", "score_a", "score_b"),
    [
        ("tft", "all-d", 200, "C" + "D" * 199, "D" * 200, 199, 204),
        ("tft", "stft", 200, "CD" * 100, "DC" * 100, 500, 500),
        ("wsls", "all-d", 200, "CD" * 100, "D" * 200, 100, 600),
        ("tft", "tft", 200, "C" * 200, "C" * 200, 600, 600),
        ("grim", "alternator", 6, "CCDDDD", "CDCDCD", 3 + 0 + 5 + 1 + 5 + 1, 3 + 5 + 0 + 1 + 0 + 1),
        ("tf2t", "alternator", 6, "CCCCCC", "CDCDCD", 9, 24),
        ("all-c", "all-d", 10, "C" * 10, "D" * 10, 0, 50),
        ("stft", "stft", 5, "DDDDD", "DDDDD", 5, 5),
    ],
)
def test_deterministic_matches_give_the_standard_moves_and_scores(
    a, b, turns, moves_a, moves_b, score_a, score_b
):
    result = Match(a, b, turns=turns, seed=1).play()
    assert (result.moves_a, result.moves_b) == (moves_a, moves_b)
    assert result.scores == (score_a, score_b)


def test_deterministic_matches_do_not_depend_on_the_seed():
    assert (
        Match("tft", "grim", seed=1).play().moves_a == Match("tft", "grim", seed=2).play().moves_a
    )


def test_stochastic_strategies_differ_by_seed_and_repeat_by_seed():
    one, again, other = (Match("random", "tft", seed=s).play() for s in (5, 5, 6))
    assert one.moves_a == again.moves_a
    assert one.moves_a != other.moves_a


def test_payoffs_change_the_scores():
    result = Match("all-c", "all-d", turns=4, game=Game(T=10, R=6, P=2, S=-1), seed=0).play()
    assert result.scores == (-4, 40)


@pytest.mark.parametrize(
    ("payoffs", "expected"),
    [
        ((5, 3, 1, 0), "prisoners_dilemma"),
        ((3, 5, 1, 0), "stag_hunt"),
        ((5, 3, 0, 1), "chicken"),
        ((3, 5, 0, 1), "harmony"),
        ((5, 1, 3, 0), "deadlock"),
        ((5, 5, 1, 0), "other"),
    ],
)
def test_game_classes(payoffs, expected):
    assert classify(*payoffs) == expected


@pytest.mark.parametrize("text", ["3,5,1,0", "5,3,1", "5,3,x,0", "5,3,3,0"])
def test_payoffs_that_are_not_a_dilemma_are_rejected(text):
    with pytest.raises(ValueError, match=r"prisoner's dilemma|four numbers"):
        Game.parse(text)


def test_critical_continuation_is_where_grim_cooperation_pays():
    g = Game()
    w = critical_continuation(g.T, g.R, g.P)
    assert w == pytest.approx(0.5)
    for shadow in (w - 0.01, w + 0.01):
        cooperate = g.R / (1 - shadow)
        deviate = g.T + shadow * g.P / (1 - shadow)
        assert (cooperate >= deviate) == (shadow >= w)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"turns": -5}, "turns must be a whole number >= 1"),
        ({"turns": 0}, "turns must be a whole number >= 1"),
        ({"noise": 1.5}, r"noise must be in \[0, 1\]"),
        ({"noise": -0.1}, r"noise must be in \[0, 1\]"),
        ({"turns": None, "prob_end": 0.0}, r"prob_end must be in \(0, 1\]"),
    ],
)
def test_bad_match_settings_are_named(settings, message):
    with pytest.raises(ValueError, match=message):
        Match("tft", "tft", **settings)


def test_unknown_strategy_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown strategy 'all-x'.*valid: all-c, all-d, tft"):
        Match("all-x", "tft")


def test_random_length_is_geometric():
    """P(L = k) = (1 - p)^(k - 1) p: mean 1/p, at least one turn; `turns` caps it."""
    p, n = 0.1, 3000
    lengths = np.array(
        [Match("tft", "tft", turns=None, prob_end=p, seed=s).play().turns for s in range(n)]
    )
    assert lengths.min() >= 1
    mean, se = lengths.mean(), np.sqrt((1 - p) / p**2 / n)
    assert abs(mean - 1 / p) < 4 * se
    assert abs((lengths == 1).mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    capped = [Match("tft", "tft", turns=5, prob_end=p, seed=s).play().turns for s in range(200)]
    assert max(capped) == 5


def test_settings_with_neither_length_rule_are_named():
    with pytest.raises(ValueError, match="give a number of turns"):
        check_match_settings(None, None, 0.0)


def test_no_length_rule_means_the_default_fixed_turns():
    result = Match("tft", "tft", seed=1).play()
    assert result.turns == DEFAULT_TURNS == 200
    assert (result.cap, result.drawn, result.cut) == (None, None, False)


def test_a_random_length_has_no_default_cap():
    """The audit's case (issue 16): prob_end 0.002 must average 1/p = 500 turns, not 165.

    L is geometric, Var L = (1 - p) / p^2, so the mean of n lengths has standard error
    sqrt((1 - p) / n) / p (11.2 turns for n = 2000); the test allows 3 of them. The old default
    cap of 200 turns gives a mean of (1 - 0.998^200) / 0.002 = 165, 30 standard errors off.
    """
    p, n = 0.002, 2000
    results = [Match("all-c", "all-c", prob_end=p, seed=s).play() for s in range(n)]
    lengths = np.array([r.turns for r in results])
    se = np.sqrt((1 - p) / n) / p
    assert abs(lengths.mean() - 1 / p) < 3 * se
    assert lengths.max() > 200  # P(max <= 200) = (1 - 0.998^200)^2000, about 0
    assert all(r.cap is None and not r.cut and r.drawn == r.turns for r in results)
    assert all(r.as_dict()["turn_cap"] is None and not r.as_dict()["cut_by_cap"] for r in results)


def test_a_cap_the_user_gives_is_kept_and_every_cut_is_reported():
    """Both given: the cap is the user's. The share cut is (1 - p)^cap and the mean E[min(L, cap)].

    For p = 0.002 and a cap of 200: 0.998^200 = 0.670 of matches cut, mean 165.0 turns; the
    tolerances are 3 standard errors of a binomial share and of the capped length's mean.
    """
    p, cap, n = 0.002, 200, 2000
    results = [Match("all-c", "all-c", turns=cap, prob_end=p, seed=s).play() for s in range(n)]
    lengths = np.array([r.turns for r in results])
    cut = np.array([r.cut for r in results])
    assert lengths.max() == cap
    # a match is reported cut exactly when its drawn length exceeded the cap
    assert all(r.cut == (r.drawn > cap) and r.turns == min(r.drawn, cap) for r in results)
    assert all(r.cap == cap and r.as_dict()["cut_by_cap"] == r.cut for r in results)
    assert not cut[lengths < cap].any()
    share = cut_probability(cap, p)
    assert share == pytest.approx(0.998**200) and 0.66 < share < 0.68
    assert abs(cut.mean() - share) < 3 * np.sqrt(share * (1 - share) / n)
    mean = expected_length(cap, p)
    assert mean == pytest.approx(sum(0.998**k for k in range(cap)))
    assert abs(lengths.mean() - mean) < 3 * lengths.std(ddof=1) / np.sqrt(n)


def test_expected_length_follows_the_length_rule():
    assert expected_length(None, None) == DEFAULT_TURNS
    assert expected_length(30, None) == 30
    assert expected_length(None, 0.002) == pytest.approx(500)
    assert expected_length(10**6, 0.002) == pytest.approx(500)
    assert cut_probability(None, 0.002) == 0.0 and cut_probability(50, None) == 0.0


def test_the_match_seats_gtft_for_its_payoffs():
    """Nowak & Sigmund's generosity follows the match's game; an explicit p stays."""
    four = Game(T=4, R=3, P=1, S=0)
    assert Match("gtft", "all-d", game=four, seed=0).a.strategy.p == pytest.approx(2 / 3)
    assert Match("gtft", "all-d", seed=0).a.strategy.p == pytest.approx(1 / 3)
    assert Match("gtft:p=0.1", "all-d", game=four, seed=0).a.strategy.p == 0.1
    n = 20_001
    moves = Match("gtft", "all-d", turns=n, game=four, seed=2).play().moves_a
    rate, se = moves[1:].count("C") / (n - 1), np.sqrt(2 / 3 * 1 / 3 / (n - 1))
    assert abs(rate - 2 / 3) < 4 * se


def test_noise_flips_each_move_at_its_rate():
    result = Match("all-c", "all-c", turns=40_000, noise=0.05, seed=11).play()
    defections = result.moves_a.count(D) + result.moves_b.count(D)
    rate, se = defections / 80_000, np.sqrt(0.05 * 0.95 / 80_000)
    assert result.flips == defections
    assert abs(rate - 0.05) < 4 * se


def stationary_payoff(a: str, b: str, noise: float) -> float:
    """Long-run mean payoff of `a` against `b` for deterministic memory-one strategies: the
    stationary distribution of the Markov chain on last-turn states CC, CD, DC, DD, where each
    intended move is flipped with probability `noise`."""
    game, sa, sb = Game(), make_strategy(a), make_strategy(b)
    states = [(x, y) for x in (C, D) for y in (C, D)]
    rng = np.random.default_rng(0)  # unused by deterministic strategies
    transition = np.zeros((4, 4))
    for i, (x, y) in enumerate(states):
        intend_a, intend_b = sa.move([x], [y], rng), sb.move([y], [x], rng)
        for j, (nx, ny) in enumerate(states):
            pa = 1 - noise if nx == intend_a else noise
            pb = 1 - noise if ny == intend_b else noise
            transition[i, j] = pa * pb
    values, vectors = np.linalg.eig(transition.T)
    pi = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    pi /= pi.sum()
    return float(sum(p * game.scores(x, y)[0] for p, (x, y) in zip(pi, states, strict=True)))


@pytest.mark.parametrize(
    ("a", "b"), [("tft", "tft"), ("wsls", "wsls"), ("wsls", "tft"), ("alternator", "stft")]
)
def test_noisy_long_run_payoffs_match_the_markov_chain(a, b):
    seeds, turns, noise = 24, 4000, 0.05
    means = [
        Match(a, b, turns=turns, noise=noise, seed=s).play().score_a / turns for s in range(seeds)
    ]
    expected = stationary_payoff(a, b, noise)
    se = np.std(means, ddof=1) / np.sqrt(seeds)
    # the first turns start from CC rather than the stationary state: a bias of O(1/turns)
    assert abs(np.mean(means) - expected) < 4 * se + 5 / turns, (np.mean(means), expected)


def test_noise_breaks_tft_self_play_and_wsls_recovers():
    """TFT pairs fall into echoes of retaliation: with any noise their chain is uniform over the
    four states, 2.25 a turn. WSLS pairs return to mutual cooperation after one round of P."""
    assert stationary_payoff("tft", "tft", 0.05) == pytest.approx((5 + 3 + 1 + 0) / 4)
    assert stationary_payoff("wsls", "wsls", 0.05) > 2.6
    tft = Match("tft", "tft", turns=20_000, noise=0.05, seed=3).play()
    wsls = Match("wsls", "wsls", turns=20_000, noise=0.05, seed=3).play()
    assert tft.cooperation[0] < 0.6
    assert wsls.cooperation[0] > 0.85
    assert wsls.score_a > tft.score_a


def test_match_frame_and_record():
    result = Match("tft", "alternator", turns=6, seed=9).play()
    frame = result.frame()
    assert list(frame["score_a"])[-1] == result.score_a
    record = result.as_dict()
    assert {
        "a",
        "b",
        "turns",
        "noise",
        "seed",
        "payoffs",
        "moves_a",
        "moves_b",
        "score_a",
        "score_b",
    } <= set(record)
    assert record["payoffs"] == {"T": 5.0, "R": 3.0, "P": 1.0, "S": 0.0}
