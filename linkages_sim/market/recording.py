"""The metrics vocabulary and its recording (see docs/metrics.md for each definition).

Metrics are computed once per period from the period's outcome (the tally of what customers
did, the offers, the units sold) and the ledger, and appended as rows of the tidy long table
`period, level, id, metric, value` that the CLI writes and the API returns.

Mesa's DataCollector is not used: it stores one dictionary per agent per step and is read back
per agent type as wide frames that must be melted, merged and relabelled into this long table;
contracts are not agents at all. Rows appended here give the same table in one step
(docs/architecture.md, recording).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkages_sim.game.strategies import C
from linkages_sim.market.firms import Distributor, Store, Supplier
from linkages_sim.market.ledger import Kind, Ledger
from linkages_sim.market.offers import Offers
from linkages_sim.market.relationships import Relationship
from linkages_sim.market.segments import Tally
from linkages_sim.stats import ratio

LEVELS = ("market", "supplier", "distributor", "store", "contract")

MARKET_METRICS = (
    "customers_prospect", "customers_active", "customers_lapsed", "customer_spend", "units",
    "shoppers", "went_outside", "new_customers", "won_back", "churned", "churned_silent",
    "complaints", "dissatisfied", "satisfaction", "price_consistency", "funnel_attention",
    "funnel_interest", "funnel_desire", "funnel_conviction", "sell_rate_active",
    "sell_rate_lapsed", "sell_rate_new", "customer_weight", "funnel_unaware_start",
    "funnel_attention_start", "funnel_interest_start", "funnel_desire_start",
    "funnel_to_attention", "funnel_to_interest", "funnel_to_desire", "funnel_to_conviction",
    "shoppers_new", "shoppers_lapsed", "buyers_new", "buyers_lapsed",
)  # fmt: skip
SUPPLIER_METRICS = (
    "wholesale_revenue", "production_cost", "profit", "cash", "units", "brand_equity",
    "market_share_units", "market_share_value", "quality", "data_fit", "sla_penalty_paid",
    "sla_penalty_received", "units_in_band",
)  # fmt: skip
DISTRIBUTOR_METRICS = (
    "retail_revenue", "cogs", "marketing_spend", "service_spend", "training_spend",
    "occupancy_cost", "profit", "cash", "units", "customers_active", "new_customers",
    "won_back", "churned", "retention_rate", "defect_share", "data_sharing_cost",
    "switching_cost", "sla_penalty_paid", "sla_penalty_received",
)  # fmt: skip
STORE_METRICS = (
    "visitors", "buyers", "conversion_rate", "retail_revenue", "customers_active",
    "satisfaction", "reputation", "service_level", "staff_training", "complaints",
    "complaints_resolved", "churned", "churned_silent", "retention_rate", "stockouts",
    "customers_active_start",
)  # fmt: skip
CONTRACT_METRICS = (
    "supplier_action", "distributor_action", "action", "supplier_trust", "distributor_trust",
    "trust", "relationship_active", "sla_penalty_paid", "sla_penalty_paid_by_supplier",
    "sla_penalty_paid_by_distributor", "wholesale_price", "units",
)  # fmt: skip
"""Per contract; each clause adds `compliance_<clause>` (1 met, 0 breached, NaN inactive)."""


@dataclass(frozen=True)
class PeriodOutcome:
    """What one period produced, as the recorder reads it."""

    period: int
    tally: Tally
    offers: Offers
    units: np.ndarray  # per offer, real-market units (customer weight applied)
    penalties_paid: np.ndarray  # per contract: paid by the supplier, by the distributor
    customer_weight: float  # real customers per simulated customer
    service: list[tuple[str, str, dict]] | None = None  # six-dimension rows (docs/service.md)


class MetricsRecorder:
    """Computes each period's metrics and keeps them as rows of the long table."""

    def __init__(
        self, suppliers: list[Supplier], distributors: list[Distributor], stores: list[Store],
        relationships: list[Relationship], ledger: Ledger,
    ) -> None:  # fmt: skip
        """Keep the firms, relationships and ledger that the metrics are read from."""
        self.suppliers, self.distributors, self.stores = suppliers, distributors, stores
        self.relationships, self.ledger = relationships, ledger
        # one block per (period, level, id): its metric names and their values
        self.blocks: list[tuple[int, str, str, tuple[str, ...], list[float]]] = []
        self.periods: list[int] = []

    def _add(self, period: int, level: str, who: str, metrics: dict[str, float]) -> None:
        self.blocks.append((period, level, who, tuple(metrics), list(metrics.values())))

    def record(self, outcome: PeriodOutcome) -> None:
        """Append every metric of the period at every level."""
        period, t, o, units = outcome.period, outcome.tally, outcome.offers, outcome.units
        led = self.ledger
        value = units * o.price
        total_units, total_value = float(units.sum()), float(value.sum())
        active = int(t.counts[1])
        self._add(period, "market", "market", {
            "customers_prospect": int(t.counts[0]),
            "customers_active": active,
            "customers_lapsed": int(t.counts[2]),
            "customer_spend": total_value,
            "units": total_units,
            "shoppers": t.shoppers,
            "went_outside": t.went_outside,
            "new_customers": int(t.new.sum()),
            "won_back": int(t.won_back.sum()),
            "churned": int(t.churned.sum()),
            "churned_silent": int(t.churned_silent.sum()),
            "complaints": int(t.complaints.sum()),
            "dissatisfied": t.dissatisfied,
            "satisfaction": ratio(t.satisfaction_active.sum(), active),
            "price_consistency": ratio(units[o.in_band].sum(), total_units),
            "funnel_attention": int(t.stages[1]),
            "funnel_interest": int(t.stages[2]),
            "funnel_desire": int(t.stages[3]),
            "funnel_conviction": int(t.stages[4]),
            "sell_rate_active": ratio(t.buyers_by_state[1], t.shoppers_by_state[1]),
            "sell_rate_lapsed": ratio(t.buyers_by_state[2], t.shoppers_by_state[2]),
            "sell_rate_new": ratio(t.buyers_by_state[0], t.shoppers_by_state[0]),
            "customer_weight": outcome.customer_weight,
            **{f"funnel_{stage}_start": int(t.funnel_start[k]) for k, stage in enumerate(
                ("unaware", "attention", "interest", "desire"))},
            **{f"funnel_to_{stage}": int(t.funnel_advanced[k]) for k, stage in enumerate(
                ("attention", "interest", "desire", "conviction"))},
            "shoppers_new": int(t.shoppers_by_state[0]),
            "shoppers_lapsed": int(t.shoppers_by_state[2]),
            "buyers_new": int(t.buyers_by_state[0]),
            "buyers_lapsed": int(t.buyers_by_state[2]),
        })  # fmt: skip
        for s in self.suppliers:
            mine = o.supplier == s.index
            name = s.account.name
            self._add(period, "supplier", s.name, {
                "wholesale_revenue": led.paid(payee=name, kind=Kind.WHOLESALE),
                "production_cost": led.paid(payer=name, kind=Kind.PRODUCTION),
                "profit": led.paid(payee=name) - led.paid(payer=name),
                "cash": s.account.cash,
                "units": float(units[mine].sum()),
                "brand_equity": s.brand_equity,
                "market_share_units": ratio(units[mine].sum(), total_units),
                "market_share_value": ratio(value[mine].sum(), total_value),
                "quality": float(o.quality[mine & o.open].mean())
                if (mine & o.open).any()
                else float("nan"),
                "data_fit": s.data_fit,
                "units_in_band": float(units[mine & o.in_band].sum()),
                "sla_penalty_paid": led.paid(payer=name, kind=Kind.SLA_PENALTY),
                "sla_penalty_received": led.paid(payee=name, kind=Kind.SLA_PENALTY),
            })
        for d in self.distributors:
            mine = o.distributor == d.index
            stores = [st.index for st in d.stores]
            name = d.account.name
            active_start = t.active_start[stores].sum()
            self._add(period, "distributor", d.name, {
                "retail_revenue": led.paid(payee=name, kind=Kind.RETAIL_SALES),
                "cogs": led.paid(payer=name, kind=Kind.WHOLESALE),
                "marketing_spend": led.paid(payer=name, kind=Kind.MARKETING),
                "service_spend": led.paid(payer=name, kind=Kind.SERVICE),
                "training_spend": led.paid(payer=name, kind=Kind.TRAINING),
                "occupancy_cost": led.paid(payer=name, kind=Kind.OCCUPANCY),
                "profit": led.paid(payee=name) - led.paid(payer=name),
                "cash": d.account.cash,
                "units": float(units[mine].sum()),
                "customers_active": int(t.active_end[stores].sum()),
                "new_customers": int(t.new[mine].sum()),
                "won_back": int(t.won_back[mine].sum()),
                "churned": int(t.churned[stores].sum()),
                "retention_rate": 1.0 - ratio(t.churned[stores].sum(), active_start),
                "defect_share": d.defect_share,
                "data_sharing_cost": led.paid(payer=name, kind=Kind.DATA_SHARING),
                "switching_cost": led.paid(payer=name, kind=Kind.SWITCHING),
                "sla_penalty_paid": led.paid(payer=name, kind=Kind.SLA_PENALTY),
                "sla_penalty_received": led.paid(payee=name, kind=Kind.SLA_PENALTY),
            })
        for st in self.stores:
            k = st.index
            mine = o.store == k
            self._add(period, "store", st.name, {
                "visitors": int(t.store_visitors[k]),
                "buyers": int(t.store_buyers[k]),
                "conversion_rate": ratio(t.store_buyers[k], t.store_visitors[k]),
                "retail_revenue": float(value[mine].sum()),
                "customers_active": int(t.active_end[k]),
                "satisfaction": ratio(t.satisfaction_active[k], t.active_end[k]),
                "reputation": st.reputation,
                "service_level": st.service,
                "staff_training": st.training,
                "complaints": int(t.complaints[k]),
                "complaints_resolved": int(t.resolved[k]),
                "churned": int(t.churned[k]),
                "churned_silent": int(t.churned_silent[k]),
                "retention_rate": 1.0 - ratio(t.churned[k], t.active_start[k]),
                "stockouts": int(t.stockouts[mine].sum()),
                "customers_active_start": int(t.active_start[k]),
            })
        for k, r in enumerate(self.relationships):
            by_supplier, by_distributor = outcome.penalties_paid[k]
            values = (
                float(r.supplier_action == C), float(r.distributor_action == C),
                float(r.mutual_cooperation), r.supplier_trust, r.distributor_trust,
                r.distributor_trust, float(r.active), by_supplier + by_distributor, by_supplier,
                by_distributor, r.wholesale_price, float(units[o.contract == k].sum()),
            )  # fmt: skip
            self._add(period, "contract", r.key, dict(zip(CONTRACT_METRICS, values, strict=True)))
            self._add(period, "contract", r.key, {
                f"compliance_{clause.name}":
                float(r.compliance[clause.name][1]) if r.active else float("nan")
                for clause in r.spec.clauses})  # fmt: skip
        for level, who, metrics in outcome.service or ():
            self._add(period, level, who, metrics)
        self.periods.append(period)

    def long(self) -> pd.DataFrame:
        """Every metric of every period as a tidy long table.

        Sorted by level, id, metric and period.
        """
        blocks = self.blocks
        if not blocks:
            return pd.DataFrame({"period": np.array([], dtype=np.int64),
                                 **{c: pd.Series([], dtype=str) for c in ("level", "id", "metric")},
                                 "value": np.array([], dtype=np.float64)})  # fmt: skip
        # Codes, not strings: the same few metric lists repeat every period, so each list is
        # coded once; a sweep pays this every run (docs/performance.md).
        sizes = np.array([len(b[3]) for b in blocks])
        lists = dict.fromkeys(b[3] for b in blocks)
        metrics = sorted({name for names in lists for name in names})
        ids = sorted({b[2] for b in blocks})
        metric_code, id_code = ({v: k for k, v in enumerate(vs)} for vs in (metrics, ids))
        coded = {names: np.array([metric_code[n] for n in names], dtype=np.int64)
                 for names in lists}  # fmt: skip
        metric = np.concatenate([coded[b[3]] for b in blocks])
        who = np.repeat([id_code[b[2]] for b in blocks], sizes)
        level = np.repeat([LEVELS.index(b[1]) for b in blocks], sizes)
        period = np.repeat(np.array([b[0] for b in blocks], dtype=np.int64), sizes)
        value = np.array([v for b in blocks for v in b[4]], dtype=np.float64)
        order = np.lexsort((period, metric, who, level))
        strings = {name: pd.array(np.array(vocabulary, dtype=object), dtype="str").take(code[order])
                   for name, vocabulary, code in (("level", LEVELS, level), ("id", ids, who),
                                                  ("metric", metrics, metric))}  # fmt: skip
        return pd.DataFrame({"period": period[order], **strings, "value": value[order]})
