"""Key performance indicators: the seed's "Sales & Customer Service KPI tool" (model.md §6).

One definition per KPI, computed from a run's tidy long table (and its scenario, for which
stores a distributor owns), so the CLI, the report and the API show the same numbers. Rates are
ratios of sums: over a whole run a KPI is total numerator / total denominator (not the mean of
weekly ratios), per period it is that period's numerator / denominator. Levels (0-1 indices,
satisfaction, trust) are reported at the end of the run, or per period.

Marketing reaches prospects and lapsed customers alike; acquisition and win-back costs share a
period's marketing spend between them in proportion to their numbers at the end of the period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from linkages_sim.analysis.tables import Grid, MetricTables
from linkages_sim.config.schema import Scenario


class Run(Protocol):
    """What the KPIs need of a run: its long table and its scenario (e.g. a RunResult)."""

    timeseries: pd.DataFrame
    scenario: Scenario

Table = Grid  # period x id


@dataclass(frozen=True)
class KPI:
    """A KPI: a ratio of two sums, a sum, or a level read at the end or averaged over periods.

    `kind` says which: `"ratio"`, `"total"`, `"end"` or `"mean"`.
    """

    name: str
    unit: str
    definition: str
    kind: str


class _Data:
    """Period x id tables of a run's metrics, with store sums per distributor and market."""

    def __init__(self, timeseries: pd.DataFrame, scenario: Scenario,
                 tables: MetricTables | None = None) -> None:  # fmt: skip
        self.tables = MetricTables(timeseries) if tables is None else tables
        self.market_id = pd.Index(["market"])
        self.owner = {s.id: s.distributor for s in scenario.all_stores}
        self._cache: dict[tuple[str, str], Table] = {}

    def __call__(self, level: str, metric: str) -> Table:
        return self.tables.grid(level, metric)

    def stores_by_distributor(self, metric: str) -> Table:
        key = ("store-by-distributor", metric)
        if key not in self._cache:
            self._cache[key] = self.sum_by_distributor(self("store", metric))
        return self._cache[key]

    def sum_by_distributor(self, table: Table) -> Table:
        """A store table summed over each distributor's stores (a missing value counts 0)."""
        owners = np.array([self.owner[store] for store in table.ids], dtype=object)
        names = sorted(set(owners))
        values = np.where(np.isnan(table.values), 0.0, table.values)
        sums = np.zeros((table.shape[0], len(names)))
        for k, name in enumerate(names):
            sums[:, k] = values[:, owners == name].sum(axis=1)
        return Grid(sums, table.periods, pd.Index(names))

    def market(self, level: str, metric: str) -> Table:
        """A level's metric summed over its ids, per period (a missing value counts 0)."""
        table = self(level, metric)
        return Grid(np.nansum(table.values, axis=1, keepdims=True), table.periods,
                    self.market_id)  # fmt: skip


def _column(column: Table, name: str = "market") -> Table:
    return column.named(name)


def _real(d: _Data, counts: Table) -> Table:
    """Simulated customers as the real customers they stand for (money is on the real scale)."""
    return counts.mul(d("market", "customer_weight"), axis=0)


def _share_of_marketing(d: _Data) -> tuple[Table, Table]:
    """Each period's marketing spend split between prospects and lapsed customers."""
    prospects = d("market", "customers_prospect")
    lapsed = d("market", "customers_lapsed")
    pool = prospects + lapsed
    pool = Grid(np.where(pool.values == 0, np.nan, pool.values), pool.periods, pool.ids)
    return (prospects / pool).fillna(0.0), (lapsed / pool).fillna(0.0)


# Each entry: KPI -> {level: function(data) -> (numerator, denominator) or a level table}
Ratio = tuple[Table, Table]
Computation = Callable[[_Data], Ratio | Table]


