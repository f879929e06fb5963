"""Complaints, service recovery and churn (model.md §3.6; seed slides 47-49).

A customer whose experience fell short of expectation by more than a threshold complains only
with a small probability (TARP: about 1 in 27): most dissatisfied customers say nothing. A
complaint gives the store a chance to recover the customer (its recovery rate rises with staff
training); a resolved complaint restores satisfaction. Every active customer then churns with a
hazard that rises with dissatisfaction; churners become lapsed and restart the funnel.
"""

import math

import numpy as np
from numba import njit, prange

from linkages_sim.market.kernels.codes import (
    ACTIVE,
    CHURNED,
    COMPLAINED,
    LAPSED,
    RESOLVED,
    SILENT,
    UNAWARE,
)


@njit(cache=True, parallel=True)
def complain_and_churn(
    state,
    stage,
    store,
    satisfaction,
    complained,
    disconfirmation,
    u_complain,
    u_recover,
    u_churn,
    complain_probability,
    complain_threshold,
    store_recovery,
    recovery_boost,
    churn_base,
    churn_sensitivity,
    event,
):
    """Apply complaints, recovery and churn in place; write `event` bit flags per customer."""
    for i in prange(state.shape[0]):
        flags = 0
        if state[i] == ACTIVE:
            d = disconfirmation[i]
            if (
                (not math.isnan(d))
                and d < -complain_threshold
                and u_complain[i] < complain_probability
            ):
                complained[i] = True
                flags |= COMPLAINED
                if u_recover[i] < store_recovery[store[i]]:
                    satisfaction[i] = recovery_boost
                    flags |= RESOLVED
            dissatisfaction = max(0.0, -satisfaction[i])
            hazard = 1.0 - math.exp(-(churn_base + churn_sensitivity * dissatisfaction))
            if u_churn[i] < hazard:
                state[i] = LAPSED
                stage[i] = UNAWARE
                flags |= CHURNED
                if not complained[i]:
                    flags |= SILENT
        event[i] = flags


def complain_and_churn_reference(
    state,
    stage,
    store,
    satisfaction,
    complained,
    disconfirmation,
    u_complain,
    u_recover,
    u_churn,
    complain_probability,
    complain_threshold,
    store_recovery,
    recovery_boost,
    churn_base,
    churn_sensitivity,
    event,
):
    """Numpy twin of `complain_and_churn`."""
    active = state == ACTIVE
    with np.errstate(invalid="ignore"):
        unhappy = ~np.isnan(disconfirmation) & (disconfirmation < -complain_threshold)
    complains = active & unhappy & (u_complain < complain_probability)
    resolved = complains & (u_recover < store_recovery[np.maximum(store, 0)])
    complained[complains] = True
    satisfaction[resolved] = recovery_boost
    hazard = 1.0 - np.exp(-(churn_base + churn_sensitivity * np.maximum(0.0, -satisfaction)))
    churns = active & (u_churn < hazard)
    state[churns] = LAPSED
    stage[churns] = UNAWARE
    event[:] = (
        complains * COMPLAINED
        + resolved * RESOLVED
        + churns * CHURNED
        + (churns & ~complained) * SILENT
    )
