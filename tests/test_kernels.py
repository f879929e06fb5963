"""Kernels against their numpy twins (random inputs), and the choice kernel against analytic
multinomial-logit probabilities."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim import kernels
from linkages_sim.kernels import codes

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def population(rng, n, n_stores, n_suppliers):
    state = rng.integers(0, 3, n).astype(np.int8)
    stage = rng.integers(0, 5, n).astype(np.int8)
    active = state == codes.ACTIVE
    store = np.where(active, rng.integers(0, n_stores, n), -1).astype(np.int64)
    brand = np.where(active, rng.integers(0, n_suppliers, n), -1).astype(np.int64)
    return state, stage, store, brand


def offers(rng, n_stores, n_suppliers):
    store = np.repeat(np.arange(n_stores), n_suppliers).astype(np.int64)
    supplier = np.tile(np.arange(n_suppliers), n_stores).astype(np.int64)
    m = store.size
    sx, sy = rng.uniform(0, 20, n_stores), rng.uniform(0, 20, n_stores)
    return dict(
        store=store, supplier=supplier, x=sx[store], y=sy[store], store_x=sx, store_y=sy,
        value=rng.normal(2.0, 1.0, m), open=rng.random(m) < 0.85,
        fill=rng.uniform(0.6, 1.0, m), close=rng.uniform(0.4, 1.0, m),
        experience=rng.uniform(0.2, 0.9, m),
    )  # fmt: skip


def choice_args(rng, n, o, state, stage, store, brand):
    n_stores = int(o["store"].max()) + 1
    homes = rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    dist = kernels.distance_terms(*homes, o["store_x"][:n_stores], o["store_y"][:n_stores], 2.0)
    return (
        dist, state, stage, store, brand, rng.random(n), rng.random(n), 0.4, o["store"],
        o["supplier"], o["value"].astype(np.float32), o["open"], 1.5, 0.8, 0.5, 1.0,
    )  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 1500), n_stores=st.integers(1, 6), n_sup=st.integers(1, 3))
def test_choose_matches_reference_bit_for_bit(seed, n, n_stores, n_sup):
    """The kernel and its numpy twin perform the same float32 operations in the same order."""
    rng = np.random.default_rng(seed)
    state, stage, store, brand = population(rng, n, n_stores, n_sup)
    o = offers(rng, n_stores, n_sup)
    args = choice_args(rng, n, o, state, stage, store, brand)
    fast, slow = np.empty(n, np.int64), np.empty(n, np.int64)
    kernels.choose(*args, fast)
    kernels.choose_reference(*args, slow)
    np.testing.assert_array_equal(fast, slow)


def test_fast_exp_is_accurate_and_matches_its_twin():
    from linkages_sim.kernels.fastexp import exp_block, exp_reference

    u = np.random.default_rng(0).uniform(-60, 60, 100_000).astype(np.float32)
    out = np.empty_like(u)
    exp_block(u, np.empty(u.size, np.int32), np.empty_like(u), out)
    np.testing.assert_array_equal(out.view(np.int32), exp_reference(u).view(np.int32))
    assert np.max(np.abs(out / np.exp(u.astype(np.float64)) - 1)) < 1e-5


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 400))
def test_funnel_matches_reference(seed, n):
    rng = np.random.default_rng(seed)
    state, stage, _, _ = population(rng, n, 1, 1)
    u, p1, p2 = rng.random(n), rng.random(4), rng.random(4)
    a, b = stage.copy(), stage.copy()
    kernels.advance_funnel(state, a, u, p1, p2)
    kernels.advance_funnel_reference(state, b, u, p1, p2)
    np.testing.assert_array_equal(a, b)


def serve_inputs(rng, n, n_stores=4, n_sup=2):
    state, stage, store, brand = population(rng, n, n_stores, n_sup)
    o = offers(rng, n_stores, n_sup)
    choice = rng.integers(-2, o["store"].size, n)
    satisfaction, expectation = rng.normal(0, 0.1, n), rng.uniform(0.3, 0.8, n)
    tenure, complained = rng.integers(0, 50, n), rng.random(n) < 0.1
    customers = [choice, state, stage, store, brand, satisfaction, expectation, tenure, complained]
    draws = [rng.random(n), rng.random(n), rng.standard_normal(n)]
    params = [o["fill"], o["close"], o["experience"], o["store"], o["supplier"], 0.15, 0.08, 0.3,
              0.05, 0.05, 0.6, 1]  # fmt: skip
    return customers, draws, params


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 400))
def test_serve_matches_reference(seed, n):
    customers, draws, params = serve_inputs(np.random.default_rng(seed), n)
    a = [c.copy() for c in customers]
    b = [c.copy() for c in customers]
    out_a = [np.empty(n, np.int8), np.empty(n)]
    out_b = [np.empty(n, np.int8), np.empty(n)]
    kernels.serve(*a, *draws, *params, *out_a)
    kernels.serve_reference(*b, *draws, *params, *out_b)
    for x, y in zip(a + out_a, b + out_b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, equal_nan=True)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 400))
def test_complain_and_churn_matches_reference(seed, n):
    rng = np.random.default_rng(seed)
    state, stage, store, _ = population(rng, n, 4, 1)
    store = np.where(store < 0, 0, store)
    d = np.where(rng.random(n) < 0.3, np.nan, rng.normal(-0.05, 0.1, n))
    customers = [state, stage, store, rng.normal(0, 0.2, n), rng.random(n) < 0.1, d]
    draws = [rng.random(n), rng.random(n), rng.random(n)]
    params = [0.3, 0.05, rng.random(4), 0.15, 0.01, 0.8]
    a = [c.copy() for c in customers]
    b = [c.copy() for c in customers]
    ev_a, ev_b = np.empty(n, np.int8), np.empty(n, np.int8)
    kernels.complain_and_churn(*a, *draws, *params, ev_a)
    kernels.complain_and_churn_reference(*b, *draws, *params, ev_b)
    for x, y in zip([*a, ev_a], [*b, ev_b], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, equal_nan=True)


def test_choice_shares_match_analytic_mnl():
    """At N = 200,000 identical shoppers, each option's share is within 4 standard errors of its
    logit probability exp(U_j) / (exp(U_0) + sum_k exp(U_k))."""
    n = 200_000
    rng = np.random.default_rng(12345)
    o_store = np.array([0, 0, 1, 1, 2], np.int64)
    o_supplier = np.array([0, 1, 0, 1, 0], np.int64)
    o_x = np.array([1.0, 1.0, 4.0, 4.0, 9.0])
    o_y = np.array([2.0, 2.0, 0.0, 0.0, 5.0])
    value = np.array([1.0, 0.4, 1.3, 0.2, 2.5])
    is_open = np.array([True, True, True, False, True])
    x, y = np.zeros(n), np.zeros(n)
    state = np.full(n, codes.ACTIVE, np.int8)
    store = np.zeros(n, np.int64)
    brand = np.ones(n, np.int64)
    decay, ls, lb, outside = 2.0, 0.7, 0.3, 0.5
    out = np.empty(n, np.int64)
    store_x, store_y = np.array([1.0, 4.0, 9.0]), np.array([2.0, 0.0, 5.0])
    dist = kernels.distance_terms(x, y, store_x, store_y, decay)
    kernels.choose(dist, state, np.zeros(n, np.int8), store, brand, np.zeros(n), rng.random(n),
                   1.0, o_store, o_supplier, value.astype(np.float32), is_open, ls, lb, 0.0,
                   outside, out)  # fmt: skip
    d = np.hypot(o_x, o_y)
    u = value - decay * np.log1p(d) + ls * (o_store == 0) + lb * (o_supplier == 1)
    w = np.where(is_open, np.exp(u), 0.0)
    p = np.concatenate([[math.exp(outside)], w]) / (math.exp(outside) + w.sum())
    observed = np.array([np.mean(out == codes.OUTSIDE)] + [np.mean(out == j) for j in range(5)])
    se = np.sqrt(p * (1 - p) / n)
    assert observed[4] == 0.0  # the closed offer is never chosen
    assert np.all(np.abs(observed - p) <= 4 * se + 1e-12), (observed, p)


def test_choice_is_identical_whatever_the_thread_count():
    from numba import get_num_threads, set_num_threads

    rng = np.random.default_rng(7)
    n = 50_000
    state, stage, store, brand = population(rng, n, 5, 2)
    o = offers(rng, 5, 2)
    args = choice_args(rng, n, o, state, stage, store, brand)
    results = []
    before = get_num_threads()
    for threads in sorted({1, before}):
        set_num_threads(threads)
        out = np.empty(n, np.int64)
        kernels.choose(*args, out)
        results.append(out)
    set_num_threads(before)
    for r in results[1:]:
        np.testing.assert_array_equal(results[0], r)
