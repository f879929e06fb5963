"""The shopping trip's outcome and the experience it leaves (model.md §3.5).

A shopper who chose an offer finds it in stock with the offer's fill rate, and is then sold to
(closed) with the store's close rate, which staff training raises. A purchase gives an
experience of the offer's expected quality, service and value plus noise; a stock-out gives a
poor one; a visit that was not closed leaves no experience. Satisfaction follows the
disconfirmation (experience minus expectation), and expectations drift toward experience
(rising expectations) while being pulled back toward the segment's norm.
"""

from typing import NamedTuple

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


class ServiceDraws(NamedTuple):
    """The period's draws of the service step, one per customer."""

    u_stock: np.ndarray  # uniform: the chosen offer is in stock if below its fill rate
    u_close: np.ndarray  # uniform: the sale is closed if below the offer's close rate
    noise: np.ndarray  # standard normal: the experience's noise, times `experience_noise`


class OfferTerms(NamedTuple):
    """What each offer delivers, one entry per offer (the period's offer table)."""

    fill: np.ndarray  # float64: fill rate, the chance it is in stock
    close: np.ndarray  # float64: close rate, the chance a visit becomes a sale
    experience: np.ndarray  # float64: expected experience of a purchase, 0-1
    store: np.ndarray  # int64: its store, a buyer's new store
    supplier: np.ndarray  # int64: its supplier, a buyer's new brand


class ServiceParams(NamedTuple):
    """The constants of the service step.

    They are named as in the scenario's market, segment and funnel.
    """

    stockout_experience: float  # market: the experience a stock-out leaves
    experience_noise: float  # market: standard deviation of the experience
    satisfaction_adaptation: float  # segment: weight of the latest disconfirmation
    expectation_drift: float  # segment: weight of the latest experience in expectation
    expectation_anchoring: float  # segment: pull back toward the norm per period
    expectation_norm: float  # segment: the norm (the segment's initial `expectation`)
    fallback_stage: int  # funnel: where a prospect or lapsed customer who missed falls back to


@njit(cache=True, parallel=True)
def serve(customers, outputs, draws, offers, params):
    """Resolve each trip in place.

    `customers` (a `Customers`) change, `outputs` (an `Outputs`) get the `outcome` codes and this
    period's `disconfirmation` (NaN for customers without an experience) of the trips in
    `outputs.choice`; `draws` is a `ServiceDraws`, `offers` an `OfferTerms`, `params` a
    `ServiceParams`.
    """
    # one plain assignment per field, before the parallel loop (see the package docstring)
    state = customers.state
    stage = customers.stage
    store = customers.store
    brand = customers.brand
    satisfaction = customers.satisfaction
    expectation = customers.expectation
    tenure = customers.tenure
    complained = customers.complained
    choice = outputs.choice
    outcome = outputs.outcome
    disconfirmation = outputs.disconfirmation
    u_stock = draws.u_stock
    u_close = draws.u_close
    noise = draws.noise
    offer_fill = offers.fill
    offer_close = offers.close
    offer_experience = offers.experience
    offer_store = offers.store
    offer_supplier = offers.supplier
    stockout_experience = params.stockout_experience
    noise_sd = params.experience_noise
    adaptation = params.satisfaction_adaptation
    drift = params.expectation_drift
    anchoring = params.expectation_anchoring
    expectation_norm = params.expectation_norm
    fallback_stage = params.fallback_stage
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


def serve_reference(customers, outputs, draws, offers, params):
    """Numpy twin of `serve`."""
    state, stage, store, brand = customers.state, customers.stage, customers.store, customers.brand
    satisfaction, expectation = customers.satisfaction, customers.expectation
    tenure, complained = customers.tenure, customers.complained
    choice, outcome, disconfirmation = outputs.choice, outputs.outcome, outputs.disconfirmation
    u_stock, u_close, noise = draws.u_stock, draws.u_close, draws.noise
    offer_fill, offer_close, offer_experience = offers.fill, offers.close, offers.experience
    offer_store, offer_supplier = offers.store, offers.supplier
    stockout_experience, noise_sd = params.stockout_experience, params.experience_noise
    adaptation, drift = params.satisfaction_adaptation, params.expectation_drift
    anchoring, expectation_norm = params.expectation_anchoring, params.expectation_norm
    fallback_stage = params.fallback_stage
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


__all__ = ["OfferTerms", "ServiceDraws", "ServiceParams", "serve", "serve_reference"]
