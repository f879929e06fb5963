"""The firms of the channel as Mesa agents: suppliers, distributors and their stores (model.md §2).

Each agent owns its state and the rules that turn its actions into levers; the market model owns
the order of a period. Customers are not here: they live as arrays in `population.py`.
"""

from __future__ import annotations

import math

import mesa

from linkages_sim.config.schema import Distributor as DistributorSpec
from linkages_sim.config.schema import Market
from linkages_sim.config.schema import Store as StoreSpec
from linkages_sim.config.schema import Supplier as SupplierSpec
from linkages_sim.game.strategies import D
from linkages_sim.market.ledger import Account, Ledger
from linkages_sim.market.offers import greeting_factor
from linkages_sim.market.service_dimensions import StoreService


class Supplier(mesa.Agent):
    """The "big company": makes the products, owns the brand (seed slides 8-12)."""

    def __init__(self, model: mesa.Model, spec: SupplierSpec, index: int, ledger: Ledger) -> None:
        """Register with the model and open the supplier's account in the ledger."""
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.name = spec.id
        self.account = ledger.open(Account(f"supplier:{spec.id}", spec.cash))
        self.brand_equity = spec.brand_equity
        self.data_fit = 1.0  # product-customer fit learnt from distributors' buying-habit data
        self.novelty = 0.0  # lift of the latest new product, decaying
        self.last_launch = 0  # period of the latest new product (one is on sale at the start)

    def quality_for(self, action: str, market: Market) -> float:
        """Quality delivered under a contract, given the supplier's action there.

        Cut when defecting, eroded when data is withheld (worse product-customer fit), lifted by a
        recent new product when cooperating.
        """
        q = self.spec.quality * (1.0 - (self.spec.defection.quality_cut if action == D else 0.0))
        q *= 1.0 - market.data_fit_weight * (1.0 - self.data_fit)
        if action != D:
            q += market.new_product_boost * self.novelty
        return min(1.0, q)

    def fill_rate_for(self, action: str) -> float:
        """Probability an order is in stock under a contract: the fill rate, cut when defecting."""
        cut = self.spec.defection.fill_rate_cut if action == D else 0.0
        return max(0.0, self.spec.fill_rate - cut)

    def unit_cost_for(self, action: str) -> float:
        """Unit cost under a contract, lowered by the defection's cost saving when defecting."""
        saving = self.spec.defection.cost_saving if action == D else 0.0
        return self.spec.unit_cost * (1.0 - saving)

    def develop_products(self, period: int, cooperating: bool, market: Market) -> bool:
        """Launch a new product every `new_product_every` periods while cooperating.

        Cooperating with at least one distributor is enough. Returns whether a product was launched
        (its cost is then due).
        """
        self.novelty *= 1.0 - market.new_product_decay
        every = self.spec.new_product_every
        if every > 0 and cooperating and period > 0 and period % every == 0:
            self.novelty = 1.0
            return True
        return False

    def learn_from_data(self, share_shared: float, market: Market) -> None:
        """Move the product-customer fit toward the share of its live contracts that share data."""
        self.data_fit += market.data_fit_adjustment * (share_shared - self.data_fit)

    def update_brand(
        self, mean_satisfaction: float, off_band_share: float, sold: bool, market: Market
    ) -> None:
        """Update brand equity from its buyers' satisfaction and the prices it sells at.

        Brand equity follows its buyers' satisfaction and is damaged by prices outside the band
        around RRP (seed slide 10: sell in a way that supports the brand and its pricing).
        """
        if not sold:
            return
        target = 0.5 + 0.5 * math.tanh(3.0 * mean_satisfaction)
        target -= market.price_inconsistency_penalty * off_band_share
        target = min(1.0, max(0.0, target))
        self.brand_equity += market.brand_adjustment * (target - self.brand_equity)


