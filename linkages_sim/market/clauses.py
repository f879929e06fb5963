"""Expectation contracts: measuring each clause on the market's current state.

A clause is a SMART standard (`config.schema.Clause`); here each clause metric gets the
function that measures it, so the relationship round can compare what was promised with what
was delivered. Measurements read the levers the agents set this period (quality and fill rate of
the contract's offers, prices, the distributor's stores), never a party's declared action: a
party that cooperates can still miss a standard it cannot meet (docs/model.md, contracts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from linkages_sim.config.schema import CLAUSE_METRICS, Clause
from linkages_sim.config.service import DIMENSIONS


@dataclass(frozen=True)
class ContractLevers:
    """What one contract's clauses are measured on this period.

    Its offers' levers, the supplier's latest launch, the distributor's stores and whether data is
    shared.
    """

    period: int
    quality: np.ndarray  # per offer of the contract
    fill: np.ndarray
    price: np.ndarray
    rrp: float
    last_launch: int  # period of the supplier's latest new product
    store_service: np.ndarray  # per store of the distributor
    store_training: np.ndarray
    store_greeting_s: np.ndarray
    shares_data: bool
    store_dimensions: np.ndarray = field(default_factory=lambda: np.full((0, len(DIMENSIONS)),
                                                                         np.nan))
    """Per store of the distributor, its six delivered service levels (docs/service.md); no
    rows when the market has one service level, so a dimension clause reads NaN (breached)."""
    standards_met: float = float("nan")
    """Share of the SMART standards of the distributor's stores met at their latest reading;
    NaN before any is read or without standards (a clause on it is then breached)."""


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else float("nan")


def _max(values: np.ndarray) -> float:
    return float(values.max()) if values.size else float("nan")


MEASURES: dict[str, Callable[[ContractLevers], float]] = {
    "quality": lambda c: _mean(c.quality),
    "fill_rate": lambda c: _mean(c.fill),
    "new_product_within": lambda c: float(c.period - c.last_launch),
    "price_deviation": lambda c: _max(np.abs(c.price / c.rrp - 1.0)),
    "service_level": lambda c: _mean(c.store_service),
    "staff_training": lambda c: _mean(c.store_training),
    "greeting_time_s": lambda c: _mean(c.store_greeting_s),
    "data_shared": lambda c: float(c.shares_data),
    "standards_met": lambda c: c.standards_met,
    **{f"service_{d}": (lambda c, i=i: _mean(c.store_dimensions[:, i]))
       for i, d in enumerate(DIMENSIONS)},
}
"""How each clause metric is measured; the keys are exactly `config.schema.CLAUSE_METRICS`.
A measure over no offers or no stores is NaN, which meets no standard (validation refuses
contracts whose distributor has no store, so this is a guard, not a path)."""

assert set(MEASURES) == set(CLAUSE_METRICS), "every clause metric needs a measure"


def measure_clauses(
    clauses: list[Clause], levers: ContractLevers
) -> dict[str, tuple[float, bool]]:
    """Each clause of the contract: its measured value and whether the standard is met."""
    out = {}
    for clause in clauses:
        value = MEASURES[clause.metric](levers)
        out[clause.name] = (value, bool(value == value and clause.met_by(value)))
    return out
