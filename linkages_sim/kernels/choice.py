"""Store-and-brand choice by multinomial logit (DESIGN 3.4).

Utility of offer j (a store k carrying supplier s) for customer i:

    U_ij = V_j - lambda * log(1 + d_ik / 1 km) + loyalty_store [k is i's store] + loyalty_brand
           [s is i's brand] + affinity [i is lapsed]

V_j holds quality, brand, price, service, layout and reputation; the distance term is the
Huff (1963) gravity model in logit form (attraction / distance^lambda with lambda about 2).
The outside option (buy nothing, or elsewhere) has utility U_0. A shopper picks by inverse CDF
with one uniform draw: the same draw and the same utilities give the same choice.

How it is computed (the performance issue): homes and stores do not move, so the distance term
is computed once per customer and store (`distance_terms`). Each period the kernel works on
blocks of shoppers: for every offer it forms the block's float32 utilities and their exp (a
vectorisable polynomial, `fastexp`) and keeps the weights, so the inverse-CDF pass reads them
instead of recomputing. Each customer's sum runs over offers in a fixed order whatever the
threads, and the numpy twin performs the same float32 operations: the two agree bit for bit.
"""

import numpy as np
from numba import njit, prange

from linkages_sim.kernels.codes import ACTIVE, CONVICTION, LAPSED, NOT_SHOPPING, OUTSIDE
from linkages_sim.kernels.fastexp import exp32, exp_block, exp_reference

BLOCK = 512


def distance_terms(x, y, store_x, store_y, decay) -> np.ndarray:
    """(stores, customers) float32: lambda * log(1 + distance in km), computed once."""
    out = np.empty((len(store_x), len(x)), dtype=np.float32)
    for s, (sx, sy) in enumerate(zip(store_x, store_y, strict=True)):  # one row at a time:
        out[s] = decay * np.log1p(np.hypot(x - sx, y - sy))  # no (stores x N) float64 temporaries
    return out


@njit(cache=True)
def _shoppers(state, stage, u_shop, shop_probability, out):
    n = state.shape[0]
    flags = np.empty(n, dtype=np.bool_)
    for i in range(n):
        if state[i] == ACTIVE:
            flags[i] = u_shop[i] < shop_probability
        else:
            flags[i] = stage[i] >= CONVICTION
        if not flags[i]:
            out[i] = NOT_SHOPPING
    return np.flatnonzero(flags)


@njit(cache=True, parallel=True)
def choose(
    dist,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    offer_store,
    offer_supplier,
    offer_value,
    offer_open,
    store_loyalty,
    brand_loyalty,
    lapsed_affinity,
    outside_utility,
    out,
):
    """Write each customer's choice into `out`: an offer index, OUTSIDE or NOT_SHOPPING.

    Active customers shop with `shop_probability`; others shop when their funnel stage reaches
    conviction. Offers with `offer_open` false (a dropped brand) are not available. `dist` is
    `distance_terms(...)`; `offer_value` is float32.
    """
    idx = _shoppers(state, stage, u_shop, shop_probability, out)
    m = offer_value.shape[0]
    sl, bl, la = np.float32(store_loyalty), np.float32(brand_loyalty), np.float32(lapsed_affinity)
    w_out = exp32(outside_utility)
    n_blocks = (idx.shape[0] + BLOCK - 1) // BLOCK
    zero = np.float32(0.0)
    n_stores = dist.shape[0]
    for b in prange(n_blocks):
        lo = b * BLOCK
        size = min(idx.shape[0], lo + BLOCK) - lo
        # the block's customers, gathered once into contiguous arrays
        near = np.empty((n_stores, size), dtype=np.float32)
        active = np.empty(size, dtype=np.bool_)
        lapsed = np.empty(size, dtype=np.bool_)
        own_store = np.empty(size, dtype=np.int32)
        own_brand = np.empty(size, dtype=np.int32)
        for k in range(size):
            i = idx[lo + k]
            active[k] = state[i] == ACTIVE
            lapsed[k] = state[i] == LAPSED
            own_store[k] = store[i]
            own_brand[k] = brand[i]
        for s in range(n_stores):  # row by row: shoppers are in ascending order, reads are local
            for k in range(size):
                near[s, k] = dist[s, idx[lo + k]]
        weights = np.empty((m, size), dtype=np.float32)  # rows of closed offers are never read
        total = np.full(size, w_out, dtype=np.float32)
        u = np.empty(size, dtype=np.float32)
        bits = np.empty(size, dtype=np.int32)
        frac = np.empty(size, dtype=np.float32)
        for j in range(m):
            if not offer_open[j]:
                continue
            sj, supj, vj = np.int32(offer_store[j]), np.int32(offer_supplier[j]), offer_value[j]
            for k in range(size):  # branch-free: adding a float32 zero changes nothing
                v = vj - near[sj, k]
                v = v + (sl if active[k] and own_store[k] == sj else zero)
                v = v + (bl if active[k] and own_brand[k] == supj else zero)
                u[k] = v + (la if lapsed[k] else zero)
            exp_block(u, bits, frac, weights[j])
            for k in range(size):
                total[k] = total[k] + weights[j, k]
        # inverse CDF, offer by offer over the block (contiguous reads; the same running sums)
        target = np.empty(size, dtype=np.float32)
        cumulative = np.full(size, w_out, dtype=np.float32)
        pick = np.full(size, OUTSIDE, dtype=np.int64)
        chosen = np.empty(size, dtype=np.bool_)
        for k in range(size):
            target[k] = np.float32(u_choice[idx[lo + k]]) * total[k]
            chosen[k] = target[k] < cumulative[k]
        for j in range(m):
            if not offer_open[j]:
                continue
            for k in range(size):
                if not chosen[k]:
                    cumulative[k] = cumulative[k] + weights[j, k]
                    pick[k] = j
                    chosen[k] = target[k] < cumulative[k]
        for k in range(size):
            out[idx[lo + k]] = pick[k]


