"""Store-and-brand choice by multinomial logit (model.md §3.4).

Utility of offer j (a store k carrying supplier s) for customer i:

    U_ij = V_j - lambda * log(1 + d_ik / 1 km) + loyalty_store [k is i's store] + loyalty_brand
           [s is i's brand] + affinity [i is lapsed]

V_j holds quality, brand, price, service, layout and reputation; the distance term is the
Huff (1963) gravity model in logit form (attraction / distance^lambda with lambda about 2).
The outside option (buy nothing, or elsewhere) has utility U_0. A customer may consider only
the stores nearest home (a consideration set: `Tastes.consideration_stores`); the others'
offers are not in their choice set. A shopper picks by inverse CDF with one uniform draw: the
same draw and the same weights give the same choice.

How it is computed (the performance issue). The logit weight factorises, as in Huff's
multiplicative form:

    exp(U_ij - c) = exp(V_j - c) * (1 + d_ik)^-lambda * e^loyalty_store * e^loyalty_brand ...

with c a shift common to every option (probabilities do not change; every factor stays in
float32 range). Homes and stores do not move, so the attraction (1 + d)^-lambda is computed
once per customer and considered store (`attraction`, a row per store, or per "slot" of the
consideration set: nearest first); the offer factors once per period (`choice_weights`, M exps,
laid out as a store x position grid). A period therefore takes no exp per customer: a weight is
two float32 multiplications. The kernel works on blocks of BLOCK customers in parallel; in each
block it gathers the shoppers, their attraction rows (own store multiplied by its loyalty
factor), then passes over (store slot, position) twice: once to sum the weights, once to count
how many running sums stay at or below draw x total (the inverse CDF without a branch). Each
customer's sums run in the same order whatever the threads (slot by slot, offers of a store in
offer order), and the numpy twin performs the same float32 operations: they agree bit for bit.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from linkages_sim.market.kernels.codes import ACTIVE, CONVICTION, LAPSED, NOT_SHOPPING, OUTSIDE

BLOCK = 1024  # customers per parallel task: the block's scratch rows stay in L1/L2
BELOW_ONE = np.float32(1.0 - 2.0**-24)  # largest float32 below 1: draw x total < total


class ChoiceWeights(NamedTuple):
    """The per-period factors of the logit weights, in the kernel's argument order. Offers are
    laid out by store: row k holds store k's offers in offer order, padded with offer -1 of
    weight 0."""

    grid_offer: np.ndarray  # int64 (stores, positions): the offer index, -1 for padding
    grid_supplier: np.ndarray  # int64 (stores, positions): its supplier, -1 for padding
    grid_weight: np.ndarray  # float32 (stores, positions): exp(V_j - c), 0 if closed or padding
    outside: np.float32  # exp(U_0 - c)
    store: np.float32  # factor on an active customer's own store: e^loyalty_store
    brand: np.float32  # factor on an active customer's own brand: e^loyalty_brand
    lapsed: np.float32  # factor on every inside offer for a lapsed customer: e^affinity


def attraction(x, y, store_x, store_y, decay, consider: int | None = None):
    """Each customer's attraction to the stores, (1 + distance in km)^-lambda, computed once.

    Returns (attraction, slot_store). With every store considered (`consider` None or at least
    the number of stores): attraction is (stores, customers) float32 and slot_store is None (the
    kernel is compiled for that case without the consideration-set code). Otherwise each
    customer keeps the `consider` nearest stores (a k-d tree query), nearest first: attraction
    is (consider, customers) float32 and slot_store (consider, customers) int16 (int32 beyond
    32,767 stores) holds the stores."""
    store_x, store_y = np.asarray(store_x, float), np.asarray(store_y, float)
    n_stores, n = store_x.shape[0], len(x)
    if consider is None or consider >= n_stores:
        out = np.empty((n_stores, n), dtype=np.float32)
        for s in range(n_stores):  # one row at a time: no (stores x N) float64 temporaries
            out[s] = _attraction(np.hypot(x - store_x[s], y - store_y[s]), decay)
        return out, None
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([store_x, store_y]))
    out = np.empty((consider, n), dtype=np.float32)
    slot_store = np.empty((consider, n), dtype=np.int16 if n_stores < 2**15 else np.int32)
    for lo in range(0, n, 1 << 20):  # chunks: the query's float64 and int64 results are big
        hi = min(n, lo + (1 << 20))
        distance, store = tree.query(np.column_stack([x[lo:hi], y[lo:hi]]), k=consider)
        out[:, lo:hi] = _attraction(distance, decay).T
        slot_store[:, lo:hi] = store.T
    return out, slot_store


def _attraction(distance_km: np.ndarray, decay: float) -> np.ndarray:
    return np.exp(-decay * np.log1p(distance_km))


def choice_weights(
    value: np.ndarray,
    is_open: np.ndarray,
    offer_store: np.ndarray,
    offer_supplier: np.ndarray,
    n_stores: int,
    outside_utility: float,
    store_loyalty: float,
    brand_loyalty: float,
    lapsed_affinity: float,
) -> ChoiceWeights:
    """Exponentiate the period's offer values once and lay them out by store. `outside_utility`
    may be -inf (no outside option). The shift c is the largest of U_0 and the open offers'
    V_j."""
    value = np.asarray(value, dtype=np.float64)
    shift = max([outside_utility, *value[is_open].tolist()])
    if not math.isfinite(shift):
        shift = 0.0
    weight = np.where(is_open, np.exp(np.minimum(value - shift, 0.0)), 0.0).astype(np.float32)
    offer_store = np.asarray(offer_store, dtype=np.int64)
    counts = np.bincount(offer_store, minlength=n_stores)
    positions = max(1, int(counts.max()) if counts.size else 1)
    # each offer's position among its store's offers, in offer order
    order = np.argsort(offer_store, kind="stable")
    first = np.cumsum(counts) - counts
    position = np.empty_like(offer_store)
    position[order] = np.arange(offer_store.size) - first[offer_store[order]]
    grid_offer = np.full((n_stores, positions), -1, dtype=np.int64)
    grid_supplier = np.full((n_stores, positions), -1, dtype=np.int64)
    grid_weight = np.zeros((n_stores, positions), dtype=np.float32)
    grid_offer[offer_store, position] = np.arange(offer_store.size)
    grid_supplier[offer_store, position] = offer_supplier
    grid_weight[offer_store, position] = weight
    f32 = np.float32
    return ChoiceWeights(
        grid_offer, grid_supplier, grid_weight, f32(math.exp(outside_utility - shift)),
        f32(math.exp(store_loyalty)), f32(math.exp(brand_loyalty)), f32(math.exp(lapsed_affinity)),
    )  # fmt: skip


@njit(cache=True, inline="always")
def _slot_weights(out, grid_weight, grid_supplier, store, near, own_brand, base, brand_factor):
    """With a consideration set: the offer at one position of each shopper's store in one slot
    (gathers from the small grid)."""
    for c in range(out.shape[0]):
        s = store[c]
        f = brand_factor if own_brand[c] == grid_supplier[s] else base[c]
        out[c] = (grid_weight[s] * near[c]) * f


@njit(cache=True, parallel=True)
def choose(
    attraction,
    slot_store,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    grid_offer,
    grid_supplier,
    grid_weight,
    outside_weight,
    store_factor,
    brand_factor,
    lapsed_factor,
    out,
):
    """Write each customer's choice into `out`: an offer index, OUTSIDE or NOT_SHOPPING.

    Active customers shop with `shop_probability`; others shop when their funnel stage reaches
    conviction. `attraction, slot_store` come from `attraction(...)`, the rest of the weights
    from `choice_weights(...)`; an offer of weight 0 is not available.
    """
    n = state.shape[0]
    slots = attraction.shape[0]
    positions = grid_weight.shape[1]
    n_suppliers = max(1, grid_supplier.max() + 1)
    one = np.float32(1.0)
    grid_weight_t = np.ascontiguousarray(grid_weight.T)  # (position, store): rows to gather from
    grid_supplier_t = np.ascontiguousarray(grid_supplier.T)
    # the (slot, position) entries to visit: every store's open offers, or every entry of a
    # consideration set (whose stores differ from customer to customer)
    flat = np.arange(slots * positions)
    entries = flat[grid_weight.ravel() > 0] if slot_store is None else flat
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
        near = np.empty((slots, size), dtype=np.float32)
        where = np.empty((0 if slot_store is None else slots, size), dtype=np.int64)
        for k in range(slots):  # row by row: shoppers ascend, so the reads are local
            for c in range(size):
                near[k, c] = attraction[k, shopper[c]]
            if slot_store is not None:
                for c in range(size):
                    where[k, c] = slot_store[k, shopper[c]]
        own_brand = np.empty(size, dtype=np.int64)
        base = np.empty(size, dtype=np.float32)
        for c in range(size):
            i = shopper[c]
            base[c] = lapsed_factor if state[i] == LAPSED else one
            own_brand[c] = brand[i] if state[i] == ACTIVE else -1
            if state[i] != ACTIVE:
                continue
            if slot_store is None:  # the own store's attraction carries the loyalty factor
                near[store[i], c] = near[store[i], c] * store_factor
            else:
                for k in range(slots):
                    if where[k, c] == store[i]:
                        near[k, c] = near[k, c] * store_factor
        loyal = np.empty((n_suppliers if slot_store is None else 0, size), dtype=np.float32)
        for sup in range(loyal.shape[0]):  # every store: the brand factor by supplier
            for c in range(size):
                loyal[sup, c] = brand_factor if own_brand[c] == sup else base[c]
        # with a consideration set the weights are gathered once and kept for the second pass
        kept = np.empty((0 if slot_store is None else entries.shape[0], size), dtype=np.float32)
        total = np.full(size, outside_weight, dtype=np.float32)
        for e in entries:
            k, p = e // positions, e % positions
            if slot_store is None:
                g, a, f = grid_weight[k, p], near[k], loyal[grid_supplier[k, p]]
                for c in range(size):
                    total[c] = total[c] + (g * a[c]) * f[c]
            else:
                _slot_weights(kept[e], grid_weight_t[p], grid_supplier_t[p], where[k], near[k],
                              own_brand, base, brand_factor)  # fmt: skip
                for c in range(size):
                    total[c] = total[c] + kept[e, c]
        target = np.empty(size, dtype=np.float32)
        running = np.full(size, outside_weight, dtype=np.float32)
        count = np.empty(size, dtype=np.int32)
        for c in range(size):
            target[c] = min(np.float32(u_choice[shopper[c]]), BELOW_ONE) * total[c]
            count[c] = np.int32(running[c] <= target[c])
        for e in entries:  # the same weights again: running sums never decrease, so the count
            k, p = e // positions, e % positions  # of those at or below the target is the choice
            if slot_store is None:
                g, a, f = grid_weight[k, p], near[k], loyal[grid_supplier[k, p]]
                for c in range(size):
                    running[c] = running[c] + (g * a[c]) * f[c]
                    count[c] += np.int32(running[c] <= target[c])
            else:
                for c in range(size):
                    running[c] = running[c] + kept[e, c]
                    count[c] += np.int32(running[c] <= target[c])
        for c in range(size):
            t = count[c]
            if t == 0 or t > entries.shape[0]:  # the outside option, or nothing has weight
                out[shopper[c]] = OUTSIDE
            else:
                k, p = entries[t - 1] // positions, entries[t - 1] % positions
                s = k if slot_store is None else where[k, c]
                out[shopper[c]] = grid_offer[s, p]


def weights_reference(
    attraction, slot_store, state, store, brand, grid_supplier, grid_weight, store_factor,
    brand_factor, lapsed_factor,
):  # fmt: skip
    """The N x (slots x positions) float32 matrix of inside weights in the kernel's order (slot
    by slot, a store's offers in offer order), by the kernel's operations; and the store of
    each slot (N x slots)."""
    n = state.shape[0]
    slots = attraction.shape[0]
    where = (np.broadcast_to(np.arange(slots), (n, slots)) if slot_store is None
             else slot_store.T.astype(np.int64))  # fmt: skip
    active = state == ACTIVE
    near = attraction.T
    near = np.where(active[:, None] & (where == store[:, None]), near * store_factor, near)
    own_brand = np.where(active, brand, -1)
    base = np.where(state == LAPSED, lapsed_factor, np.float32(1.0)).astype(np.float32)
    supplier = grid_supplier[where]  # (N, slots, positions)
    factor = np.where(supplier == own_brand[:, None, None], brand_factor, base[:, None, None])
    w = (grid_weight[where] * near[:, :, None]) * factor.astype(np.float32)
    return w.reshape(n, -1), where


def choose_reference(
    attraction,
    slot_store,
    state,
    stage,
    store,
    brand,
    u_shop,
    u_choice,
    shop_probability,
    grid_offer,
    grid_supplier,
    grid_weight,
    outside_weight,
    store_factor,
    brand_factor,
    lapsed_factor,
    out,
):
    """Numpy twin of `choose`: the same float32 operations in the same order, so the same bits
    (a closed offer or padding adds an exact zero to the running sum, which changes nothing)."""
    w, where = weights_reference(attraction, slot_store, state, store, brand, grid_supplier,
                                 grid_weight, store_factor, brand_factor,
                                 lapsed_factor)  # fmt: skip
    n = state.shape[0]
    w = np.concatenate([np.full((n, 1), outside_weight, np.float32), w], axis=1)
    running = np.cumsum(w, axis=1, dtype=np.float32)  # left to right, like the kernel
    target = np.minimum(u_choice.astype(np.float32), BELOW_ONE) * running[:, -1]
    above = running > target[:, None]  # the first entry above the target is the choice
    entry = np.where(above.any(axis=1), np.argmax(above, axis=1), 0) - 1
    positions = grid_offer.shape[1]
    slot, position = np.maximum(entry, 0) // positions, np.maximum(entry, 0) % positions
    offer = grid_offer[where[np.arange(n), slot], position]
    shopping = np.where(state == ACTIVE, u_shop < shop_probability, stage >= CONVICTION)
    out[:] = np.where(shopping, np.where(entry < 0, OUTSIDE, offer), NOT_SHOPPING)


__all__ = [
    "ChoiceWeights",
    "attraction",
    "choice_weights",
    "choose",
    "choose_reference",
    "weights_reference",
]
