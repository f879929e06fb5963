"""Acquisition funnel (seed slide 33; model.md §3.3): non-active customers move one stage a period,
attention -> interest -> desire -> conviction, with stage-specific chances. Lapsed customers
respond less (their chances are scaled down), which is why winning one back costs more."""

import numpy as np
from numba import njit, prange

from linkages_sim.market.kernels.codes import ACTIVE, CONVICTION, LAPSED


@njit(cache=True, parallel=True)
def advance_funnel(state, stage, u, p_prospect, p_lapsed):
    """Advance each non-active customer's stage in place; `p_*[k]` is the chance k -> k+1."""
    for i in prange(state.shape[0]):
        s = state[i]
        k = stage[i]
        if s == ACTIVE or k >= CONVICTION:
            continue
        p = p_lapsed[k] if s == LAPSED else p_prospect[k]
        if u[i] < p:
            stage[i] = k + 1


def advance_funnel_reference(state, stage, u, p_prospect, p_lapsed):
    """Numpy twin of `advance_funnel`."""
    k = np.minimum(stage, CONVICTION - 1).astype(np.int64)
    p = np.where(state == LAPSED, p_lapsed[k], p_prospect[k])
    move = (state != ACTIVE) & (stage < CONVICTION) & (u < p)
    stage[move] += 1
