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
two float32 multiplications. The kernels work on blocks of BLOCK customers in parallel; in each
block they gather the shoppers, their attraction rows (own store multiplied by its loyalty
factor), then pass over (store slot, position) twice: once to sum the weights, once to count
how many running sums stay at or below draw x total (the inverse CDF without a branch). Each
customer's sums run in the same order whatever the threads (slot by slot, offers of a store in
offer order), and the numpy twins perform the same float32 operations: they agree bit for bit.

Two kernels, because the two layouts differ in what can be shared: with every store considered
(`choose_every_store`) slot k is store k for everybody, so the grid is read as it is and closed
offers are skipped; with a consideration set (`choose_considered`) each customer's slots hold
other stores, so the weights are gathered per customer and kept for the second pass. `choose`
runs the one that fits the attraction.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from linkages_sim.market.kernels.codes import ACTIVE, CONVICTION, LAPSED, NOT_SHOPPING, OUTSIDE

BLOCK = 1024  # customers per parallel task: the block's scratch rows stay in L1/L2
BELOW_ONE = np.float32(1.0 - 2.0**-24)  # largest float32 below 1: draw x total < total


class Attraction(NamedTuple):
    """Each customer's attraction to the stores they consider (from `attraction`)."""

    weight: np.ndarray  # float32 (slots, customers): (1 + distance in km)^-lambda
    slot_store: np.ndarray | None  # int16 or int32 (slots, customers): the store of each slot,
    # nearest first; None when every store is considered (slot k is store k)


class ChoiceDraws(NamedTuple):
    """The period's uniform draws of the choice step, one per customer."""

    u_shop: np.ndarray  # an active customer shops if this is below the shop probability
    u_choice: np.ndarray  # a shopper's inverse-CDF draw over the options


class ChoiceWeights(NamedTuple):
    """The per-period factors of the logit weights (from `choice_weights`).

    Offers are laid out by store: row k holds store k's offers in offer order, padded with offer
    -1 of weight 0.
    """

    grid_offer: np.ndarray  # int64 (stores, positions): the offer index, -1 for padding
    grid_supplier: np.ndarray  # int64 (stores, positions): its supplier, -1 for padding
    grid_weight: np.ndarray  # float32 (stores, positions): exp(V_j - c), 0 if closed or padding
    outside: np.float32  # exp(U_0 - c)
    store: np.float32  # factor on an active customer's own store: e^loyalty_store
    brand: np.float32  # factor on an active customer's own brand: e^loyalty_brand
    lapsed: np.float32  # factor on every inside offer for a lapsed customer: e^affinity


def attraction(x, y, store_x, store_y, *, decay: float, consider: int | None = None):
    """Each customer's attraction to the stores, (1 + distance in km)^-lambda, computed once.

    With every store considered (`consider` None or at least the number of stores) the weight
    is (stores, customers) float32 and `slot_store` is None. Otherwise each customer keeps the
    `consider` nearest stores (a k-d tree query), nearest first: the weight is (consider,
    customers) float32 and `slot_store` (consider, customers) int16 (int32 beyond 32,767
    stores) holds the stores.
    """
    store_x, store_y = np.asarray(store_x, float), np.asarray(store_y, float)
    n_stores, n = store_x.shape[0], len(x)
    if consider is None or consider >= n_stores:
        out = np.empty((n_stores, n), dtype=np.float32)
        for s in range(n_stores):  # one row at a time: no (stores x N) float64 temporaries
            out[s] = _attraction(np.hypot(x - store_x[s], y - store_y[s]), decay)
        return Attraction(weight=out, slot_store=None)
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([store_x, store_y]))
    out = np.empty((consider, n), dtype=np.float32)
    slot_store = np.empty((consider, n), dtype=np.int16 if n_stores < 2**15 else np.int32)
    for lo in range(0, n, 1 << 20):  # chunks: the query's float64 and int64 results are big
        hi = min(n, lo + (1 << 20))
        distance, store = tree.query(np.column_stack([x[lo:hi], y[lo:hi]]), k=consider)
        out[:, lo:hi] = _attraction(distance, decay).T
        slot_store[:, lo:hi] = store.T
    return Attraction(weight=out, slot_store=slot_store)


def _attraction(distance_km: np.ndarray, decay: float) -> np.ndarray:
    return np.exp(-decay * np.log1p(distance_km))


