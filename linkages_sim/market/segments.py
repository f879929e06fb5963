"""Customers as arrays: one Mesa agent per segment owns its customers' state (struct of arrays).

A market has 10^5-10^7 customers, far too many for one Python object each (model.md §2). The
segment agent holds their state in numpy arrays and changes it only through the numba kernels;
aggregates for the firms come from `np.bincount`, never from a Python loop over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from linkages_sim.config.schema import Funnel, MapSpec, Market, Segment
from linkages_sim.market import kernels
from linkages_sim.market.kernels import codes
from linkages_sim.market.kernels.tally import FIELDS as TALLY_FIELDS
from linkages_sim.market.offers import Offers
from linkages_sim.rng import Purpose, Streams

STATE_NAMES = {codes.PROSPECT: "prospect", codes.ACTIVE: "active", codes.LAPSED: "lapsed"}


@dataclass
class Tally:
    """What one segment's customers did in one period, aggregated per offer and per store."""

    visitors: np.ndarray  # per offer: shoppers who chose it (visited the store for it)
    buyers: np.ndarray  # per offer: purchases
    new: np.ndarray  # per offer: first purchases of prospects (acquisitions)
    won_back: np.ndarray  # per offer: purchases by lapsed customers (win-backs)
    stockouts: np.ndarray  # per offer
    satisfaction_of_buyers: np.ndarray  # per offer: sum of buyers' satisfaction
    store_visitors: np.ndarray  # per store: shoppers who chose one of its offers
    store_buyers: np.ndarray  # per store
    active_start: np.ndarray  # per store: active customers at the start of the period
    active_end: np.ndarray  # per store: active customers at the end
    satisfaction_active: np.ndarray  # per store: sum of satisfaction of active customers (end)
    complaints: np.ndarray  # per store
    resolved: np.ndarray  # per store
    churned: np.ndarray  # per store
    churned_silent: np.ndarray  # per store
    went_outside: int  # shoppers who chose the outside option
    shoppers: int
    shoppers_by_state: np.ndarray  # prospects, active, lapsed who shopped this period
    buyers_by_state: np.ndarray  # ... and who bought
    dissatisfied: int  # customers whose experience fell short by more than the threshold
    counts: np.ndarray  # prospects, active, lapsed at the end of the period
    stages: np.ndarray  # non-active customers per funnel stage at the end
    funnel_start: np.ndarray  # non-active customers per stage before this period's funnel step
    funnel_advanced: np.ndarray  # ... of whom moved on to the next stage this period


