"""What a segment's customers did in a period, aggregated per offer, per store and per state.

One pass over the customers instead of a dozen masked `np.bincount` calls (each a pass over
every customer and a temporary mask). The pass is serial so that each float sum (satisfaction)
is taken in customer order, exactly as `np.bincount` takes it: the kernel and its numpy twin
give the same bits, and the result does not depend on the thread count.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from linkages_sim.market.kernels.codes import (
    ACTIVE,
    BOUGHT,
    BOUGHT_NEW,
    BOUGHT_WON_BACK,
    CHURNED,
    COMPLAINED,
    CONVICTION,
    NOT_SHOPPING,
    RESOLVED,
    SILENT,
    STOCKOUT,
    WENT_OUTSIDE,
)

STATES = 3
STAGES = CONVICTION + 1


class TallyParams(NamedTuple):
    """What the tally needs besides the customers: the offers' stores and the threshold."""

    offer_store: np.ndarray  # int64 per offer: its store
    n_stores: int
    dissatisfied_below: float  # a disconfirmation below this counts as dissatisfied


class TallyCounts(NamedTuple):
    """Counts and satisfaction sums of one period (the fields of `segments.Tally` it fills)."""

    visitors: np.ndarray  # per offer
    buyers: np.ndarray
    new: np.ndarray
    won_back: np.ndarray
    stockouts: np.ndarray
    satisfaction_of_buyers: np.ndarray
    store_visitors: np.ndarray  # per store
    store_buyers: np.ndarray
    active_end: np.ndarray
    satisfaction_active: np.ndarray
    complaints: np.ndarray
    resolved: np.ndarray
    churned: np.ndarray
    churned_silent: np.ndarray
    went_outside: int
    shoppers: int
    shoppers_by_state: np.ndarray  # per state
    buyers_by_state: np.ndarray
    dissatisfied: int
    counts: np.ndarray
    stages: np.ndarray  # per funnel stage


FIELDS = TallyCounts._fields
"""The names of the values `tally` returns, in order."""


@njit(cache=True)
def tally(customers, outputs, params):
    """Counts and satisfaction sums of one period, a `TallyCounts`.

    From the `customers` (a `Customers`) at the end of the period and the period's `outputs` (an
    `Outputs`); `params` is a `TallyParams`.
    """
    state = customers.state
    store = customers.store
    stage = customers.stage
    satisfaction = customers.satisfaction
    choice = outputs.choice
    outcome = outputs.outcome
    state_before = outputs.state_before
    event = outputs.event
    disconfirmation = outputs.disconfirmation
    offer_store = params.offer_store
    n_stores = params.n_stores
    dissatisfied_below = params.dissatisfied_below
    n_offers = params.offer_store.shape[0]
    visitors = np.zeros(n_offers, np.int64)
    buyers = np.zeros(n_offers, np.int64)
    new = np.zeros(n_offers, np.int64)
    won_back = np.zeros(n_offers, np.int64)
    stockouts = np.zeros(n_offers, np.int64)
    satisfaction_of_buyers = np.zeros(n_offers)
    store_visitors = np.zeros(n_stores, np.int64)
    store_buyers = np.zeros(n_stores, np.int64)
    active_end = np.zeros(n_stores, np.int64)
    satisfaction_active = np.zeros(n_stores)
    complaints = np.zeros(n_stores, np.int64)
    resolved = np.zeros(n_stores, np.int64)
    churned = np.zeros(n_stores, np.int64)
    churned_silent = np.zeros(n_stores, np.int64)
    shoppers_by_state = np.zeros(STATES, np.int64)
    buyers_by_state = np.zeros(STATES, np.int64)
    counts = np.zeros(STATES, np.int64)
    stages = np.zeros(STAGES, np.int64)
    went_outside = shoppers = dissatisfied = 0
    for i in range(choice.shape[0]):
        c, o = choice[i], outcome[i]
        if c != NOT_SHOPPING:
            shoppers += 1
            shoppers_by_state[state_before[i]] += 1
        if c >= 0:
            visitors[c] += 1
            store_visitors[offer_store[c]] += 1
            if o in (BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK):
                buyers[c] += 1
                satisfaction_of_buyers[c] += satisfaction[i]
                store_buyers[offer_store[c]] += 1
                buyers_by_state[state_before[i]] += 1
                if o == BOUGHT_NEW:
                    new[c] += 1
                elif o == BOUGHT_WON_BACK:
                    won_back[c] += 1
            elif o == STOCKOUT:
                stockouts[c] += 1
        if o == WENT_OUTSIDE:
            went_outside += 1
        if disconfirmation[i] < dissatisfied_below:  # false for NaN (no experience)
            dissatisfied += 1
        counts[state[i]] += 1
        if state[i] == ACTIVE:
            active_end[store[i]] += 1
            satisfaction_active[store[i]] += satisfaction[i]
        else:
            stages[stage[i]] += 1
        e = event[i]
        if e != 0:
            k = store[i]
            if e & COMPLAINED:
                complaints[k] += 1
            if e & RESOLVED:
                resolved[k] += 1
            if e & CHURNED:
                churned[k] += 1
            if e & SILENT:
                churned_silent[k] += 1
    return TallyCounts(
        visitors=visitors,
        buyers=buyers,
        new=new,
        won_back=won_back,
        stockouts=stockouts,
        satisfaction_of_buyers=satisfaction_of_buyers,
        store_visitors=store_visitors,
        store_buyers=store_buyers,
        active_end=active_end,
        satisfaction_active=satisfaction_active,
        complaints=complaints,
        resolved=resolved,
        churned=churned,
        churned_silent=churned_silent,
        went_outside=went_outside,
        shoppers=shoppers,
        shoppers_by_state=shoppers_by_state,
        buyers_by_state=buyers_by_state,
        dissatisfied=dissatisfied,
        counts=counts,
        stages=stages,
    )