def choice_weights(
    *,
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
    """Exponentiate the period's offer values once and lay them out by store.

    `outside_utility` may be -inf (no outside option). The shift c is the largest of U_0 and the
    open offers' V_j. Keyword-only: several arguments share a dtype and could be swapped
    unnoticed.
    """
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
        grid_offer=grid_offer,
        grid_supplier=grid_supplier,
        grid_weight=grid_weight,
        outside=f32(math.exp(outside_utility - shift)),
        store=f32(math.exp(store_loyalty)),
        brand=f32(math.exp(brand_loyalty)),
        lapsed=f32(math.exp(lapsed_affinity)),
    )


def choose(attraction, customers, draws, weights, shop_probability, out):
    """Write each customer's choice into `out` (int64): an offer index, OUTSIDE or NOT_SHOPPING.

    Active customers shop with `shop_probability`; others shop when their funnel stage reaches
    conviction. `attraction` (an `Attraction`) comes from `attraction(...)`, `customers` is a
    `Customers`, `draws` a `ChoiceDraws`, `weights` a `ChoiceWeights`; an offer of weight 0 is
    not available. Runs `choose_every_store` or `choose_considered`, as `attraction` has no
    consideration set or one.
    """
    kernel = choose_every_store if attraction.slot_store is None else choose_considered
    kernel(attraction, customers, draws, weights, shop_probability, out)


# Each kernel binds every field it uses to a local name, one plain assignment per field, before
# its parallel loop, and the loop (with the helpers inlined into it) sees arrays and numbers
# only: see the package docstring (numba loses writes through a tuple inside `prange`).


@njit(cache=True, inline="always")
def _shoppers(lo, hi, state, stage, u_shop, shop_probability, out):
    """The block's shoppers, ascending; the others' choice is NOT_SHOPPING."""
    shopper = np.empty(hi - lo, dtype=np.int64)
    size = 0
    for i in range(lo, hi):
        shops = u_shop[i] < shop_probability if state[i] == ACTIVE else stage[i] >= CONVICTION
        if shops:
            shopper[size] = i
            size += 1
        else:
            out[i] = NOT_SHOPPING
    return shopper[:size]


@njit(cache=True, inline="always")
def _targets(shopper, u_choice, total, outside_weight):
    """Per shopper: the inverse CDF's target, the running sum, and a flag.

    The target is draw x total, the running sum starts at the outside option's weight, and the
    flag says whether the sum already stays at or below the target.
    """
    size = shopper.shape[0]
    target = np.empty(size, dtype=np.float32)
    running = np.full(size, outside_weight, dtype=np.float32)
    count = np.empty(size, dtype=np.int32)
    for c in range(size):
        target[c] = min(np.float32(u_choice[shopper[c]]), BELOW_ONE) * total[c]
        count[c] = np.int32(running[c] <= target[c])
    return target, running, count


