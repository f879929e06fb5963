"""Decided prices: best replies on logit and linear demand, Stackelberg, double marginalisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.market import kernels
from linkages_sim.market.linear import LinearChannelModel, LinearChannelSpec, profit_ratio
from linkages_sim.market.pricing import (
    ChannelTerms,
    LinearDemand,
    LogitDemand,
    retail_reply,
    stackelberg_wholesale,
)


def terms_for(k: int, wholesale, unit_cost, distributor=None, supplier=None, **extra):
    """Channel terms over `k` contracts, wide bounds, no revenue share."""
    full = np.ones(k)
    return ChannelTerms(
        wholesale=full * wholesale, unit_cost=full * unit_cost, revenue_share=full * 0.0,
        supplier=np.zeros(k, int) if supplier is None else np.asarray(supplier),
        distributor=np.zeros(k, int) if distributor is None else np.asarray(distributor),
        active=np.ones(k, bool), low=full * 0.0, high=full * 1_000.0, **extra,
    )  # fmt: skip


def random_logit(rng: np.random.Generator, n: int = 40, offers: int = 4, contracts: int = 2):
    """A small heterogeneous logit demand: customers with their own weights and betas."""
    return LogitDemand(
        base=rng.uniform(0.1, 3.0, (n, offers)), beta=rng.uniform(2.0, 5.0, n),
        outside=rng.uniform(0.5, 2.0, n), shoppers=rng.uniform(0.2, 1.0, n),
        served=rng.uniform(0.6, 1.0, offers), contract=np.arange(offers) % contracts,
        n_contracts=contracts, reference_price=100.0,
    )  # fmt: skip


# --- the linear special case -------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(a=st.floats(20.0, 500.0), c_share=st.floats(0.0, 0.8))
def test_linear_stackelberg_is_the_textbook_solution(a, c_share):
    """w = (a + c) / 2 and p = (3a + c) / 4; integrated p = (a + c) / 2 (Spengler 1950)."""
    c = a * c_share
    demand, start = LinearDemand(size=1_000.0, max_price=a), np.array([a])
    terms = terms_for(1, c, c)
    w, _, p = stackelberg_wholesale(demand, start, terms, 0, tolerance=1e-6)
    assert w == pytest.approx((a + c) / 2, rel=1e-4)
    assert p[0] == pytest.approx((3 * a + c) / 4, rel=1e-4)
    integrated = retail_reply(demand, start, terms, 0, integrated=True)
    assert integrated[0] == pytest.approx((a + c) / 2, rel=1e-9)


def test_simulated_linear_channel_earns_three_quarters_of_the_integrated_one():
    """The realised profit ratio over seeds is 3/4 within three standard errors.

    Prices come from the solvers (to 1e-3 in w: a second-order, ~1e-9, effect on profit); the
    error is the realised demand's, estimated by the delta method over the seeds.
    """
    ratio, se = profit_ratio(LinearChannelSpec(customers=2_000, periods=26), list(range(12)))
    assert se > 0
    assert abs(ratio - 0.75) <= 3 * se + 1e-6


def test_decentralised_linear_channel_sells_half_as_much():
    """Q = N (1 - p/a): (a - c) / (4a) decentralised vs (a - c) / (2a) integrated."""
    spec = LinearChannelSpec(customers=20_000, periods=10, max_price=100.0, unit_cost=20.0)
    decentral = LinearChannelModel(spec, 3).run()
    integral = LinearChannelModel(LinearChannelSpec(customers=20_000, periods=10,
                                                    integrated=True), 3).run()  # fmt: skip
    n = spec.customers
    assert np.mean(decentral.units) == pytest.approx(n * 0.2, rel=0.02)
    assert np.mean(integral.units) == pytest.approx(n * 0.4, rel=0.02)


def test_reservation_kernel_matches_its_twin():
    """The numba purchase kernel and its numpy twin agree element by element."""
    values = np.random.default_rng(5).uniform(0, 100, 10_001)
    fast, slow = np.empty(values.size, bool), np.empty(values.size, bool)
    kernels.buy_at_price(values, 42.5, fast)
    kernels.buy_at_price_reference(values, 42.5, slow)
    assert np.array_equal(fast, slow)


def test_linear_spec_refuses_a_market_without_demand():
    """A unit cost at or above the choke price leaves nothing to sell."""
    with pytest.raises(ValueError, match="unit_cost"):
        LinearChannelSpec(max_price=50.0, unit_cost=60.0)


# --- logit demand --------------------------------------------------------------------------------


def test_single_customer_logit_reply_is_the_closed_form():
    """With one customer and one offer, p (1 - 1 / (beta (1 - S))) = w."""
    demand = LogitDemand(
        base=np.array([[2.0]]), beta=np.array([3.0]), outside=np.array([1.0]),
        shoppers=np.array([1.0]), served=np.array([1.0]), contract=np.array([0]),
        n_contracts=1, reference_price=100.0,
    )  # fmt: skip
    p = retail_reply(demand, np.array([100.0]), terms_for(1, 60.0, 40.0), 0)
    share = demand.probabilities(p)[0, 0]
    assert p[0] * (1 - 1 / (3 * (1 - share))) == pytest.approx(60.0, rel=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_logit_best_reply_maximises_the_owners_profit(seed):
    """No price nearby earns the owner more than its best reply (a multi-product firm)."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    demand = random_logit(rng)
    terms = terms_for(2, 55.0, 40.0)
    reply = retail_reply(demand, np.array([100.0, 100.0]), terms, 0)
    owned, keep, pay = np.ones(2, bool), np.ones(2), terms.wholesale
    best = demand.profit(reply, owned, keep, pay)
    numeric = minimize(lambda p: -demand.profit(p, owned, keep, pay), x0=np.array([90., 90.]),
                       method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})  # fmt: skip
    assert best >= -numeric.fun - 1e-7 * abs(best)
    assert np.allclose(reply, numeric.x, rtol=1e-3)


