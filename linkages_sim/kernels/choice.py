"""Store-and-brand choice by multinomial logit (DESIGN 3.4).

Utility of offer j (a store k carrying supplier s) for customer i:

    U_ij = V_j - lambda * log(1 + d_ik / 1 km) + loyalty_store [k is i's store] + loyalty_brand
           [s is i's brand] + affinity [i is lapsed]

V_j holds quality, brand, price, service, layout and reputation; the distance term is the
Huff (1963) gravity model in logit form (attraction / distance^lambda with lambda about 2).
The outside option (buy nothing, or elsewhere) has utility U_0. A shopper picks by inverse CDF
with one uniform draw: the same draw and the same weights give the same choice.

How it is computed (the performance issue). The logit weight factorises, as in Huff's
multiplicative form:

    exp(U_ij - c) = exp(V_j - c) * (1 + d_ik)^-lambda * e^loyalty_store * e^loyalty_brand ...

with c a shift common to every option (probabilities do not change; every factor stays in
float32 range). Homes and stores do not move, so the attraction (1 + d)^-lambda is computed once
per customer and store (`attraction`); the offer factors once per period (`choice_weights`, M
exps). A period therefore takes no exp per customer at all: a weight is two float32
multiplications. The kernel works on blocks of BLOCK customers in parallel; in each block it
gathers the shoppers, their attraction rows (own store multiplied by its loyalty factor) and
brand factors, then passes over the open offers twice: once to sum the weights, once to count
how many running sums stay at or below draw x total (the inverse CDF without a branch). Each
customer's sums run in the same offer order whatever the threads, and the numpy twin performs
the same float32 operations: the two agree bit for bit.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from linkages_sim.kernels.codes import ACTIVE, CONVICTION, LAPSED, NOT_SHOPPING, OUTSIDE

BLOCK = 1024  # customers per parallel task: the block's scratch rows stay in L1/L2
BELOW_ONE = np.float32(1.0 - 2.0**-24)  # largest float32 below 1: draw x total < total


class ChoiceWeights(NamedTuple):
    """The per-period factors of the logit weights, in the kernel's argument order."""

    offer: np.ndarray  # float32 per offer: exp(V_j - c), exactly 0 for a closed offer
    outside: np.float32  # exp(U_0 - c)
    store: np.float32  # factor on an active customer's own store: e^loyalty_store
    brand: np.float32  # factor on an active customer's own brand: e^loyalty_brand
    lapsed: np.float32  # factor on every inside offer for a lapsed customer: e^affinity


def attraction(x, y, store_x, store_y, decay) -> np.ndarray:
    """(stores, customers) float32: (1 + distance in km)^-lambda, computed once."""
    out = np.empty((len(store_x), len(x)), dtype=np.float32)
    for s, (sx, sy) in enumerate(zip(store_x, store_y, strict=True)):  # one row at a time:
        out[s] = np.exp(-decay * np.log1p(np.hypot(x - sx, y - sy)))  # no (stores x N) temporaries
    return out


def choice_weights(
    value: np.ndarray,
    is_open: np.ndarray,
    outside_utility: float,
    store_loyalty: float,
    brand_loyalty: float,
    lapsed_affinity: float,
) -> ChoiceWeights:
    """Exponentiate the period's offer values once. `outside_utility` may be -inf (no outside
    option). The shift c is the largest of U_0 and the open offers' V_j."""
    value = np.asarray(value, dtype=np.float64)
    candidates = [outside_utility, *value[is_open].tolist()]
    shift = max(candidates)
    if not math.isfinite(shift):
        shift = 0.0
    offer = np.where(is_open, np.exp(np.minimum(value - shift, 0.0)), 0.0).astype(np.float32)
    f32 = np.float32
    return ChoiceWeights(
        offer, f32(math.exp(outside_utility - shift)), f32(math.exp(store_loyalty)),
        f32(math.exp(brand_loyalty)), f32(math.exp(lapsed_affinity)),
    )  # fmt: skip


