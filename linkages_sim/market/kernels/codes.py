"""Integer codes shared by the kernels and the code that reads their outputs.

Each family is an enum (`State`, `Stage`, `Trip`, `Outcome`, `Event`), so Python code names
codes it cannot misspell and a value prints as its name; the kernels read the module-level
plain ints below, which numba compiles as constants (the two are the same numbers by
construction, and a test checks that no two codes of a family share a value).
"""

from enum import IntEnum, IntFlag

import numpy as np


class State(IntEnum):
    """A customer's relationship with the market."""

    PROSPECT = 0
    ACTIVE = 1
    LAPSED = 2


class Stage(IntEnum):
    """Funnel stage of a non-active customer (seed slide 34); CONVICTION shops this period."""

    UNAWARE = 0
    ATTENTION = 1
    INTEREST = 2
    DESIRE = 3
    CONVICTION = 4


class Trip(IntEnum):
    """What the choice kernel writes when a customer chose no offer (else the offer index)."""

    NOT_SHOPPING = -1
    OUTSIDE = -2


class Outcome(IntEnum):
    """What a customer's period came to (service kernel)."""

    NO_TRIP = 0
    BOUGHT = 1  # an active customer bought again
    BOUGHT_NEW = 2  # a prospect's first purchase: acquisition
    BOUGHT_WON_BACK = 3  # a lapsed customer bought again: win-back
    STOCKOUT = 4
    NOT_CLOSED = 5
    WENT_OUTSIDE = 6


class Event(IntFlag):
    """After-sales events (churn kernel): bit flags, so one customer can complain and churn."""

    COMPLAINED = 1
    RESOLVED = 2  # the complaint was resolved by the store (service recovery)
    CHURNED = 4
    SILENT = 8  # churned without having complained since becoming active


PURCHASES = (Outcome.BOUGHT, Outcome.BOUGHT_NEW, Outcome.BOUGHT_WON_BACK)
"""The outcomes that are a sale."""
IS_SALE = np.isin(np.arange(len(Outcome)), PURCHASES)
"""Indexed by outcome code: whether it is a sale (`IS_SALE[outcome]` is one gather per
customer; `np.isin` over a million customers costs about ten times more)."""

# plain ints for the kernels (numba freezes module globals as compile-time constants)
PROSPECT, ACTIVE, LAPSED = (int(s) for s in State)
UNAWARE, ATTENTION, INTEREST, DESIRE, CONVICTION = (int(s) for s in Stage)
NOT_SHOPPING, OUTSIDE = int(Trip.NOT_SHOPPING), int(Trip.OUTSIDE)
NO_TRIP, BOUGHT, BOUGHT_NEW, BOUGHT_WON_BACK, STOCKOUT, NOT_CLOSED, WENT_OUTSIDE = (
    int(o) for o in Outcome
)
COMPLAINED, RESOLVED, CHURNED, SILENT = (int(e) for e in Event)
