"""Interventions at run time: what the active ones change this period (model.md §6).

Effects are recomputed from scratch every period from the interventions active in it, so an
intervention stops acting at its `end` without any undo logic. They act only through the levers
the agents already have (a store's training and service targets, its greeting time, whether it
is open, a brand's price and listing at a distributor, a contract's SLA penalties, data
sharing), and none draws a random number: a run with an intervention and its counterfactual
without it share every random number, so an intervention that changes nothing changes nothing,
exactly.

A disabled intervention (`enabled: false`) is kept in the model's structure but never acts;
`evaluate` builds its counterfactuals that way, so a store that an intervention would open
exists, closed, in the counterfactual too.
"""

from __future__ import annotations

import numpy as np

from linkages_sim.config.schema import Intervention, opening_stores
from linkages_sim.market.firms import Distributor, Store, Supplier
from linkages_sim.market.ledger import OUTSIDE, Kind, Ledger
from linkages_sim.market.relationships import Relationship


class Effects:
    """The levers that interventions override in the current period."""

    def __init__(
        self, interventions: list[Intervention], suppliers: list[Supplier],
        distributors: list[Distributor], stores: list[Store],
        relationships: list[Relationship], ledger: Ledger,
    ) -> None:  # fmt: skip
        """Overrides for these firms and contracts; costs are booked in `ledger`."""
        self.suppliers, self.distributors, self.stores = suppliers, distributors, stores
        self.relationships, self.ledger = relationships, ledger
        self.interventions = [iv for iv in interventions if iv.enabled]
        n_d, n_s = len(distributors), len(suppliers)
        self.promotion = np.zeros((n_d, n_s))  # price cut below RRP
        self.delisted = np.zeros((n_d, n_s), dtype=bool)
        self.shares_data = np.zeros((n_d, n_s), dtype=bool)  # forced to share
        self.penalty = np.full(len(relationships), np.nan)  # SLA penalty override
        planned = {s.id for s in opening_stores(interventions)}
        self._opens_later = np.array([st.name in planned for st in stores])
        self.paid = {iv.id: 0.0 for iv in interventions}
        self.update(period=0, pay=False)

    def _stores(self, iv: Intervention) -> list[Store]:
        if iv.store is not None:
            return [st for st in self.stores if st.name == iv.store]
        if iv.new_store is not None:
            return [st for st in self.stores if st.name == iv.new_store.id]
        return [st for st in self.stores if st.distributor.name == iv.distributor]

    def _payer(self, iv: Intervention) -> str:
        if iv.contract is not None:
            r = next(r for r in self.relationships if r.key == iv.contract)
            return self.distributors[r.distributor].account.name
        if iv.distributor is not None:
            return next(d for d in self.distributors if d.name == iv.distributor).account.name
        return self._stores(iv)[0].distributor.account.name

    def update(self, period: int, pay: bool = True) -> None:
        """Reset every override, then apply the interventions active in `period`.

        Their costs are booked too (one-off at the start, per period while active).
        """
        for st in self.stores:
            st.training_boost = st.service_boost = 0.0
            st.greeting_time_s = st.spec.greeting_time_s
        closed = self._opens_later.copy()
        self.promotion[:] = 0.0
        self.delisted[:] = False
        self.shares_data[:] = False
        self.penalty[:] = np.nan
        d_index = {d.name: d.index for d in self.distributors}
        s_index = {s.name: s.index for s in self.suppliers}
        for iv in self.interventions:
            if not iv.active(period):
                continue
            brands = [s_index[iv.supplier]] if iv.supplier else list(s_index.values())
            if iv.kind == "train_staff":
                for st in self._stores(iv):
                    st.training_boost = 0.2 if iv.training_boost is None else iv.training_boost
            elif iv.kind == "service_standards":
                for st in self._stores(iv):
                    st.service_boost = iv.service_boost or 0.0
                    if iv.greeting_time_s is not None:
                        st.greeting_time_s = iv.greeting_time_s
            elif iv.kind == "price_promotion":
                self.promotion[d_index[iv.distributor], brands] = iv.discount
            elif iv.kind == "open_store":
                for st in self._stores(iv):
                    closed[st.index] = False
            elif iv.kind == "close_store":
                for st in self._stores(iv):
                    closed[st.index] = True
            elif iv.kind == "product_mix":
                self.delisted[d_index[iv.distributor], brands] = not iv.carry
            elif iv.kind == "introduce_sla":
                k = next(r.index for r in self.relationships if r.key == iv.contract)
                self.penalty[k] = iv.penalty
            elif iv.kind == "share_data":
                self.shares_data[d_index[iv.distributor], brands] = True
            if pay:
                amount = iv.cost_per_period + (iv.cost if period == iv.start else 0.0)
                self.ledger.transfer(period, self._payer(iv), OUTSIDE, Kind.INTERVENTION, amount)
                self.paid[iv.id] += amount
        for st in self.stores:
            st.closed = bool(closed[st.index])
