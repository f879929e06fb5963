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


def wilson_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson's score interval for a proportion (Wilson 1927; Brown, Cai & DasGupta 2001).

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or n
    successes, which is where shares over a few seeds often sit. NaN bounds for no trials.
    """
    if trials <= 0:
        return math.nan, math.nan
    from scipy import stats as scipy_stats

    z = float(scipy_stats.norm.ppf(0.5 + confidence / 2))
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


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
