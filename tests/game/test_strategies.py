"""Strategies stated as move tables (in the manner of Axelrod-Python's versus tests)."""

import numpy as np
import pytest

from linkages_sim.game.strategies import (
    STRATEGIES,
    GenerousTitForTat,
    make_strategy,
    nowak_sigmund_generosity,
)


def play(a: str, b: str, turns: int, seed: int = 0) -> tuple[str, str]:
    sa, sb = make_strategy(a), make_strategy(b)
    rng = np.random.default_rng(seed)
    ha: list[str] = []
    hb: list[str] = []
    for _ in range(turns):
        ma, mb = sa.play(ha, hb, rng), sb.play(hb, ha, rng)
        ha.append(ma)
        hb.append(mb)
    return "".join(ha), "".join(hb)


@pytest.mark.parametrize(
    ("a", "b", "moves_a", "moves_b"),
    [
        ("tft", "all-d", "CDDDD", "DDDDD"),
        ("tft", "stft", "CDCDCD", "DCDCDC"),
        ("grim", "alternator", "CCDDDD", "CDCDCD"),
        ("wsls", "all-d", "CDCDCD", "DDDDDD"),
        ("wsls", "all-c", "CCCC", "CCCC"),
        ("tf2t", "all-d", "CCDDD", "DDDDD"),
        ("tf2t", "alternator", "CCCCCC", "CDCDCD"),
        ("majority", "alternator", "CCCCCC", "CDCDCD"),
        ("majority", "all-d", "CDDD", "DDDD"),
        ("stft", "all-c", "DCCC", "CCCC"),
        ("trust", "all-d", "CDDDD", "DDDDD"),
        ("trust", "all-c", "CCCC", "CCCC"),
    ],
)
def test_deterministic_move_tables(a, b, moves_a, moves_b):
    assert play(a, b, len(moves_a)) == (moves_a, moves_b)


def test_every_strategy_has_name_description_classifier():
    assert len(STRATEGIES) >= 13
    for name, cls in STRATEGIES.items():
        assert cls.name == name
        assert cls.description
        assert "memory_depth" in cls.classifier and "stochastic" in cls.classifier


def _histories(rng: np.random.Generator, length: int) -> tuple[list[str], list[str]]:
    return ([str(m) for m in rng.choice(["C", "D"], length)],
            [str(m) for m in rng.choice(["C", "D"], length)])  # fmt: skip


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_classifiers_say_what_strategies_do(name):
    """The classifier is checked against behaviour, as Axelrod-Python's are: a strategy of
    memory depth k moves the same after any two histories that end with the same k turns (and
    a deeper one sometimes does not), and a deterministic strategy ignores its generator while
    a stochastic one does not."""
    strategy = make_strategy(name)
    depth, stochastic = strategy.classifier["memory_depth"], strategy.classifier["stochastic"]
    rng = np.random.default_rng(11)
    differs_by_generator = differs_by_older_turns = False
    for _ in range(400):
        own, other = _histories(rng, int(rng.integers(3, 12)))
        seed = int(rng.integers(2**31))
        move = strategy.play(own, other, np.random.default_rng(seed))
        if strategy.play(own, other, np.random.default_rng(seed + 1)) != move:
            differs_by_generator = True
        if stochastic or depth == float("inf"):
            continue
        older_own, older_other = _histories(rng, int(rng.integers(3, 12)))
        keep = int(depth)
        same_recent = (older_own + own[len(own) - keep:] if keep else older_own,
                       older_other + other[len(other) - keep:] if keep else older_other)
        assert strategy.play(*same_recent, np.random.default_rng(seed)) == move, (own, other)
        shallower = (older_own + own[len(own) - keep + 1:],
                     older_other + other[len(other) - keep + 1:])  # fmt: skip
        if keep and strategy.play(*shallower, np.random.default_rng(seed)) != move:
            differs_by_older_turns = True
    assert differs_by_generator == stochastic
    if not stochastic and depth not in (0, float("inf")):
        assert differs_by_older_turns, f"{name} does not use turn {int(depth)} back"


def test_gtft_forgiveness_from_payoffs():
    # Nowak & Sigmund: min(1 - (T-R)/(R-S), (R-P)/(T-P)) = min(1/3, 1/2) for 5, 3, 1, 0
    assert GenerousTitForTat().p == pytest.approx(1 / 3)
    assert GenerousTitForTat(p=0.1).p == 0.1


@pytest.mark.parametrize(
    ("payoffs", "expected"),
    [
        # (T, R, P, S): min(1 - (T - R)/(R - S), (R - P)/(T - P)), worked by hand
        ((5, 3, 1, 0), 1 / 3),  # min(1 - 2/3, 2/4): Axelrod's payoffs, the first term binds
        ((4, 3, 1, 0), 2 / 3),  # min(1 - 1/3, 2/3): T = 4, the two terms are equal
        ((4, 3, 0, -1), 3 / 4),  # min(1 - 1/4, 3/4)
        ((10, 6, 2, -1), 3 / 7),  # min(1 - 4/7, 4/8)
        ((7, 6, 0, -4), 6 / 7),  # min(1 - 1/10, 6/7): the second term binds
        ((6, 3, 1, 0), 0.0),  # min(1 - 3/3, 2/5) = 0: no generosity is safe
        ((8, 3, 1, 0), 0.0),  # min(1 - 5/3, 2/7) < 0, floored at 0
    ],
)
def test_gtft_generosity_follows_the_payoffs(payoffs, expected):
    """Nowak & Sigmund (1992)'s optimal generosity; `for_payoffs` retunes a default gtft."""
    assert nowak_sigmund_generosity(payoffs) == pytest.approx(expected)
    assert GenerousTitForTat(payoffs=payoffs).p == pytest.approx(expected)
    retuned = GenerousTitForTat().for_payoffs(payoffs)
    assert retuned.p == pytest.approx(expected) and not retuned.explicit
    assert retuned.for_payoffs(payoffs) is retuned


def test_an_explicit_gtft_generosity_ignores_the_payoffs():
    explicit = GenerousTitForTat(p=0.1)
    assert explicit.for_payoffs((4, 3, 1, 0)) is explicit and explicit.p == 0.1
    assert make_strategy("gtft", p=0.5).for_payoffs((4, 3, 1, 0)).p == 0.5


def test_other_strategies_ignore_the_payoffs():
    for name, cls in STRATEGIES.items():
        if cls is not GenerousTitForTat:
            strategy = make_strategy(name)
            assert strategy.for_payoffs((4, 3, 1, 0)) is strategy


def test_the_strategy_listing_says_gtft_follows_the_payoffs():
    assert "from the payoffs" in GenerousTitForTat.description
    assert "min(1-(T-R)/(R-S), (R-P)/(T-P))" in GenerousTitForTat.description


def test_gtft_forgives_at_its_rate():
    moves, _ = play("gtft", "all-d", 20_001, seed=3)
    rate = moves[1:].count("C") / 20_000
    se = (1 / 3 * 2 / 3 / 20_000) ** 0.5
    assert abs(rate - 1 / 3) < 4 * se


def test_unknown_strategy_lists_valid_ones():
    with pytest.raises(ValueError, match=r"valid: .*tft"):
        make_strategy("all-x")