def _market_rates(d: _Data) -> dict[str, Computation]:
    def store_sum(metric: str) -> Table:
        return _column(d.market("store", metric))

    def m(metric: str) -> Table:
        return d("market", metric)

    def funnel(src: str, dst: str) -> Computation:
        return lambda d: (m(f"funnel_to_{dst}"), m(f"funnel_{src}_start"))

    return {
        "conversion_rate": lambda d: (store_sum("buyers"), store_sum("visitors")),
        "funnel_unaware_to_attention": funnel("unaware", "attention"),
        "funnel_attention_to_interest": funnel("attention", "interest"),
        "funnel_interest_to_desire": funnel("interest", "desire"),
        "funnel_desire_to_conviction": funnel("desire", "conviction"),
        "funnel_conviction_to_purchase": lambda d: (
            m("buyers_new") + m("buyers_lapsed").values,
            m("shoppers_new") + m("shoppers_lapsed").values,
        ),
        "retention_rate": lambda d: (
            store_sum("customers_active_start") - store_sum("churned").values,
            store_sum("customers_active_start"),
        ),
        "churn_rate": lambda d: (store_sum("churned"), store_sum("customers_active_start")),
        "silent_churn_share": lambda d: (store_sum("churned_silent"), store_sum("churned")),
        "complaint_rate": lambda d: (m("complaints"), m("dissatisfied")),
        "acquisition_cost": lambda d: (
            _column(d.market("distributor", "marketing_spend") * _share_of_marketing(d)[0]),
            _real(d, m("new_customers")),
        ),
        "win_back_cost": lambda d: (
            _column(d.market("distributor", "marketing_spend") * _share_of_marketing(d)[1]),
            _real(d, m("won_back")),
        ),
        "retention_cost": lambda d: (
            _column(
                d.market("distributor", "service_spend") + d.market("distributor", "training_spend")
            ),
            _real(d, store_sum("customers_active_start") - store_sum("churned").values),
        ),
        "revenue": lambda d: m("customer_spend"),
        "gross_margin": lambda d: (
            m("customer_spend") - _column(d.market("supplier", "production_cost")).values,
            m("customer_spend"),
        ),
        "profit": lambda d: _column(
            d.market("supplier", "profit") + d.market("distributor", "profit")
        ),
        "satisfaction": lambda d: m("satisfaction"),
        "price_consistency": lambda d: (
            _column(d.market("supplier", "units_in_band")),
            _column(d.market("supplier", "units")),
        ),
    }


def _distributor_rates(d: _Data) -> dict[str, Computation]:
    def own(metric: str) -> Table:
        return d.stores_by_distributor(metric)

    def x(metric: str) -> Table:
        return d("distributor", metric)

    def retained() -> Table:
        return own("customers_active_start") - own("churned")

    prospects, lapsed = _share_of_marketing(d)
    market_units = d.market("distributor", "units")
    spend = d("market", "customer_spend")
    return {
        "conversion_rate": lambda d: (own("buyers"), own("visitors")),
        "retention_rate": lambda d: (retained(), own("customers_active_start")),
        "churn_rate": lambda d: (own("churned"), own("customers_active_start")),
        "silent_churn_share": lambda d: (own("churned_silent"), own("churned")),
        "complaints_per_1000_active": lambda d: (
            1000 * own("complaints"),
            own("customers_active_start"),
        ),
        "acquisition_cost": lambda d: (
            x("marketing_spend").mul(prospects, axis=0),
            _real(d, x("new_customers")),
        ),
        "win_back_cost": lambda d: (
            x("marketing_spend").mul(lapsed, axis=0),
            _real(d, x("won_back")),
        ),
        "retention_cost": lambda d: (
            x("service_spend") + x("training_spend"),
            _real(d, retained()),
        ),
        "revenue": lambda d: x("retail_revenue"),
        "gross_margin": lambda d: (x("retail_revenue") - x("cogs"), x("retail_revenue")),
        "profit": lambda d: x("profit"),
        "market_share_units": lambda d: (x("units"), _broadcast(market_units, x("units"))),
        "market_share_value": lambda d: (
            x("retail_revenue"),
            _broadcast(spend, x("retail_revenue")),
        ),
        "satisfaction": lambda d: (
            d.sum_by_distributor(
                d("store", "satisfaction").fillna(0.0).mul(d("store", "customers_active"))
            ),
            own("customers_active"),
        ),
        "sla_penalties_paid": lambda d: x("sla_penalty_paid"),
        "sla_penalties_received": lambda d: x("sla_penalty_received"),
    }