class Distributor(mesa.Agent):
    """Sells suppliers' products through its stores; controls the retail experience."""

    def __init__(
        self, model: mesa.Model, spec: DistributorSpec, index: int, ledger: Ledger
    ) -> None:
        """Register with the model and open the distributor's account in the ledger."""
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.name = spec.id
        self.account = ledger.open(Account(f"distributor:{spec.id}", spec.cash))
        self.stores: list[Store] = []
        self.defect_share = 0.0  # share of its active relationships in which it defects

    def price_for(self, action: str, rrp: float, promotion: float = 0.0) -> float:
        """Retail price under a contract, given the distributor's action there.

        RRP when cooperating, discounted below the band when defecting, and never above a running
        promotion's price.
        """
        defection = self.spec.defection.discount if action == D else 0.0
        return rrp * (1.0 - max(defection, promotion))

    def shares_data_for(self, action: str, agreed: bool = False) -> bool:
        """Whether it shares buying-habit data under a contract.

        As its policy says, or as an intervention has agreed, unless it defects and withholds.
        """
        if action == D and self.spec.defection.withhold_data:
            return False
        return self.spec.shares_data or agreed

    @property
    def service_spend_per_store(self) -> float:
        """Service spend per store, cut in proportion to the share of contracts it defects in."""
        cut = self.spec.defection.service_cut * self.defect_share
        return self.spec.service_spend_per_store * (1.0 - cut)

    @property
    def training_spend_per_store(self) -> float:
        """Training spend per store, cut in proportion to the share of contracts it defects in."""
        cut = self.spec.defection.training_cut * self.defect_share
        return self.spec.training_per_store * (1.0 - cut)


class Store(mesa.Agent):
    """A distributor's outlet: location, staff, layout, service and reputation (seed 21-43)."""

    def __init__(self, model: mesa.Model, spec: StoreSpec, index: int, owner: Distributor):
        """Register with the model and join the owner's stores."""
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.name = spec.id
        self.distributor = owner
        owner.stores.append(self)
        self.training = spec.staff_training
        self.reputation = spec.reputation
        self.service = spec.service_level
        self.greeting_time_s = spec.greeting_time_s  # the store's standard (a policy)
        self.training_boost = 0.0  # set by interventions (interventions.Effects)
        self.service_boost = 0.0
        self.closed = False
        self.close_rate = 0.0
        self.recovery_rate = 0.0
        self.dimensions: StoreService | None = None  # the six dimensions, when the model has them

    def operate(self, market: Market) -> None:
        """Turn the owner's spending into this period's service, training and selling skill.

        Nominal levels at the market's reference spend, with diminishing returns around it.
        """
        owner, e = self.distributor, market.service_spend_elasticity
        if self.dimensions is not None:  # six dimensions (docs/service.md); standards hold greeting
            self.greeting_time_s = self.dimensions.held_greeting(self.greeting_time_s)
        greeting = greeting_factor(self.greeting_time_s, market.greeting_standard_s)
        if self.dimensions is not None:
            self.service = self.dimensions.operate(
                self.service_boost, owner.service_spend_per_store, market, greeting)
        else:
            level = (
                (self.spec.service_level + self.service_boost)
                * (owner.service_spend_per_store / market.service_spend_reference) ** e
            )
            self.service = min(1.0, level) * greeting
        target = (
            (self.spec.staff_training + self.training_boost)
            * (owner.training_spend_per_store / market.training_spend_reference) ** e
        )
        self.training += market.training_adjustment * (min(1.0, target) - self.training)
        self.close_rate = min(1.0, market.close_base + market.close_training * self.training)
        self.recovery_rate = min(
            1.0, market.recovery_base + market.recovery_training * self.training
        )

    def update_reputation(self, mean_satisfaction: float, has_customers: bool, rate: float):
        """Word of mouth: reputation follows the satisfaction of the store's customers."""
        if has_customers:
            target = 0.5 + 0.5 * math.tanh(3.0 * mean_satisfaction)
            self.reputation += rate * (target - self.reputation)
