"""The linear-demand channel: one supplier, one distributor, customers with reservation prices.

The documented special case in which double marginalisation has its textbook size (docs/model.md
§10). Each period every customer draws a reservation value uniform on [0, a] and buys one unit
when the retail price does not exceed it, so expected demand is linear, Q = N (1 - p / a). In
the decentralised channel the supplier sets the wholesale price anticipating the distributor's
best reply (Stackelberg), w = (a + c) / 2, and the distributor then p = (a + w) / 2; integrated,
one owner sets p = (a + c) / 2. The decentralised channel earns 3/4 of the integrated profit
(Spengler 1950; Tirole 1988, "The Theory of Industrial Organization", §4.1) and sells half as
much. Prices are found by the same best-reply code as the full market (`market.pricing`), on
the linear demand; only the customers' draws are simulated, with the same random numbers in
both channels, so the ratio's sampling error is the realised demand's alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import mesa
import numpy as np

from linkages_sim.market import kernels
from linkages_sim.market.pricing import (
    ChannelTerms,
    LinearDemand,
    retail_reply,
    stackelberg_wholesale,
)
from linkages_sim.rng import Purpose, Streams, check_seed


@dataclass(frozen=True)
class LinearChannelSpec:
    """The linear-demand channel's inputs."""

    customers: int = 10_000
    max_price: float = 100.0  # a: the highest reservation value
    unit_cost: float = 20.0  # c: the supplier's production cost per unit
    periods: int = 52
    integrated: bool = False  # one owner prices for the channel's joint margin

    def __post_init__(self) -> None:
        """Refuse inputs with no market: demand needs customers and a cost below the choke."""
        if self.customers < 1 or self.periods < 1:
            raise ValueError("customers and periods must be at least 1")
        if not 0.0 <= self.unit_cost < self.max_price:
            raise ValueError(f"unit_cost must be from 0 to below max_price ({self.max_price:g})")


class PriceSetter(mesa.Agent):
    """A firm of the linear channel: it sets a price and books its margin."""

    def __init__(self, model: mesa.Model, role: str) -> None:
        """A price-setter in `role` ("supplier" or "distributor") with no profit yet."""
        super().__init__(model)
        self.role = role
        self.price = float("nan")
        self.profit = 0.0


class LinearChannelModel(mesa.Model):
    """The linear-demand channel, decentralised or integrated, period by period."""

    def __init__(self, spec: LinearChannelSpec, seed: int = 0) -> None:
        """Set prices once (demand is stationary) and prepare the customers' arrays."""
        self.streams = Streams(check_seed(seed))
        super().__init__(rng=self.streams.generator(Purpose.MESA))
        self.spec = spec
        self.supplier = PriceSetter(self, "supplier")
        self.distributor = PriceSetter(self, "distributor")
        demand = LinearDemand(size=float(spec.customers), max_price=spec.max_price)
        one = np.ones(1)
        terms = ChannelTerms(
            wholesale=one * spec.unit_cost, unit_cost=one * spec.unit_cost,
            revenue_share=one * 0.0, supplier=np.zeros(1, int), distributor=np.zeros(1, int),
            active=np.ones(1, bool), low=one * 0.0, high=one * spec.max_price,
        )  # fmt: skip
        start = one * spec.max_price
        if spec.integrated:  # the wholesale price is an internal transfer: at cost
            retail = retail_reply(demand, start, terms, 0, integrated=True)
        else:
            _, terms, retail = stackelberg_wholesale(demand, start, terms, 0)
        self.supplier.price = float(terms.wholesale[0])
        self.distributor.price = float(retail[0])
        self.values = np.empty(spec.customers)
        self.bought = np.empty(spec.customers, dtype=np.bool_)
        self.units: list[int] = []

    def step(self) -> None:
        """One period: customers draw reservation values and buy; the firms book margins."""
        period = self.steps - 1
        rng = self.streams.generator(Purpose.RESERVATION, period)
        self.values[:] = rng.uniform(0.0, self.spec.max_price, self.spec.customers)
        kernels.buy_at_price(self.values, self.distributor.price, self.bought)
        units = int(np.count_nonzero(self.bought))
        self.units.append(units)
        self.distributor.profit += (self.distributor.price - self.supplier.price) * units
        self.supplier.profit += (self.supplier.price - self.spec.unit_cost) * units
        if self.steps >= self.spec.periods:
            self.running = False

    def run(self) -> LinearChannelModel:
        """Run every period; returns the model."""
        for _ in range(self.spec.periods):
            self.step()
        return self

    @property
    def channel_profit(self) -> float:
        """Supplier's and distributor's margins together, over the run."""
        return self.supplier.profit + self.distributor.profit


def profit_ratio(spec: LinearChannelSpec, seeds: list[int]) -> tuple[float, float]:
    """Decentralised over integrated channel profit, and its standard error, over `seeds`.

    Both channels of a seed see the same reservation values (common random numbers). The ratio
    of means is estimated by the delta method: se^2 = var(x - r y) / (n mean(y)^2).
    """
    pairs = []
    for seed in seeds:
        pairs.append(tuple(
            LinearChannelModel(replace(spec, integrated=integrated), seed).run().channel_profit
            for integrated in (False, True)
        ))  # fmt: skip
    x, y = np.array(pairs).T
    ratio = float(x.mean() / y.mean())
    n = len(seeds)
    se = float(np.std(x - ratio * y, ddof=1) / (np.sqrt(n) * y.mean())) if n > 1 else float("nan")
    return ratio, se