def tally_reference(customers, outputs, params):
    """Numpy twin of `tally`: one masked `np.bincount` per figure."""
    state, store, stage = customers.state, customers.store, customers.stage
    satisfaction = customers.satisfaction
    choice, outcome, state_before = outputs.choice, outputs.outcome, outputs.state_before
    event, disconfirmation = outputs.event, outputs.disconfirmation
    offer_store, n_stores = params.offer_store, params.n_stores
    dissatisfied_below, n_offers = params.dissatisfied_below, params.offer_store.shape[0]
    chose = choice >= 0
    bought_mask = np.isin(outcome, (BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK))
    bought = choice[bought_mask]
    active = state == ACTIVE
    shopping = choice != NOT_SHOPPING

    def per_offer(mask):
        return np.bincount(choice[mask], minlength=n_offers)

    def per_store(mask, weights=None):
        if weights is None:
            return np.bincount(store[mask], minlength=n_stores)
        return summed(store[mask], weights[mask], n_stores)

    def summed(index, weights, length):  # float64 even when empty (bincount then gives int64)
        return np.bincount(index, weights=weights, minlength=length).astype(np.float64)

    with np.errstate(invalid="ignore"):
        dissatisfied = int(np.sum(disconfirmation < dissatisfied_below))
    return TallyCounts(
        visitors=np.bincount(choice[chose], minlength=n_offers),
        buyers=np.bincount(bought, minlength=n_offers),
        new=per_offer(outcome == BOUGHT_NEW),
        won_back=per_offer(outcome == BOUGHT_WON_BACK),
        stockouts=per_offer(outcome == STOCKOUT),
        satisfaction_of_buyers=summed(bought, satisfaction[bought_mask], n_offers),
        store_visitors=np.bincount(offer_store[choice[chose]], minlength=n_stores),
        store_buyers=np.bincount(offer_store[bought], minlength=n_stores),
        active_end=per_store(active),
        satisfaction_active=per_store(active, satisfaction),
        complaints=per_store((event & COMPLAINED) > 0),
        resolved=per_store((event & RESOLVED) > 0),
        churned=per_store((event & CHURNED) > 0),
        churned_silent=per_store((event & SILENT) > 0),
        went_outside=int(np.sum(outcome == WENT_OUTSIDE)),
        shoppers=int(np.sum(shopping)),
        shoppers_by_state=np.bincount(state_before[shopping], minlength=STATES),
        buyers_by_state=np.bincount(state_before[bought_mask], minlength=STATES),
        dissatisfied=dissatisfied,
        counts=np.bincount(state, minlength=STATES),
        stages=np.bincount(stage[~active], minlength=STAGES),
    )


__all__ = ["FIELDS", "TallyCounts", "TallyParams", "tally", "tally_reference"]
