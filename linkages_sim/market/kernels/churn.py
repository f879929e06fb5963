"""Complaints, service recovery and churn (model.md §3.6; seed slides 47-49).

A customer whose experience fell short of expectation by more than a threshold complains only
with a small probability (TARP: about 1 in 27): most dissatisfied customers say nothing. A
complaint gives the store a chance to recover the customer (its recovery rate rises with staff
training); a resolved complaint restores satisfaction. Every active customer then churns with a
hazard that rises with dissatisfaction; churners become lapsed and restart the funnel.
"""

import math
from typing import NamedTuple

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


class ChurnDraws(NamedTuple):
    """The period's uniform draws of the after-sales step, one per customer."""

    u_complain: np.ndarray  # a dissatisfied customer complains if below the complain probability
    u_recover: np.ndarray  # a complaint is resolved if below the store's recovery rate
    u_churn: np.ndarray  # an active customer churns if below the hazard


class ChurnParams(NamedTuple):
    """The constants of the after-sales step, and the stores' recovery rates this period.

    The constants are named as in the scenario's segment and market.
    """

    complain_probability: float  # segment: chance a dissatisfied customer complains
    complain_threshold: float  # segment: disconfirmation below -threshold is dissatisfying
    store_recovery: np.ndarray  # float64 per store: chance a complaint is resolved
    recovery_boost: float  # market: satisfaction after a resolved complaint
    churn_base: float  # segment: hazard per period when satisfied
    churn_sensitivity: float  # segment: extra hazard per unit of dissatisfaction


@njit(cache=True, parallel=True)
def complain_and_churn(customers, outputs, draws, params):
    """Apply complaints, recovery and churn to `customers` (a `Customers`) in place.

    They follow from this period's `outputs.disconfirmation`; `outputs.event` gets bit flags per
    customer. `draws` is a `ChurnDraws`, `params` a `ChurnParams`.
    """
    # one plain assignment per field, before the parallel loop (see the package docstring)
    state = customers.state
    stage = customers.stage
    store = customers.store
    satisfaction = customers.satisfaction
    complained = customers.complained
    disconfirmation = outputs.disconfirmation
    event = outputs.event
    u_complain = draws.u_complain
    u_recover = draws.u_recover
    u_churn = draws.u_churn
    complain_probability = params.complain_probability
    complain_threshold = params.complain_threshold
    store_recovery = params.store_recovery
    recovery_boost = params.recovery_boost
    churn_base = params.churn_base
    churn_sensitivity = params.churn_sensitivity
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


def complain_and_churn_reference(customers, outputs, draws, params):
    """Numpy twin of `complain_and_churn`."""
    state, stage, store = customers.state, customers.stage, customers.store
    satisfaction, complained = customers.satisfaction, customers.complained
    disconfirmation, event = outputs.disconfirmation, outputs.event
    u_complain, u_recover, u_churn = draws.u_complain, draws.u_recover, draws.u_churn
    complain_probability = params.complain_probability
    complain_threshold = params.complain_threshold
    store_recovery, recovery_boost = params.store_recovery, params.recovery_boost
    churn_base, churn_sensitivity = params.churn_base, params.churn_sensitivity
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


__all__ = ["ChurnDraws", "ChurnParams", "complain_and_churn", "complain_and_churn_reference"]
