"""The run summary: the few numbers per firm a reader wants first.

They feed summary.json, the terminal table and the report's headline, and are taken from the
KPI definitions (`analysis/kpis.py`).

Every rate here is the KPI of the same name, a ratio of sums over the run, so `summary.json`,
`kpis.csv`, the report and the API agree to the last digit. Only what is not a KPI is read
from the long table (counts at the start or end of the run) or from the model's relationships
(moves, breaks, the final wholesale price).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linkages_sim.analysis.kpis import kpis
from linkages_sim.analysis.tables import MetricTables
from linkages_sim.market.model import MarketModel
from linkages_sim.stats import json_number

PERIODS_PER_YEAR = 52
"""A period is a week (the schema's `periods` counts weeks, and money is per week)."""


def _clean(value: object) -> float | None:
    return json_number(value, digits=6)


def summarise(
    model: MarketModel, ts: pd.DataFrame, kpi_frame: pd.DataFrame | None = None,
    tables: MetricTables | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A JSON-ready summary of a finished run.

    `kpi_frame`: its run KPIs and `tables`: its MetricTables, if already computed (a sweep
    computes both once per run).
    """
    spec = model.spec
    table = MetricTables(ts) if tables is None else tables
    frame = kpis(ts, spec, tables=table) if kpi_frame is None else kpi_frame
    kpi = dict(zip(zip(frame["level"], frame["id"], frame["kpi"], strict=True), frame["value"],
                   strict=True))  # fmt: skip

    def k(level: str, who: str, name: str) -> float | None:
        return _clean(kpi.get((level, who, name), float("nan")))

    suppliers = {
        s.name: {
            "wholesale_revenue": k("supplier", s.name, "revenue"),
            "profit": k("supplier", s.name, "profit"),
            "market_share_units": k("supplier", s.name, "market_share_units"),
            "market_share_value": k("supplier", s.name, "market_share_value"),
            "brand_equity_start": _clean(s.spec.brand_equity),
            "brand_equity_end": k("supplier", s.name, "brand_equity"),
        }
        for s in model.suppliers
    }
    def column(level: str, metric: str, who: str) -> np.ndarray:
        grid = table.grid(level, metric)
        return grid.values[:, grid.ids.get_loc(who)]

    active_end = {st.name: column("store", "customers_active", st.name)[-1] for st in model.stores}
    distributors = {}
    for d in model.distributors:
        weekly = k("distributor", d.name, "retention_rate")
        distributors[d.name] = {
            "retail_revenue": k("distributor", d.name, "revenue"),
            "profit": k("distributor", d.name, "profit"),
            "retention_rate_weekly": weekly,
            "retention_rate_annualised": None if weekly is None
            else _clean(weekly**PERIODS_PER_YEAR),
            "customers_active_end": int(sum(active_end[st.name] for st in d.stores)),
            "satisfaction_end": k("distributor", d.name, "satisfaction"),
        }
    contracts = {
        r.key: {
            "supplier_strategy": r.spec.supplier_strategy,
            "distributor_strategy": r.spec.distributor_strategy,
            "supplier_moves": "".join(r.supplier_moves),
            "distributor_moves": "".join(r.distributor_moves),
            "supplier_trust_end": _clean(r.supplier_trust),
            "distributor_trust_end": _clean(r.distributor_trust),
            "active_end": r.active,
            "broke_at_period": r.broke_at,
            "breaks": list(r.breaks),
            "recontracts": list(r.recontracts),
            "mutual_cooperation_share": k("contract", r.key, "mutual_cooperation"),
            "sla_penalty_paid_by_supplier": _clean(
                np.nansum(column("contract", "sla_penalty_paid_by_supplier", r.key))
            ),
            "sla_penalty_paid_by_distributor": _clean(
                np.nansum(column("contract", "sla_penalty_paid_by_distributor", r.key))
            ),
            "compliance": {
                c.name: k("contract", r.key, f"compliance_{c.name}") for c in r.spec.clauses
            },
            "wholesale_price_end": _clean(r.wholesale_price),
        }
        for r in model.relationships
    }
    def market(metric: str) -> pd.Series:
        return pd.Series(column("market", metric, "market"))

    return {
        "scenario": spec.name,
        "description": spec.description,
        "seed": model.seed,
        "periods": spec.periods,
        "customers": spec.customers,
        "market_size": spec.market_size,
        "market": {
            "customer_spend": k("market", "market", "revenue"),
            "units": _clean(market("units").sum()),
            "channel_profit": _clean(
                sum(v["profit"] or 0.0 for v in suppliers.values())
                + sum(v["profit"] or 0.0 for v in distributors.values())
            ),
            "customers_active_start": int(market("customers_active").iloc[0]),
            "customers_active_end": int(market("customers_active").iloc[-1]),
            "new_customers": int(market("new_customers").sum()),
            "won_back": int(market("won_back").sum()),
            "churned": int(market("churned").sum()),
            "silent_share_of_churn": k("market", "market", "silent_churn_share"),
            "retention_rate_weekly": k("market", "market", "retention_rate"),
            "satisfaction_end": k("market", "market", "satisfaction"),
            "price_consistency": k("market", "market", "price_consistency"),
        },
        "suppliers": suppliers,
        "distributors": distributors,
        "contracts": contracts,
    }
