"""A customer's value by tenure: spend, cost to serve and referrals (docs/model.md §3.10).

Reichheld & Sasser (HBR 1990, "Zero Defections") trace why a customer's profit grows the
longer they stay: they buy more, cost less to serve and refer others. Each of these is a
per-year table of the segment's `tenure_value` block, read at the customer's year of tenure
(`tenure // periods_per_year`, the last entry for every later year). Both passes are serial,
so each float sum is taken in customer order, as `np.bincount` takes it: kernel and numpy twin
give the same bits.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from linkages_sim.market.kernels.codes import ACTIVE, BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK


class TenureParams(NamedTuple):
    """The segment's tables per year of tenure, converted to one period, all of one length."""

    periods_per_year: int
    spend: np.ndarray  # float64 per year: multiplier on units per purchase
    cost: np.ndarray  # float64 per year: cost to serve an active customer for one period
    referral: np.ndarray  # float64 per year: chance an active customer refers in one period


class TenureCounts(NamedTuple):
    """One period's sums by offer, store and year of tenure."""

    spend_weight: np.ndarray  # per offer: buyers' summed spend multipliers (units / basket)
    cost_to_serve: np.ndarray  # per store: cost to serve its active customers this period
    active_by_year: np.ndarray  # per year of tenure: active customers at the end
    buyers_by_year: np.ndarray  # per year of tenure: purchases
    margin_by_year: np.ndarray  # per year: buyers' spend multiplier x their offer's unit margin


@njit(cache=True)
def tenure_year(tenure, periods_per_year, years):
    """Index of the year of tenure in a table of `years` entries (the last for later years)."""
    return min(tenure // periods_per_year, years - 1)


@njit(cache=True)
def tenure_tally(customers, outputs, params, offer_store, offer_margin, n_stores):
    """Sums of one period by offer, store and year of tenure, a `TenureCounts`.

    From the `customers` (a `Customers`) at the end of the period and its `outputs` (an
    `Outputs`); `params` is a `TenureParams`, `offer_store` and `offer_margin` (money per unit)
    are per offer.
    """
    state = customers.state
    store = customers.store
    tenure = customers.tenure
    choice = outputs.choice
    outcome = outputs.outcome
    ppy = params.periods_per_year
    spend = params.spend
    cost = params.cost
    n_offers = offer_store.shape[0]
    spend_weight = np.zeros(n_offers)
    cost_to_serve = np.zeros(n_stores)
    active_by_year = np.zeros(spend.shape[0], np.int64)
    buyers_by_year = np.zeros(spend.shape[0], np.int64)
    margin_by_year = np.zeros(spend.shape[0])
    years = spend.shape[0]
    for i in range(choice.shape[0]):
        y = tenure_year(tenure[i], ppy, years)
        o = outcome[i]
        if o in (BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK):
            spend_weight[choice[i]] += spend[y]
            buyers_by_year[y] += 1
            margin_by_year[y] += spend[y] * offer_margin[choice[i]]
        if state[i] == ACTIVE:
            cost_to_serve[store[i]] += cost[y]
            active_by_year[y] += 1
    return TenureCounts(
        spend_weight=spend_weight,
        cost_to_serve=cost_to_serve,
        active_by_year=active_by_year,
        buyers_by_year=buyers_by_year,
        margin_by_year=margin_by_year,
    )


def tenure_tally_reference(customers, outputs, params, offer_store, offer_margin, n_stores):
    """Numpy twin of `tenure_tally`."""
    years = params.spend.shape[0]
    bought = np.isin(outputs.outcome, (BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK))
    active = customers.state == ACTIVE
    year = years_of(customers.tenure, params.periods_per_year, years)
    multiplier = params.spend[year[bought]]
    chosen = outputs.choice[bought]

    def summed(index, weights, length):  # float64 even when empty
        return np.bincount(index, weights=weights, minlength=length).astype(np.float64)

    return TenureCounts(
        spend_weight=summed(chosen, multiplier, offer_store.shape[0]),
        cost_to_serve=summed(customers.store[active], params.cost[year[active]], n_stores),
        active_by_year=np.bincount(year[active], minlength=years),
        buyers_by_year=np.bincount(year[bought], minlength=years),
        margin_by_year=summed(year[bought], multiplier * offer_margin[chosen], years),
    )


@njit(cache=True)
def count_referrers(customers, u, params):
    """Active customers who refer a prospect this period.

    A customer refers when their uniform draw `u` is below the chance of their year of tenure
    (`params` a `TenureParams`).
    """
    state = customers.state
    tenure = customers.tenure
    referral = params.referral
    ppy = params.periods_per_year
    years = referral.shape[0]
    n = 0
    for i in range(state.shape[0]):
        if state[i] == ACTIVE and u[i] < referral[tenure_year(tenure[i], ppy, years)]:
            n += 1
    return n


def count_referrers_reference(customers, u, params):
    """Numpy twin of `count_referrers`."""
    year = years_of(customers.tenure, params.periods_per_year, params.referral.shape[0])
    return int(np.sum((customers.state == ACTIVE) & (u < params.referral[year])))


def years_of(tenure: np.ndarray, periods_per_year: int, years: int) -> np.ndarray:
    """`tenure_year` of every customer at once (numpy)."""
    return np.minimum(tenure // periods_per_year, years - 1)


__all__ = [
    "TenureCounts",
    "TenureParams",
    "count_referrers",
    "count_referrers_reference",
    "tenure_tally",
    "tenure_tally_reference",
    "tenure_year",
    "years_of",
]
