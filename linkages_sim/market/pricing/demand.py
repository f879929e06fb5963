"""The demand a price-setter faces: expected units per contract as a function of prices.

Two demand systems share one interface (`units(prices)` per contract, and the first-order
terms the best replies need):

- `LogitDemand`, the market's own demand (model.md §3.4). A panel of customers, fixed at the
  start, stands for each segment; at a pricing moment it is read from the customers' current
  state (who is active, their store and brand, who is convinced) and the offers' levers, so a
  price-setter sees the demand that the choice kernel will draw from. With log-price utility
  (U_ij = V_ij - beta_i log p_j) the multinomial logit gives shares and their price
  derivatives in closed form: dP_ij/dp_g = -(beta_i / p_g) P_ij (1[j in g] - S_ig), where S_ig
  is customer i's probability of choosing one of the offers priced by g (Berry 1994; Train
  2009, "Discrete Choice Methods with Simulation", §3.6).
- `LinearDemand`, the textbook special case Q = N (1 - p / a): every customer buys one unit
  when the price is below a reservation value drawn uniformly on [0, a]. Under it a
  decentralised channel with a Stackelberg supplier earns exactly 3/4 of the integrated
  channel's profit (Spengler 1950, "Vertical integration and antitrust policy", J. Political
  Economy 58(4); Tirole 1988, ch. 4).

Logit demand comes in two horizons. `current`: this period's expected units, the customers as
they are, loyal ones included. Loyalty is a switching cost, and against this period's demand
a price-setter would exploit it (loyal customers barely react to a price this period; they
react later, through value for money, satisfaction and churn, which a one-period reply does
not see). `long_run` (the default): every panel customer chooses afresh, without loyalty,
shopping with the segment's probability: the demand of a market in which customers re-choose,
which is what a price held over many periods faces when switching costs are competed away
(Farrell & Klemperer 2007, "Coordination and lock-in: competition with switching costs and
network effects", Handbook of Industrial Organization 3, §2). See docs/model.md §10.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from linkages_sim.market.kernels.codes import ACTIVE, CONVICTION, LAPSED


@dataclass(frozen=True)
class PanelSegment:
    """What the panel needs of one segment at a pricing moment (arrays over its panel rows)."""

    state: np.ndarray  # int8 customer state
    stage: np.ndarray  # int8 funnel stage
    store: np.ndarray  # int64 an active customer's store, -1 for none
    brand: np.ndarray  # int64 an active customer's brand (supplier), -1 for none
    attraction: np.ndarray  # float (rows, stores): (1 + d)^-lambda, 0 for a store not considered
    value: np.ndarray  # (offers,) V_j without the price term
    beta: float  # price sensitivity (utility per log price)
    outside_utility: float
    store_loyalty: float
    brand_loyalty: float
    lapsed_affinity: float
    shop_probability: float
    units_per_row: float  # units one purchase of a panel row stands for in the real market


def panel_rows(rng: np.random.Generator, size: int, panel: int) -> np.ndarray:
    """The customers (sorted indices) who stand for a segment of `size` in the demand panel."""
    if size <= panel:
        return np.arange(size)
    return np.sort(rng.choice(size, size=panel, replace=False))


def dense_attraction(
    weight: np.ndarray, slot_store: np.ndarray | None, rows: np.ndarray, n_stores: int
) -> np.ndarray:
    """The panel rows' attraction to every store, 0 for a store outside their consideration set.

    `weight` and `slot_store` are a segment's `kernels.Attraction` (slots x customers).
    """
    if slot_store is None:
        return weight[:, rows].T.astype(np.float64)
    out = np.zeros((rows.size, n_stores))
    out[np.arange(rows.size)[None, :], slot_store[:, rows]] = weight[:, rows]
    return out


@dataclass(frozen=True)
class LogitDemand:
    """Expected units per contract under the multinomial logit, over a panel of customers.

    `base[i, j]` is customer i's logit weight on offer j at the reference price (attraction,
    loyalty, offer value), `outside[i]` the weight of buying nothing, `shoppers[i]` the chance
    i shops this period times the units a purchase stands for, `served[j]` the chance a choice
    of offer j becomes a sale (in stock, and closed by the store's staff).
    """

    base: np.ndarray  # (n, M)
    beta: np.ndarray  # (n,)
    outside: np.ndarray  # (n,)
    shoppers: np.ndarray  # (n,)
    served: np.ndarray  # (M,)
    contract: np.ndarray  # (M,) int: the contract whose price applies to offer j
    n_contracts: int
    reference_price: float

    @classmethod
    def from_panel(
        cls, segments: list[PanelSegment], *, offer_store: np.ndarray,
        offer_supplier: np.ndarray, offer_contract: np.ndarray, is_open: np.ndarray,
        served: np.ndarray, n_contracts: int, reference_price: float, long_run: bool = True,
    ) -> LogitDemand:  # fmt: skip
        """The demand of the panel's customers, offer by offer.

        Current: mirrors the choice kernel (`kernels.choice`): an active customer's own store
        and own brand get their loyalty factors, a lapsed customer's inside offers the lapsed
        affinity; active customers shop with the segment's probability, others when convinced.
        Long run: no loyalty, and every customer shops with the segment's probability.
        """
        rows = []
        for seg in segments:
            v = np.where(is_open, seg.value, -np.inf)
            shift = max(seg.outside_utility, float(np.max(v)) if v.size else 0.0)
            offer_weight = np.exp(v - shift)  # 0 for a closed offer
            base = seg.attraction[:, offer_store] * offer_weight[None, :]
            n = base.shape[0]
            if long_run:
                rows.append((base, np.full(n, seg.beta), np.full(n, np.exp(
                    seg.outside_utility - shift)), np.full(n, seg.shop_probability
                                                           * seg.units_per_row)))  # fmt: skip
                continue
            active = seg.state == ACTIVE
            own_store = active[:, None] & (seg.store[:, None] == offer_store[None, :])
            own_brand = active[:, None] & (seg.brand[:, None] == offer_supplier[None, :])
            base *= np.where(own_store, np.exp(seg.store_loyalty), 1.0)
            base *= np.where(own_brand, np.exp(seg.brand_loyalty), 1.0)
            base[seg.state == LAPSED] *= np.exp(seg.lapsed_affinity)
            shops = np.where(active, seg.shop_probability, (seg.stage >= CONVICTION) * 1.0)
            rows.append((base, np.full(n, seg.beta), np.full(n, np.exp(seg.outside_utility
                         - shift)), shops * seg.units_per_row))  # fmt: skip
        base, beta, outside, shoppers = (np.concatenate(parts) for parts in zip(*rows, strict=True))
        return cls(base, beta, outside, shoppers, np.asarray(served, float),
                   np.asarray(offer_contract, np.int64), n_contracts, reference_price)  # fmt: skip

    @cached_property
    def by_contract(self) -> np.ndarray:
        """(K, M) indicator: 1 where offer j is priced by contract g."""
        out = np.zeros((self.n_contracts, self.contract.size))
        out[self.contract, np.arange(self.contract.size)] = 1.0
        return out

    def probabilities(self, prices: np.ndarray) -> np.ndarray:
        """P[i, j]: customer i's probability of choosing offer j at contract prices `prices`."""
        factor = (prices[self.contract][None, :] / self.reference_price) ** -self.beta[:, None]
        weight = self.base * factor
        return weight / (weight.sum(axis=1) + self.outside)[:, None]

    def units(self, prices: np.ndarray) -> np.ndarray:
        """Expected units sold per contract this period at contract prices `prices`."""
        expected = self.shoppers @ self.probabilities(prices) * self.served
        return np.bincount(self.contract, weights=expected, minlength=self.n_contracts)

    def first_order_terms(
        self, prices: np.ndarray, owned: np.ndarray, keep: np.ndarray, pay: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """F_g, F^beta_g and H^beta_g of the owner's first-order condition, per owned contract.

        The owner earns keep_g p_g - pay_g on each unit of contract g it owns (`owned`, a bool
        mask over contracts). Its first-order condition in p_g is
        keep_g p_g F_g - (keep_g p_g - pay_g) F^beta_g + H^beta_g = 0, with F_g the expected
        units of g, F^beta_g the same weighted by each customer's beta, and H^beta_g the sum over
        customers of beta_i S_ig Pi_i (S_ig: i's chance of choosing g, Pi_i: the owner's
        expected margin on i).
        """
        p = self.probabilities(prices)
        mine = owned[self.contract]
        margin = (keep * prices - pay)[self.contract] * self.served * mine
        profit_per_customer = p @ margin  # Pi_i
        by_contract = self.by_contract
        share = p @ by_contract.T  # S_ig, (n, K)
        sold = p * self.served[None, :] @ by_contract.T  # sum_{j in g} P_ij f_j, (n, K)
        units = self.shoppers @ sold
        units_beta = (self.shoppers * self.beta) @ sold
        h_beta = (self.shoppers * self.beta * profit_per_customer) @ share
        return units, units_beta, h_beta

    def own_price_elasticity(self, prices: np.ndarray) -> np.ndarray:
        """Per contract, d log Q_g / d log p_g: -sum_i s_i beta_i Q_ig (1 - S_ig) / Q_g.

        The figure to hold against measured elasticities (Bijmolt, van Heerde & Pieters 2005,
        "New empirical generalizations on the determinants of price elasticity", J. Marketing
        Research 42(2): mean -2.62 over 1,851 estimates).
        """
        p = self.probabilities(prices)
        by_contract = self.by_contract
        share = p @ by_contract.T
        sold = p * self.served[None, :] @ by_contract.T
        units = self.shoppers @ sold
        slope = (self.shoppers * self.beta) @ (sold * (1.0 - share))
        return -np.divide(slope, units, out=np.full(units.shape, np.nan), where=units > 0)

    def best_reply(
        self, prices: np.ndarray, owned: np.ndarray, keep: np.ndarray, pay: np.ndarray,
        low: np.ndarray, high: np.ndarray, *, tolerance: float = 1e-9, max_iterations: int = 500,
    ) -> np.ndarray:  # fmt: skip
        """The owner's profit-maximising prices of its contracts, the others' held fixed.

        Iterates the first-order condition solved for p_g,
        p_g = (pay_g F^beta_g + H^beta_g) / (keep_g (F^beta_g - F_g)), within [low, high]: the
        markup fixed point of Morrow & Skerlos (2011, "Fixed-point approaches to computing
        Bertrand-Nash equilibrium prices under mixed-logit demand", Operations Research 59(2)).
        Where demand is inelastic (F^beta <= F) profit rises with the price up to `high`.
        """
        p = np.asarray(prices, float).copy()
        for _ in range(max_iterations):
            units, units_beta, h_beta = self.first_order_terms(p, owned, keep, pay)
            denominator = keep * (units_beta - units)
            elastic = denominator > 0
            target = np.divide(pay * units_beta + h_beta, denominator,
                               out=high.astype(float).copy(), where=elastic)  # fmt: skip
            new = np.where(owned & (units > 0), np.clip(target, low, high), p)
            if np.all(np.abs(new - p) <= tolerance * np.maximum(p, 1.0)):
                return new
            p = new
        return p

    def profit(self, prices: np.ndarray, owned: np.ndarray, keep: np.ndarray,
               pay: np.ndarray) -> float:  # fmt: skip
        """The owner's expected margin this period over its contracts at `prices`."""
        return float(np.sum(((keep * prices - pay) * self.units(prices))[owned]))


@dataclass(frozen=True)
class LinearDemand:
    """Q = size (1 - p / max_price) for one contract: the linear-demand special case."""

    size: float  # units sold at price 0 (customers x units each)
    max_price: float  # the choke price a: nobody buys at or above it
    n_contracts: int = 1

    def units(self, prices: np.ndarray) -> np.ndarray:
        """Expected units per contract at `prices`."""
        return self.size * np.clip(1.0 - np.asarray(prices, float) / self.max_price, 0.0, 1.0)

    def best_reply(
        self, prices: np.ndarray, owned: np.ndarray, keep: np.ndarray, pay: np.ndarray,
        low: np.ndarray, high: np.ndarray, **_: float,
    ) -> np.ndarray:  # fmt: skip
        """Maximise (keep p - pay) size (1 - p / a): p = (a + pay / keep) / 2, within bounds."""
        target = (self.max_price + pay / keep) / 2.0
        return np.where(owned, np.clip(target, low, high), np.asarray(prices, float))

    def profit(self, prices: np.ndarray, owned: np.ndarray, keep: np.ndarray,
               pay: np.ndarray) -> float:  # fmt: skip
        """The owner's margin over its contracts at `prices`."""
        return float(np.sum(((keep * prices - pay) * self.units(prices))[owned]))