class CustomerSegment(mesa.Agent):
    """All customers of one segment, as arrays."""

    def __init__(
        self, model: mesa.Model, spec: Segment, index: int, size: int, streams: Streams,
        area: MapSpec, store_x: np.ndarray, store_y: np.ndarray,
    ) -> None:  # fmt: skip
        """Place `size` customers' homes on the map; stores are at (`store_x`, `store_y`)."""
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.name = spec.id
        self.size = size
        self.n_stores = len(store_x)
        self._store_x, self._store_y = np.asarray(store_x, float), np.asarray(store_y, float)
        self.streams = streams
        n = size
        self.x, self.y = self._place_homes(area)
        self.state = np.full(n, codes.PROSPECT, dtype=np.int8)
        self.stage = np.zeros(n, dtype=np.int8)
        self.store = np.full(n, -1, dtype=np.int64)
        self.brand = np.full(n, -1, dtype=np.int64)
        self.satisfaction = np.zeros(n)
        self.expectation = np.full(n, spec.expectation)
        self.tenure = np.zeros(n, dtype=np.int64)
        self.complained = np.zeros(n, dtype=np.bool_)
        # per-period outputs, reused
        self.choice = np.full(n, codes.NOT_SHOPPING, dtype=np.int64)
        self.outcome = np.zeros(n, dtype=np.int8)
        self.event = np.zeros(n, dtype=np.int8)
        self.disconfirmation = np.full(n, np.nan)
        self._active_start = np.zeros(0)
        self._state_before = self.state.copy()

    # --- set-up -----------------------------------------------------------------------------

    def _place_homes(self, area: MapSpec) -> tuple[np.ndarray, np.ndarray]:
        rng = self.streams.generator(Purpose.HOMES, 0, self.index)
        weights = np.array([c.weight for c in self.spec.centres])
        centre = rng.choice(len(weights), size=self.size, p=weights / weights.sum())
        cx = np.array([c.x for c in self.spec.centres])[centre]
        cy = np.array([c.y for c in self.spec.centres])[centre]
        x = np.clip(cx + self.spec.spread_km * rng.standard_normal(self.size), 0, area.width_km)
        y = np.clip(cy + self.spec.spread_km * rng.standard_normal(self.size), 0, area.height_km)
        return x, y

    def initialise(self, offers: Offers, reference_price: float) -> None:
        """Draw who is active, lapsed or a prospect; active customers get a store and a brand
        chosen by the same logit as shoppers (without the outside option)."""
        rng = self.streams.generator(Purpose.INITIAL_STATE, 0, self.index)
        u = rng.random(self.size)
        active = u < self.spec.initial_active
        lapsed = ~active & (u < self.spec.initial_active + self.spec.initial_lapsed)
        self.state[active] = codes.ACTIVE
        self.state[lapsed] = codes.LAPSED
        self.stage[:] = rng.integers(codes.UNAWARE, codes.CONVICTION, self.size)
        self.stage[active] = codes.UNAWARE
        self.satisfaction[active] = 0.05
        everyone = np.full(self.size, codes.ACTIVE, dtype=np.int8)
        u_choice = self.streams.uniform(Purpose.INITIAL_CHOICE, 0, self.index, self.size)
        t = self.spec.tastes
        self.attraction, self.slot_store = kernels.attraction(
            self.x, self.y, self._store_x, self._store_y, t.distance_decay, t.consideration_stores,
        )  # homes and stores do not move: computed once  # fmt: skip
        weights = kernels.choice_weights(  # no outside option, no loyalty yet
            offers.value(t, reference_price), offers.open, offers.store, offers.supplier,
            self.n_stores, -np.inf, 0.0, 0.0, 0.0,
        )  # fmt: skip
        kernels.choose(
            self.attraction, self.slot_store, everyone, self.stage, self.store, self.brand,
            np.zeros(self.size), u_choice, 1.0, *weights, self.choice,
        )  # fmt: skip
        chose = active & (self.choice >= 0)
        self.store[chose] = offers.store[self.choice[chose]]
        self.brand[chose] = offers.supplier[self.choice[chose]]
        self.state[active & ~chose] = codes.PROSPECT  # no open offer: nobody can be a customer

    # --- one period (model.md §3.3-3.6) ----------------------------------------------------------

    def advance_funnel(self, period: int, p_prospect: np.ndarray, p_lapsed: np.ndarray) -> None:
        u = self.streams.uniform(Purpose.FUNNEL, period, self.index, self.size)
        candidates = self.state != codes.ACTIVE
        before = self.stage.copy()
        kernels.advance_funnel(self.state, self.stage, u, p_prospect, p_lapsed)
        stages = codes.CONVICTION + 1
        self._funnel_start = np.bincount(before[candidates], minlength=stages)
        moved = candidates & (self.stage > before)
        self._funnel_advanced = np.bincount(before[moved], minlength=stages)

    def shop(self, period: int, offers: Offers, market: Market, funnel: Funnel) -> None:
        """Choose among offers, then resolve each trip: stock, sale, experience, satisfaction."""
        n, i, s = self.size, self.index, self.streams
        t = self.spec.tastes
        active = self.state == codes.ACTIVE
        self._active_start = np.bincount(self.store[active], minlength=self.n_stores)
        self._state_before = self.state.copy()
        weights = kernels.choice_weights(
            offers.value(t, market.reference_price), offers.open, offers.store, offers.supplier,
            self.n_stores, self.spec.outside_utility, t.store_loyalty, t.brand_loyalty,
            t.lapsed_affinity,
        )  # fmt: skip
        kernels.choose(
            self.attraction, self.slot_store, self.state, self.stage, self.store, self.brand,
            s.uniform(Purpose.SHOP, period, i, n), s.uniform(Purpose.CHOICE, period, i, n),
            self.spec.shop_probability, *weights, self.choice,
        )  # fmt: skip
        kernels.serve(
            self.choice, self.state, self.stage, self.store, self.brand, self.satisfaction,
            self.expectation, self.tenure, self.complained,
            s.uniform(Purpose.STOCK, period, i, n), s.uniform(Purpose.CLOSE, period, i, n),
            s.normal(Purpose.EXPERIENCE, period, i, n), offers.fill, offers.close,
            offers.experience(market), offers.store, offers.supplier,
            market.stockout_experience, market.experience_noise,
            self.spec.satisfaction_adaptation, self.spec.expectation_drift,
            self.spec.expectation_anchoring, self.spec.expectation, funnel.fallback_stage,
            self.outcome, self.disconfirmation,
        )  # fmt: skip

    def after_sales(self, period: int, store_recovery: np.ndarray, market: Market) -> None:
        """Complaints (rare), service recovery, and churn to lapsed."""
        n, i, s, spec = self.size, self.index, self.streams, self.spec
        kernels.complain_and_churn(
            self.state, self.stage, self.store, self.satisfaction, self.complained,
            self.disconfirmation, s.uniform(Purpose.COMPLAIN, period, i, n),
            s.uniform(Purpose.RECOVER, period, i, n), s.uniform(Purpose.CHURN, period, i, n),
            spec.complain_probability, spec.complain_threshold, store_recovery,
            market.recovery_boost, spec.churn_base, spec.churn_sensitivity,
            self.event,
        )  # fmt: skip

    # --- aggregation ------------------------------------------------------------------------

    def tally(self, offers: Offers) -> Tally:
        values = kernels.tally(
            self.choice, self.outcome, self.state, self._state_before, self.store, self.stage,
            self.event, self.satisfaction, self.disconfirmation, -self.spec.complain_threshold,
            offers.store, len(offers), self.n_stores,
        )  # fmt: skip
        return Tally(
            **dict(zip(TALLY_FIELDS, values, strict=True)),
            active_start=self._active_start,
            funnel_start=self._funnel_start,
            funnel_advanced=self._funnel_advanced,
        )

    # --- teaching -----------------------------------------------------------------------------

    def sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """A random sample of individual customers, materialised as rows (for pictures and
        teaching; the simulation itself never needs them)."""
        idx = np.sort(rng.choice(self.size, size=min(n, self.size), replace=False))
        return pd.DataFrame(
            {
                "segment": self.name,
                "customer": idx,
                "x_km": self.x[idx],
                "y_km": self.y[idx],
                "state": [STATE_NAMES[int(v)] for v in self.state[idx]],
                "funnel_stage": self.stage[idx],
                "store": self.store[idx],
                "brand": self.brand[idx],
                "satisfaction": self.satisfaction[idx],
                "expectation": self.expectation[idx],
                "tenure": self.tenure[idx],
                "complained": self.complained[idx],
            }
        )