def _supplier_rates(d: _Data) -> dict[str, Computation]:
    def x(metric: str) -> Table:
        return d("supplier", metric)

    market_units = d.market("supplier", "units")
    spend = d("market", "customer_spend")
    return {
        "revenue": lambda d: x("wholesale_revenue"),
        "gross_margin": lambda d: (
            x("wholesale_revenue") - x("production_cost"),
            x("wholesale_revenue"),
        ),
        "profit": lambda d: x("profit"),
        "market_share_units": lambda d: (x("units"), _broadcast(market_units, x("units"))),
        "market_share_value": lambda d: (
            x("market_share_value").mul(spend, axis=0),
            _broadcast(spend, x("units")),
        ),
        "brand_equity": lambda d: x("brand_equity"),
        "price_consistency": lambda d: (x("units_in_band"), x("units")),
        "sla_penalties_paid": lambda d: x("sla_penalty_paid"),
        "sla_penalties_received": lambda d: x("sla_penalty_received"),
    }


def _store_rates(d: _Data) -> dict[str, Computation]:
    def x(metric: str) -> Table:
        return d("store", metric)

    return {
        "conversion_rate": lambda d: (x("buyers"), x("visitors")),
        "retention_rate": lambda d: (
            x("customers_active_start") - x("churned"),
            x("customers_active_start"),
        ),
        "churn_rate": lambda d: (x("churned"), x("customers_active_start")),
        "silent_churn_share": lambda d: (x("churned_silent"), x("churned")),
        "complaints_per_1000_active": lambda d: (
            1000 * x("complaints"),
            x("customers_active_start"),
        ),
        "revenue": lambda d: x("retail_revenue"),
        "satisfaction": lambda d: x("satisfaction"),
        "reputation": lambda d: x("reputation"),
        "service_level": lambda d: x("service_level"),
    }


def _contract_rates(d: _Data) -> dict[str, Computation]:
    def x(metric: str) -> Table:
        return d("contract", metric)

    rates: dict[str, Computation] = {
        "trust": lambda d: x("trust"),
        "mutual_cooperation": lambda d: x("action"),
        "active_share": lambda d: x("relationship_active"),
        "sla_penalties": lambda d: x("sla_penalty_paid"),
    }
    clauses = sorted(m for m in d.tables.metrics("contract") if m.startswith("compliance_"))
    for metric in clauses:
        rates[metric] = lambda d, metric=metric: x(metric)
    return rates


def _broadcast(column: Table, like: Table) -> Table:
    return column.broadcast(like)


