"""Expectation contracts: measuring clauses, and the wholesale price by Nash bargaining.

A clause is a SMART standard (`scenario.Clause`); here each clause metric gets the function that
measures it on the market's current state, so the relationship round can compare what was
promised with what was delivered. Measurements read the levers the agents set this period
(quality and fill rate of the contract's offers, prices, the distributor's stores), never a
party's declared action: a party that cooperates can still miss a standard it cannot meet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from linkages_sim.scenario import CLAUSE_METRICS, Renegotiation

if TYPE_CHECKING:
    from linkages_sim.model import MarketModel
    from linkages_sim.relationships import Relationship

Measure = Callable[["MarketModel", "Relationship"], float]


def _offers(model: MarketModel, r: Relationship) -> np.ndarray:
    return model.offers.contract == r.index


def _stores(model: MarketModel, r: Relationship):
    return model.distributors[r.distributor].stores


MEASURES: dict[str, Measure] = {
    "quality": lambda m, r: float(m.offers.quality[_offers(m, r)].mean()),
    "fill_rate": lambda m, r: float(m.offers.fill[_offers(m, r)].mean()),
    "new_product_within": lambda m, r: float(m.period - m.suppliers[r.supplier].last_launch),
    "price_deviation": lambda m, r: float(
        np.abs(m.offers.price[_offers(m, r)] / m.suppliers[r.supplier].spec.rrp - 1.0).max()
    ),
    "service_level": lambda m, r: float(np.mean([s.service for s in _stores(m, r)])),
    "staff_training": lambda m, r: float(np.mean([s.training for s in _stores(m, r)])),
    "greeting_time_s": lambda m, r: float(np.mean([s.greeting_time_s for s in _stores(m, r)])),
    "data_shared": lambda m, r: float(m.shares_data(r)),
}
"""How each clause metric is measured; the keys are exactly `scenario.CLAUSE_METRICS`."""

assert set(MEASURES) == set(CLAUSE_METRICS), "every clause metric needs a measure"


def measure_clauses(model: MarketModel, r: Relationship) -> dict[str, tuple[float, bool]]:
    """Each clause of the contract: its measured value and whether the standard is met."""
    out = {}
    for clause in r.spec.clauses:
        value = MEASURES[clause.metric](model, r)
        out[clause.name] = (value, clause.met_by(value))
    return out


def nash_wholesale_price(
    terms: Renegotiation, units: float, retail_price: float, unit_cost: float
) -> float | None:
    """The wholesale price that splits the channel surplus by the Nash bargaining solution.

    With per-period volume Q, retail price p and unit cost c, the contract's surplus is
    (p - c) Q. Maximising (u_s - d_s)^b (u_d - d_d)^(1 - b) with u_s + u_d = (p - c) Q gives the
    supplier d_s + b (surplus - d_s - d_d), hence w = c + u_s / Q. Returns None when there is
    nothing to agree on (no volume, or a surplus below the two outside options together).
    """
    if units <= 0:
        return None
    surplus = (retail_price - unit_cost) * units
    d_s, d_d = terms.supplier_outside_option, terms.distributor_outside_option
    if surplus < d_s + d_d:
        return None
    supplier_share = d_s + terms.supplier_power * (surplus - d_s - d_d)
    return unit_cost + supplier_share / units
