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

from linkages_sim.config.schema import Funnel, MapSpec, Market, Segment, TenureValue
from linkages_sim.market import kernels
from linkages_sim.market.kernels import codes
from linkages_sim.market.offers import Offers
from linkages_sim.rng import Purpose, Streams

STATE_NAMES = {int(s): s.name.lower() for s in codes.State}


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


def _array(structure: str, field: str) -> property:
    """Read-only access to one array of a kernel structure.

    The kernels hold the arrays, so an attribute cannot be rebound to another array that they
    would never see.
    """
    return property(lambda self: getattr(getattr(self, structure), field),
                    doc=f"`self.{structure}.{field}` (read-only).")  # fmt: skip


class CustomerSegment(mesa.Agent):
    """All customers of one segment, as arrays.

    The arrays live in two kernel structures built once: `customers` (state, changed in place by
    the kernels) and `outputs` (each period's per-customer results, buffers reused); the
    attributes `state`, `choice`, ... read them. Each period's draws and constants are built by
    keyword at the kernel calls.
    """

    state = _array("customers", "state")
    stage = _array("customers", "stage")
    store = _array("customers", "store")
    brand = _array("customers", "brand")
    satisfaction = _array("customers", "satisfaction")
    expectation = _array("customers", "expectation")
    tenure = _array("customers", "tenure")
    complained = _array("customers", "complained")
    choice = _array("outputs", "choice")
    outcome = _array("outputs", "outcome")
    disconfirmation = _array("outputs", "disconfirmation")
    event = _array("outputs", "event")
    attraction = _array("store_attraction", "weight")  # (slots, customers), from `initialise`
    slot_store = _array("store_attraction", "slot_store")  # None when every store is considered

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
        self.x, self.y = self._place_homes(area)
        self.customers = kernels.Customers.prospects(size, expectation=spec.expectation)
        self.outputs = kernels.Outputs.empty(size)
        self._active_start = np.zeros(0)
        self.service_weights: np.ndarray | None = None  # importance of the six dimensions, if on
        self.tenure_params = (None if spec.tenure_value is None
                              else tenure_params(spec.tenure_value))  # fmt: skip
        self.referrals: tuple[int, int] = (0, 0)  # this period: referrers, prospects referred

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
        """Draw who is active, lapsed or a prospect.

        Active customers get a store and a brand chosen by the same logit as shoppers (without the
        outside option).
        """
        offers = offers.for_segment(self.service_weights)  # docs/service.md
        rng = self.streams.generator(Purpose.INITIAL_STATE, 0, self.index)
        u = rng.random(self.size)
        active = u < self.spec.initial_active
        lapsed = ~active & (u < self.spec.initial_active + self.spec.initial_lapsed)
        self.state[active] = codes.ACTIVE
        self.state[lapsed] = codes.LAPSED
        self.stage[:] = rng.integers(codes.UNAWARE, codes.CONVICTION, self.size)
        self.stage[active] = codes.UNAWARE
        self.satisfaction[active] = 0.05
        t = self.spec.tastes
        self.store_attraction = kernels.attraction(
            self.x, self.y, self._store_x, self._store_y, decay=t.distance_decay,
            consider=t.consideration_stores,
        )  # homes and stores do not move: computed once  # fmt: skip
        weights = kernels.choice_weights(  # no outside option, no loyalty yet
            value=offers.value(t, reference_price), is_open=offers.open,
            offer_store=offers.store, offer_supplier=offers.supplier, n_stores=self.n_stores,
            outside_utility=-np.inf, store_loyalty=0.0, brand_loyalty=0.0, lapsed_affinity=0.0,
        )  # fmt: skip
        everyone = self.customers._replace(state=np.full(self.size, codes.ACTIVE, np.int8))
        draws = kernels.ChoiceDraws(
            u_shop=np.zeros(self.size),  # everyone shops
            u_choice=self.streams.uniform(Purpose.INITIAL_CHOICE, 0, self.index, self.size),
        )
        kernels.choose(self.store_attraction, everyone, draws, weights, 1.0, self.choice)
        chose = active & (self.choice >= 0)
        self.store[chose] = offers.store[self.choice[chose]]
        self.brand[chose] = offers.supplier[self.choice[chose]]
        self.state[active & ~chose] = codes.PROSPECT  # no open offer: nobody can be a customer

    # --- one period (model.md §3.3-3.6) ----------------------------------------------------------

    def advance_funnel(self, period: int, p_prospect: np.ndarray, p_lapsed: np.ndarray) -> None:
        """Move non-active customers through the funnel and count starts and advances per stage."""
        u = self.streams.uniform(Purpose.FUNNEL, period, self.index, self.size)
        candidates = self.state != codes.ACTIVE
        before = self.stage.copy()
        chances = kernels.FunnelChances(prospect=p_prospect, lapsed=p_lapsed)
        kernels.advance_funnel(self.customers, u, chances)
        stages = codes.CONVICTION + 1
        self._funnel_start = np.bincount(before[candidates], minlength=stages)
        moved = candidates & (self.stage > before)
        self._funnel_advanced = np.bincount(before[moved], minlength=stages)

    def shop(self, period: int, offers: Offers, market: Market, funnel: Funnel) -> None:
        """Choose among offers, then resolve each trip: stock, sale, experience, satisfaction."""
        n, i, s, spec = self.size, self.index, self.streams, self.spec
        t = spec.tastes
        offers = offers.for_segment(self.service_weights)  # its view of the six dimensions
        active = self.state == codes.ACTIVE
        self._active_start = np.bincount(self.store[active], minlength=self.n_stores)
        self.outputs.state_before[:] = self.state
        weights = kernels.choice_weights(
            value=offers.value(t, market.reference_price), is_open=offers.open,
            offer_store=offers.store, offer_supplier=offers.supplier, n_stores=self.n_stores,
            outside_utility=spec.outside_utility, store_loyalty=t.store_loyalty,
            brand_loyalty=t.brand_loyalty, lapsed_affinity=t.lapsed_affinity,
        )  # fmt: skip
        draws = kernels.ChoiceDraws(u_shop=s.uniform(Purpose.SHOP, period, i, n),
                                    u_choice=s.uniform(Purpose.CHOICE, period, i, n))  # fmt: skip
        kernels.choose(self.store_attraction, self.customers, draws, weights,
                       spec.shop_probability, self.choice)  # fmt: skip
        kernels.serve(
            self.customers,
            self.outputs,
            kernels.ServiceDraws(
                u_stock=s.uniform(Purpose.STOCK, period, i, n),
                u_close=s.uniform(Purpose.CLOSE, period, i, n),
                noise=s.normal(Purpose.EXPERIENCE, period, i, n),
            ),
            kernels.OfferTerms(
                fill=offers.fill,
                close=offers.close,
                experience=offers.experience(market),
                store=offers.store,
                supplier=offers.supplier,
            ),
            kernels.ServiceParams(
                stockout_experience=market.stockout_experience,
                experience_noise=market.experience_noise,
                satisfaction_adaptation=spec.satisfaction_adaptation,
                expectation_drift=spec.expectation_drift,
                expectation_anchoring=spec.expectation_anchoring,
                expectation_norm=spec.expectation,
                fallback_stage=funnel.fallback_stage,
            ),
        )

    def after_sales(self, period: int, store_recovery: np.ndarray, market: Market) -> None:
        """Complaints (rare), service recovery, and churn to lapsed."""
        n, i, s, spec = self.size, self.index, self.streams, self.spec
        kernels.complain_and_churn(
            self.customers,
            self.outputs,
            kernels.ChurnDraws(
                u_complain=s.uniform(Purpose.COMPLAIN, period, i, n),
                u_recover=s.uniform(Purpose.RECOVER, period, i, n),
                u_churn=s.uniform(Purpose.CHURN, period, i, n),
            ),
            kernels.ChurnParams(
                complain_probability=spec.complain_probability,
                complain_threshold=spec.complain_threshold,
                store_recovery=store_recovery,
                recovery_boost=market.recovery_boost,
                churn_base=spec.churn_base,
                churn_sensitivity=spec.churn_sensitivity,
            ),
        )
        if self.tenure_params is not None:
            self.refer(period)

    def refer(self, period: int) -> None:
        """Active customers refer prospects, who reach the funnel's conviction stage.

        Each active customer refers with their year of tenure's chance (Reichheld & Sasser 1990:
        long-standing customers bring others); as many prospects not yet convinced, drawn at
        random, are moved to conviction, so they shop next period. Fewer prospects than
        referrals: all of them.
        """
        rng = self.streams.generator(Purpose.REFERRAL, period, self.index)
        u = rng.random(self.size)
        referrers = kernels.count_referrers(self.customers, u, self.tenure_params)
        pool = np.flatnonzero((self.state == codes.PROSPECT) & (self.stage < codes.CONVICTION))
        referred = rng.choice(pool, size=min(referrers, pool.size), replace=False)
        self.stage[referred] = codes.CONVICTION
        self.referrals = (referrers, int(referred.size))

    # --- aggregation ------------------------------------------------------------------------

    def tally(self, offers: Offers) -> Tally:
        """The period's counts and satisfaction sums, with the funnel counts, as a `Tally`."""
        params = kernels.TallyParams(offer_store=offers.store, n_stores=self.n_stores,
                                     dissatisfied_below=-self.spec.complain_threshold)  # fmt: skip
        counts = kernels.tally(self.customers, self.outputs, params)
        return Tally(
            **counts._asdict(),
            active_start=self._active_start,
            funnel_start=self._funnel_start,
            funnel_advanced=self._funnel_advanced,
        )

    def tally_tenure(self, offers: Offers) -> kernels.TenureCounts | None:
        """The period's sums by offer, store and year of tenure; None without `tenure_value`.

        The unit margin by which buyers are weighted is the distributor's: price less wholesale.
        """
        if self.tenure_params is None:
            return None
        return kernels.tenure_tally(self.customers, self.outputs, self.tenure_params,
                                    offers.store, offers.price - offers.wholesale_price,
                                    self.n_stores)  # fmt: skip

    def spend_multiplier(self) -> np.ndarray:
        """Each customer's multiplier on units per purchase (ones without `tenure_value`)."""
        if self.tenure_params is None:
            return np.ones(self.size)
        p = self.tenure_params
        return p.spend[kernels.years_of(self.tenure, p.periods_per_year, p.spend.shape[0])]

    # --- teaching -----------------------------------------------------------------------------

    def sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """A random sample of individual customers, materialised as rows.

        For pictures and teaching; the simulation itself never needs them.
        """
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


def tenure_params(value: TenureValue) -> kernels.TenureParams:
    """The kernels' per-period tables of a `tenure_value` block, padded to one length.

    A shorter table repeats its last entry (it holds for every later year); yearly money and
    referral rates are spread evenly over the periods of a year.
    """
    years = max(len(value.spend), len(value.cost_to_serve), len(value.referrals))

    def padded(table: list[float]) -> np.ndarray:
        return np.array(table + [table[-1]] * (years - len(table)), dtype=np.float64)

    ppy = value.periods_per_year
    return kernels.TenureParams(
        periods_per_year=ppy,
        spend=padded(value.spend),
        cost=padded(value.cost_to_serve) / ppy,
        referral=padded(value.referrals) / ppy,
    )
