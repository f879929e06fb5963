"""Acquisition funnel (seed slide 33; model.md §3.3).

Non-active customers move one stage a period, attention -> interest -> desire -> conviction,
with stage-specific chances. Lapsed customers respond less (their chances are scaled down),
which is why winning one back costs more.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from linkages_sim.market.kernels.codes import ACTIVE, CONVICTION, LAPSED


class FunnelChances(NamedTuple):
    """This period's chance of moving from stage k to k + 1, per stage k below conviction."""

    prospect: np.ndarray  # float64 (CONVICTION,): for a prospect
    lapsed: np.ndarray  # float64 (CONVICTION,): for a lapsed customer (scaled down)


@njit(cache=True, parallel=True)
def advance_funnel(customers, u, chances):
    """Advance each non-active customer's stage in place (`customers` a `Customers`).

    A customer at stage k moves on if their uniform draw `u` is below the chance k -> k+1
    (`chances` a `FunnelChances`).
    """
    # one plain assignment per field, before the parallel loop (see the package docstring)
    state = customers.state
    stage = customers.stage
    p_prospect = chances.prospect
    p_lapsed = chances.lapsed
    for i in prange(state.shape[0]):
        s = state[i]
        k = stage[i]
        if s == ACTIVE or k >= CONVICTION:
            continue
        p = p_lapsed[k] if s == LAPSED else p_prospect[k]
        if u[i] < p:
            stage[i] = k + 1


def advance_funnel_reference(customers, u, chances):
    """Numpy twin of `advance_funnel`."""
    state, stage = customers.state, customers.stage
    k = np.minimum(stage, CONVICTION - 1).astype(np.int64)
    p = np.where(state == LAPSED, chances.lapsed[k], chances.prospect[k])
    move = (state != ACTIVE) & (stage < CONVICTION) & (u < p)
    stage[move] += 1


__all__ = ["FunnelChances", "advance_funnel", "advance_funnel_reference"]
