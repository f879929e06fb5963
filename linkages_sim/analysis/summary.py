"""The run summary: the few numbers per firm a reader wants first, computed from the long table
(so the CLI, the report, `summary.json` and the API all show the same figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from linkages_sim.analysis.tables import MetricTables

if TYPE_CHECKING:
    from linkages_sim.market.model import MarketModel


def _clean(value: float) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 6)


def summarise(model: MarketModel, ts: pd.DataFrame) -> dict[str, Any]:
    """A JSON-ready summary of a finished run."""
    spec = model.spec
    table = MetricTables(ts)
    last = int(ts["period"].max())
    market = table("market", "customer_spend")["market"]
    suppliers = {}
    for s in model.suppliers:
        col = s.name
        suppliers[col] = {
            "wholesale_revenue": _clean(table("supplier", "wholesale_revenue")[col].sum()),
            "profit": _clean(table("supplier", "profit")[col].sum()),
            "market_share_units": _clean(table("supplier", "market_share_units")[col].mean()),
            "market_share_value": _clean(table("supplier", "market_share_value")[col].mean()),
            "brand_equity_start": _clean(s.spec.brand_equity),
            "brand_equity_end": _clean(table("supplier", "brand_equity")[col].iloc[-1]),
        }
    distributors = {}
    store_sat = table("store", "satisfaction")
    store_active = table("store", "customers_active")
    for d in model.distributors:
        col = d.name
        weekly = table("distributor", "retention_rate")[col]
        stores = [st.name for st in d.stores]
        active = store_active.loc[last, stores]
        sat = (
            (store_sat.loc[last, stores] * active).sum() / active.sum() if active.sum() else np.nan
        )
        distributors[col] = {
            "retail_revenue": _clean(table("distributor", "retail_revenue")[col].sum()),
            "profit": _clean(table("distributor", "profit")[col].sum()),
            "retention_rate_weekly": _clean(weekly.mean()),
            "retention_rate_annualised": _clean(weekly.mean() ** 52),
            "customers_active_end": int(active.sum()),
            "satisfaction_end": _clean(sat),
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
            "mutual_cooperation_share": _clean(
                table("contract", "action")[r.key].mean()
            ),
            "sla_penalty_paid_by_supplier": _clean(
                table("contract", "sla_penalty_paid_by_supplier")[r.key].sum()
            ),
            "sla_penalty_paid_by_distributor": _clean(
                table("contract", "sla_penalty_paid_by_distributor")[r.key].sum()
            ),
            "compliance": {
                c.name: _clean(table("contract", f"compliance_{c.name}")[r.key].mean())
                for c in r.spec.clauses
            },
            "wholesale_price_end": _clean(r.wholesale_price),
        }
        for r in model.relationships
    }
    m = lambda metric: table("market", metric)["market"]  # noqa: E731
    churned = m("churned").sum()
    return {
        "scenario": spec.name,
        "description": spec.description,
        "seed": model.seed,
        "periods": spec.periods,
        "customers": spec.customers,
        "market_size": spec.market_size,
        "market": {
            "customer_spend": _clean(market.sum()),
            "units": _clean(m("units").sum()),
            "channel_profit": _clean(
                sum(v["profit"] for v in suppliers.values())
                + sum(v["profit"] for v in distributors.values())
            ),
            "customers_active_start": int(m("customers_active").iloc[0]),
            "customers_active_end": int(m("customers_active").iloc[-1]),
            "new_customers": int(m("new_customers").sum()),
            "won_back": int(m("won_back").sum()),
            "churned": int(churned),
            "silent_share_of_churn": _clean(m("churned_silent").sum() / churned)
            if churned
            else None,
            "satisfaction_end": _clean(m("satisfaction").iloc[-1]),
            "price_consistency": _clean(m("price_consistency").mean()),
        },
        "suppliers": suppliers,
        "distributors": distributors,
        "contracts": contracts,
    }
