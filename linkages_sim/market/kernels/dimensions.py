"""The six service dimensions per customer: who answers a store's survey and what they report.

A survey (docs/service.md; seed slide 62) invites a random share of each store's active
customers; an invited customer responds with the survey's response rate, more readily after a
complaint (complainants are over-represented in real surveys). A respondent rates each dimension
as the level the store delivers, plus a halo of their own overall satisfaction (Thorndike 1920's
halo effect: one overall impression colours every rating), plus the survey's response bias,
plus noise. One uniform draw per customer decides both invitation and response (nested: a
response needs `u < invite x respond`, so P(respond | invited) is the response chance), and a
respondent's six noise draws are taken in customer order.

A complaint log (`complaint_causes`) names one dimension per complaint: the r-th complainant in
customer order takes the r-th uniform and the dimension it falls in on the store's cumulative
attribution chances (`ServiceSystem` sets them: the segment's weight x the dimension's
shortfall, docs/service.md).

The kernels are serial: the survey runs once per review period, complaints are rare, and serial
sums in customer order give the numpy twins' bits whatever the thread count (as `tally`).
`weighted_levels` (plain numpy, per offer) combines six levels by a segment's weights.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from linkages_sim.market.kernels.codes import ACTIVE, COMPLAINED

NOT_INVITED, INVITED, RESPONDED = 0, 1, 2
"""A customer's survey flag."""


class SurveyParams(NamedTuple):
    """Who is asked and who answers."""

    invite: np.ndarray  # float64 per store: chance an active customer of the store is invited
    response_rate: float  # chance an invited customer responds
    complainant_weight: float  # response chance multiplier for a customer who complained


class SurveyRatings(NamedTuple):
    """What a respondent reports: level + halo x satisfaction + bias + noise x N(0, 1)."""

    level: np.ndarray  # float64 (stores, dimensions): delivered level of each dimension
    halo: float  # weight of the respondent's overall satisfaction
    bias: float  # response bias added to every rating
    noise_sd: float  # standard deviation of a rating


class SurveyCounts(NamedTuple):
    """One segment's survey results per store."""

    invited: np.ndarray  # int64 per store
    responded: np.ndarray  # int64 per store
    rating_sums: np.ndarray  # float64 (stores, dimensions): sum of respondents' ratings


@njit(cache=True)
def survey_respond(customers, u, params, flags):
    """Set `flags` (int8 per customer): NOT_INVITED, INVITED (no response) or RESPONDED.

    Only active customers are asked, by their store; `u` is one uniform per customer.
    """
    state = customers.state
    store = customers.store
    complained = customers.complained
    invite = params.invite
    response_rate = params.response_rate
    complainant_weight = params.complainant_weight
    for i in range(state.shape[0]):
        flags[i] = NOT_INVITED
        if state[i] != ACTIVE:
            continue
        chance = invite[store[i]]
        if u[i] < chance:
            respond = response_rate * (complainant_weight if complained[i] else 1.0)
            respond = min(1.0, respond)
            flags[i] = RESPONDED if u[i] < chance * respond else INVITED


def survey_respond_reference(customers, u, params, flags):
    """Numpy twin of `survey_respond`."""
    active = customers.state == ACTIVE
    chance = params.invite[np.maximum(customers.store, 0)]
    respond = np.minimum(
        1.0, params.response_rate * np.where(customers.complained, params.complainant_weight, 1.0)
    )
    invited = active & (u < chance)
    responded = invited & (u < chance * respond)
    flags[:] = np.where(responded, RESPONDED, np.where(invited, INVITED, NOT_INVITED))


