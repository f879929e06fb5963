"""Participation: does each contract leave both parties above their outside options?

A quick, necessary check for `linkages validate`: each contract's expected margin per period for
each party under mutual cooperation, read on the market's demand at the start (the customers as
the scenario lays them out, at the opening prices), less what the contract costs that party
directly (the distributor's data-sharing cost, the franchise fee; a quantity discount's rebate
comes back to it), against the party's outside option (`Contract.outside_options`). It counts
every unit as the contract's own, even those the distributor would sell under another brand
without it, so it overstates the surplus: a party short here is short for certain. The payoff
matrix measures the surplus properly, against a run of the market without the contract
(`analysis.payoff_matrix`).
"""

from __future__ import annotations

from dataclasses import dataclass

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel

CHECK_CUSTOMERS = 5_000
"""Simulated customers for the check: enough for the demand's shape, quick to build."""


@dataclass(frozen=True)
class Participation:
    """One contract's expected margins per period at the start, against the outside options."""

    contract: str
    supplier_margin: float
    distributor_margin: float
    supplier_outside: float
    distributor_outside: float

    def shortfalls(self) -> list[str]:
        """A sentence per party whose margin is below its outside option."""
        out = []
        for party in ("supplier", "distributor"):
            margin, outside = getattr(self, f"{party}_margin"), getattr(self, f"{party}_outside")
            if margin < outside:
                out.append(
                    f"contracts[id={self.contract}]: under mutual cooperation the {party}'s "
                    f"expected margin, {margin:,.0f} per period, is below its outside option "
                    f"({outside:,.0f}): it would rather not sign (outside_options.{party})"
                )
        return out


def participation(scenario: Scenario, seed: int | None = None) -> list[Participation]:
    """Each contract's margins under mutual cooperation at the start of the run."""
    small = edit_scenario(scenario, customers=min(scenario.customers, CHECK_CUSTOMERS))
    model = MarketModel(small, seed=seed)
    demand, terms = model.demand("current"), model.channel_terms()
    prices = model.retail_price
    units = demand.units(prices)
    rows = []
    for k, r in enumerate(model.relationships):
        spec = r.spec
        distributor = model.distributors[r.distributor]
        data_cost = distributor.spec.data_sharing_cost if model.shares_data(r) else 0.0
        share = spec.revenue_share * prices[k]
        rebate = r.quantity_rebate(float(units[k]))  # a quantity discount's, at this volume
        supplier = (r.wholesale_price - terms.unit_cost[k] + share) * units[k] + (
            spec.franchise_fee - rebate)  # fmt: skip
        seller = ((prices[k] - share - r.wholesale_price) * units[k] + rebate
                  - spec.franchise_fee - data_cost)  # fmt: skip
        rows.append(Participation(r.key, float(supplier), float(seller),
                                  spec.outside_options.supplier,
                                  spec.outside_options.distributor))  # fmt: skip
    return rows


def participation_warnings(scenario: Scenario, seed: int | None = None) -> list[str]:
    """The shortfalls of every contract, one sentence each (empty when all participate)."""
    return [line for p in participation(scenario, seed) for line in p.shortfalls()]

