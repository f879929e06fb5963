"""The static channel game on the market's own demand: who earns what under which contract.

At a moment of a run (after a burn-in), the market's demand (`MarketModel.demand`, the logit
over the pricing panel) is held fixed and each arrangement's equilibrium prices are solved on
it: fixed prices, decentralised best replies with the wholesale price as agreed or set by a
Stackelberg supplier, vertically integrated pairs, one joint owner, and the coordinating
contracts of Cachon (2003, "Supply chain coordination with contracts", Handbooks in OR & MS 11,
ch. 6): a two-part tariff (wholesale at cost, or at the channel's best uniform price, plus a
fixed fee), revenue sharing (the distributor keeps 1 - s of the price and pays w = (1 - s) c,
so its margin is (1 - s) times the channel's), and resale price maintenance at the joint
owner's prices. The outcome of each is the expected margin per period of the suppliers, the
distributors and the channel, before the fixed costs every arrangement shares (service,
occupancy, marketing), so the ratios are those of the channel-economics literature.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.market.pricing import (
    ChannelTerms,
    LogitDemand,
    joint_reply,
    replies,
    stackelberg_wholesale,
)

ROUNDS = 6
"""Rounds of best replies (and Stackelberg price-setting) to reach an equilibrium."""

ARRANGEMENTS = (
    "fixed prices (RRP, wholesale as agreed)",
    "decentralised, wholesale as agreed",
    "decentralised, Stackelberg supplier",
    "vertically integrated pairs",
    "joint owner",
    "two-part tariff, wholesale at cost",
    "two-part tariff, channel's best wholesale",
    "revenue sharing (s = 0.5, w = 0.5 c)",
    "resale price maintenance at the joint price",
)
"""The arrangements `channel_game` solves, in its output's order."""


@dataclass(frozen=True)
class Outcome:
    """An arrangement's equilibrium: prices per contract and what each side earns per period."""

    retail: np.ndarray
    wholesale: np.ndarray
    revenue_share: np.ndarray
    units: np.ndarray
    fee: np.ndarray  # fixed fee per contract per period, distributor -> supplier

    def margins(self, unit_cost: np.ndarray) -> tuple[float, float]:
        """Suppliers' and distributors' expected margin per period (before fixed costs)."""
        to_supplier = (self.wholesale - unit_cost + self.revenue_share * self.retail) * self.units
        to_distributor = ((1 - self.revenue_share) * self.retail - self.wholesale) * self.units
        return float(np.sum(to_supplier + self.fee)), float(np.sum(to_distributor - self.fee))


def free_terms(terms: ChannelTerms, cap: np.ndarray) -> ChannelTerms:
    """The same terms without price bands: retail prices range from cost to `cap`."""
    return replace(terms, low=np.zeros_like(terms.low), high=np.asarray(cap, float))


def _settle(demand: LogitDemand, prices: np.ndarray, terms: ChannelTerms,
            integrated: bool = False) -> np.ndarray:  # fmt: skip
    """The distributors' equilibrium prices: `ROUNDS` rounds of best replies."""
    distributors = sorted({int(d) for d in terms.distributor[terms.active]})
    return replies(demand, prices, terms, distributors, ROUNDS, integrated)


def _outcome(demand, prices, terms, fee=None) -> Outcome:
    fee = np.zeros_like(prices) if fee is None else fee
    return Outcome(prices, terms.wholesale.copy(), terms.revenue_share.copy(),
                   demand.units(prices), fee)  # fmt: skip


def solve(
    demand: LogitDemand, terms: ChannelTerms, rrp: np.ndarray, cap: np.ndarray
) -> dict[str, Outcome]:
    """Every arrangement's equilibrium on one demand, retail prices up to `cap` (module doc)."""
    terms = free_terms(terms, cap)
    cost = terms.unit_cost
    suppliers = sorted({int(s) for s in terms.supplier[terms.active]})
    out = {ARRANGEMENTS[0]: _outcome(demand, rrp.astype(float), terms)}
    agreed = _settle(demand, rrp.astype(float), terms)
    out[ARRANGEMENTS[1]] = _outcome(demand, agreed, terms)
    leader, prices = terms, agreed
    for _ in range(ROUNDS):
        for s in suppliers:
            _, leader, prices = stackelberg_wholesale(demand, prices, leader, s)
        prices = _settle(demand, prices, leader)
    out[ARRANGEMENTS[2]] = _outcome(demand, prices, leader)
    out[ARRANGEMENTS[3]] = _outcome(demand, _settle(demand, agreed, terms, True), terms)
    joint = agreed
    for _ in range(ROUNDS):
        joint = joint_reply(demand, joint, terms)
    out[ARRANGEMENTS[4]] = _outcome(demand, joint, terms)
    # two-part tariffs: the fee returns the suppliers' Stackelberg margin, contract by contract
    stackelberg = out[ARRANGEMENTS[2]]
    fee = (stackelberg.wholesale - cost) * stackelberg.units
    at_cost = replace(terms, wholesale=cost.copy())
    out[ARRANGEMENTS[5]] = _outcome(demand, _settle(demand, agreed, at_cost), at_cost, fee)
    best_w, best_prices = _channel_best_wholesale(demand, agreed, terms, suppliers)
    best = _outcome(demand, best_prices, best_w)
    fee_best = fee - (best_w.wholesale - cost) * best.units
    out[ARRANGEMENTS[6]] = replace(best, fee=fee_best)
    share = replace(terms, revenue_share=np.where(terms.active, 0.5, 0.0),
                    wholesale=0.5 * cost)  # fmt: skip
    out[ARRANGEMENTS[7]] = _outcome(demand, _settle(demand, agreed, share), share)
    out[ARRANGEMENTS[8]] = _outcome(demand, joint, terms)  # the agreed wholesale splits it
    return out


