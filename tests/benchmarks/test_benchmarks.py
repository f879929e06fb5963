"""The benchmarks' own correctness (not their timings): the floor's vectorisable exp is accurate
to float32 precision, and the naive per-agent market picks what the kernel picks."""

import numpy as np

from benchmarks import choice, floor


def test_floor_exp_is_accurate():
    assert floor.check_accuracy() < 1e-6
    u = floor.utilities(3000, 7)
    assert np.allclose(floor.scalar_exp_sum(u), floor.simd_exp_sum(u), rtol=1e-5)


def test_naive_mesa_choice_agrees_with_the_kernel():
    data = choice.inputs(2000, 10)
    choice.kernel(data)
    model = choice.NaiveMarket(data)
    model.step()
    picks = np.array([a.choice for a in sorted(model.agents, key=lambda a: a.unique_id)])
    assert (picks == data.out).mean() > 0.99  # float rounding may flip a rare borderline pick
