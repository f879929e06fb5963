"""Purchases under reservation prices: the linear-demand special case (docs/model.md §10).

Each shopper buys one unit when the price does not exceed the reservation value they drew; with
values uniform on [0, a], expected demand is linear, N (1 - p / a).
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def buy_at_price(values: np.ndarray, price: float, out: np.ndarray) -> None:
    """out[i] = whether customer i, valuing the product at values[i], buys at `price`."""
    for i in prange(values.shape[0]):
        out[i] = values[i] >= price


def buy_at_price_reference(values: np.ndarray, price: float, out: np.ndarray) -> None:
    """Plain-numpy twin of `buy_at_price`."""
    out[:] = values >= price