def _channel_best_wholesale(demand, prices, terms, suppliers):
    """The uniform wholesale prices (one per supplier) that maximise the channel's margin.

    With competing distributors, a wholesale price above cost softens their competition
    (Cachon 2003, §6.1); coordinate descent over the suppliers' prices on a grid, refined by
    bounded Brent search.
    """
    from scipy.optimize import minimize_scalar

    cost = terms.unit_cost

    def channel(t: ChannelTerms) -> tuple[float, np.ndarray]:
        p = _settle(demand, prices, t)
        return float(np.sum(((p - cost) * demand.units(p))[t.active])), p

    def at(t: ChannelTerms, s: int, w: float) -> ChannelTerms:
        wholesale = t.wholesale.copy()
        wholesale[t.active & (t.supplier == s)] = w
        return replace(t, wholesale=wholesale)

    best = terms
    for _ in range(2):
        for s in suppliers:
            mine = best.active & (best.supplier == s)
            lo, hi = float(cost[mine].min()), float(best.high[mine].max())
            grid = np.linspace(lo, lo + 0.6 * (hi - lo), 13)
            values = [channel(at(best, s, w))[0] for w in grid]
            k = int(np.argmax(values))
            a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
            found = minimize_scalar(lambda w, s=s, t=best: -channel(at(t, s, w))[0],
                                    bounds=(float(a), float(b)), method="bounded",
                                    options={"xatol": 1e-2})  # fmt: skip
            w = float(found.x) if -found.fun >= values[k] else float(grid[k])
            best = at(best, s, w)
    return best, channel(best)[1]


def channel_game(scenario: Scenario, seed: int | None = None, burn_in: int = 13,
                 structure_seed: int | None = None) -> pd.DataFrame:  # fmt: skip
    """Each arrangement's equilibrium on the market's demand after `burn_in` periods.

    The scenario's own pricing settings run the burn-in; see `channel_game_of`.
    """
    model = MarketModel(scenario, seed=seed, structure_seed=structure_seed)
    model.run(burn_in)
    return channel_game_of(model)


def channel_game_of(model: MarketModel) -> pd.DataFrame:
    """Each arrangement's equilibrium on `model`'s current demand (a picklable run measure).

    The demand is read in the scenario's `market.pricing.demand` horizon, retail prices range
    up to its price cap. One row per arrangement: units-weighted mean retail and wholesale
    price, units, suppliers', distributors' and channel margin per period, and the channel
    margin relative to the joint owner's.
    """
    demand, terms = model.demand(), model.channel_terms()
    rrp = np.array([model.suppliers[r.supplier].spec.rrp for r in model.relationships])
    outcomes = solve(demand, terms, rrp, model.spec.market.pricing.price_cap * rrp)
    rows = []
    for name, o in outcomes.items():
        supplier, distributor = o.margins(terms.unit_cost)
        units = float(o.units.sum())
        rows.append({
            "arrangement": name,
            "retail_price": float(np.sum(o.retail * o.units) / units) if units else np.nan,
            "wholesale_price": float(np.sum(o.wholesale * o.units) / units) if units else np.nan,
            "units": units, "supplier_margin": supplier, "distributor_margin": distributor,
            "channel_margin": supplier + distributor,
        })  # fmt: skip
    table = pd.DataFrame(rows)
    joint = float(table.loc[table.arrangement == ARRANGEMENTS[4], "channel_margin"].iloc[0])
    table["share_of_joint"] = table["channel_margin"] / joint
    return table
