"""The per-customer arrays every kernel reads, as two named structures (numba named tuples).

Kernels take their inputs as a few named tuples instead of 20-odd positional arrays and
numbers: a call site fills each field by name, so two arrays of one dtype cannot be swapped
unnoticed. A named tuple holds references: the kernels change the arrays in place, so a
segment builds its `Customers` and `Outputs` once and passes the same ones every period.
"""

from typing import NamedTuple

import numpy as np

from linkages_sim.market.kernels.codes import NOT_SHOPPING, PROSPECT, UNAWARE


class Customers(NamedTuple):
    """One segment's customer state, one entry per customer (struct of arrays)."""

    state: np.ndarray  # int8: PROSPECT, ACTIVE or LAPSED
    stage: np.ndarray  # int8: funnel stage of a non-active customer, UNAWARE .. CONVICTION
    store: np.ndarray  # int64: an active customer's store, -1 for none yet
    brand: np.ndarray  # int64: an active customer's brand (supplier), -1 for none yet
    satisfaction: np.ndarray  # float64
    expectation: np.ndarray  # float64: expected experience, 0-1
    tenure: np.ndarray  # int64: periods active since the last acquisition or win-back
    complained: np.ndarray  # bool: complained since becoming active

    @classmethod
    def prospects(cls, n: int, expectation: float) -> "Customers":
        """`n` unaware prospects without a store or brand, expecting `expectation`."""
        return cls(
            state=np.full(n, PROSPECT, dtype=np.int8),
            stage=np.full(n, UNAWARE, dtype=np.int8),
            store=np.full(n, -1, dtype=np.int64),
            brand=np.full(n, -1, dtype=np.int64),
            satisfaction=np.zeros(n),
            expectation=np.full(n, float(expectation)),
            tenure=np.zeros(n, dtype=np.int64),
            complained=np.zeros(n, dtype=np.bool_),
        )


class Outputs(NamedTuple):
    """What one period's kernels write per customer (buffers reused every period)."""

    state_before: np.ndarray  # int8: the state when the period's shopping began
    choice: np.ndarray  # int64: an offer index, OUTSIDE or NOT_SHOPPING (choice kernel)
    outcome: np.ndarray  # int8: NO_TRIP, BOUGHT, ... (service kernel)
    disconfirmation: np.ndarray  # float64: experience - expectation, NaN without experience
    event: np.ndarray  # int8: COMPLAINED | RESOLVED | CHURNED | SILENT bit flags (churn kernel)

    @classmethod
    def empty(cls, n: int) -> "Outputs":
        """Buffers for `n` customers before any period: nobody has shopped."""
        return cls(
            state_before=np.full(n, PROSPECT, dtype=np.int8),
            choice=np.full(n, NOT_SHOPPING, dtype=np.int64),
            outcome=np.zeros(n, dtype=np.int8),
            disconfirmation=np.full(n, np.nan),
            event=np.zeros(n, dtype=np.int8),
        )


__all__ = ["Customers", "Outputs"]