KPIS: dict[str, KPI] = {
    k.name: k
    for k in (
        KPI(
            "conversion_rate",
            "share",
            "buyers / visitors (shoppers who chose one of the stores)",
            "ratio",
        ),
        KPI(
            "funnel_unaware_to_attention",
            "share",
            "prospects and lapsed customers who noticed "
            "the marketing / those unaware at the start of the period",
            "ratio",
        ),
        KPI(
            "funnel_attention_to_interest",
            "share",
            "moved from attention to interest / at attention",
            "ratio",
        ),
        KPI(
            "funnel_interest_to_desire",
            "share",
            "moved from interest to desire / at interest",
            "ratio",
        ),
        KPI(
            "funnel_desire_to_conviction",
            "share",
            "moved from desire to conviction / at desire",
            "ratio",
        ),
        KPI(
            "funnel_conviction_to_purchase",
            "share",
            "prospects and lapsed customers who bought / "
            "those who shopped (conviction leads to a shopping trip)",
            "ratio",
        ),
        KPI(
            "retention_rate",
            "share per period",
            "(active customers at the start - churned) / active customers at the start",
            "ratio",
        ),
        KPI("churn_rate", "share per period", "churned / active customers at the start", "ratio"),
        KPI("silent_churn_share", "share", "churners who never complained / churners", "ratio"),
        KPI(
            "complaint_rate",
            "share",
            "complaints / customers whose experience fell short of "
            "expectation by more than the complaint threshold (TARP: about 1 in 27)",
            "ratio",
        ),
        KPI(
            "complaints_per_1000_active",
            "per 1,000",
            "complaints x 1,000 / active customers at the start",
            "ratio",
        ),
        KPI(
            "acquisition_cost",
            "money per customer",
            "marketing spend x prospects' share of the marketing pool / new customers",
            "ratio",
        ),
        KPI(
            "win_back_cost",
            "money per customer",
            "marketing spend x lapsed customers' share of the marketing pool / customers won back",
            "ratio",
        ),
        KPI(
            "retention_cost",
            "money per customer",
            "service and training spend / customers kept (active at the start and not churned)",
            "ratio",
        ),
        KPI(
            "revenue",
            "money",
            "customer spend (market), retail revenue (distributor, store), "
            "wholesale revenue (supplier)",
            "total",
        ),
        KPI(
            "gross_margin",
            "share",
            "(revenue - cost of goods) / revenue; cost of goods is "
            "production cost (market, supplier) or wholesale cost (distributor)",
            "ratio",
        ),
        KPI("profit", "money", "all inflows - all outflows (the change in cash)", "total"),
        KPI("market_share_units", "share", "units sold / all units sold in the market", "ratio"),
        KPI("market_share_value", "share", "retail value sold / all customer spend", "ratio"),
        KPI("brand_equity", "0-1", "the supplier's brand equity", "end"),
        KPI("reputation", "0-1", "the store's reputation", "end"),
        KPI(
            "satisfaction",
            "score",
            "mean satisfaction of active customers (weighted by customers for a distributor)",
            "end",
        ),
        KPI("service_level", "0-1", "the store's service level, mean over periods", "mean"),
        KPI(
            "price_consistency",
            "share",
            "units sold within the contract's price band / units sold",
            "ratio",
        ),
        KPI("sla_penalties_paid", "money", "SLA penalties paid", "total"),
        KPI("sla_penalties_received", "money", "SLA penalties received", "total"),
        KPI(
            "sla_penalties",
            "money",
            "SLA penalties paid under the contract, both directions",
            "total",
        ),
        KPI("trust", "0-1", "the distributor's trust in the supplier", "end"),
        KPI(
            "mutual_cooperation",
            "share",
            "periods in which both sides cooperated / periods",
            "mean",
        ),
        KPI(
            "active_share",
            "share",
            "periods in which the relationship was active / periods",
            "mean",
        ),
        KPI(
            "compliance_<clause>",
            "share",
            "active periods meeting the clause's standard / active periods",
            "mean",
        ),
    )
}
"""Every KPI with its unit and definition (docs/kpis.md is checked against this)."""

LEVELS: dict[str, Callable[[_Data], dict[str, Computation]]] = {
    "market": _market_rates,
    "supplier": _supplier_rates,
    "distributor": _distributor_rates,
    "store": _store_rates,
    "contract": _contract_rates,
}


def _definition(name: str) -> KPI:
    return KPIS["compliance_<clause>"] if name.startswith("compliance_") else KPIS[name]


