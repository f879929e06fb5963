"""What a segment's customers did in a period, aggregated per offer, per store and per state.

One pass over the customers instead of a dozen masked `np.bincount` calls (each a pass over
every customer and a temporary mask). The pass is serial so that each float sum (satisfaction)
is taken in customer order, exactly as `np.bincount` takes it: the kernel and its numpy twin
give the same bits, and the result does not depend on the thread count.
"""

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
FIELDS = (
    "visitors", "buyers", "new", "won_back", "stockouts", "satisfaction_of_buyers",
    "store_visitors", "store_buyers", "active_end", "satisfaction_active", "complaints",
    "resolved", "churned", "churned_silent", "went_outside", "shoppers", "shoppers_by_state",
    "buyers_by_state", "dissatisfied", "counts", "stages",
)  # fmt: skip
"""The names of the values `tally` returns, in order (the fields of `population.Tally`)."""


@njit(cache=True)
def tally(
    choice, outcome, state, state_before, store, stage, event, satisfaction, disconfirmation,
    dissatisfied_below, offer_store, n_offers, n_stores,
):  # fmt: skip
    """Counts and satisfaction sums of one period (see FIELDS); `state_before` is each
    customer's state when the period's shopping began."""
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
    return (
        visitors, buyers, new, won_back, stockouts, satisfaction_of_buyers, store_visitors,
        store_buyers, active_end, satisfaction_active, complaints, resolved, churned,
        churned_silent, went_outside, shoppers, shoppers_by_state, buyers_by_state, dissatisfied,
        counts, stages,
    )  # fmt: skip


def tally_reference(
    choice, outcome, state, state_before, store, stage, event, satisfaction, disconfirmation,
    dissatisfied_below, offer_store, n_offers, n_stores,
):  # fmt: skip
    """Numpy twin of `tally`: one masked `np.bincount` per figure."""
    chose = choice >= 0
    bought_mask = np.isin(outcome, (BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK))
    bought = choice[bought_mask]
    active = state == ACTIVE
    shopping = choice != NOT_SHOPPING

    def per_offer(mask):
        return np.bincount(choice[mask], minlength=n_offers)

    def per_store(mask, weights=None):
        w = None if weights is None else weights[mask]
        return np.bincount(store[mask], weights=w, minlength=n_stores)

    with np.errstate(invalid="ignore"):
        dissatisfied = int(np.sum(disconfirmation < dissatisfied_below))
    return (
        np.bincount(choice[chose], minlength=n_offers),
        np.bincount(bought, minlength=n_offers),
        per_offer(outcome == BOUGHT_NEW),
        per_offer(outcome == BOUGHT_WON_BACK),
        per_offer(outcome == STOCKOUT),
        np.bincount(bought, weights=satisfaction[bought_mask], minlength=n_offers),
        np.bincount(offer_store[choice[chose]], minlength=n_stores),
        np.bincount(offer_store[bought], minlength=n_stores),
        per_store(active),
        per_store(active, satisfaction),
        per_store((event & COMPLAINED) > 0),
        per_store((event & RESOLVED) > 0),
        per_store((event & CHURNED) > 0),
        per_store((event & SILENT) > 0),
        int(np.sum(outcome == WENT_OUTSIDE)),
        int(np.sum(shopping)),
        np.bincount(state_before[shopping], minlength=STATES),
        np.bincount(state_before[bought_mask], minlength=STATES),
        dissatisfied,
        np.bincount(state, minlength=STATES),
        np.bincount(stage[~active], minlength=STAGES),
    )
