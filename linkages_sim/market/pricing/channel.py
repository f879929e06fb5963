"""Who sets which price: distributors' retail replies, a Stackelberg supplier, integration.

Two benchmarks bound the decentralised channel: `integrated`, where each contract's pair is
one firm (vertical integration, competition between the pairs kept), and `joint`, one owner of
the whole market (every externality internalised: the most the market's demand can earn).

The decentralised channel is the textbook sequential game (Spengler 1950; Jeuland & Shugan
1983, "Managing channel profits", Marketing Science 2(3)): the supplier sets the wholesale price
anticipating the distributor's best reply, then the distributor sets the retail price for its
own margin. The integrated benchmark prices every contract for the channel's joint margin
(retail price minus the supplier's unit cost), the wholesale price becoming an internal
transfer. Contract terms that change the margins (revenue sharing: the distributor keeps
1 - share of the retail price, Cachon & Lariviere 2005, Management Science 51(1)) enter as
`keep` and `pay` per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np


class Demand(Protocol):
    """A demand system: expected units per contract, and an owner's best reply to it."""

    def units(self, prices: np.ndarray) -> np.ndarray:
        """Expected units per contract at contract prices `prices`."""
        ...

    def best_reply(
        self, prices: np.ndarray, owned: np.ndarray, keep: np.ndarray, pay: np.ndarray,
        low: np.ndarray, high: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """The owner's profit-maximising prices for its contracts (`owned`)."""
        ...


@dataclass(frozen=True)
class ChannelTerms:
    """Per-contract terms that the price-setters read (arrays over contracts)."""

    wholesale: np.ndarray  # price per unit the distributor pays the supplier
    unit_cost: np.ndarray  # the supplier's production cost per unit
    revenue_share: np.ndarray  # share of retail revenue the distributor pays the supplier
    supplier: np.ndarray  # int: the contract's supplier
    distributor: np.ndarray  # int: the contract's distributor
    active: np.ndarray  # bool: the contract trades
    low: np.ndarray  # lowest retail price allowed (a price band's floor, else the cost)
    high: np.ndarray  # highest retail price allowed
    distributor_outside: np.ndarray | None = None  # the distributor's outside option per period

    def distributor_margin(self, demand: Demand, prices: np.ndarray) -> np.ndarray:
        """Each contract's expected margin for its distributor this period."""
        keep = 1.0 - self.revenue_share
        return np.where(self.active, (keep * prices - self.wholesale) * demand.units(prices), 0.0)

    def with_wholesale(self, contract: int, price: float) -> ChannelTerms:
        """The same terms with contract `contract`'s wholesale price set to `price`."""
        wholesale = self.wholesale.copy()
        wholesale[contract] = price
        return replace(self, wholesale=wholesale)


def retail_reply(
    demand: Demand, prices: np.ndarray, terms: ChannelTerms, distributor: int,
    integrated: bool = False,
) -> np.ndarray:  # fmt: skip
    """Prices after `distributor` sets its active contracts' retail prices by best reply.

    Decentralised, it earns (1 - revenue share) p - w per unit; integrated, the channel earns
    p - c. Each price stays within [low, high] and never below the price at which the margin
    is zero.
    """
    owned = terms.active & (terms.distributor == distributor)
    if integrated:
        keep, pay = np.ones_like(terms.wholesale), terms.unit_cost
    else:
        keep, pay = 1.0 - terms.revenue_share, terms.wholesale
    low = np.maximum(terms.low, pay / keep)
    high = np.maximum(terms.high, low)
    return demand.best_reply(prices, owned, keep, pay, low, high)


def joint_reply(demand: Demand, prices: np.ndarray, terms: ChannelTerms) -> np.ndarray:
    """Prices when one owner of the whole market sets every active contract's retail price.

    The joint-profit benchmark: it earns p - c on every unit of every contract, so it prices
    away vertical (double marginalisation) and horizontal (competition between distributors and
    brands) externalities at once.
    """
    keep, pay = np.ones_like(terms.wholesale), terms.unit_cost
    low = np.maximum(terms.low, pay)
    return demand.best_reply(prices, terms.active.copy(), keep, pay, low,
                             np.maximum(terms.high, low))  # fmt: skip


def supplier_margin(
    demand: Demand, prices: np.ndarray, terms: ChannelTerms, supplier: int
) -> float:
    """The supplier's expected margin this period: wholesale and revenue share less unit cost."""
    units = demand.units(prices)
    mine = terms.active & (terms.supplier == supplier)
    per_unit = terms.wholesale - terms.unit_cost + terms.revenue_share * prices
    return float(np.sum((per_unit * units)[mine]))


SHORT = -1e300
"""The leader's margin at a price some distributor would refuse: below any real margin, and
finite, so that the search's arithmetic stays defined."""


def replies(
    demand: Demand, prices: np.ndarray, terms: ChannelTerms, distributors: list[int],
    passes: int = 2, integrated: bool = False,
) -> np.ndarray:  # fmt: skip
    """Prices after `distributors` reply in turn, `passes` times (Gauss-Seidel best replies)."""
    for _ in range(passes):
        for d in distributors:
            prices = retail_reply(demand, prices, terms, d, integrated)
    return prices


def stackelberg_wholesale(
    demand: Demand, prices: np.ndarray, terms: ChannelTerms, supplier: int,
    tolerance: float = 1e-3, grid: int = 24,
) -> tuple[float, ChannelTerms, np.ndarray]:  # fmt: skip
    """The supplier's wholesale price, anticipating its distributors' replies (Stackelberg).

    One price for all its active contracts: a supplier may not discriminate between competing
    resellers (the Robinson-Patman Act, 15 U.S.C. 13(a)), and with one price it cannot push
    volume from one distributor to another by pricing one of them out. Each candidate price is
    answered by every distributor carrying the brand (`replies`, other prices held), and the
    supplier keeps the one that maximises its margin over its contracts, among the prices at
    which every distributor's margin on the contract covers its outside option (participation:
    a distributor that earns less would not sign; Tirole 1988, §4.2). The search runs from
    the unit cost to the highest wholesale price at which a distributor can still earn a
    margin: a grid of `grid` prices, geometric in the margin over cost, finds the best region
    (the margin is flat at zero where the replies sell nothing, which would trap a local
    search), then bounded Brent search refines it
    between the grid neighbours. Returns the price, the terms with it, and the retail prices it
    leads to.
    """
    from scipy.optimize import minimize_scalar

    mine = np.flatnonzero(terms.active & (terms.supplier == supplier))
    if mine.size == 0:
        return float("nan"), terms, prices
    distributors = sorted({int(d) for d in terms.distributor[mine]})
    cost = float(np.min(terms.unit_cost[mine]))
    ceiling = float(np.max(terms.high[mine] * (1.0 - terms.revenue_share[mine])))

    def at(w: float) -> ChannelTerms:
        wholesale = terms.wholesale.copy()
        wholesale[mine] = w
        return replace(terms, wholesale=wholesale)

    outside = np.zeros_like(terms.wholesale) if terms.distributor_outside is None else (
        terms.distributor_outside)  # fmt: skip

    def outcome(w: float) -> tuple[float, ChannelTerms, np.ndarray]:
        candidate = at(w)
        reply = replies(demand, prices, candidate, distributors)
        short = candidate.distributor_margin(demand, reply)[mine] < outside[mine] - 1e-9
        margin = supplier_margin(demand, reply, candidate, supplier)
        return (SHORT if short.any() else margin), candidate, reply

    if ceiling <= cost:
        return cost, *outcome(cost)[1:]
    margins_grid = np.geomspace(1e-3, 1.0, grid - 1) * (ceiling - cost)
    candidates = cost + np.concatenate([[0.0], margins_grid])
    margins = [outcome(float(w))[0] for w in candidates]
    k = int(np.argmax(margins))
    if margins[k] == SHORT:  # no price lets every distributor participate: the lowest
        return cost, *outcome(cost)[1:]
    lo, hi = candidates[max(k - 1, 0)], candidates[min(k + 1, grid - 1)]
    found = minimize_scalar(lambda w: -outcome(float(w))[0], bounds=(float(lo), float(hi)),
                            method="bounded", options={"xatol": tolerance})  # fmt: skip
    best = float(found.x) if -found.fun >= margins[k] else float(candidates[k])
    return best, *outcome(best)[1:]