@njit(cache=True, parallel=True)
def choose_every_store(attraction, customers, draws, weights, shop_probability, out):
    """`choose` with every store considered: slot k is store k, for every customer."""
    if attraction.slot_store is not None:
        raise ValueError("choose_every_store: the attraction has a consideration set")
    near_all = attraction.weight
    state = customers.state
    stage = customers.stage
    store = customers.store
    brand = customers.brand
    u_shop = draws.u_shop
    u_choice = draws.u_choice
    grid_offer = weights.grid_offer
    grid_supplier = weights.grid_supplier
    grid_weight = weights.grid_weight
    outside_weight = weights.outside
    store_factor = weights.store
    brand_factor = weights.brand
    lapsed_factor = weights.lapsed
    n = state.shape[0]
    slots = near_all.shape[0]
    positions = grid_weight.shape[1]
    n_suppliers = max(1, grid_supplier.max() + 1)
    one = np.float32(1.0)
    # the (store, position) entries to visit: the open offers (padding and closed offers would
    # add exact zeros)
    entries = np.arange(slots * positions)[grid_weight.ravel() > 0]
    for b in prange((n + BLOCK - 1) // BLOCK):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        shopper = _shoppers(lo, hi, state, stage, u_shop, shop_probability, out)
        size = shopper.shape[0]
        if size == 0:
            continue
        near = np.empty((slots, size), dtype=np.float32)
        for k in range(slots):  # row by row: shoppers ascend, so the reads are local
            for c in range(size):
                near[k, c] = near_all[k, shopper[c]]
        own_brand = np.empty(size, dtype=np.int64)
        base = np.empty(size, dtype=np.float32)  # the factor on other brands' offers
        for c in range(size):
            i = shopper[c]
            base[c] = lapsed_factor if state[i] == LAPSED else one
            own_brand[c] = brand[i] if state[i] == ACTIVE else -1
            if state[i] == ACTIVE:  # the own store's attraction carries the loyalty factor
                near[store[i], c] = near[store[i], c] * store_factor
        loyal = np.empty((n_suppliers, size), dtype=np.float32)  # the brand factor by supplier
        for sup in range(n_suppliers):
            for c in range(size):
                loyal[sup, c] = brand_factor if own_brand[c] == sup else base[c]
        total = np.full(size, outside_weight, dtype=np.float32)
        for e in entries:
            k, p = e // positions, e % positions
            g, a, f = grid_weight[k, p], near[k], loyal[grid_supplier[k, p]]
            for c in range(size):
                total[c] = total[c] + (g * a[c]) * f[c]
        target, running, count = _targets(shopper, u_choice, total, outside_weight)
        for e in entries:  # the same weights again: running sums never decrease, so the count
            k, p = e // positions, e % positions  # of those at or below the target is the choice
            g, a, f = grid_weight[k, p], near[k], loyal[grid_supplier[k, p]]
            for c in range(size):
                running[c] = running[c] + (g * a[c]) * f[c]
                count[c] += np.int32(running[c] <= target[c])
        for c in range(size):
            t = count[c]
            if t == 0 or t > entries.shape[0]:  # the outside option, or nothing has weight
                out[shopper[c]] = OUTSIDE
            else:
                e = entries[t - 1]
                out[shopper[c]] = grid_offer[e // positions, e % positions]


@njit(cache=True, inline="always")
def _slot_weights(out, grid_weight, grid_supplier, store, near, own_brand, base, brand_factor):
    """The offer at one position of each shopper's store in one slot.

    It gathers from the small grid.
    """
    for c in range(out.shape[0]):
        s = store[c]
        f = brand_factor if own_brand[c] == grid_supplier[s] else base[c]
        out[c] = (grid_weight[s] * near[c]) * f


@njit(cache=True, parallel=True)
def choose_considered(attraction, customers, draws, weights, shop_probability, out):
    """`choose` with a consideration set: slot k is each customer's k-th nearest store."""
    near_all = attraction.weight
    slot_store = attraction.slot_store
    state = customers.state
    stage = customers.stage
    store = customers.store
    brand = customers.brand
    u_shop = draws.u_shop
    u_choice = draws.u_choice
    grid_offer = weights.grid_offer
    outside_weight = weights.outside
    store_factor = weights.store
    brand_factor = weights.brand
    lapsed_factor = weights.lapsed
    n = state.shape[0]
    slots = near_all.shape[0]
    positions = weights.grid_weight.shape[1]
    entries = slots * positions  # every (slot, position): the slots' stores differ by customer
    one = np.float32(1.0)
    grid_weight_t = np.ascontiguousarray(weights.grid_weight.T)  # (position, store): rows to
    grid_supplier_t = np.ascontiguousarray(weights.grid_supplier.T)  # gather from
    for b in prange((n + BLOCK - 1) // BLOCK):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        shopper = _shoppers(lo, hi, state, stage, u_shop, shop_probability, out)
        size = shopper.shape[0]
        if size == 0:
            continue
        near = np.empty((slots, size), dtype=np.float32)
        where = np.empty((slots, size), dtype=np.int64)
        for k in range(slots):  # row by row: shoppers ascend, so the reads are local
            for c in range(size):
                near[k, c] = near_all[k, shopper[c]]
            for c in range(size):
                where[k, c] = slot_store[k, shopper[c]]
        own_brand = np.empty(size, dtype=np.int64)
        base = np.empty(size, dtype=np.float32)  # the factor on other brands' offers
        for c in range(size):
            i = shopper[c]
            base[c] = lapsed_factor if state[i] == LAPSED else one
            own_brand[c] = brand[i] if state[i] == ACTIVE else -1
            if state[i] == ACTIVE:  # the own store's attraction carries the loyalty factor
                for k in range(slots):
                    if where[k, c] == store[i]:
                        near[k, c] = near[k, c] * store_factor
        kept = np.empty((entries, size), dtype=np.float32)  # gathered once, for both passes
        total = np.full(size, outside_weight, dtype=np.float32)
        for e in range(entries):
            k, p = e // positions, e % positions
            _slot_weights(kept[e], grid_weight_t[p], grid_supplier_t[p], where[k], near[k],
                          own_brand, base, brand_factor)  # fmt: skip
            for c in range(size):
                total[c] = total[c] + kept[e, c]
        target, running, count = _targets(shopper, u_choice, total, outside_weight)
        for e in range(entries):  # running sums never decrease: the count of those at or
            for c in range(size):  # below the target is the choice
                running[c] = running[c] + kept[e, c]
                count[c] += np.int32(running[c] <= target[c])
        for c in range(size):
            t = count[c]
            if t == 0 or t > entries:  # the outside option, or nothing has weight
                out[shopper[c]] = OUTSIDE
            else:
                k, p = (t - 1) // positions, (t - 1) % positions
                out[shopper[c]] = grid_offer[where[k, c], p]


# --- numpy twins ----------------------------------------------------------------------------


def _inside_weights_reference(near, where, customers, weights):
    """The N x (slots x positions) float32 matrix of inside weights, by the kernels' operations.

    The matrix is in the kernels' order (slot by slot, a store's offers in offer order). `near`
    is the attraction (N x slots), `where` each slot's store (N x slots).
    """
    state, store = customers.state, customers.store
    active = state == ACTIVE
    near = np.where(active[:, None] & (where == store[:, None]), near * weights.store, near)
    own_brand = np.where(active, customers.brand, -1)
    base = np.where(state == LAPSED, weights.lapsed, np.float32(1.0)).astype(np.float32)
    supplier = weights.grid_supplier[where]  # (N, slots, positions)
    factor = np.where(supplier == own_brand[:, None, None], weights.brand, base[:, None, None])
    w = (weights.grid_weight[where] * near[:, :, None]) * factor.astype(np.float32)
    return w.reshape(state.shape[0], -1)


def _choose_reference(near, where, customers, draws, weights, shop_probability, out):
    """The inverse CDF over the weights, by cumulative sums.

    The same float32 operations in the same order as the kernels (a closed offer or padding adds
    an exact zero to the running sum, which changes nothing).
    """
    w = _inside_weights_reference(near, where, customers, weights)
    state, n = customers.state, customers.state.shape[0]
    w = np.concatenate([np.full((n, 1), weights.outside, np.float32), w], axis=1)
    running = np.cumsum(w, axis=1, dtype=np.float32)  # left to right, like the kernels
    target = np.minimum(draws.u_choice.astype(np.float32), BELOW_ONE) * running[:, -1]
    above = running > target[:, None]  # the first entry above the target is the choice
    entry = np.where(above.any(axis=1), np.argmax(above, axis=1), 0) - 1
    positions = weights.grid_offer.shape[1]
    slot, position = np.maximum(entry, 0) // positions, np.maximum(entry, 0) % positions
    offer = weights.grid_offer[where[np.arange(n), slot], position]
    shopping = np.where(state == ACTIVE, draws.u_shop < shop_probability,
                        customers.stage >= CONVICTION)  # fmt: skip
    out[:] = np.where(shopping, np.where(entry < 0, OUTSIDE, offer), NOT_SHOPPING)


def choose_every_store_reference(attraction, customers, draws, weights, shop_probability, out):
    """Numpy twin of `choose_every_store`."""
    if attraction.slot_store is not None:
        raise ValueError("choose_every_store_reference: the attraction has a consideration set")
    n, slots = customers.state.shape[0], attraction.weight.shape[0]
    where = np.broadcast_to(np.arange(slots), (n, slots))
    _choose_reference(attraction.weight.T, where, customers, draws, weights, shop_probability,
                      out)  # fmt: skip


def choose_considered_reference(attraction, customers, draws, weights, shop_probability, out):
    """Numpy twin of `choose_considered`."""
    where = attraction.slot_store.T.astype(np.int64)
    _choose_reference(attraction.weight.T, where, customers, draws, weights, shop_probability,
                      out)  # fmt: skip


def choose_reference(attraction, customers, draws, weights, shop_probability, out):
    """Numpy twin of `choose` (runs the twin of the kernel `choose` would run)."""
    twin = (choose_every_store_reference if attraction.slot_store is None
            else choose_considered_reference)  # fmt: skip
    twin(attraction, customers, draws, weights, shop_probability, out)


__all__ = [
    "Attraction",
    "ChoiceDraws",
    "ChoiceWeights",
    "attraction",
    "choice_weights",
    "choose",
    "choose_considered",
    "choose_considered_reference",
    "choose_every_store",
    "choose_every_store_reference",
    "choose_reference",
]
