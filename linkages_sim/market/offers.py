"""The offer table: one row per (store, supplier) pair a store carries this period (model.md §2).

Kernels see offers as a handful of parallel arrays; building them once per period from the
agents keeps the per-customer kernels free of Python objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from linkages_sim.config.schema import Market, Tastes
from linkages_sim.market.kernels import weighted_levels


@dataclass
class Offers:
    """Parallel arrays of length M (number of store-supplier pairs)."""

    store: np.ndarray  # int64 store index
    supplier: np.ndarray  # int64 supplier index
    distributor: np.ndarray  # int64 distributor index
    contract: np.ndarray  # int64 contract index
    x: np.ndarray
    y: np.ndarray
    price: np.ndarray
    wholesale_price: np.ndarray
    unit_cost: np.ndarray
    quality: np.ndarray
    fill: np.ndarray
    close: np.ndarray
    service: np.ndarray
    layout: np.ndarray
    reputation: np.ndarray
    brand: np.ndarray
    perceived_quality: np.ndarray  # what customers expect when choosing (learnt, lagging)
    perceived_service: np.ndarray
    in_band: np.ndarray  # bool: retail price within the contract's band around RRP
    open: np.ndarray  # bool: the relationship is active, so the store carries the brand
    dimensions: np.ndarray | None = None  # (offers, 6) delivered service dimensions, or None
    perceived_dimensions: np.ndarray | None = None  # (offers, 6) what customers expect of them

    def __len__(self) -> int:
        """The number of offers (store x supplier pairs)."""
        return int(self.store.shape[0])

    def for_segment(self, weights: np.ndarray | None) -> Offers:
        """The offers as a segment sees them: service is its weighted mean of the six dimensions.

        Delivered and perceived service both become the mean of the six levels weighted by the
        segment's importance (docs/service.md), so a dimension a segment does not weigh changes
        neither its choice nor its experience. Without dimensions, the offers themselves.
        """
        if self.dimensions is None or self.perceived_dimensions is None or weights is None:
            return self
        return replace(self, service=weighted_levels(self.dimensions, weights),
                       perceived_service=weighted_levels(self.perceived_dimensions, weights))

    def value(self, tastes: Tastes, reference_price: float) -> np.ndarray:
        """Offer part of the logit utility, V_j, for a segment's tastes.

        Customers choose on the quality and service they have come to expect, which lag what is
        delivered: a cut is felt at once in experience but only gradually in choice (the
        temptation of defecting).
        """
        return (
            tastes.quality * self.perceived_quality
            + tastes.brand * self.brand
            + tastes.service * self.perceived_service
            + tastes.layout * self.layout
            + tastes.reputation * self.reputation
            - tastes.price * np.log(self.price / reference_price)
        )

    def experience(self, market: Market) -> np.ndarray:
        """Expected experience of a purchase (0-1): quality, service and value for money.

        Service is the offer's delivered service, for a segment its weighted mean of the six
        dimensions (`for_segment`).
        """
        value = np.clip(market.reference_price / self.price - 0.5, 0.0, 1.0)
        weights = market.experience_quality + market.experience_service + market.experience_value
        return (
            market.experience_quality * self.quality
            + market.experience_service * self.service
            + market.experience_value * value
        ) / weights


def greeting_factor(greeting_time_s: float, standard_s: float) -> float:
    """Share of service quality kept given the time to greet a customer.

    1 within the SMART standard (seed slide 60: greet within 30 s), decaying beyond it.
    """
    excess = max(0.0, greeting_time_s - standard_s)
    return math.exp(-excess / (2.0 * standard_s))
