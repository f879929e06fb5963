"""The market model: one Mesa model whose `step` is one period of DESIGN section 3.

    relationship round -> operations -> acquisition funnel -> choice and experience
    -> complaints and churn -> accounting -> brand, reputation -> record

Firms are Mesa agents (`agents.py`), customers are arrays owned by segment agents
(`population.py`), per-customer work runs in numba kernels (`kernels/`), and every money flow is a
ledger transfer (`accounting.py`), so money and customers are conserved and checked each period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from linkages_sim.accounting import CUSTOMERS, OUTSIDE, Account, ConservationError, Ledger
from linkages_sim.agents import Distributor, Store, Supplier
from linkages_sim.contracts import measure_clauses
from linkages_sim.interventions import Effects, opening_stores
from linkages_sim.kernels import codes
from linkages_sim.metrics import MetricsRecorder
from linkages_sim.offers import Offers
from linkages_sim.population import CustomerSegment, Tally
from linkages_sim.relationships import Relationship
from linkages_sim.rng import Purpose, Streams
from linkages_sim.scenario import Scenario
from linkages_sim.strategies import C, D


@dataclass(frozen=True)
class OfferSlot:
    """The fixed identity of an offer: which store carries which supplier, under which contract."""

    store: int
    supplier: int
    distributor: int
    contract: int


class MarketModel(mesa.Model):
    """Suppliers, distributors, stores and customer segments playing one market."""

    def __init__(
        self, scenario: Scenario, seed: int | None = None, structure_seed: int | None = None
    ) -> None:
        """`seed` drives every random draw; `structure_seed`, when given, drives only the
        market's layout (homes, initial customers), so replications can share it."""
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.spec = scenario
        self.seed = seed
        self.period = 0
        self.streams = Streams(seed, structure_seed)
        self.ledger = Ledger()
        self.ledger.open(Account(CUSTOMERS))
        self.ledger.open(Account(OUTSIDE))

        self.suppliers = [Supplier(self, s, i) for i, s in enumerate(scenario.suppliers)]
        self.distributors = [Distributor(self, d, i) for i, d in enumerate(scenario.distributors)]
        by_id = {d.name: d for d in self.distributors}
        all_stores = [*scenario.stores, *opening_stores(scenario.interventions)]
        self.stores = [Store(self, s, i, by_id[s.distributor]) for i, s in enumerate(all_stores)]
        s_index, d_index = scenario.supplier_index(), scenario.distributor_index()
        self.relationships = [
            Relationship.from_contract(
                c, k, s_index[c.supplier], d_index[c.distributor],
                scenario.suppliers[s_index[c.supplier]].wholesale_price,
            )
            for k, c in enumerate(scenario.contracts)
        ]  # fmt: skip
        self.penalties_paid = np.zeros((len(self.relationships), 2))  # this period: by s, by d
        self.effects = Effects(self)
        self.slots = [
            OfferSlot(store.index, r.supplier, r.distributor, k)
            for store in self.stores
            for k, r in enumerate(self.relationships)
            if r.distributor == store.distributor.index
        ]
        self.slot_ids = {field: np.array([getattr(o, field) for o in self.slots], dtype=np.int64)
                         for field in ("store", "supplier", "distributor", "contract")}  # fmt: skip
        self.customer_weight = scenario.market_size / scenario.customers
        self.segments = [
            CustomerSegment(self, spec, i, size, self.streams)
            for i, (spec, size) in enumerate(
                zip(scenario.segments, _split(scenario.customers, scenario.segments), strict=True)
            )
        ]
        for store in self.stores:
            store.operate(scenario.market)
        self.perceived_quality: np.ndarray | None = None  # per slot, set by the first build
        self.perceived_service: np.ndarray | None = None  # per slot
        self.offers = self._build_offers()
        for segment in self.segments:
            segment.initialise(self.offers, scenario.market.reference_price)
        self.units = np.zeros(len(self.offers))
        self.recorder = MetricsRecorder(self)

    # --- one period ---------------------------------------------------------------------------

    def step(self) -> None:
        """One period, in the order of DESIGN section 3."""
        p = self.period
        self.ledger.start_period()
        self.effects.update(p)
        self.relationship_round(p)
        self.operations(p)
        self.acquisition(p)
        for segment in self.segments:
            segment.shop(p, self.offers, self.spec.market, self.spec.funnel)
        recovery = np.array([s.recovery_rate for s in self.stores])
        for segment in self.segments:
            segment.after_sales(p, recovery)
        tallies = [segment.tally(self.offers) for segment in self.segments]
        tally = _combine(tallies)
        self.units = self._units_sold(tallies)
        self.accounting(p, tally)
        self.update_brand_and_reputation(tally)
        self.measure_compliance()
        self.check_conservation(tally)
        self.recorder.record(p, tally)
        self.period += 1
        if self.period >= self.spec.periods:
            self.running = False

    def run(self, periods: int | None = None, progress=None) -> None:
        """Run `periods` periods (default: the scenario's); call `progress(period)` after each."""
        for _ in range(self.spec.periods if periods is None else periods):
            self.step()
            if progress is not None:
                progress(self.period)

    def relationship_round(self, period: int) -> None:
        """Broken contracts whose cooldown is over start afresh; contracts due for renewal
        renegotiate the wholesale price; contracts due for review read each other's clauses,
        pay SLA penalties, update trust, maybe break, and choose (DESIGN 3.1)."""
        self.penalties_paid[:] = 0.0
        for k, r in enumerate(self.relationships):
            supplier = self.suppliers[r.supplier].account.name
            distributor = self.distributors[r.distributor].account.name
            if r.due_for_recontract(period):
                r.restart()
                r.recontracts.append(period)
                self.ledger.transfer(period, distributor, OUTSIDE, "switching",
                                     r.spec.switching_cost)  # fmt: skip
            r.renegotiate(period)
            if not r.is_review(period):
                continue
            rng = self.streams.generator(Purpose.RELATIONSHIP, period, k)
            r.penalty_override = (
                None if np.isnan(self.effects.penalty[k]) else float(self.effects.penalty[k])
            )
            for penalty in r.review(period, rng):
                payer, payee = (
                    (supplier, distributor) if penalty.payer == "supplier"
                    else (distributor, supplier)
                )  # fmt: skip
                self.ledger.transfer(period, payer, payee, "sla_penalty", penalty.amount)
                self.penalties_paid[k, int(penalty.payer == "distributor")] += penalty.amount
            if not r.active:
                self.ledger.transfer(period, distributor, OUTSIDE, "switching",
                                     r.spec.switching_cost)  # fmt: skip

    def measure_compliance(self) -> None:
        """Measure every active contract's clauses on this period's levers."""
        for r in self.relationships:
            if r.active:
                r.compliance = measure_clauses(self, r)

    def operations(self, period: int) -> None:
        """Actions become levers: prices, service and training spend, quality, new products,
        data sharing (DESIGN 3.2)."""
        market = self.spec.market
        for d in self.distributors:
            acts = [r.distributor_action for r in self._active(distributor=d.index)]
            d.defect_share = sum(a == D for a in acts) / len(acts) if acts else 0.0
        for store in self.stores:
            store.operate(market)
        for s in self.suppliers:
            live = self._active(supplier=s.index)
            if s.develop_products(period, any(r.supplier_action == C for r in live), market):
                s.last_launch = period
                self.ledger.transfer(
                    period, s.account.name, OUTSIDE, "new_product", s.spec.new_product_cost
                )
            if live:
                shared = [self.shares_data(r) for r in live]
                s.learn_from_data(sum(shared) / len(shared), market)
        self.offers = self._build_offers()

    def acquisition(self, period: int) -> None:
        """Marketing reach and the retail experience move prospects and lapsed customers
        through the funnel; lapsed customers respond less (DESIGN 3.3)."""
        funnel, market_size = self.spec.funnel, self.spec.market_size
        contacts = sum(d.spec.marketing_per_period for d in self.distributors)
        contacts /= funnel.cost_per_contact
        o = self.offers
        live_stores = np.unique(o.store[o.open])
        if live_stores.size:
            appeal = np.mean([(self.stores[k].spec.layout + self.stores[k].reputation) / 2
                              for k in live_stores])  # fmt: skip
            training = np.mean([self.stores[k].training for k in live_stores])
            quality = float(np.mean(o.quality[o.open]))
        else:
            appeal = training = quality = 0.0
        p = np.array(
            [
                1.0 - math.exp(-contacts / market_size),
                funnel.interest * (0.5 + appeal),
                funnel.desire * (0.5 + quality),
                funnel.conviction * (0.5 + training),
            ]
        ).clip(0.0, 1.0)
        for segment in self.segments:
            segment.advance_funnel(period, p, p * segment.spec.winback_responsiveness)

    def accounting(self, period: int, tally: Tally) -> None:
        """Book every flow of the period as a ledger transfer (DESIGN 3.7)."""
        o, led = self.offers, self.ledger
        units = self.units
        for d in self.distributors:
            mine = o.distributor == d.index
            led.transfer(period, CUSTOMERS, d.account.name, "retail_sales",
                         float(np.sum(units[mine] * o.price[mine])))  # fmt: skip
            for s in self.suppliers:
                pair = mine & (o.supplier == s.index)
                led.transfer(period, d.account.name, s.account.name, "wholesale",
                             float(np.sum(units[pair] * o.wholesale_price[pair])))  # fmt: skip
            open_stores = [st for st in d.stores if not st.closed]
            n_stores = len(open_stores)
            led.transfer(period, d.account.name, OUTSIDE, "marketing", d.spec.marketing_per_period)
            led.transfer(period, d.account.name, OUTSIDE, "service",
                         n_stores * d.service_spend_per_store)  # fmt: skip
            led.transfer(period, d.account.name, OUTSIDE, "training",
                         n_stores * d.training_spend_per_store)  # fmt: skip
            led.transfer(period, d.account.name, OUTSIDE, "occupancy",
                         sum(st.spec.occupancy_cost for st in open_stores))  # fmt: skip
            sharing = [r for r in self._active(distributor=d.index) if self.shares_data(r)]
            led.transfer(period, d.account.name, OUTSIDE, "data_sharing",
                         len(sharing) * d.spec.data_sharing_cost)  # fmt: skip
        for r in self.relationships:
            mine = o.contract == r.index
            r.record_trade(float(units[mine].sum()), float(np.sum(units[mine] * o.price[mine])),
                           float(np.sum(units[mine] * o.unit_cost[mine])))  # fmt: skip
        for s in self.suppliers:
            mine = o.supplier == s.index
            led.transfer(period, s.account.name, OUTSIDE, "production",
                         float(np.sum(units[mine] * o.unit_cost[mine])))  # fmt: skip
            led.transfer(period, s.account.name, OUTSIDE, "fixed_cost", s.spec.fixed_cost)

    def update_brand_and_reputation(self, tally: Tally) -> None:
        """Brand equity follows buyers' satisfaction and price consistency; store reputation
        follows its customers' satisfaction (word of mouth) (DESIGN 3.8)."""
        o, market = self.offers, self.spec.market
        units = self.units
        for s in self.suppliers:
            mine = o.supplier == s.index
            buyers = tally.buyers[mine].sum()
            sold = units[mine].sum()
            mean_sat = tally.satisfaction_of_buyers[mine].sum() / buyers if buyers else 0.0
            off_band = units[mine & ~o.in_band].sum() / sold if sold else 0.0
            s.update_brand(mean_sat, off_band, bool(buyers), market)
        for store in self.stores:
            k = store.index
            active = tally.active_end[k]
            mean_sat = tally.satisfaction_active[k] / active if active else 0.0
            store.update_reputation(mean_sat, bool(active), market.reputation_adjustment)

    def check_conservation(self, tally: Tally) -> None:
        """Customers and money are conserved (raise ConservationError otherwise)."""
        if int(tally.counts.sum()) != self.spec.customers:
            raise ConservationError(
                f"period {self.period}: customer states sum to {int(tally.counts.sum())}, "
                f"not {self.spec.customers}"
            )
        spend = self.customer_spend
        retail = sum(self.ledger.paid(payee=d.account.name, kind="retail_sales")
                     for d in self.distributors)  # fmt: skip
        if not math.isclose(spend, retail, rel_tol=1e-9, abs_tol=1e-6):
            raise ConservationError(f"customer spend {spend} != retail revenue {retail}")
        self.ledger.check_period(scale=sum(abs(a.cash) for a in self.ledger.accounts.values()))

    # --- helpers ------------------------------------------------------------------------------

    @property
    def customer_spend(self) -> float:
        """What customers paid this period, computed from the customer side of each sale."""
        return float(np.sum(self.units * self.offers.price))

    def _units_sold(self, tallies: list[Tally]) -> np.ndarray:
        """Units sold per offer in the real market (purchases x basket x customer weight)."""
        units = np.zeros(len(self.offers))
        for segment, t in zip(self.segments, tallies, strict=True):
            units += t.buyers * segment.spec.units_per_purchase
        return units * self.customer_weight

    def shares_data(self, r: Relationship) -> bool:
        """Whether the contract's distributor shares buying-habit data with its supplier."""
        agreed = bool(self.effects.shares_data[r.distributor, r.supplier])
        return self.distributors[r.distributor].shares_data_for(r.distributor_action, agreed)

    def _active(self, supplier: int | None = None, distributor: int | None = None):
        return [
            r
            for r in self.relationships
            if r.active
            and (supplier is None or r.supplier == supplier)
            and (distributor is None or r.distributor == distributor)
        ]

    def _build_offers(self) -> Offers:
        """The period's offer table: each contract's terms and each store's levers, computed
        once per contract and per store and spread over the offers (store x supplier pairs)."""
        market = self.spec.market
        ids = self.slot_ids
        terms = []  # per contract: what the supplier delivers and the distributor charges
        for r in self.relationships:
            s, d = self.suppliers[r.supplier], self.distributors[r.distributor]
            price = d.price_for(r.distributor_action, s.spec.rrp,
                                self.effects.promotion[r.distributor, r.supplier])  # fmt: skip
            terms.append((
                price, r.wholesale_price, s.unit_cost_for(r.supplier_action),
                s.quality_for(r.supplier_action, market), s.fill_rate_for(r.supplier_action),
                s.brand_equity, abs(price / s.spec.rrp - 1.0) <= r.spec.price_band + 1e-12,
                r.active and not self.effects.delisted[r.distributor, r.supplier],
            ))  # fmt: skip
        levers = [(st.spec.location.x, st.spec.location.y, st.close_rate, st.service,
                   st.spec.layout, st.reputation, not st.closed) for st in self.stores]  # fmt: skip
        price, wholesale, unit_cost, quality, fill, brand, in_band, trades = _spread(
            terms, ids["contract"])
        x, y, close, service, layout, reputation, store_open = _spread(levers, ids["store"])
        self._perceive(quality, service)
        return Offers(
            ids["store"], ids["supplier"], ids["distributor"], ids["contract"], x, y, price,
            wholesale, unit_cost, quality, fill, close, service, layout, reputation, brand,
            self.perceived_quality.copy(), self.perceived_service.copy(), in_band,
            trades & store_open,
        )  # fmt: skip

    def _perceive(self, quality: np.ndarray, service: np.ndarray) -> None:
        """Move what customers expect of each offer toward what it delivers (exponential
        learning); start from the delivered levels."""
        if self.perceived_quality is None:
            self.perceived_quality, self.perceived_service = quality.copy(), service.copy()
            return
        rate = self.spec.market.perception_adjustment
        self.perceived_quality += rate * (quality - self.perceived_quality)
        self.perceived_service += rate * (service - self.perceived_service)

    # --- outputs ------------------------------------------------------------------------------

    def timeseries(self) -> pd.DataFrame:
        """The tidy long table: period, level, id, metric, value."""
        return self.recorder.long()

    def customer_sample(self, n: int = 1_000) -> pd.DataFrame:
        """A random sample of individual customers across segments, proportional to size."""
        rng = self.streams.generator(Purpose.SAMPLE, self.period, 0)
        parts = [
            seg.sample(max(1, round(n * seg.size / self.spec.customers)), rng)
            for seg in self.segments
        ]
        return pd.concat(parts, ignore_index=True)


def _combine(tallies: list[Tally]) -> Tally:
    """Sum segment tallies field by field."""
    names = Tally.__dataclass_fields__
    return Tally(**{name: sum(getattr(t, name) for t in tallies) for name in names})


def _split(total: int, segments) -> list[int]:
    """Split `total` customers by segment shares, largest remainders first (sums exactly)."""
    raw = [total * s.share for s in segments]
    sizes = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in order[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


__all__ = ["MarketModel", "codes"]


def _spread(rows: list[tuple], index: np.ndarray) -> list[np.ndarray]:
    """Columns of per-firm rows (floats or bools; a scenario has at least one contract and one
    store), one value per offer: row `index[j]`."""
    return [np.asarray(column)[index] for column in zip(*rows, strict=True)]
