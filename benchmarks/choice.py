"""The choice step: numba kernel, its numpy reference, and a naive per-agent Mesa version.

Every customer shops (active, shop probability 1), so each call evaluates N x M
customer-offer pairs; the figure is wall time per pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from linkages_sim.market.kernels import choice
from linkages_sim.market.kernels.codes import ACTIVE, OUTSIDE
from linkages_sim.market.kernels.customers import Customers


@dataclass
class Inputs:
    args: tuple  # the kernel's arguments, without `out`: attraction, customers, draws, weights,
    # shop probability
    out: np.ndarray
    raw: dict  # coordinates and tastes, for the per-agent version
    offers: int  # offers each customer considers

    @property
    def pairs(self) -> int:
        """Customer-offer pairs the kernel evaluates per call."""
        return self.out.shape[0] * self.offers

    @property
    def bytes_per_customer(self) -> int:
        """Of the attraction (float32) and, with a consideration set, its stores (int16)."""
        attraction = self.args[0]
        stores = 0 if attraction.slot_store is None else attraction.slot_store.nbytes
        return (attraction.weight.nbytes + stores) // self.out.shape[0]


def inputs(n: int, m: int, seed: int = 0, consider: int | None = None) -> Inputs:
    """n active customers who all shop, M offers: M/2 stores carrying 2 suppliers each (offers
    by store, as the model lays them out); optionally a consideration set of stores."""
    rng = np.random.default_rng(seed)
    n_stores = max(1, m // 2)
    x, y = rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    state = np.full(n, ACTIVE, dtype=np.int8)
    stage = np.zeros(n, dtype=np.int8)
    store = rng.integers(0, n_stores, n).astype(np.int64)
    brand = rng.integers(0, 2, n).astype(np.int64)
    u_shop, u_choice = np.zeros(n), rng.random(n)
    store_x, store_y = rng.uniform(0, 20, n_stores), rng.uniform(0, 20, n_stores)
    offer_store = (np.arange(m) // 2 % n_stores).astype(np.int64)
    offer_supplier = (np.arange(m) % 2).astype(np.int64)
    offer_value = rng.uniform(2, 5, m).astype(np.float32)
    offer_open = np.ones(m, dtype=bool)
    decay, store_loyalty, brand_loyalty, lapsed, outside = 2.0, 3.6, 2.2, 0.9, 6.0
    attraction = choice.attraction(x, y, store_x, store_y, decay=decay, consider=consider)
    weights = choice.choice_weights(
        value=offer_value, is_open=offer_open, offer_store=offer_store,
        offer_supplier=offer_supplier, n_stores=n_stores, outside_utility=outside,
        store_loyalty=store_loyalty, brand_loyalty=brand_loyalty, lapsed_affinity=lapsed,
    )  # fmt: skip
    customers = Customers.prospects(n, expectation=0.6)._replace(
        state=state, stage=stage, store=store, brand=brand
    )
    draws = choice.ChoiceDraws(u_shop=u_shop, u_choice=u_choice)
    args = (attraction, customers, draws, weights, 1.0)
    raw = {"x": x, "y": y, "store": store, "brand": brand, "u": u_choice,
           "offers": list(zip(store_x[offer_store].tolist(), store_y[offer_store].tolist(),
                              offer_store.tolist(), offer_supplier.tolist(),
                              offer_value.astype(float).tolist(), strict=True)),
           "decay": decay, "store_loyalty": store_loyalty, "brand_loyalty": brand_loyalty,
           "outside": outside}  # fmt: skip
    considered = m if consider is None else min(consider, n_stores) * (m // n_stores)
    return Inputs(args, np.empty(n, dtype=np.int64), raw, considered)


def kernel(data: Inputs) -> None:
    choice.choose(*data.args, data.out)


def reference(data: Inputs) -> None:
    choice.choose_reference(*data.args, data.out)


class NaiveCustomer(mesa.Agent):
    """One customer as a Python object, the way a per-agent ABM would write it."""

    def __init__(self, model, x, y, store, brand, u):
        super().__init__(model)
        self.x, self.y, self.store, self.brand, self.u = x, y, store, brand, u
        self.choice = OUTSIDE

    def step(self) -> None:
        m = self.model
        weights = [math.exp(m.outside_utility)]
        for ox, oy, ostore, osupplier, value in m.offers:
            v = value - m.decay * math.log1p(math.hypot(self.x - ox, self.y - oy))
            if ostore == self.store:
                v += m.store_loyalty
            if osupplier == self.brand:
                v += m.brand_loyalty
            weights.append(math.exp(v))
        target = self.u * sum(weights)
        cumulative = 0.0
        for j, w in enumerate(weights):
            cumulative += w
            if target < cumulative:
                self.choice = OUTSIDE if j == 0 else j - 1
                return


class NaiveMarket(mesa.Model):
    def __init__(self, data: Inputs) -> None:
        super().__init__(rng=0)
        r = data.raw
        self.offers = r["offers"]
        self.decay, self.outside_utility = r["decay"], r["outside"]
        self.store_loyalty, self.brand_loyalty = r["store_loyalty"], r["brand_loyalty"]
        for i in range(r["x"].shape[0]):
            NaiveCustomer(self, float(r["x"][i]), float(r["y"][i]), int(r["store"][i]),
                          int(r["brand"][i]), float(r["u"][i]))  # fmt: skip

    def step(self) -> None:
        self.agents.shuffle_do("step")


def naive_memory_per_customer(n: int, m: int) -> float:
    """Bytes per customer of the per-agent version (tracemalloc over building the model)."""
    import tracemalloc

    data = inputs(n, m)
    tracemalloc.start()
    model = NaiveMarket(data)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del model
    return current / n
