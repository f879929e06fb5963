"""Many Moran runs: fixation frequencies against the analytic fixation probabilities (neutral
drift, constant selection, and a frequency-dependent two-strategy game), the same bits for any
number of workers, the compiled steps against their numpy definition, and the winner rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkages_sim.game import moran
from linkages_sim.game.evolution import (
    MoranSpread,
    _moran_steps,
    _moran_steps_reference,
    moran_runs,
)


def table(labels: list[str], rows: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=labels, columns=labels, dtype=float)


def fixation_probability(matrix: np.ndarray, n: int, w: float) -> float:
    """One A mutant among n - 1 B in the frequency-dependent Moran process (Nowak, Sasaki,
    Taylor & Fudenberg 2004, eq. 1): rho_A = 1 / (1 + sum_k prod_{i<=k} g_i / f_i), with
    payoffs against the other n - 1 individuals and fitness 1 - w + w * payoff."""
    (a, b), (c, d) = matrix
    total, product = 1.0, 1.0
    for i in range(1, n):
        f = 1 - w + w * (a * (i - 1) + b * (n - i)) / (n - 1)
        g = 1 - w + w * (c * i + d * (n - i - 1)) / (n - 1)
        product *= g / f
        total += product
    return 1 / total


def assert_binomial(hits: int, runs: int, expected: float) -> None:
    """Within four binomial standard errors of the expected probability."""
    se = np.sqrt(expected * (1 - expected) / runs)
    assert abs(hits / runs - expected) < 4 * se, (hits / runs, expected, se)


@pytest.mark.parametrize(
    ("name", "rows", "selection"),
    [
        ("neutral drift: 1/N", [[2, 2], [1, 1]], 0.0),
        ("constant fitness r = 2", [[2, 2], [1, 1]], 1.0),
        ("coordination game", [[4, 0], [1, 2]], 0.5),
        ("dilemma, weak selection", [[3, 0], [5, 1]], 0.1),
    ],
)
def test_fixation_frequency_over_runs_is_the_analytic_probability(name, rows, selection):
    n, runs = 10, 3000
    payoffs = table(["mutant", "resident"], rows)
    spread = moran_runs(payoffs, runs=runs, seed=11, population=n, generations=5_000,
                        selection=selection, initial={"mutant": 1, "resident": n - 1})  # fmt: skip
    assert spread.fixed.all()  # every run absorbed, so a win is a fixation
    expected = fixation_probability(np.array(rows, dtype=float), n, selection)
    if selection == 0.0:
        assert expected == pytest.approx(1 / n)
    summary = spread.summary().set_index("strategy")
    assert summary.loc["mutant", "fixations"] == summary.loc["mutant", "wins"]
    assert_binomial(int(summary.loc["mutant", "fixations"]), runs, expected)


def test_runs_are_the_same_bits_for_any_number_of_workers():
    payoffs = table(["a", "b", "c"], [[3, 0, 5], [5, 1, 0], [0, 5, 2]])
    kwargs = dict(runs=9, seed=4, population=15, generations=40, mutation=0.01)
    one = moran_runs(payoffs, workers=1, **kwargs)
    two = moran_runs(payoffs, workers=2, **kwargs)
    np.testing.assert_array_equal(one.final_counts, two.final_counts)
    np.testing.assert_array_equal(one.steps, two.steps)
    assert one.summary().equals(two.summary())


def test_run_r_is_the_single_run_with_replicate_r():
    payoffs = table(["a", "b"], [[3, 0], [5, 1]])
    spread = moran_runs(payoffs, runs=4, seed=8, population=12, generations=200)
    for r in range(4):
        frame = moran(payoffs, population=12, generations=200, seed=8, replicate=r)
        last = frame[frame["generation"] == frame["generation"].max()]
        np.testing.assert_array_equal(last["count"].to_numpy(), spread.final_counts[r])


def test_runs_differ_from_one_another():
    """Each run has its own stream: 40 neutral runs do not all end alike."""
    payoffs = table(["a", "b"], [[1, 1], [1, 1]])
    spread = moran_runs(payoffs, runs=40, seed=3, population=10, generations=1_000)
    assert 0 < spread.summary().set_index("strategy").loc["a", "wins"] < 40


@pytest.mark.parametrize("selection", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("mutation", [0.0, 0.2])
def test_compiled_steps_match_their_numpy_definition(selection, mutation):
    rng = np.random.default_rng(5)
    matrix = rng.uniform(0, 5, (4, 4))
    diagonal = np.ascontiguousarray(np.diag(matrix))
    counts = np.array([5, 0, 7, 3], dtype=np.int64)
    draws = rng.random((500, 4))
    compiled, reference = counts.copy(), counts.copy()
    _moran_steps(matrix, diagonal, compiled, draws, selection, mutation)
    _moran_steps_reference(matrix, diagonal, reference, draws, selection, mutation)
    np.testing.assert_array_equal(compiled, reference)
    assert compiled.sum() == counts.sum() and not np.array_equal(compiled, counts)


def spread_of(final_counts: list[list[int]], population: int) -> MoranSpread:
    labels = ["x", "y", "z"]
    path = pd.DataFrame({"generation": [0] * 3, "strategy": labels, "share": [0.5, 0.3, 0.2]})
    return MoranSpread(labels=labels, seed=0, population=population, generations=1,
                       selection=1.0, mutation=0.0, final_counts=np.array(final_counts),
                       steps=np.zeros(len(final_counts)), replicator_path=path)  # fmt: skip


def test_winner_is_the_fixed_or_most_common_strategy_and_a_tie_wins_nothing():
    spread = spread_of([[10, 0, 0], [2, 6, 2], [4, 4, 2]], population=10)
    assert spread.winners == ["x", "y", None]
    assert spread.ties == 1 and spread.fixed.tolist() == [True, False, False]
    summary = spread.summary().set_index("strategy")
    assert summary.loc["x", ["wins", "fixations"]].tolist() == [1, 1]
    assert summary.loc["y", ["wins", "fixations"]].tolist() == [1, 0]
    assert summary.loc["x", "mean_share"] == pytest.approx((1 + 0.2 + 0.4) / 3)
    assert summary.loc["x", "replicator_share"] == 0.5


def test_a_clear_winner_needs_its_interval_above_every_other():
    clear = spread_of([[10, 0, 0]] * 40 + [[0, 10, 0]] * 5, population=10)
    assert clear.clear_winner == "x"
    low, high = clear.summary().iloc[0][["win_low", "win_high"]]
    assert low < 40 / 45 < high
    close = spread_of([[10, 0, 0]] * 22 + [[0, 10, 0]] * 18, population=10)
    assert close.clear_winner is None
    record = close.as_dict()
    assert record["by_strategy"]["x"]["wins"] == 22 and record["clear_winner"] is None
    assert record["runs"] == 40 and record["winners"].count("y") == 18


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"runs": 0}, "runs must be >= 1"),
    ({"workers": 0}, "workers must be >= 1"),
    ({"population": 1}, "population must be >= 2"),
])  # fmt: skip
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        moran_runs(table(["a", "b"], [[1, 1], [1, 1]]), **kwargs)
