"""The shopping trip's outcome and the experience it leaves (model.md §3.5).

A shopper who chose an offer finds it in stock with the offer's fill rate, and is then sold to
(closed) with the store's close rate, which staff training raises. A purchase gives an
experience of the offer's expected quality, service and value plus noise; a stock-out gives a
poor one; a visit that was not closed leaves no experience. Satisfaction follows the
disconfirmation (experience minus expectation), and expectations drift toward experience
(rising expectations) while being pulled back toward the segment's norm.
"""

import numpy as np
from numba import njit, prange

from linkages_sim.market.kernels.codes import (
    ACTIVE,
    BOUGHT,
    BOUGHT_NEW,
    BOUGHT_WON_BACK,
    LAPSED,
    NO_TRIP,
    NOT_CLOSED,
    OUTSIDE,
    STOCKOUT,
    UNAWARE,
    WENT_OUTSIDE,
)


@njit(cache=True, parallel=True)
def serve(
    choice,
    state,
    stage,
    store,
    brand,
    satisfaction,
    expectation,
    tenure,
    complained,
    u_stock,
    u_close,
    noise,
    offer_fill,
    offer_close,
    offer_experience,
    offer_store,
    offer_supplier,
    stockout_experience,
    noise_sd,
    adaptation,
    drift,
    anchoring,
    expectation_norm,
    fallback_stage,
    outcome,
    disconfirmation,
):
    """Resolve each trip in place; write `outcome` codes and this period's `disconfirmation`
    (NaN for customers without an experience)."""
    for i in prange(choice.shape[0]):
        j = choice[i]
        disconfirmation[i] = np.nan
        if state[i] == ACTIVE:
            tenure[i] += 1
        if j < 0:
            outcome[i] = WENT_OUTSIDE if j == OUTSIDE else NO_TRIP
            if j == OUTSIDE and state[i] != ACTIVE:
                stage[i] = fallback_stage
            continue
        if u_stock[i] >= offer_fill[j]:
            outcome[i] = STOCKOUT
            experience = stockout_experience
        elif u_close[i] >= offer_close[j]:
            outcome[i] = NOT_CLOSED
            if state[i] != ACTIVE:
                stage[i] = fallback_stage
            continue
        else:
            experience = min(1.0, max(0.0, offer_experience[j] + noise_sd * noise[i]))
            if state[i] == ACTIVE:
                outcome[i] = BOUGHT
            else:
                outcome[i] = BOUGHT_WON_BACK if state[i] == LAPSED else BOUGHT_NEW
                state[i] = ACTIVE
                stage[i] = UNAWARE
                tenure[i] = 0
                complained[i] = False
            store[i] = offer_store[j]
            brand[i] = offer_supplier[j]
        if outcome[i] == STOCKOUT and state[i] != ACTIVE:
            stage[i] = fallback_stage
        d = experience - expectation[i]
        disconfirmation[i] = d
        satisfaction[i] = (1.0 - adaptation) * satisfaction[i] + adaptation * d
        expectation[i] += drift * (experience - expectation[i]) + anchoring * (
            expectation_norm - expectation[i]
        )


def serve_reference(
    choice,
    state,
    stage,
    store,
    brand,
    satisfaction,
    expectation,
    tenure,
    complained,
    u_stock,
    u_close,
    noise,
    offer_fill,
    offer_close,
    offer_experience,
    offer_store,
    offer_supplier,
    stockout_experience,
    noise_sd,
    adaptation,
    drift,
    anchoring,
    expectation_norm,
    fallback_stage,
    outcome,
    disconfirmation,
):
    """Numpy twin of `serve`."""
    j = np.maximum(choice, 0)
    visited = choice >= 0
    was_active = state == ACTIVE
    tenure[was_active] += 1
    stockout = visited & (u_stock >= offer_fill[j])
    not_closed = visited & ~stockout & (u_close >= offer_close[j])
    bought = visited & ~stockout & ~not_closed
    experience = np.where(
        stockout,
        stockout_experience,
        np.minimum(1.0, np.maximum(0.0, offer_experience[j] + noise_sd * noise)),
    )
    outcome[:] = np.where(choice == OUTSIDE, WENT_OUTSIDE, NO_TRIP)
    outcome[stockout] = STOCKOUT
    outcome[not_closed] = NOT_CLOSED
    outcome[bought & was_active] = BOUGHT
    outcome[bought & (state == LAPSED)] = BOUGHT_WON_BACK
    outcome[bought & ~was_active & (state != LAPSED)] = BOUGHT_NEW
    missed = ~was_active & ((choice == OUTSIDE) | stockout | not_closed)
    stage[missed] = fallback_stage
    converted = bought & ~was_active
    state[converted] = ACTIVE
    stage[converted] = UNAWARE
    tenure[converted] = 0
    complained[converted] = False
    store[bought] = offer_store[j[bought]]
    brand[bought] = offer_supplier[j[bought]]
    felt = stockout | bought
    d = experience - expectation
    disconfirmation[:] = np.where(felt, d, np.nan)
    satisfaction[felt] = (1.0 - adaptation) * satisfaction[felt] + adaptation * d[felt]
    expectation[felt] += drift * (experience[felt] - expectation[felt]) + anchoring * (
        expectation_norm - expectation[felt]
    )