def test_first_order_terms_give_the_profit_derivative():
    """keep p F - (keep p - pay) F^beta + H^beta equals p d(profit)/dp (finite difference)."""
    rng = np.random.default_rng(11)
    demand = random_logit(rng, contracts=2)
    prices = np.array([95.0, 80.0])
    owned, keep, pay = np.ones(2, bool), np.array([0.8, 1.0]), np.array([50.0, 45.0])
    f, f_beta, h_beta = demand.first_order_terms(prices, owned, keep, pay)
    for g in range(2):
        step = np.zeros(2)
        step[g] = 1e-4
        numeric = (demand.profit(prices + step, owned, keep, pay)
                   - demand.profit(prices - step, owned, keep, pay)) / 2e-4  # fmt: skip
        analytic = (keep[g] * prices[g] * f[g] - (keep[g] * prices[g] - pay[g]) * f_beta[g]
                    + h_beta[g]) / prices[g]  # fmt: skip
        assert analytic == pytest.approx(numeric, rel=1e-5)


def test_a_higher_wholesale_price_raises_the_reply_and_cuts_units():
    """Decided retail prices pass the wholesale price on: units fall as it rises."""
    demand = random_logit(np.random.default_rng(2), contracts=1)
    units = []
    for w in (40.0, 60.0, 80.0):
        p = retail_reply(demand, np.array([100.0]), terms_for(1, w, 30.0), 0)
        units.append(demand.units(p)[0])
    assert units[0] > units[1] > units[2]


def test_stackelberg_respects_the_distributors_participation():
    """A distributor's margin never falls below its outside option at the leader's price."""
    demand = random_logit(np.random.default_rng(4), contracts=1)
    free = terms_for(1, 50.0, 30.0)
    w_free, _, p_free = stackelberg_wholesale(demand, np.array([100.0]), free, 0)
    margin_free = free.with_wholesale(0, w_free).distributor_margin(demand, p_free)[0]
    bound = terms_for(1, 50.0, 30.0, distributor_outside=np.array([margin_free * 1.5]))
    w, terms, p = stackelberg_wholesale(demand, np.array([100.0]), bound, 0)
    assert w < w_free
    assert terms.distributor_margin(demand, p)[0] >= margin_free * 1.5 - 1e-6


def test_one_wholesale_price_for_all_distributors():
    """A Stackelberg supplier charges every distributor the same price (no discrimination)."""
    demand = random_logit(np.random.default_rng(8), offers=4, contracts=2)
    terms = terms_for(2, 50.0, 30.0, distributor=[0, 1])
    w, new_terms, _ = stackelberg_wholesale(demand, np.array([100.0, 100.0]), terms, 0)
    assert new_terms.wholesale[0] == new_terms.wholesale[1] == w


def test_own_price_elasticity_matches_a_finite_difference():
    """The analytic elasticity equals d log Q / d log p measured numerically."""
    demand = random_logit(np.random.default_rng(13), contracts=2)
    prices = np.array([90.0, 70.0])
    analytic = demand.own_price_elasticity(prices)
    for g in range(2):
        up, down = prices.copy(), prices.copy()
        up[g] *= np.exp(1e-5)
        down[g] *= np.exp(-1e-5)
        numeric = (np.log(demand.units(up)[g]) - np.log(demand.units(down)[g])) / 2e-5
        assert analytic[g] == pytest.approx(numeric, rel=1e-6)
