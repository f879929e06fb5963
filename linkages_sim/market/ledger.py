"""Double-entry accounting: every money flow is one transfer between two accounts.

Because each transfer debits one account and credits another, money is conserved by
construction; the checks in `check_period` guard the bookkeeping around it (model.md §3.7):
customer spend equals distributors' retail revenue, each supplier's wholesale revenue equals
what distributors paid it, and each account's cash change equals its recorded flows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

CUSTOMERS = "customers"
OUTSIDE = "outside"
"""External accounts: customers' wallets (a source) and the rest of the world (a sink for
production, rent, wages, media)."""


class Kind(StrEnum):
    """What a transfer is for. A closed list: a misspelt kind is an error, not a silent zero."""

    RETAIL_SALES = "retail_sales"  # customers -> distributor
    WHOLESALE = "wholesale"  # distributor -> supplier
    PRODUCTION = "production"  # supplier -> outside: unit costs
    FIXED_COST = "fixed_cost"  # supplier -> outside
    NEW_PRODUCT = "new_product"  # supplier -> outside: development of a new product
    MARKETING = "marketing"  # distributor -> outside
    SERVICE = "service"  # distributor -> outside: service spend of its stores
    TRAINING = "training"  # distributor -> outside
    OCCUPANCY = "occupancy"  # distributor -> outside: rent of its stores
    DATA_SHARING = "data_sharing"  # distributor -> outside: cost of sharing buying-habit data
    SWITCHING = "switching"  # distributor -> outside: dropping or re-listing a brand
    SLA_PENALTY = "sla_penalty"  # breaching party -> the other party
    REVENUE_SHARE = "revenue_share"  # distributor -> supplier: its share of retail revenue
    FRANCHISE_FEE = "franchise_fee"  # distributor -> supplier: fixed fee of a two-part tariff
    QUANTITY_DISCOUNT = "quantity_discount"  # supplier -> distributor: rebate beyond a volume
    INTERVENTION = "intervention"  # owner -> outside: an intervention's cost
    COST_TO_SERVE = "cost_to_serve"  # distributor -> outside: serving its active customers
    ACQUISITION = "acquisition"  # distributor -> outside: cost per newly acquired customer


class ConservationError(AssertionError):
    """Money or customers were created or destroyed: a bug, never a scenario problem."""


@dataclass
class Account:
    """Something that holds cash: an agent or an external account."""

    name: str
    cash: float = 0.0


@dataclass
class Ledger:
    """All transfers of a run, with per-period totals by account and kind."""

    accounts: dict[str, Account] = field(default_factory=dict)
    rows: list[tuple[int, str, str, str, float]] = field(default_factory=list)
    _period_in: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _period_out: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _by_kind: dict[tuple[str, str, str], float] = field(default_factory=lambda: defaultdict(float))
    _opening: dict[str, float] = field(default_factory=dict)

    def open(self, account: Account) -> Account:
        """Register an account and return it."""
        self.accounts[account.name] = account
        return account

    def start_period(self) -> None:
        """Clear the period's flows and remember each account's opening cash."""
        self._period_in.clear()
        self._period_out.clear()
        self._by_kind.clear()
        self._opening = {name: a.cash for name, a in self.accounts.items()}

    def transfer(self, period: int, payer: str, payee: str, kind: Kind, amount: float) -> None:
        """Move `amount` (>= 0) from payer to payee; zero amounts are not recorded."""
        kind = Kind(kind)
        if amount == 0.0:
            return
        if amount < 0.0 or not math.isfinite(amount):
            raise ConservationError(f"invalid transfer {kind} {payer}->{payee}: {amount}")
        self.accounts[payer].cash -= amount
        self.accounts[payee].cash += amount
        self._period_out[payer] += amount
        self._period_in[payee] += amount
        self._by_kind[(payer, payee, kind)] += amount
        self.rows.append((period, payer, payee, kind, amount))

    def paid(
        self, payer: str | None = None, payee: str | None = None, kind: Kind | None = None
    ) -> float:
        """This period's total over transfers matching the given payer, payee and kind."""
        if kind is not None:
            kind = Kind(kind)
        for name in (payer, payee):
            if name is not None and name not in self.accounts:
                raise KeyError(f"no account {name!r}")
        return sum(
            v
            for (p, q, k), v in self._by_kind.items()
            if (payer is None or p == payer)
            and (payee is None or q == payee)
            and (kind is None or k == kind)
        )

    def check_period(self, scale: float) -> None:
        """Each account's cash change equals its flows, and total cash is unchanged."""
        tolerance = 1e-9 * max(1.0, scale)
        for name, account in self.accounts.items():
            expected = self._opening[name] + self._period_in[name] - self._period_out[name]
            if abs(account.cash - expected) > tolerance:
                raise ConservationError(
                    f"{name}: cash {account.cash!r} differs from opening + flows {expected!r}"
                )
        opening = math.fsum(self._opening.values())
        closing = math.fsum(a.cash for a in self.accounts.values())
        if abs(closing - opening) > tolerance:
            raise ConservationError(f"total cash changed from {opening!r} to {closing!r}")

    def frame(self) -> pd.DataFrame:
        """Every transfer as a tidy table: period, payer, payee, kind, amount."""
        frame = pd.DataFrame(self.rows, columns=["period", "payer", "payee", "kind", "amount"])
        frame["kind"] = frame["kind"].astype(str)
        return frame