def _evaluate(
    kpi: KPI, value: Ratio | Table, by_period: bool
) -> Table | tuple[pd.Index, np.ndarray]:
    """A KPI's value per period (a grid) or over the run (ids and values).

    Per period: the ratio (or level) of each period. Over the run: total numerator / total
    denominator for a ratio, the sum for a total, the last value for a level read at the end,
    the mean over periods for an average. Missing values are skipped, as pandas skips them.
    """
    if isinstance(value, tuple):
        num, den = value
        if isinstance(num, Grid):
            if not num._same_labels(den):  # the numerator is read on the denominator's cells
                num = num.reindex(den.periods, den.ids)
            numerator = num.values
        else:
            numerator = np.broadcast_to(np.asarray(num, dtype=float), den.shape)
        if kpi.kind == "ratio" and not by_period:
            total = np.nansum(den.values, axis=0)
            return den.ids, np.nansum(numerator, axis=0) / np.where(total != 0, total, np.nan)
        table = Grid(numerator / np.where(den.values != 0, den.values, np.nan), den.periods,
                     den.ids)  # fmt: skip
    else:
        table = value
    if by_period:
        return table
    values = table.values
    seen = ~np.isnan(values)
    if kpi.kind == "total":
        return table.ids, np.nansum(values, axis=0)
    if kpi.kind == "end":  # the last value recorded
        last = len(values) - 1 - np.argmax(seen[::-1], axis=0)
        ends = values[last, np.arange(values.shape[1])] if len(values) else values.sum(axis=0)
        return table.ids, np.where(seen.any(axis=0), ends, np.nan)
    count = seen.sum(axis=0)
    return table.ids, np.where(count > 0, np.nansum(values, axis=0) / np.maximum(count, 1), np.nan)


def kpis(
    run: Run | pd.DataFrame, scenario: Scenario | None = None, by: str = "run",
    tables: MetricTables | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Every KPI at every level, as a tidy frame (level, id, kpi, value).

    The frame also has `period` when ``by="period"``. Pass a RunResult, or a run's long table and
    its scenario (and its MetricTables, if they are already built).
    """
    if by not in ("run", "period"):
        raise ValueError(f"by must be 'run' or 'period', got {by!r}")
    if isinstance(run, pd.DataFrame):
        if scenario is None:
            raise ValueError("pass the scenario with a bare timeseries")
        timeseries = run
    else:
        timeseries, scenario = run.timeseries, run.scenario
    data = _Data(timeseries, scenario, tables)
    columns: dict[str, list[np.ndarray]] = {"period": [], "level": [], "id": [], "kpi": [],
                                            "value": []}  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        for level, rates in LEVELS.items():
            for name, compute in rates(data).items():
                values = _evaluate(_definition(name), compute(data), by == "period")
                if by == "period":  # period x id, row by row
                    n_periods, n_ids = values.shape
                    columns["period"].append(np.repeat(values.periods.to_numpy(), n_ids))
                    ids = np.tile(values.ids.to_numpy(dtype=object), n_periods)
                    numbers = values.values.ravel()
                else:
                    ids, numbers = values[0].to_numpy(dtype=object), values[1]
                columns["id"].append(ids)
                columns["value"].append(np.asarray(numbers, dtype=float))
                columns["level"].append(np.full(len(ids), level, dtype=object))
                columns["kpi"].append(np.full(len(ids), name, dtype=object))
    names = ["level", "id", "kpi", "value"] if by == "run" else ["period", "level", "id", "kpi",
                                                                  "value"]  # fmt: skip
    # one frame at the end: building one per KPI cost more than computing them
    return pd.DataFrame({c: np.concatenate(columns[c]) for c in names})


def kpi_table(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """One level's run KPIs as an id x kpi table (for reports and printing)."""
    rows = frame[frame["level"] == level]
    return rows.pivot(index="id", columns="kpi", values="value")


AGGREGATION = {
    "ratio": "total numerator / total denominator",
    "total": "sum over periods",
    "end": "value in the last period",
    "mean": "mean over periods",
}


def reference_markdown() -> str:
    """The KPI table of docs/kpis.md, generated from `KPIS` so the two cannot drift apart."""
    lines = ["| KPI | unit | definition | over the run |", "|---|---|---|---|"]
    for k in KPIS.values():
        lines.append(f"| `{k.name}` | {k.unit} | {k.definition} | {AGGREGATION[k.kind]} |")
    return "\n".join(lines)