def utilities_reference(
    dist, state, store, brand, offer_store, offer_supplier, offer_value, store_loyalty,
    brand_loyalty, lapsed_affinity,
):  # fmt: skip
    """The N x M float32 matrix of inside utilities, with the kernel's operations in its order
    (adding a float32 zero where the kernel skips an addition changes nothing)."""
    zero = np.float32(0.0)
    v = np.asarray(offer_value, np.float32)[None, :] - dist[offer_store].T
    active = (state == ACTIVE)[:, None]
    v = v + np.where(active & (offer_store[None, :] == store[:, None]),
                     np.float32(store_loyalty), zero)  # fmt: skip
    v = v + np.where(active & (offer_supplier[None, :] == brand[:, None]),
                     np.float32(brand_loyalty), zero)  # fmt: skip
    return v + np.where((state == LAPSED)[:, None], np.float32(lapsed_affinity), zero)


def choose_reference(
    dist,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    offer_store,
    offer_supplier,
    offer_value,
    offer_open,
    store_loyalty,
    brand_loyalty,
    lapsed_affinity,
    outside_utility,
    out,
):
    """Numpy twin of `choose`: the same float32 operations in the same order, so the same bits."""
    v = utilities_reference(dist, state, store, brand, offer_store, offer_supplier, offer_value,
                            store_loyalty, brand_loyalty, lapsed_affinity)  # fmt: skip
    w = np.where(offer_open[None, :], exp_reference(v), np.float32(0.0)).astype(np.float32)
    w_out = exp_reference(np.array([outside_utility]))[0]
    weights = np.concatenate([np.full((state.shape[0], 1), w_out, np.float32), w], axis=1)
    cumulative = np.cumsum(weights, axis=1, dtype=np.float32)
    target = u_choice.astype(np.float32) * cumulative[:, -1]
    # first column whose cumulative weight exceeds the target, skipping closed offers
    above = (cumulative > target[:, None]) & np.concatenate(
        [np.ones((state.shape[0], 1), bool), np.broadcast_to(offer_open, w.shape)], axis=1
    )
    column = np.argmax(above, axis=1)
    column = np.where(above.any(axis=1), column, _last_open(offer_open) + 1)
    pick = np.where(column == 0, OUTSIDE, column - 1)
    shopping = np.where(state == ACTIVE, u_shop < shop_probability, stage >= CONVICTION)
    out[:] = np.where(shopping, pick, NOT_SHOPPING)


def _last_open(offer_open):
    open_idx = np.flatnonzero(offer_open)
    return int(open_idx[-1]) if open_idx.size else -1


__all__ = ["choose", "choose_reference", "distance_terms", "utilities_reference"]
