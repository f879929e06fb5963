"""Statistics shared by every layer: t intervals over replications, and JSON-safe numbers.

One home for them, so an interval in the payoff matrix, an uplift in an evaluation and a
spread over seeds in an experiment are computed, and printed, the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

CONFIDENCE = 0.95
"""Two-sided confidence level of every interval the project reports."""


def t_interval(
    values: Iterable[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean and two-sided Student-t interval of independent replications.

    Returns (mean, low, high); the bounds are NaN with fewer than two values (no spread to
    estimate), and equal the mean when every value is the same.
    """
    x = np.asarray(list(values), dtype=np.float64)
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(x))
    if n < 2:
        return mean, math.nan, math.nan
    from scipy import stats as scipy_stats  # 0.6 s to import: only when an interval is asked

    half = scipy_stats.t.ppf(0.5 + confidence / 2, n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def json_number(x: object, digits: int | None = None) -> float | None:
    """A float for JSON, optionally rounded; None for NaN and infinities.

    NaN and infinities are undefined values here, e.g. a rate over zero customers.
    """
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    if not math.isfinite(value):
        return None
    return round(value, digits) if digits is not None else value


def ratio(numerator: float, denominator: float) -> float:
    """Numerator / denominator, NaN when the denominator is zero (undefined, not zero)."""
    return float(numerator) / float(denominator) if denominator else math.nan