@njit(cache=True, parallel=True)
def choose(
    attraction,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    offer_store,
    offer_supplier,
    offer_weight,
    outside_weight,
    store_factor,
    brand_factor,
    lapsed_factor,
    out,
):
    """Write each customer's choice into `out`: an offer index, OUTSIDE or NOT_SHOPPING.

    Active customers shop with `shop_probability`; others shop when their funnel stage reaches
    conviction. The weights are `choice_weights(...)`; an offer of weight 0 is not available.
    """
    n = state.shape[0]
    n_stores = attraction.shape[0]
    open_offers = np.flatnonzero(offer_weight > 0)
    n_open = open_offers.shape[0]
    n_suppliers = offer_supplier.max() + 1 if offer_supplier.shape[0] > 0 else 1
    one = np.float32(1.0)
    for b in prange((n + BLOCK - 1) // BLOCK):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        shopper = np.empty(hi - lo, dtype=np.int64)
        size = 0
        for i in range(lo, hi):
            shops = u_shop[i] < shop_probability if state[i] == ACTIVE else stage[i] >= CONVICTION
            if shops:
                shopper[size] = i
                size += 1
            else:
                out[i] = NOT_SHOPPING
        if size == 0:
            continue
        near = np.empty((n_stores, size), dtype=np.float32)
        for s in range(n_stores):  # row by row: shoppers ascend, so the reads are local
            for k in range(size):
                near[s, k] = attraction[s, shopper[k]]
        loyal = np.empty((n_suppliers, size), dtype=np.float32)
        for k in range(size):
            i = shopper[k]
            base = lapsed_factor if state[i] == LAPSED else one
            for s in range(n_suppliers):
                loyal[s, k] = base
            if state[i] == ACTIVE:
                if 0 <= store[i] < n_stores:
                    near[store[i], k] = near[store[i], k] * store_factor
                if 0 <= brand[i] < n_suppliers:
                    loyal[brand[i], k] = brand_factor
        total = np.full(size, outside_weight, dtype=np.float32)
        for j in open_offers:
            w, a, f = offer_weight[j], near[offer_store[j]], loyal[offer_supplier[j]]
            for k in range(size):
                total[k] = total[k] + (w * a[k]) * f[k]
        target = np.empty(size, dtype=np.float32)
        running = np.full(size, outside_weight, dtype=np.float32)
        count = np.empty(size, dtype=np.int32)
        for k in range(size):
            target[k] = min(np.float32(u_choice[shopper[k]]), BELOW_ONE) * total[k]
            count[k] = np.int32(running[k] <= target[k])
        for j in open_offers:  # running sums never decrease: the count is the first one above
            w, a, f = offer_weight[j], near[offer_store[j]], loyal[offer_supplier[j]]
            for k in range(size):
                running[k] = running[k] + (w * a[k]) * f[k]
                count[k] += np.int32(running[k] <= target[k])
        for k in range(size):
            c = count[k]
            out[shopper[k]] = open_offers[c - 1] if 0 < c <= n_open else OUTSIDE


def weights_reference(
    attraction, state, store, brand, offer_store, offer_supplier, offer_weight, store_factor,
    brand_factor, lapsed_factor,
):  # fmt: skip
    """The N x M float32 matrix of inside weights, by the kernel's operations in its order."""
    active = state == ACTIVE
    near = attraction.T
    own_store = active[:, None] & (store[:, None] == np.arange(near.shape[1]))
    near = np.where(own_store, near * store_factor, near)
    n_suppliers = int(offer_supplier.max()) + 1 if offer_supplier.size else 1
    own_brand = active[:, None] & (brand[:, None] == np.arange(n_suppliers))
    base = np.where(state == LAPSED, lapsed_factor, np.float32(1.0)).astype(np.float32)
    loyal = np.where(own_brand, brand_factor, base[:, None]).astype(np.float32)
    return (offer_weight[None, :] * near[:, offer_store]) * loyal[:, offer_supplier]


def choose_reference(
    attraction,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    offer_store,
    offer_supplier,
    offer_weight,
    outside_weight,
    store_factor,
    brand_factor,
    lapsed_factor,
    out,
):
    """Numpy twin of `choose`: the same float32 operations in the same order, so the same bits
    (a closed offer adds an exact zero to the running sum, which changes nothing)."""
    w = weights_reference(attraction, state, store, brand, offer_store, offer_supplier,
                          offer_weight, store_factor, brand_factor, lapsed_factor)  # fmt: skip
    n = state.shape[0]
    w = np.concatenate([np.full((n, 1), outside_weight, np.float32), w], axis=1)
    running = np.cumsum(w, axis=1, dtype=np.float32)  # left to right, like the kernel
    target = np.minimum(u_choice.astype(np.float32), BELOW_ONE) * running[:, -1]
    above = running > target[:, None]  # the first column above the target is the choice
    column = np.where(above.any(axis=1), np.argmax(above, axis=1), 0)
    shopping = np.where(state == ACTIVE, u_shop < shop_probability, stage >= CONVICTION)
    out[:] = np.where(shopping, np.where(column == 0, OUTSIDE, column - 1), NOT_SHOPPING)


__all__ = [
    "ChoiceWeights",
    "attraction",
    "choice_weights",
    "choose",
    "choose_reference",
    "weights_reference",
]
