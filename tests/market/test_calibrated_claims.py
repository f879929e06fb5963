"""A calibrated input shows in what the mechanism does, over seeds and layouts, within binomial
standard errors, so a drift of the input (or of the mechanism) by a factor of two fails.

TARP's "1 in 27 dissatisfied customers complains" is an INPUT (`complain_probability`,
docs/calibration.md). The churn kernel lets each active customer whose experience fell short of
expectation by more than `complain_threshold` complain with that probability, one independent
draw each, so among those customers the complaints are Binomial(n, 1/27): the test counts both
after every period, per seed (each seed its own market layout) and pooled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.market.kernels import codes
from linkages_sim.market.model import MarketModel

TARP = 1 / 27
SEEDS = (11, 12, 13, 14)
Z_PER_SEED = 4.5  # four seeds: a family-wise false alarm rate well below 1e-4
Z_POOLED = 4.0


def complaints_among_the_dissatisfied(scenario, seed: int) -> tuple[int, int, int]:
    """(dissatisfied active customers, their complaints, complaints by anyone else) over a run."""
    model = MarketModel(scenario, seed=seed)
    counts = np.zeros(3, dtype=np.int64)

    def observe(done: int) -> None:
        for segment in model.segments:
            event = segment.event
            was_active = (segment.state == codes.ACTIVE) | ((event & codes.CHURNED) != 0)
            with np.errstate(invalid="ignore"):
                short = segment.disconfirmation < -segment.spec.complain_threshold
            eligible = was_active & short
            complained = (event & codes.COMPLAINED) != 0
            counts[0] += int(eligible.sum())
            counts[1] += int((complained & eligible).sum())
            counts[2] += int((complained & ~eligible).sum())

    model.run(progress=observe)
    return int(counts[0]), int(counts[1]), int(counts[2])


def z_score(complaints: int, dissatisfied: int, p: float = TARP) -> float:
    """How many binomial standard errors the complaint rate is from p."""
    return (complaints - dissatisfied * p) / math.sqrt(dissatisfied * p * (1 - p))


def measured(complain_probability: float | None = None) -> list[tuple[int, int, int]]:
    scenario = edit_scenario(load_scenario("default"), customers=20_000, periods=26)
    if complain_probability is not None:
        def change(data: dict) -> None:
            for segment in data["segments"]:
                segment["complain_probability"] = complain_probability
        scenario = edit_scenario(scenario, change)
    return [complaints_among_the_dissatisfied(scenario, seed) for seed in SEEDS]


@pytest.fixture(scope="module")
def default_counts() -> list[tuple[int, int, int]]:
    return measured()


def test_one_in_27_dissatisfied_customers_complains_in_every_layout(default_counts):
    for seed, (n, k, others) in zip(SEEDS, default_counts, strict=True):
        assert others == 0, "only a dissatisfied active customer can complain"
        assert n > 2_000, f"seed {seed}: too few dissatisfied customers ({n}) for the test"
        assert abs(z_score(k, n)) < Z_PER_SEED, (seed, k, n, k / n)
    n = sum(c[0] for c in default_counts)
    k = sum(c[1] for c in default_counts)
    assert abs(z_score(k, n)) < Z_POOLED, (k, n, k / n, TARP)


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_the_test_fails_when_the_input_drifts_by_a_factor_of_two(factor):
    counts = measured(complain_probability=TARP * factor)
    n = sum(c[0] for c in counts)
    k = sum(c[1] for c in counts)
    assert abs(z_score(k, n)) > Z_POOLED, (factor, k / n)  # the pooled test above would fail
