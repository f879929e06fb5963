"""The market model: one Mesa model whose `step` is one period (docs/model.md, section 3).

    relationship round -> operations -> acquisition funnel -> choice and experience
    -> complaints and churn -> accounting -> brand, reputation -> record

Firms are Mesa agents (`firms.py`), customers are arrays owned by segment agents
(`segments.py`), per-customer work runs in numba kernels (`kernels/`), and every money flow is a
ledger transfer (`ledger.py`). Mesa's `steps` is the clock: the period being played is
`steps - 1`. Random numbers come from keyed streams (`linkages_sim.rng`); Mesa's own generator
is derived from them and only shuffles the order in which independent agents act, which no
result depends on (a test runs the same market under two Mesa seeds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from linkages_sim.config.loading import revalidate
from linkages_sim.config.schema import Scenario
from linkages_sim.game.strategies import C, D
from linkages_sim.market.clauses import ContractLevers, measure_clauses
from linkages_sim.market.firms import Distributor, Store, Supplier
from linkages_sim.market.interventions import Effects
from linkages_sim.market.kernels import codes
from linkages_sim.market.ledger import CUSTOMERS, OUTSIDE, Account, ConservationError, Kind, Ledger
from linkages_sim.market.offers import Offers
from linkages_sim.market.pricing import (
    ChannelTerms,
    LogitDemand,
    PanelSegment,
    dense_attraction,
    joint_reply,
    panel_rows,
    retail_reply,
    stackelberg_wholesale,
)
from linkages_sim.market.recording import MetricsRecorder, PeriodOutcome
from linkages_sim.market.relationships import Relationship
from linkages_sim.market.segments import CustomerSegment, Tally
from linkages_sim.market.service_dimensions import ServiceSystem
from linkages_sim.market.service_dimensions import enabled as service_dimensions_enabled
from linkages_sim.rng import Purpose, Streams, check_seed


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
        """Build the market of `scenario`.

        The scenario is validated again as a whole: an edited object gets the same one-line
        `ScenarioError` as a file. `seed` drives every random draw; `structure_seed`, when given,
        drives only the market's layout (homes, initial customers), so replications can share it.
        """
        scenario = revalidate(scenario, source="MarketModel")
        seed = scenario.seed if seed is None else check_seed(seed)
        streams = Streams(seed, structure_seed)
        super().__init__(rng=streams.generator(Purpose.MESA))
        self.spec = scenario
        self.seed = seed
        self.streams = streams
        self.ledger = Ledger()
        self.ledger.open(Account(CUSTOMERS))
        self.ledger.open(Account(OUTSIDE))

        led = self.ledger
        self.suppliers = [Supplier(self, s, i, led) for i, s in enumerate(scenario.suppliers)]
        self.distributors = [
            Distributor(self, d, i, led) for i, d in enumerate(scenario.distributors)
        ]
        by_id = {d.name: d for d in self.distributors}
        self.stores = [
            Store(self, s, i, by_id[s.distributor]) for i, s in enumerate(scenario.all_stores)
        ]
        s_index, d_index = scenario.supplier_index(), scenario.distributor_index()
        self.relationships = [
            Relationship.from_contract(
                c, k, s_index[c.supplier], d_index[c.distributor],
                scenario.suppliers[s_index[c.supplier]].wholesale_price,
            )
            for k, c in enumerate(scenario.contracts)
        ]  # fmt: skip
        self.penalties_paid = np.zeros((len(self.relationships), 2))  # this period: by s, by d
        self.effects = Effects(
            scenario.interventions, self.suppliers, self.distributors, self.stores,
            self.relationships, self.ledger,
        )  # fmt: skip
        self.slots = [
            OfferSlot(store.index, r.supplier, r.distributor, k)
            for store in self.stores
            for k, r in enumerate(self.relationships)
            if r.distributor == store.distributor.index
        ]
        self.slot_ids = {field: np.array([getattr(o, field) for o in self.slots], dtype=np.int64)
                         for field in ("store", "supplier", "distributor", "contract")}  # fmt: skip
        self.customer_weight = scenario.market_size / scenario.customers
        store_x = np.array([st.spec.location.x for st in self.stores])
        store_y = np.array([st.spec.location.y for st in self.stores])
        self.segments = [
            CustomerSegment(self, spec, i, size, streams, scenario.map, store_x, store_y)
            for i, (spec, size) in enumerate(
                zip(scenario.segments, _split(scenario.customers, scenario.segments), strict=True)
            )
        ]
        self.service = (ServiceSystem(scenario, streams) if service_dimensions_enabled(scenario)
                        else None)  # the six service dimensions (docs/service.md)  # fmt: skip
        if self.service is not None:
            for store, dimensions in zip(self.stores, self.service.stores, strict=True):
                store.dimensions = dimensions
            for segment, weights in zip(self.segments, self.service.weights, strict=True):
                segment.service_weights = weights
        self.agents_by_type[Store].do("operate", scenario.market)
        self.retail_price = np.array([self.suppliers[r.supplier].spec.rrp
                                      for r in self.relationships])  # fmt: skip
        """Each contract's decided retail price (a cooperating distributor charges it): the RRP
        when prices are fixed, else the distributor's latest best reply (`set_prices`)."""
        self.perceived_quality: np.ndarray | None = None  # per slot, set by the first build
        self.perceived_service: np.ndarray | None = None  # per slot
        self.offers = self._build_offers()
        for segment in self.segments:
            segment.initialise(self.offers, scenario.market.reference_price)
        panel = scenario.market.pricing.panel
        self.panel = [
            panel_rows(streams.generator(Purpose.PRICING_PANEL, seg.index), seg.size, panel)
            for seg in self.segments
        ]  # the customers whose demand price-setters read (`demand`)
        self.panel_attraction = [
            dense_attraction(seg.attraction, seg.slot_store, rows, len(self.stores))
            for seg, rows in zip(self.segments, self.panel, strict=True)
        ]  # built even when prices are fixed: `demand` serves analyses too
        self.units = np.zeros(len(self.offers))
        self.tenure_counts: list = [None] * len(self.segments)  # per segment, with tenure_value
        self.recorder = MetricsRecorder(
            self.suppliers, self.distributors, self.stores, self.relationships, self.ledger
        )

    @property
    def periods_done(self) -> int:
        """Periods played so far (Mesa's `steps`)."""
        return self.steps

    # --- one period ---------------------------------------------------------------------------

    def step(self) -> None:
        """One period, in the order of docs/model.md section 3."""
        p = self.steps - 1  # Mesa counts the step before calling it
        market = self.spec.market
        self.ledger.start_period()
        self.effects.update(p)
        self.relationship_round(p)
        self.operations(p)
        self.acquisition(p)
        segments = self.agents_by_type[CustomerSegment]
        segments.shuffle_do("shop", p, self.offers, market, self.spec.funnel)
        recovery = np.array([s.recovery_rate for s in self.stores])
        segments.shuffle_do("after_sales", p, recovery, market)
        tallies = [segment.tally(self.offers) for segment in self.segments]  # in segment order
        tally = _combine(tallies)
        self.tenure_counts = [segment.tally_tenure(self.offers) for segment in self.segments]
        self.units = self._units_sold(tallies)
        self.accounting(p, tally)
        self.tenure_accounting(p, tallies)
        self.update_brand_and_reputation(tally)
        if self.service is not None:
            self.service.after_period(
                p, [seg.customers for seg in self.segments], [t.buyers for t in tallies],
                self.offers, [st.greeting_time_s for st in self.stores],
                [seg.outputs for seg in self.segments])  # fmt: skip
        self.measure_compliance(p)
        self.check_conservation(p, tally)
        self.reconcile(p)
        service_rows = (None if self.service is None
                        else self.service.rows(p, [st.name for st in self.stores]))  # fmt: skip
        self.recorder.record(PeriodOutcome(p, tally, self.offers, self.units,
                                           self.penalties_paid, self.customer_weight,
                                           service_rows))  # fmt: skip
        if self.steps >= self.spec.periods:
            self.running = False

    def run(self, periods: int | None = None, progress=None) -> None:
        """Run `periods` periods (default: the scenario's).

        Calls `progress(periods_done)` after each.
        """
        for _ in range(self.spec.periods if periods is None else periods):
            self.step()
            if progress is not None:
                progress(self.steps)

    def relationship_round(self, period: int) -> None:
        """Restart, renegotiate and review the contracts due this period (docs/model.md 3.1).

        Broken contracts whose cooldown is over start afresh; contracts due for renewal renegotiate
        the wholesale price; contracts due for review read each other's clauses, pay SLA penalties,
        update trust, maybe break, and choose.
        """
        self.penalties_paid[:] = 0.0
        reviewed = []
        for k, r in enumerate(self.relationships):
            supplier = self.suppliers[r.supplier].account.name
            distributor = self.distributors[r.distributor].account.name
            if r.due_for_recontract(period):
                r.restart()
                r.recontracts.append(period)
                self.ledger.transfer(period, distributor, OUTSIDE, Kind.SWITCHING,
                                     r.spec.switching_cost)  # fmt: skip
            r.renegotiate(period)
            if not r.is_review(period):
                continue
            reviewed.append(k)
            r.penalty_override = (
                None if np.isnan(self.effects.penalty[k]) else float(self.effects.penalty[k])
            )
            for penalty in r.review(period, self.streams):
                payer, payee = (
                    (supplier, distributor) if penalty.payer == "supplier"
                    else (distributor, supplier)
                )  # fmt: skip
                self.ledger.transfer(period, payer, payee, Kind.SLA_PENALTY, penalty.amount)
                self.penalties_paid[k, int(penalty.payer == "distributor")] += penalty.amount
            if not r.active:
                self.ledger.transfer(period, distributor, OUTSIDE, Kind.SWITCHING,
                                     r.spec.switching_cost)  # fmt: skip
        self.set_prices([k for k in reviewed if self.relationships[k].active])

    # --- prices (docs/model.md §10) ---------------------------------------------------------------

    def set_prices(self, reviewed: list[int]) -> None:
        """Decide the prices of the contracts reviewed this period, as `market.pricing` says.

        Each distributor with a contract under review re-sets the retail prices of all its
        active contracts by best reply to the market's current demand (or, integrated, for each
        contract's joint margin); a Stackelberg supplier first sets each reviewed contract's
        wholesale price (one for all its distributors), anticipating their replies. Prices hold
        until the next review.
        """
        pricing = self.spec.market.pricing
        if pricing.retail == "fixed" or not reviewed:
            return
        demand, terms = self.demand(), self.channel_terms()
        prices = self.retail_price.copy()
        if pricing.wholesale == "stackelberg":
            for s in sorted({self.relationships[k].supplier for k in reviewed}):
                w, terms, prices = stackelberg_wholesale(demand, prices, terms, s)
                for r in self._active(supplier=s):
                    r.wholesale_price = w
        if pricing.retail == "joint":
            self.retail_price = joint_reply(demand, prices, terms)
            return
        for d in sorted({self.relationships[k].distributor for k in reviewed}):
            prices = retail_reply(demand, prices, terms, d, pricing.retail == "integrated")
        self.retail_price = prices

    def demand(self, horizon: str | None = None) -> LogitDemand:
        """The demand price-setters read: the panel's customers in their current state.

        Offers are valued at their latest levers (what customers expect of quality and service,
        brand, the store), without the price term, which the demand applies itself. `horizon`
        ("long_run" or "current") defaults to the scenario's `market.pricing.demand`.
        """
        o, market = self.offers, self.spec.market
        parts = []
        for seg, rows, attraction in zip(self.segments, self.panel, self.panel_attraction,
                                         strict=True):  # fmt: skip
            t, spec = seg.spec.tastes, seg.spec
            value = o.value(t, market.reference_price) + t.price * np.log(
                o.price / market.reference_price)  # fmt: skip
            parts.append(PanelSegment(
                state=seg.state[rows], stage=seg.stage[rows], store=seg.store[rows],
                brand=seg.brand[rows], attraction=attraction, value=value, beta=t.price,
                outside_utility=spec.outside_utility, store_loyalty=t.store_loyalty,
                brand_loyalty=t.brand_loyalty, lapsed_affinity=t.lapsed_affinity,
                shop_probability=spec.shop_probability,
                units_per_row=seg.size / rows.size * spec.units_per_purchase
                * self.customer_weight,
            ))  # fmt: skip
        return LogitDemand.from_panel(
            parts, offer_store=o.store, offer_supplier=o.supplier, offer_contract=o.contract,
            is_open=o.open, served=o.fill * o.close, n_contracts=len(self.relationships),
            reference_price=market.reference_price,
            long_run=(horizon or market.pricing.demand) == "long_run",
        )  # fmt: skip

    def channel_terms(self) -> ChannelTerms:
        """Each contract's terms as the price-setters read them.

        A cooperating distributor keeps a `price_deviation` clause's band around RRP (resale
        price maintenance); otherwise retail prices range from zero margin to the price cap.
        """
        cap = self.spec.market.pricing.price_cap
        rows = []
        for r in self.relationships:
            s = self.suppliers[r.supplier]
            rrp, low, high = s.spec.rrp, 0.0, cap * s.spec.rrp
            bands = [c.threshold for c in r.spec.distributor_clauses
                     if c.metric == "price_deviation" and c.threshold is not None]  # fmt: skip
            if bands and r.lever_action("distributor", "price") == C:
                low, high = rrp * (1.0 - min(bands)), rrp * (1.0 + min(bands))
            rows.append((r.marginal_wholesale_price(),
                         s.unit_cost_for(r.lever_action("supplier", "quality")),
                         r.spec.revenue_share, r.supplier, r.distributor, r.active, low, high,
                         r.spec.outside_options.distributor + r.spec.franchise_fee))
        columns = [np.array(c) for c in zip(*rows, strict=True)]
        return ChannelTerms(*columns)

    def measure_compliance(self, period: int) -> None:
        """Measure every active contract's clauses on this period's levers."""
        for r in self.relationships:
            if r.active:
                r.compliance = measure_clauses(r.spec.clauses, self.contract_levers(period, r))

    def contract_levers(self, period: int, r: Relationship) -> ContractLevers:
        """What contract `r`'s clauses are measured on this period."""
        mine = self.offers.contract == r.index
        stores = self.distributors[r.distributor].stores
        return ContractLevers(
            period=period,
            quality=self.offers.quality[mine],
            fill=self.offers.fill[mine],
            price=self.offers.price[mine],
            rrp=self.suppliers[r.supplier].spec.rrp,
            last_launch=self.suppliers[r.supplier].last_launch,
            store_service=np.array([s.service for s in stores]),
            store_training=np.array([s.training for s in stores]),
            store_greeting_s=np.array([s.greeting_time_s for s in stores], dtype=float),
            shares_data=self.shares_data(r),
            **({} if self.service is None else self._service_levers(stores)),
        )

    def _service_levers(self, stores: list[Store]) -> dict:
        """The six dimensions and the standards met of a distributor's stores, for its clauses."""
        met = [s.dimensions.standards_met() for s in stores if s.dimensions is not None]
        read = sum(n for _, n in met)
        return {"store_dimensions": np.array([s.dimensions.level for s in stores
                                              if s.dimensions is not None]),
                "standards_met": sum(m for m, _ in met) / read if read else float("nan")}

    def operations(self, period: int) -> None:
        """Actions become levers (docs/model.md 3.2).

        Prices, service and training spend, quality, new products, data sharing.
        """
        market = self.spec.market
        for d in self.distributors:
            live = self._active(distributor=d.index)
            d.defect_share = _defect_share([r.lever_action("distributor", "service") for r in live])
        self.agents_by_type[Store].shuffle_do("operate", market)
        for s in self.suppliers:  # in order: launches are booked in the ledger
            live = self._active(supplier=s.index)
            developing = any(r.lever_action("supplier", "new_products") == C for r in live)
            if s.develop_products(period, developing, market):
                s.last_launch = period
                self.ledger.transfer(
                    period, s.account.name, OUTSIDE, Kind.NEW_PRODUCT, s.spec.new_product_cost
                )
            if live:
                shared = [self.shares_data(r) for r in live]
                s.learn_from_data(sum(shared) / len(shared), market)
        self.offers = self._build_offers()
        if self.service is not None:
            for st in self.stores:  # keeping SMART standards (docs/service.md)
                cost = st.dimensions.standards_cost() if st.dimensions is not None else 0.0
                if cost > 0.0 and not st.closed:
                    self.ledger.transfer(period, st.distributor.account.name, OUTSIDE,
                                         Kind.SERVICE, cost)  # fmt: skip

    def acquisition(self, period: int) -> None:
        """Move prospects and lapsed customers through the funnel (docs/model.md 3.3).

        Marketing reach and the retail experience move them; lapsed customers respond less.
        """
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
        self.agents_by_type[CustomerSegment].shuffle_do(
            lambda segment: segment.advance_funnel(
                period, p, p * segment.spec.winback_responsiveness
            )
        )

    def accounting(self, period: int, tally: Tally) -> None:
        """Book every flow of the period as a ledger transfer (docs/model.md 3.7)."""
        o, led = self.offers, self.ledger
        units = self.units
        for d in self.distributors:
            mine = o.distributor == d.index
            led.transfer(period, CUSTOMERS, d.account.name, Kind.RETAIL_SALES,
                         float(np.sum(units[mine] * o.price[mine])))  # fmt: skip
            for s in self.suppliers:
                pair = mine & (o.supplier == s.index)
                led.transfer(period, d.account.name, s.account.name, Kind.WHOLESALE,
                             float(np.sum(units[pair] * o.wholesale_price[pair])))  # fmt: skip
            open_stores = [st for st in d.stores if not st.closed]
            n_stores = len(open_stores)
            led.transfer(period, d.account.name, OUTSIDE, Kind.MARKETING,
                         d.spec.marketing_per_period)  # fmt: skip
            led.transfer(period, d.account.name, OUTSIDE, Kind.SERVICE,
                         n_stores * d.service_spend_per_store)  # fmt: skip
            led.transfer(period, d.account.name, OUTSIDE, Kind.TRAINING,
                         n_stores * d.training_spend_per_store)  # fmt: skip
            led.transfer(period, d.account.name, OUTSIDE, Kind.OCCUPANCY,
                         sum(st.spec.occupancy_cost for st in open_stores))  # fmt: skip
            sharing = [r for r in self._active(distributor=d.index) if self.shares_data(r)]
            led.transfer(period, d.account.name, OUTSIDE, Kind.DATA_SHARING,
                         len(sharing) * d.spec.data_sharing_cost)  # fmt: skip
        for r in self.relationships:
            mine = o.contract == r.index
            supplier = self.suppliers[r.supplier].account.name
            distributor = self.distributors[r.distributor].account.name
            led.transfer(period, distributor, supplier, Kind.REVENUE_SHARE,
                         r.spec.revenue_share * float(np.sum(units[mine] * o.price[mine])))
            if r.active:
                led.transfer(period, distributor, supplier, Kind.FRANCHISE_FEE,
                             r.spec.franchise_fee)  # fmt: skip
            led.transfer(period, supplier, distributor, Kind.QUANTITY_DISCOUNT,
                         r.quantity_rebate(float(units[mine].sum())))  # fmt: skip
            r.record_trade(float(units[mine].sum()), float(np.sum(units[mine] * o.price[mine])),
                           float(np.sum(units[mine] * o.unit_cost[mine])))  # fmt: skip
        for s in self.suppliers:
            mine = o.supplier == s.index
            led.transfer(period, s.account.name, OUTSIDE, Kind.PRODUCTION,
                         float(np.sum(units[mine] * o.unit_cost[mine])))  # fmt: skip
            led.transfer(period, s.account.name, OUTSIDE, Kind.FIXED_COST, s.spec.fixed_cost)

    def tenure_accounting(self, period: int, tallies: list[Tally]) -> None:
        """Book the costs of segments with a `tenure_value` block (docs/model.md 3.10).

        Cost to serve each active customer, by their year of tenure, and the acquisition cost of
        each new customer, both charged to the distributor of the customer's store.
        """
        o = self.offers
        for segment, t, counts in zip(self.segments, tallies, self.tenure_counts, strict=True):
            if counts is None:
                continue
            acquisition = segment.spec.tenure_value.acquisition_cost * self.customer_weight
            for d in self.distributors:
                stores = [st.index for st in d.stores]
                self.ledger.transfer(period, d.account.name, OUTSIDE, Kind.COST_TO_SERVE,
                                     float(counts.cost_to_serve[stores].sum())
                                     * self.customer_weight)  # fmt: skip
                self.ledger.transfer(period, d.account.name, OUTSIDE, Kind.ACQUISITION,
                                     acquisition * float(t.new[o.distributor == d.index].sum()))

    def update_brand_and_reputation(self, tally: Tally) -> None:
        """Update brand equity and store reputation from the period's tally (docs/model.md 3.8).

        Brand equity follows buyers' satisfaction and price consistency; store reputation follows
        its customers' satisfaction (word of mouth).
        """
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

    # --- checks -------------------------------------------------------------------------------

    def check_conservation(self, period: int, tally: Tally) -> None:
        """Customers and money are conserved (raise ConservationError otherwise)."""
        if int(tally.counts.sum()) != self.spec.customers:
            raise ConservationError(
                f"period {period}: customer states sum to {int(tally.counts.sum())}, "
                f"not {self.spec.customers}"
            )
        self.ledger.check_period(scale=sum(abs(a.cash) for a in self.ledger.accounts.values()))

    def reconcile(self, period: int) -> None:
        """Reconcile the ledger with the customers, independently of how it was booked.

        From the customer arrays alone (each buyer's offer, the segment's basket and the
        customer weight) recompute the units bought per offer, then compare, per distributor,
        what those buyers paid with its retail flow; per supplier, the units' production cost
        with its production flow; and per distributor and supplier, the units at the wholesale
        price with the wholesale flow. Raises ConservationError naming the first mismatch.
        """
        bought = np.zeros(len(self.offers))
        for segment in self.segments:
            sold = codes.IS_SALE[segment.outcome]
            if segment.tenure_params is None:
                counts = np.bincount(segment.choice[sold], minlength=len(self.offers))
            else:  # each buyer's basket grows with their tenure
                counts = np.bincount(segment.choice[sold], minlength=len(self.offers),
                                     weights=segment.spend_multiplier()[sold])  # fmt: skip
            bought += counts * segment.spec.units_per_purchase
        bought *= self.customer_weight
        o, led = self.offers, self.ledger
        checks = []
        for d in self.distributors:
            mine = o.distributor == d.index
            checks.append((f"retail sales of {d.account.name}",
                           float(np.sum(bought[mine] * o.price[mine])),
                           led.paid(payee=d.account.name, kind=Kind.RETAIL_SALES)))  # fmt: skip
            for s in self.suppliers:
                pair = mine & (o.supplier == s.index)
                checks.append((f"wholesale from {d.account.name} to {s.account.name}",
                               float(np.sum(bought[pair] * o.wholesale_price[pair])),
                               led.paid(payer=d.account.name, payee=s.account.name,
                                        kind=Kind.WHOLESALE)))  # fmt: skip
        for s in self.suppliers:
            mine = o.supplier == s.index
            checks.append((f"production of {s.account.name}",
                           float(np.sum(bought[mine] * o.unit_cost[mine])),
                           led.paid(payer=s.account.name, kind=Kind.PRODUCTION)))  # fmt: skip
        for what, from_customers, booked in checks:
            if not math.isclose(from_customers, booked, rel_tol=1e-9, abs_tol=1e-6):
                raise ConservationError(
                    f"period {period}: {what}: {booked!r} booked in the ledger, "
                    f"{from_customers!r} from the customers' purchases"
                )

    # --- helpers ------------------------------------------------------------------------------

    @property
    def customer_spend(self) -> float:
        """What customers paid this period, computed from the customer side of each sale."""
        return float(np.sum(self.units * self.offers.price))

    def _units_sold(self, tallies: list[Tally]) -> np.ndarray:
        """Units sold per offer in the real market (purchases x basket x customer weight).

        With `tenure_value`, each purchase's basket is scaled by the buyer's spend multiplier.
        """
        units = np.zeros(len(self.offers))
        for segment, t, tenure in zip(self.segments, tallies, self.tenure_counts, strict=True):
            purchases = t.buyers if tenure is None else tenure.spend_weight
            units += purchases * segment.spec.units_per_purchase
        return units * self.customer_weight

    def shares_data(self, r: Relationship) -> bool:
        """Whether the contract's distributor shares buying-habit data with its supplier."""
        agreed = bool(self.effects.shares_data[r.distributor, r.supplier])
        return self.distributors[r.distributor].shares_data_for(
            r.lever_action("distributor", "data"), agreed)  # fmt: skip

    def _active(self, supplier: int | None = None, distributor: int | None = None):
        return [
            r
            for r in self.relationships
            if r.active
            and (supplier is None or r.supplier == supplier)
            and (distributor is None or r.distributor == distributor)
        ]

    def _build_offers(self) -> Offers:
        """The period's offer table: each contract's terms and each store's levers.

        They are computed once per contract and per store and spread over the offers (store x
        supplier pairs).
        """
        market = self.spec.market
        ids = self.slot_ids
        terms = []  # per contract: what the supplier delivers and the distributor charges
        for r in self.relationships:
            s, d = self.suppliers[r.supplier], self.distributors[r.distributor]
            price = d.price_for(r.lever_action("distributor", "price"),
                                float(self.retail_price[r.index]),
                                self.effects.promotion[r.distributor, r.supplier])  # fmt: skip
            quality = r.lever_action("supplier", "quality")
            terms.append((
                price, r.wholesale_price, s.unit_cost_for(quality), s.quality_for(quality, market),
                s.fill_rate_for(r.lever_action("supplier", "fill_rate")),
                s.brand_equity, abs(price / s.spec.rrp - 1.0) <= r.spec.price_band + 1e-12,
                r.active and not self.effects.delisted[r.distributor, r.supplier],
            ))  # fmt: skip
        levers = [(st.spec.location.x, st.spec.location.y, st.close_rate, st.service,
                   st.spec.layout, st.reputation, not st.closed) for st in self.stores]  # fmt: skip
        price, wholesale, unit_cost, quality, fill, brand, in_band, trades = _spread(
            terms, ids["contract"])
        x, y, close, service, layout, reputation, store_open = _spread(levers, ids["store"])
        self._perceive(quality, service)
        offers = Offers(
            ids["store"], ids["supplier"], ids["distributor"], ids["contract"], x, y, price,
            wholesale, unit_cost, quality, fill, close, service, layout, reputation, brand,
            self.perceived_quality.copy(), self.perceived_service.copy(), in_band,
            trades & store_open,
        )  # fmt: skip
        if self.service is not None:  # each offer's six dimensions (docs/service.md)
            offers = self.service.attach(offers, market)
        return offers

    def _perceive(self, quality: np.ndarray, service: np.ndarray) -> None:
        """Move what customers expect of each offer toward what it delivers.

        Exponential learning; start from the delivered levels.
        """
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
        rng = self.streams.generator(Purpose.SAMPLE, self.steps, 0)
        parts = [
            seg.sample(max(1, round(n * seg.size / self.spec.customers)), rng)
            for seg in self.segments
        ]
        return pd.concat(parts, ignore_index=True)


def _defect_share(actions: list[str]) -> float:
    """Share of a distributor's active relationships in which it defects."""
    return sum(a == D for a in actions) / len(actions) if actions else 0.0


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


def _spread(rows: list[tuple], index: np.ndarray) -> list[np.ndarray]:
    """Columns of per-firm rows, one value per offer: row `index[j]`.

    The rows hold floats or bools; a scenario has at least one contract and one store.
    """
    return [np.asarray(column)[index] for column in zip(*rows, strict=True)]
