"""Store-and-brand choice by multinomial logit (DESIGN 3.4).

Utility of offer j (a store k carrying supplier s) for customer i:

    U_ij = V_j - lambda * log(1 + d_ik / 1 km) + loyalty_store [k is i's store] + loyalty_brand
           [s is i's brand] + affinity [i is lapsed]

V_j holds quality, brand, price, service, layout and reputation; the distance term is the
Huff (1963) gravity model in logit form (attraction / distance^lambda with lambda about 2).
The outside option (buy nothing, or elsewhere) has utility U_0. A shopper picks by inverse CDF
with one uniform draw: the same draw and the same utilities give the same choice.
"""

import math

import numpy as np
from numba import njit, prange

from linkages_sim.kernels.codes import ACTIVE, CONVICTION, LAPSED, NOT_SHOPPING, OUTSIDE


@njit(cache=True)
def _utility(
    j,
    xi,
    yi,
    si,
    store_i,
    brand_i,
    offer_x,
    offer_y,
    offer_store,
    offer_supplier,
    offer_value,
    decay,
    store_loyalty,
    brand_loyalty,
    lapsed_affinity,
):
    dx = xi - offer_x[j]
    dy = yi - offer_y[j]
    v = offer_value[j] - decay * math.log1p(math.sqrt(dx * dx + dy * dy))
    if si == ACTIVE:
        if offer_store[j] == store_i:
            v += store_loyalty
        if offer_supplier[j] == brand_i:
            v += brand_loyalty
    elif si == LAPSED:
        v += lapsed_affinity
    return v


@njit(cache=True, parallel=True)
def choose(
    x,
    y,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    offer_x,
    offer_y,
    offer_store,
    offer_supplier,
    offer_value,
    offer_open,
    decay,
    store_loyalty,
    brand_loyalty,
    lapsed_affinity,
    outside_utility,
    out,
):
    """Write each customer's choice into `out`: an offer index, OUTSIDE or NOT_SHOPPING.

    Active customers shop with `shop_probability`; others shop when their funnel stage reaches
    conviction. Offers with `offer_open` false (a dropped brand) are not available.
    """
    n_offers = offer_value.shape[0]
    w_outside = math.exp(outside_utility)
    for i in prange(x.shape[0]):
        si = state[i]
        shopping = (u_shop[i] < shop_probability) if si == ACTIVE else (stage[i] >= CONVICTION)
        if not shopping:
            out[i] = NOT_SHOPPING
            continue
        total = w_outside
        for j in range(n_offers):
            if offer_open[j]:
                total += math.exp(
                    _utility(
                        j,
                        x[i],
                        y[i],
                        si,
                        store[i],
                        brand[i],
                        offer_x,
                        offer_y,
                        offer_store,
                        offer_supplier,
                        offer_value,
                        decay,
                        store_loyalty,
                        brand_loyalty,
                        lapsed_affinity,
                    )
                )
        target = u_choice[i] * total
        cumulative = w_outside
        pick = OUTSIDE
        if target >= cumulative:
            for j in range(n_offers):
                if offer_open[j]:
                    cumulative += math.exp(
                        _utility(
                            j,
                            x[i],
                            y[i],
                            si,
                            store[i],
                            brand[i],
                            offer_x,
                            offer_y,
                            offer_store,
                            offer_supplier,
                            offer_value,
                            decay,
                            store_loyalty,
                            brand_loyalty,
                            lapsed_affinity,
                        )
                    )
                    pick = j
                    if target < cumulative:
                        break
        out[i] = pick


def utilities_reference(
    x,
    y,
    state,
    store,
    brand,
    offer_x,
    offer_y,
    offer_store,
    offer_supplier,
    offer_value,
    decay,
    store_loyalty,
    brand_loyalty,
    lapsed_affinity,
):
    """The N x M matrix of inside utilities, vectorised (used by tests and `choose_reference`)."""
    dist = np.sqrt((x[:, None] - offer_x[None, :]) ** 2 + (y[:, None] - offer_y[None, :]) ** 2)
    v = offer_value[None, :] - decay * np.log1p(dist)
    active = (state == ACTIVE)[:, None]
    v = v + np.where(active & (offer_store[None, :] == store[:, None]), store_loyalty, 0.0)
    v = v + np.where(active & (offer_supplier[None, :] == brand[:, None]), brand_loyalty, 0.0)
    return v + np.where((state == LAPSED)[:, None], lapsed_affinity, 0.0)


def choose_reference(
    x,
    y,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    offer_x,
    offer_y,
    offer_store,
    offer_supplier,
    offer_value,
    offer_open,
    decay,
    store_loyalty,
    brand_loyalty,
    lapsed_affinity,
    outside_utility,
    out,
):
    """Numpy twin of `choose` (same maths, same summation order)."""
    v = utilities_reference(
        x,
        y,
        state,
        store,
        brand,
        offer_x,
        offer_y,
        offer_store,
        offer_supplier,
        offer_value,
        decay,
        store_loyalty,
        brand_loyalty,
        lapsed_affinity,
    )
    w = np.where(offer_open[None, :], np.exp(v), 0.0)
    weights = np.concatenate([np.full((x.shape[0], 1), math.exp(outside_utility)), w], axis=1)
    cumulative = np.cumsum(weights, axis=1)
    target = u_choice * cumulative[:, -1]
    # first column whose cumulative weight exceeds the target, skipping closed offers
    above = (cumulative > target[:, None]) & np.concatenate(
        [np.ones((x.shape[0], 1), bool), np.broadcast_to(offer_open, w.shape)], axis=1
    )
    column = np.argmax(above, axis=1)
    column = np.where(above.any(axis=1), column, _last_open(offer_open) + 1)
    pick = np.where(column == 0, OUTSIDE, column - 1)
    shopping = np.where(state == ACTIVE, u_shop < shop_probability, stage >= CONVICTION)
    out[:] = np.where(shopping, pick, NOT_SHOPPING)


def _last_open(offer_open):
    open_idx = np.flatnonzero(offer_open)
    return int(open_idx[-1]) if open_idx.size else -1
