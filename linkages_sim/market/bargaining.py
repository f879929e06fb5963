"""The wholesale price at a contract's renewal, by the Nash bargaining solution.

Nash (1950), "The bargaining problem", Econometrica 18(2): the agreement maximises the product
of the parties' gains over their outside options, weighted by bargaining power (the asymmetric
form of Kalai 1977). Here the pie is the contract's channel surplus at the volume and prices of
the renewal window, so bargaining splits it but does not change it (model.md, contracts).
"""

from __future__ import annotations

from linkages_sim.config.schema import OutsideOptions, Renegotiation


def nash_wholesale_price(
    terms: Renegotiation, units: float, retail_price: float, unit_cost: float,
    outside: OutsideOptions | None = None, revenue_share: float = 0.0, franchise_fee: float = 0.0,
) -> float | None:  # fmt: skip
    """The wholesale price that splits the channel surplus by the Nash bargaining solution.

    With per-period volume Q, retail price p and unit cost c, the contract's surplus is
    (p - c) Q. Maximising (u_s - d_s)^b (u_d - d_d)^(1 - b) with u_s + u_d = (p - c) Q gives the
    supplier d_s + b (surplus - d_s - d_d). The supplier already receives the revenue share
    phi p Q and the franchise fee F, so w = c + (u_s - phi p Q - F) / Q. The outside options are
    the renegotiation's own, else the contract's (`outside`). Returns None when there is nothing
    to agree on (no volume, or a surplus below the two outside options together).
    """
    if units <= 0:
        return None
    surplus = (retail_price - unit_cost) * units
    outside = outside or OutsideOptions()
    d_s = outside.supplier if terms.supplier_outside_option is None else (
        terms.supplier_outside_option)  # fmt: skip
    d_d = outside.distributor if terms.distributor_outside_option is None else (
        terms.distributor_outside_option)  # fmt: skip
    if surplus < d_s + d_d:
        return None
    supplier_share = d_s + terms.supplier_power * (surplus - d_s - d_d)
    other_payments = revenue_share * retail_price * units + franchise_fee
    return unit_cost + (supplier_share - other_payments) / units