@njit(cache=True)
def survey_tally(customers, flags, noise, ratings):
    """Invitations, responses and rating sums per store, a `SurveyCounts`.

    `noise` is (respondents, dimensions) standard normals; the r-th respondent in customer order
    takes row r.
    """
    store = customers.store
    satisfaction = customers.satisfaction
    level = ratings.level
    halo = ratings.halo
    bias = ratings.bias
    noise_sd = ratings.noise_sd
    n_stores, n_dims = level.shape
    invited = np.zeros(n_stores, dtype=np.int64)
    responded = np.zeros(n_stores, dtype=np.int64)
    sums = np.zeros((n_stores, n_dims))
    r = 0
    for i in range(flags.shape[0]):
        if flags[i] == NOT_INVITED:
            continue
        k = store[i]
        invited[k] += 1
        if flags[i] != RESPONDED:
            continue
        responded[k] += 1
        for d in range(n_dims):
            sums[k, d] += level[k, d] + halo * satisfaction[i] + bias + noise_sd * noise[r, d]
        r += 1
    return SurveyCounts(invited, responded, sums)


def survey_tally_reference(customers, flags, noise, ratings):
    """Numpy twin of `survey_tally`."""
    level = ratings.level
    n_stores, n_dims = level.shape
    asked = flags != NOT_INVITED
    answered = flags == RESPONDED
    store = customers.store
    invited = np.bincount(store[asked], minlength=n_stores).astype(np.int64)
    responded = np.bincount(store[answered], minlength=n_stores).astype(np.int64)
    k = store[answered]
    halo = ratings.halo * customers.satisfaction[answered]
    sums = np.zeros((n_stores, n_dims))
    for d in range(n_dims):
        rating = level[k, d] + halo + ratings.bias + ratings.noise_sd * noise[: k.size, d]
        sums[:, d] = np.bincount(k, weights=rating, minlength=n_stores)
    return SurveyCounts(invited, responded, sums)


@njit(cache=True)
def complaint_causes(customers, outputs, u, cumulative):
    """Complaints per store and dimension (int64, stores x dimensions) for one segment.

    Each customer whose `outputs.event` has COMPLAINED names one dimension: the r-th such
    customer in customer order takes `u[r]` (uniform) and the first dimension d of its store k
    with `u[r] < cumulative[k, d]` (the last if none). `cumulative` (float64, stores x
    dimensions) is non-decreasing along each row and ends at 1, so a dimension with no chance
    (an equal step) is never named. Every complaint is counted once: a row sums to the store's
    complaints.
    """
    store = customers.store
    event = outputs.event
    n_stores, n_dims = cumulative.shape
    counts = np.zeros((n_stores, n_dims), dtype=np.int64)
    r = 0
    for i in range(event.shape[0]):
        if not event[i] & COMPLAINED:
            continue
        k = store[i]
        d = 0
        while d < n_dims - 1 and u[r] >= cumulative[k, d]:
            d += 1
        counts[k, d] += 1
        r += 1
    return counts


def complaint_causes_reference(customers, outputs, u, cumulative):
    """Numpy twin of `complaint_causes`."""
    n_stores, n_dims = cumulative.shape
    k = customers.store[(outputs.event & COMPLAINED) > 0]
    draws = u[: k.size, None]
    d = np.sum(draws >= cumulative[k, : n_dims - 1], axis=1)  # rows are non-decreasing
    flat = np.bincount(k * n_dims + d, minlength=n_stores * n_dims)
    return flat.reshape(n_stores, n_dims).astype(np.int64)


def weighted_levels(levels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted mean of six levels per row, anchored on the first so equal levels stay exact.

    `levels` is (rows, dimensions), `weights` sum to 1. Written as l_0 + sum_d w_d (l_d - l_0),
    which is the weighted mean because the weights sum to 1, and which returns l_0 bit for bit
    when every level equals it: six equal dimensions are exactly one service level.
    """
    base = levels[:, 0]
    out = base.copy()
    for d in range(1, levels.shape[1]):
        out = out + weights[d] * (levels[:, d] - base)
    return out


__all__ = [
    "INVITED",
    "NOT_INVITED",
    "RESPONDED",
    "SurveyCounts",
    "SurveyParams",
    "SurveyRatings",
    "complaint_causes",
    "complaint_causes_reference",
    "survey_respond",
    "survey_respond_reference",
    "survey_tally",
    "survey_tally_reference",
    "weighted_levels",
]
