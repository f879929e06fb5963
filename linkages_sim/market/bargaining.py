"""The wholesale price at a contract's renewal, by the Nash bargaining solution.

Nash (1950), "The bargaining problem", Econometrica 18(2): the agreement maximises the product
of the parties' gains over their outside options, weighted by bargaining power (the asymmetric
form of Kalai 1977). Here the pie is the contract's channel surplus at the volume and prices of
the renewal window, so bargaining splits it but does not change it (model.md, contracts).
"""

from __future__ import annotations

from linkages_sim.config.schema import Renegotiation


def nash_wholesale_price(
    terms: Renegotiation, units: float, retail_price: float, unit_cost: float
) -> float | None:
    """The wholesale price that splits the channel surplus by the Nash bargaining solution.

    With per-period volume Q, retail price p and unit cost c, the contract's surplus is
    (p - c) Q. Maximising (u_s - d_s)^b (u_d - d_d)^(1 - b) with u_s + u_d = (p - c) Q gives the
    supplier d_s + b (surplus - d_s - d_d), hence w = c + u_s / Q. Returns None when there is
    nothing to agree on (no volume, or a surplus below the two outside options together).
    """
    if units <= 0:
        return None
    surplus = (retail_price - unit_cost) * units
    d_s, d_d = terms.supplier_outside_option, terms.distributor_outside_option
    if surplus < d_s + d_d:
        return None
    supplier_share = d_s + terms.supplier_power * (surplus - d_s - d_d)
    return unit_cost + supplier_share / units
