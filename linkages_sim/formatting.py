"""How numbers are shown to a person: money, compact money, percentages, points.

Shared by terminal tables, reports and figure ticks so that one figure reads the same
everywhere; "n/a" stands for an undefined value (None or NaN, e.g. a rate over no customers).
"""

from __future__ import annotations


def missing(x: float | None) -> bool:
    """None or NaN: an undefined value."""
    return x is None or x != x


def money(x: float | None) -> str:
    """Whole currency units with thousands separators."""
    return "n/a" if missing(x) else f"{x:,.0f}"


def compact(x: float | None, digits: str = ".2f", small: str = ".0f") -> str:
    """Money in a few characters (12.30M, 456.70k), for narrow terminal tables.

    Figure ticks use `digits="g"` (12.3M, 200k).
    """
    if missing(x):
        return "n/a"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:{digits}}{suffix}"
    return f"{x:{small}}"


def cost(x: float | None) -> str:
    """Money per customer: cents matter below 100."""
    return "n/a" if missing(x) else f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"


def pct(x: float | None) -> str:
    """A share as a percentage with one decimal."""
    return "n/a" if missing(x) else f"{100 * x:.1f}%"


def num(x: float | None, digits: int = 3) -> str:
    """A plain number with `digits` decimals."""
    return "n/a" if missing(x) else f"{x:.{digits}f}"


def points(x: float | None) -> str:
    """A difference of rates in percentage points, precise enough for weekly retention."""
    return "n/a" if missing(x) else f"{100 * x:+.3f} pp"
