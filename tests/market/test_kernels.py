"""Kernels against their numpy twins (random inputs), and the choice kernel against analytic
multinomial-logit probabilities."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.market import kernels
from linkages_sim.market.kernels import codes
from linkages_sim.market.kernels.tally import FIELDS as TALLY_FIELDS

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


def choice_args(rng, n, o, state, stage, store, brand, consider=None):
    n_stores = int(o["store"].max()) + 1
    homes = rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    near, slot_store = kernels.attraction(*homes, o["store_x"][:n_stores],
                                          o["store_y"][:n_stores], 2.0, consider)  # fmt: skip
    weights = kernels.choice_weights(o["value"], o["open"], o["store"], o["supplier"], n_stores,
                                     1.0, 1.5, 0.8, 0.5)  # fmt: skip
    return (
        near, slot_store, state, stage, store, brand, rng.random(n), rng.random(n), 0.4, *weights,
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(seed=seeds, n=st.integers(1, 1500), n_stores=st.integers(1, 6), n_sup=st.integers(1, 3),
       consider=st.one_of(st.none(), st.integers(1, 6)))  # fmt: skip
def test_choose_matches_reference_bit_for_bit(seed, n, n_stores, n_sup, consider):
    """The kernel and its numpy twin perform the same float32 operations in the same order,
    with every store considered or only the nearest few."""
    rng = np.random.default_rng(seed)
    state, stage, store, brand = population(rng, n, n_stores, n_sup)
    o = offers(rng, n_stores, n_sup)
    args = choice_args(rng, n, o, state, stage, store, brand, consider)
    fast, slow = np.empty(n, np.int64), np.empty(n, np.int64)
    kernels.choose(*args, fast)
    kernels.choose_reference(*args, slow)
    np.testing.assert_array_equal(fast, slow)


def test_choice_weights_shift_out_of_float32_range_values_and_close_offers():
    """exp(V_j - c): probabilities unchanged by the shift; huge utilities do not overflow;
    offers laid out by store in offer order, padded with weight 0."""
    value = np.array([300.0, 299.0, 1000.0])
    store, supplier = np.array([1, 0, 1]), np.array([0, 1, 1])
    w = kernels.choice_weights(value, np.array([True, True, False]), store, supplier, 3, 298.0,
                               0.0, 0.0, 0.0)  # fmt: skip
    np.testing.assert_array_equal(w.grid_offer, [[1, -1], [0, 2], [-1, -1]])
    np.testing.assert_array_equal(w.grid_supplier, [[1, -1], [0, 1], [-1, -1]])
    assert w.grid_weight.dtype == np.float32 and w.grid_weight[1, 1] == 0.0
    np.testing.assert_allclose([w.outside, w.grid_weight[1, 0], w.grid_weight[0, 0]],
                               np.exp([-2.0, 0.0, -1.0]), rtol=1e-6)  # fmt: skip
    assert not w.grid_weight[2].any()
    none = kernels.choice_weights(value, np.zeros(3, bool), store, supplier, 3, -np.inf, 0, 0, 0)
    assert none.outside == 0.0 and not none.grid_weight.any()


def test_attraction_is_the_huff_distance_decay_with_an_optional_consideration_set():
    x, y = np.array([0.0, 3.0, 10.0]), np.array([0.0, 4.0, 0.0])
    near, every = kernels.attraction(x, y, [0.0], [0.0], 2.0)
    np.testing.assert_allclose(near[0], [1.0, 1 / 36, 1 / 121], rtol=1e-6)
    assert near.dtype == np.float32 and every is None
    stores_x, stores_y = [0.0, 10.0, 3.0], [0.0, 0.0, 4.0]
    near, slot_store = kernels.attraction(x, y, stores_x, stores_y, 2.0, 2)
    np.testing.assert_array_equal(slot_store, [[0, 2, 1], [2, 0, 2]])  # nearest first
    far = (1 + np.sqrt(65.0)) ** -2.0
    np.testing.assert_allclose(near, [[1.0, 1.0, 1.0], [1 / 36, 1 / 36, far]], rtol=1e-5)
    dense, _ = kernels.attraction(x, y, stores_x, stores_y, 2.0, 3)  # all three: the dense form
    assert dense.shape == (3, 3)


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


@pytest.mark.parametrize("consider", [None, 2])
def test_choice_shares_match_analytic_mnl(consider):
    """At 150,000 shoppers at one home, for each kind of customer (active with a store and a
    brand, lapsed, prospect), each option's share is within 4 standard errors of its logit
    probability exp(U_j) / (exp(U_0) + sum_k exp(U_k)); with a consideration set of the two
    nearest stores, the third store's offers are not in the choice set."""
    n = 150_000
    rng = np.random.default_rng(12345)
    o_store = np.array([0, 0, 1, 1, 2], np.int64)
    o_supplier = np.array([0, 1, 0, 1, 0], np.int64)
    value = np.array([1.0, 0.4, 1.3, 0.2, 2.5])
    is_open = np.array([True, True, True, False, True])
    kinds = np.array([codes.ACTIVE, codes.LAPSED, codes.PROSPECT], np.int8)
    state = np.repeat(kinds, n // 3)
    stage = np.full(n, codes.CONVICTION, np.int8)  # every non-active customer shops
    store = np.where(state == codes.ACTIVE, 0, -1).astype(np.int64)
    brand = np.where(state == codes.ACTIVE, 1, -1).astype(np.int64)
    decay, ls, lb, la, outside = 2.0, 0.7, 0.3, -0.6, 0.5
    out = np.empty(n, np.int64)
    store_x, store_y = np.array([1.0, 4.0, 9.0]), np.array([2.0, 0.0, 5.0])
    near, slot_store = kernels.attraction(np.zeros(n), np.zeros(n), store_x, store_y, decay,
                                          consider)  # fmt: skip
    weights = kernels.choice_weights(value, is_open, o_store, o_supplier, 3, outside, ls, lb, la)
    kernels.choose(near, slot_store, state, stage, store, brand, np.zeros(n), rng.random(n), 1.0,
                   *weights, out)  # fmt: skip
    d = np.hypot(store_x, store_y)[o_store]
    base = value - decay * np.log1p(d)
    considered = o_store != 2 if consider == 2 else np.ones(5, bool)  # store 2 is the farthest
    is_open = is_open & considered
    bonus = {codes.ACTIVE: ls * (o_store == 0) + lb * (o_supplier == 1), codes.LAPSED: la,
             codes.PROSPECT: 0.0}  # fmt: skip
    for kind in kinds:
        w = np.where(is_open, np.exp(base + bonus[kind]), 0.0)
        p = np.concatenate([[math.exp(outside)], w]) / (math.exp(outside) + w.sum())
        mine = out[state == kind]
        observed = np.array([np.mean(mine == j) for j in (codes.OUTSIDE, *range(5))])
        se = np.sqrt(p * (1 - p) / mine.size)
        assert observed[4] == 0.0  # the closed offer is never chosen
        assert consider is None or observed[5] == 0.0  # nor the store out of consideration
        assert np.all(np.abs(observed - p) <= 4 * se + 1e-12), (kind, observed, p)


def test_choice_is_identical_whatever_the_thread_count():
    from numba import get_num_threads, set_num_threads

    rng = np.random.default_rng(7)
    n = 50_000
    state, stage, store, brand = population(rng, n, 5, 2)
    o = offers(rng, 5, 2)
    before = get_num_threads()
    for consider in (None, 3):
        args = choice_args(rng, n, o, state, stage, store, brand, consider)
        results = []
        for threads in sorted({1, before}):
            set_num_threads(threads)
            out = np.empty(n, np.int64)
            kernels.choose(*args, out)
            results.append(out)
        set_num_threads(before)
        for r in results[1:]:
            np.testing.assert_array_equal(results[0], r)


def test_choice_edges_a_draw_next_to_one_and_no_positive_weight():
    """A draw that rounds to 1.0 in float32 still picks the last option with weight (never a
    closed offer); a shopper for whom every weight is zero goes outside."""
    o_store, o_supplier = np.array([0, 0], np.int64), np.array([0, 1], np.int64)
    near, every = np.array([[1.0, 1.0]], np.float32), None
    state, stage = np.full(2, codes.ACTIVE, np.int8), np.zeros(2, np.int8)
    store, brand = np.zeros(2, np.int64), np.zeros(2, np.int64)
    u_choice = np.array([1 - 1e-12, 0.5])

    def weights(is_open):
        return kernels.choice_weights(np.zeros(2), np.array(is_open), o_store, o_supplier, 1,
                                      -np.inf, 0.0, 0.0, 0.0)  # fmt: skip

    for is_open, want in (([True, False], 0), ([False, True], 1), ([False, False], codes.OUTSIDE)):
        for choose in (kernels.choose, kernels.choose_reference):
            out = np.empty(2, np.int64)
            choose(near, every, state, stage, store, brand, np.zeros(2), u_choice, 1.0,
                   *weights(is_open), out)  # fmt: skip
            assert out[0] == want and out[1] == want


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 600))
def test_tally_matches_reference_bit_for_bit(seed, n):
    """Counts exactly, satisfaction sums to the bit (both sum in customer order)."""
    rng = np.random.default_rng(seed)
    n_stores, n_sup = 3, 2
    state, stage, store, _brand = population(rng, n, n_stores, n_sup)
    before = rng.integers(0, 3, n).astype(np.int8)
    o = offers(rng, n_stores, n_sup)
    m = o["store"].size
    choice = rng.integers(-2, m, n)
    outcome = np.where(choice >= 0, rng.integers(1, 6, n), np.where(choice == -2, 6, 0))
    store = np.where(store < 0, rng.integers(0, n_stores, n), store)  # churners keep a store
    event = np.where(rng.random(n) < 0.2, rng.integers(0, 16, n), 0).astype(np.int8)
    satisfaction = rng.normal(0, 0.2, n)
    disconfirmation = np.where(rng.random(n) < 0.3, np.nan, rng.normal(-0.05, 0.1, n))
    args = (choice, outcome.astype(np.int8), state, before, store, stage, event, satisfaction,
            disconfirmation, -0.1, o["store"], m, n_stores)  # fmt: skip
    fast, slow = kernels.tally(*args), kernels.tally_reference(*args)
    assert len(fast) == len(slow) == len(TALLY_FIELDS)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
