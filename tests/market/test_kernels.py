"""Kernels against their numpy twins (random inputs), the choice kernels against analytic
multinomial-logit probabilities, and the segments' real call sites: each structure a segment
passes carries the scenario's values in the right fields, and the twins driven through those
calls give the kernels' bits."""

import ast
import inspect
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.config.editing import edit_scenario
from linkages_sim.market import kernels
from linkages_sim.market.kernels import choice, churn, codes, funnel, service
from linkages_sim.market.kernels import tally as tally_module
from linkages_sim.market.kernels.tally import FIELDS as TALLY_FIELDS
from linkages_sim.market.model import MarketModel
from linkages_sim.market.segments import Tally
from linkages_sim.rng import Purpose
from tests.support import small

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def population(rng, n, n_stores, n_suppliers) -> kernels.Customers:
    state = rng.integers(0, 3, n).astype(np.int8)
    active = state == codes.ACTIVE
    return kernels.Customers(
        state=state,
        stage=rng.integers(0, 5, n).astype(np.int8),
        store=np.where(active, rng.integers(0, n_stores, n), -1).astype(np.int64),
        brand=np.where(active, rng.integers(0, n_suppliers, n), -1).astype(np.int64),
        satisfaction=rng.normal(0, 0.1, n),
        expectation=rng.uniform(0.3, 0.8, n),
        tenure=rng.integers(0, 50, n),
        complained=rng.random(n) < 0.1,
    )


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


def weights_of(o, n_stores, outside=1.0, store=1.5, brand=0.8, lapsed=0.5):
    return kernels.choice_weights(
        value=o["value"], is_open=o["open"], offer_store=o["store"], offer_supplier=o["supplier"],
        n_stores=n_stores, outside_utility=outside, store_loyalty=store, brand_loyalty=brand,
        lapsed_affinity=lapsed,
    )  # fmt: skip


def choice_args(rng, n, o, customers, consider=None):
    """(attraction, customers, draws, weights, shop probability) of a random market."""
    n_stores = int(o["store"].max()) + 1
    homes = rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    attraction = kernels.attraction(*homes, o["store_x"][:n_stores], o["store_y"][:n_stores],
                                    decay=2.0, consider=consider)  # fmt: skip
    draws = kernels.ChoiceDraws(u_shop=rng.random(n), u_choice=rng.random(n))
    return attraction, customers, draws, weights_of(o, n_stores), 0.4


def copied(structure):
    """The same structure with copies of its arrays (for a kernel and its twin to change)."""
    return type(structure)(*(np.copy(v) if isinstance(v, np.ndarray) else v for v in structure))


def assert_same(a, b):
    """Two structures (or arrays) bit for bit, dtypes included, NaNs in the same places."""
    if not isinstance(a, tuple):
        np.testing.assert_array_equal(a, b, strict=True)
        return
    assert type(a) is type(b)
    for field, x, y in zip(a._fields, a, b, strict=True):
        np.testing.assert_array_equal(x, y, err_msg=field, strict=True)


# --- the structures -------------------------------------------------------------------------


def test_new_customers_and_outputs_hold_their_fields_dtypes_and_start_values():
    """A swap inside the constructors (say satisfaction and expectation, both float64) shows."""
    c = kernels.Customers.prospects(5, expectation=0.61)
    want = {"state": (np.int8, codes.PROSPECT), "stage": (np.int8, codes.UNAWARE),
            "store": (np.int64, -1), "brand": (np.int64, -1), "satisfaction": (np.float64, 0.0),
            "expectation": (np.float64, 0.61), "tenure": (np.int64, 0),
            "complained": (np.bool_, False)}  # fmt: skip
    assert set(want) == set(c._fields)
    for field, (dtype, value) in want.items():
        array = getattr(c, field)
        assert array.dtype == dtype and array.shape == (5,) and (array == value).all(), field
    o = kernels.Outputs.empty(4)
    want = {"state_before": (np.int8, codes.PROSPECT), "choice": (np.int64, codes.NOT_SHOPPING),
            "outcome": (np.int8, codes.NO_TRIP), "event": (np.int8, 0)}  # fmt: skip
    assert set(o._fields) == {*want, "disconfirmation"}
    for field, (dtype, value) in want.items():
        array = getattr(o, field)
        assert array.dtype == dtype and array.shape == (4,) and (array == value).all(), field
    assert o.disconfirmation.dtype == np.float64 and np.isnan(o.disconfirmation).all()
    arrays = [*c, *o]
    assert not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1 :])


PARALLEL_MODULES = (choice, service, churn, funnel, tally_module)


def _parallel_kernels():
    for module in PARALLEL_MODULES:
        for node in ast.parse(inspect.getsource(module)).body:
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and any(k.arg == "parallel" and k.value.value is True
                                                for k in d.keywords)
                for d in node.decorator_list
            ):  # fmt: skip
                yield module.__name__, node


def test_parallel_kernels_read_structures_outside_their_parallel_loops():
    """Numba drops writes to an array reached through a named tuple inside a `prange` loop
    (numba #7135): each parallel kernel binds the fields it uses one per line before the loop,
    never unpacks several at once, and its loop never names a structure."""
    found = []
    for module, kernel in _parallel_kernels():
        found.append(kernel.name)
        params = {a.arg for a in kernel.args.args}
        for node in ast.walk(kernel):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                assert not any(isinstance(v, ast.Attribute) for v in values), (
                    f"{module}.{kernel.name}: line {node.lineno} unpacks fields at once"
                )
            if not (isinstance(node, ast.For) and isinstance(node.iter, ast.Call)
                    and getattr(node.iter.func, "id", "") == "prange"):  # fmt: skip
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Attribute) and getattr(inner.value, "id", "") in params:
                    raise AssertionError(
                        f"{module}.{kernel.name}: line {inner.lineno} reads "
                        f"{inner.value.id}.{inner.attr} in the parallel loop"
                    )
                if isinstance(inner, ast.Name) and inner.id in params:
                    value = {"out", "u", "shop_probability"}
                    assert inner.id in value, (
                        f"{module}.{kernel.name}: line {inner.lineno} "
                        f"passes {inner.id} into the parallel loop"
                    )
    assert sorted(found) == ["advance_funnel", "choose_considered", "choose_every_store",
                             "complain_and_churn", "serve"]  # fmt: skip


# --- choice -----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=seeds, n=st.integers(1, 1500), n_stores=st.integers(1, 6), n_sup=st.integers(1, 3),
       consider=st.one_of(st.none(), st.integers(1, 6)))  # fmt: skip
def test_choose_matches_reference_bit_for_bit(seed, n, n_stores, n_sup, consider):
    """Each choice kernel and its numpy twin perform the same float32 operations in the same
    order, with every store considered or only the nearest few; `choose` runs the right one."""
    rng = np.random.default_rng(seed)
    o = offers(rng, n_stores, n_sup)
    args = choice_args(rng, n, o, population(rng, n, n_stores, n_sup), consider)
    every = args[0].slot_store is None
    kernel = kernels.choose_every_store if every else kernels.choose_considered
    twin = kernels.choose_every_store_reference if every else kernels.choose_considered_reference
    fast, slow, either = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    kernel(*args, fast)
    twin(*args, slow)
    kernels.choose(*args, either)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast, either)
    kernels.choose_reference(*args, either)
    np.testing.assert_array_equal(fast, either)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 1500), n_stores=st.integers(1, 6), n_sup=st.integers(1, 3))
def test_the_two_choice_kernels_agree_on_a_consideration_set_of_every_store_in_order(
    seed, n, n_stores, n_sup
):
    """A consideration set whose slot k is store k for everybody is the every-store layout:
    the same sums in the same order, so the same choices to the bit."""
    rng = np.random.default_rng(seed)
    o = offers(rng, n_stores, n_sup)
    attraction, *rest = choice_args(rng, n, o, population(rng, n, n_stores, n_sup))
    in_order = np.ascontiguousarray(np.broadcast_to(np.arange(n_stores, dtype=np.int16)[:, None],
                                                    (n_stores, n)))  # fmt: skip
    considered = kernels.Attraction(weight=attraction.weight, slot_store=in_order)
    every, some = np.empty(n, np.int64), np.empty(n, np.int64)
    kernels.choose_every_store(attraction, *rest, every)
    kernels.choose_considered(considered, *rest, some)
    np.testing.assert_array_equal(every, some)


def test_the_every_store_kernel_refuses_a_consideration_set():
    rng = np.random.default_rng(3)
    o = offers(rng, 4, 2)
    args = choice_args(rng, 50, o, population(rng, 50, 4, 2), consider=2)
    for kernel in (kernels.choose_every_store, kernels.choose_every_store_reference):
        with pytest.raises(ValueError, match="consideration set"):
            kernel(*args, np.empty(50, np.int64))


def test_choice_weights_shift_out_of_float32_range_values_and_close_offers():
    """exp(V_j - c): probabilities unchanged by the shift; huge utilities do not overflow;
    offers laid out by store in offer order, padded with weight 0; each loyalty in its field."""
    value = np.array([300.0, 299.0, 1000.0])
    store, supplier = np.array([1, 0, 1]), np.array([0, 1, 1])
    w = kernels.choice_weights(value=value, is_open=np.array([True, True, False]),
                               offer_store=store, offer_supplier=supplier, n_stores=3,
                               outside_utility=298.0, store_loyalty=0.3, brand_loyalty=0.2,
                               lapsed_affinity=-0.1)  # fmt: skip
    np.testing.assert_array_equal(w.grid_offer, [[1, -1], [0, 2], [-1, -1]])
    np.testing.assert_array_equal(w.grid_supplier, [[1, -1], [0, 1], [-1, -1]])
    assert w.grid_weight.dtype == np.float32 and w.grid_weight[1, 1] == 0.0
    np.testing.assert_allclose([w.outside, w.grid_weight[1, 0], w.grid_weight[0, 0]],
                               np.exp([-2.0, 0.0, -1.0]), rtol=1e-6)  # fmt: skip
    assert not w.grid_weight[2].any()
    f32 = np.float32
    assert (w.store, w.brand, w.lapsed) == (f32(math.exp(0.3)), f32(math.exp(0.2)),
                                            f32(math.exp(-0.1)))  # fmt: skip
    none = kernels.choice_weights(value=value, is_open=np.zeros(3, bool), offer_store=store,
                                  offer_supplier=supplier, n_stores=3, outside_utility=-np.inf,
                                  store_loyalty=0, brand_loyalty=0, lapsed_affinity=0)  # fmt: skip
    assert none.outside == 0.0 and not none.grid_weight.any()


def test_attraction_is_the_huff_distance_decay_with_an_optional_consideration_set():
    x, y = np.array([0.0, 3.0, 10.0]), np.array([0.0, 4.0, 0.0])
    near, every = kernels.attraction(x, y, [0.0], [0.0], decay=2.0)
    np.testing.assert_allclose(near[0], [1.0, 1 / 36, 1 / 121], rtol=1e-6)
    assert near.dtype == np.float32 and every is None
    stores_x, stores_y = [0.0, 10.0, 3.0], [0.0, 0.0, 4.0]
    a = kernels.attraction(x, y, stores_x, stores_y, decay=2.0, consider=2)
    np.testing.assert_array_equal(a.slot_store, [[0, 2, 1], [2, 0, 2]])  # nearest first
    far = (1 + np.sqrt(65.0)) ** -2.0
    np.testing.assert_allclose(a.weight, [[1.0, 1.0, 1.0], [1 / 36, 1 / 36, far]], rtol=1e-5)
    dense = kernels.attraction(x, y, stores_x, stores_y, decay=2.0, consider=3)  # all three
    assert dense.weight.shape == (3, 3) and dense.slot_store is None  # the dense form


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
    customers = kernels.Customers.prospects(n, expectation=0.6)._replace(
        state=state,
        stage=np.full(n, codes.CONVICTION, np.int8),  # every non-active customer shops
        store=np.where(state == codes.ACTIVE, 0, -1).astype(np.int64),
        brand=np.where(state == codes.ACTIVE, 1, -1).astype(np.int64),
    )
    decay, ls, lb, la, outside = 2.0, 0.7, 0.3, -0.6, 0.5
    out = np.empty(n, np.int64)
    store_x, store_y = np.array([1.0, 4.0, 9.0]), np.array([2.0, 0.0, 5.0])
    attraction = kernels.attraction(np.zeros(n), np.zeros(n), store_x, store_y, decay=decay,
                                    consider=consider)  # fmt: skip
    weights = kernels.choice_weights(value=value, is_open=is_open, offer_store=o_store,
                                     offer_supplier=o_supplier, n_stores=3,
                                     outside_utility=outside, store_loyalty=ls, brand_loyalty=lb,
                                     lapsed_affinity=la)  # fmt: skip
    draws = kernels.ChoiceDraws(u_shop=np.zeros(n), u_choice=rng.random(n))
    kernels.choose(attraction, customers, draws, weights, 1.0, out)
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
    """1 and 2 threads give the same choices (50,000 customers: 49 blocks, so both threads
    work). On a machine where numba offers fewer than 2 threads the comparison runs in a
    process that forces 2, so it never compares one thread count with itself."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        script = "import tests.market.test_kernels as t; t.compare_thread_counts()"
        env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
        subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=600,
                       cwd=Path(__file__).resolve().parents[2])  # fmt: skip
        return
    compare_thread_counts()


def compare_thread_counts() -> None:
    """Run the choice kernel at 1 and 2 threads on the same inputs and compare."""
    from numba import get_num_threads, set_num_threads

    rng = np.random.default_rng(7)
    n = 50_000
    customers = population(rng, n, 5, 2)
    o = offers(rng, 5, 2)
    before = get_num_threads()
    for consider in (None, 3):
        args = choice_args(rng, n, o, customers, consider)
        results = []
        for threads in (1, 2):
            set_num_threads(threads)
            assert get_num_threads() == threads
            out = np.empty(n, np.int64)
            kernels.choose(*args, out)
            results.append(out)
        set_num_threads(before)
        np.testing.assert_array_equal(results[0], results[1])


def test_choice_edges_a_draw_next_to_one_and_no_positive_weight():
    """A draw that rounds to 1.0 in float32 still picks the last option with weight (never a
    closed offer); a shopper for whom every weight is zero goes outside."""
    o_store, o_supplier = np.array([0, 0], np.int64), np.array([0, 1], np.int64)
    attraction = kernels.Attraction(weight=np.array([[1.0, 1.0]], np.float32), slot_store=None)
    considered = attraction._replace(slot_store=np.zeros((1, 2), np.int16))
    customers = kernels.Customers.prospects(2, expectation=0.6)._replace(
        state=np.full(2, codes.ACTIVE, np.int8), store=np.zeros(2, np.int64),
        brand=np.zeros(2, np.int64),
    )  # fmt: skip
    draws = kernels.ChoiceDraws(u_shop=np.zeros(2), u_choice=np.array([1 - 1e-12, 0.5]))

    def weights(is_open):
        return kernels.choice_weights(value=np.zeros(2), is_open=np.array(is_open),
                                      offer_store=o_store, offer_supplier=o_supplier, n_stores=1,
                                      outside_utility=-np.inf, store_loyalty=0.0,
                                      brand_loyalty=0.0, lapsed_affinity=0.0)  # fmt: skip

    for is_open, want in (([True, False], 0), ([False, True], 1), ([False, False], codes.OUTSIDE)):
        for layout in (attraction, considered):
            for choose in (kernels.choose, kernels.choose_reference):
                out = np.empty(2, np.int64)
                choose(layout, customers, draws, weights(is_open), 1.0, out)
                assert out[0] == want and out[1] == want


# --- funnel, service, churn, tally ----------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 400))
def test_funnel_matches_reference(seed, n):
    rng = np.random.default_rng(seed)
    customers = population(rng, n, 1, 1)
    u = rng.random(n)
    chances = kernels.FunnelChances(prospect=rng.random(4), lapsed=rng.random(4))
    a, b = copied(customers), copied(customers)
    kernels.advance_funnel(a, u, chances)
    kernels.advance_funnel_reference(b, u, chances)
    assert_same(a, b)


def serve_inputs(rng, n, n_stores=4, n_sup=2):
    customers = population(rng, n, n_stores, n_sup)
    o = offers(rng, n_stores, n_sup)
    outputs = kernels.Outputs.empty(n)._replace(choice=rng.integers(-2, o["store"].size, n))
    draws = kernels.ServiceDraws(u_stock=rng.random(n), u_close=rng.random(n),
                                 noise=rng.standard_normal(n))  # fmt: skip
    terms = kernels.OfferTerms(fill=o["fill"], close=o["close"], experience=o["experience"],
                               store=o["store"], supplier=o["supplier"])  # fmt: skip
    params = kernels.ServiceParams(stockout_experience=0.15, experience_noise=0.08,
                                   satisfaction_adaptation=0.3, expectation_drift=0.05,
                                   expectation_anchoring=0.04, expectation_norm=0.6,
                                   fallback_stage=1)  # fmt: skip
    return customers, outputs, draws, terms, params


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 400))
def test_serve_matches_reference(seed, n):
    customers, outputs, *rest = serve_inputs(np.random.default_rng(seed), n)
    a, out_a = copied(customers), copied(outputs)
    b, out_b = copied(customers), copied(outputs)
    kernels.serve(a, out_a, *rest)
    kernels.serve_reference(b, out_b, *rest)
    assert_same(a, b)
    assert_same(out_a, out_b)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 400))
def test_complain_and_churn_matches_reference(seed, n):
    rng = np.random.default_rng(seed)
    customers = population(rng, n, 4, 1)
    customers = customers._replace(store=np.where(customers.store < 0, 0, customers.store),
                                   satisfaction=rng.normal(0, 0.2, n))  # fmt: skip
    d = np.where(rng.random(n) < 0.3, np.nan, rng.normal(-0.05, 0.1, n))
    outputs = kernels.Outputs.empty(n)._replace(disconfirmation=d)
    draws = kernels.ChurnDraws(u_complain=rng.random(n), u_recover=rng.random(n),
                               u_churn=rng.random(n))  # fmt: skip
    params = kernels.ChurnParams(complain_probability=0.3, complain_threshold=0.05,
                                 store_recovery=rng.random(4), recovery_boost=0.15,
                                 churn_base=0.01, churn_sensitivity=0.8)  # fmt: skip
    a, out_a = copied(customers), copied(outputs)
    b, out_b = copied(customers), copied(outputs)
    kernels.complain_and_churn(a, out_a, draws, params)
    kernels.complain_and_churn_reference(b, out_b, draws, params)
    assert_same(a, b)
    assert_same(out_a, out_b)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 600))
def test_tally_matches_reference_bit_for_bit(seed, n):
    """Counts exactly, satisfaction sums to the bit (both sum in customer order)."""
    rng = np.random.default_rng(seed)
    n_stores, n_sup = 3, 2
    customers = population(rng, n, n_stores, n_sup)
    store = np.where(customers.store < 0, rng.integers(0, n_stores, n), customers.store)
    customers = customers._replace(store=store, satisfaction=rng.normal(0, 0.2, n))  # churners
    o = offers(rng, n_stores, n_sup)  # keep a store
    m = o["store"].size
    choice_ = rng.integers(-2, m, n)
    outcome = np.where(choice_ >= 0, rng.integers(1, 6, n), np.where(choice_ == -2, 6, 0))
    outputs = kernels.Outputs(
        state_before=rng.integers(0, 3, n).astype(np.int8),
        choice=choice_,
        outcome=outcome.astype(np.int8),
        disconfirmation=np.where(rng.random(n) < 0.3, np.nan, rng.normal(-0.05, 0.1, n)),
        event=np.where(rng.random(n) < 0.2, rng.integers(0, 16, n), 0).astype(np.int8),
    )
    params = kernels.TallyParams(offer_store=o["store"], n_stores=n_stores,
                                 dissatisfied_below=-0.1)  # fmt: skip
    fast = kernels.tally(customers, outputs, params)
    slow = kernels.tally_reference(customers, outputs, params)
    assert type(fast) is type(slow) is kernels.TallyCounts
    assert fast._fields == TALLY_FIELDS and set(TALLY_FIELDS) <= set(Tally.__dataclass_fields__)
    assert_same(fast, slow)


# --- the real call sites --------------------------------------------------------------------

KERNELS = ("choose", "serve", "complain_and_churn", "advance_funnel", "tally")
TWINS = {
    "choose": kernels.choose_reference,
    "serve": kernels.serve_reference,
    "complain_and_churn": kernels.complain_and_churn_reference,
    "advance_funnel": kernels.advance_funnel_reference,
    "tally": kernels.tally_reference,
}


def _distinct_scenario(consider: int | None = None):
    """The small default with every constant a segment passes to a kernel set apart from the
    others in its structure, and from segment to segment: a swap of two fields, or one
    segment's spec in another's call, changes a value the checks compare."""

    def change(data):
        data["market"].update(stockout_experience=0.13, experience_noise=0.07,
                              recovery_boost=0.16)  # fmt: skip
        data["funnel"]["fallback_stage"] = 2
        for k, segment in enumerate(data["segments"]):
            segment.update(
                shop_probability=0.21 + 0.01 * k, satisfaction_adaptation=0.31 + 0.01 * k,
                expectation_drift=0.052 + 0.001 * k, expectation_anchoring=0.047 + 0.001 * k,
                expectation=0.61 + 0.01 * k, complain_probability=0.041 + 0.001 * k,
                complain_threshold=0.055 + 0.001 * k, churn_base=0.0031 + 0.0001 * k,
                churn_sensitivity=1.3 + 0.1 * k, winback_responsiveness=0.22 + 0.01 * k,
            )  # fmt: skip
            segment["tastes"].update(store_loyalty=3.6 + 0.1 * k, brand_loyalty=2.2 + 0.1 * k,
                                     lapsed_affinity=0.9 + 0.1 * k,
                                     consideration_stores=consider)  # fmt: skip

    return edit_scenario(small(customers=2000, periods=3), change)


def _assert_distinct(structure):
    """No two fields of `structure` hold the same value, so swapping them would show."""
    values = [(f, v) for f, v in zip(structure._fields, structure, strict=True) if v is not None]
    for i, (f, v) in enumerate(values):
        for g, w in values[i + 1 :]:
            if np.shape(v) == np.shape(w):
                assert not np.array_equal(v, w), f"{type(structure).__name__}: {f} == {g}"


def _assert_fields(structure, **expected):
    """Every field of `structure` is checked: the same object, or the same values."""
    name = type(structure).__name__
    assert set(expected) == set(structure._fields), name
    for field, want in expected.items():
        got = getattr(structure, field)
        if isinstance(want, np.ndarray) or isinstance(got, np.ndarray):
            np.testing.assert_array_equal(got, want, err_msg=f"{name}.{field}", strict=True)
        else:
            assert got == want and type(got) is type(want), (name, field, got, want)


class CallSites:
    """Wraps the kernels the segments call: records each call and checks, while the model is
    in that very call, that its structures carry the scenario's values in the right fields."""

    def __init__(self, monkeypatch):
        self.model = None
        self.calls = []
        for name in KERNELS:
            monkeypatch.setattr(kernels, name, self._wrap(name, getattr(kernels, name)))

    def _wrap(self, name, kernel):
        def call(*args):
            self.calls.append((name, self.model.steps - 1 if self.model else None, args))
            if self.model is not None:
                getattr(self, f"check_{name}")(self.model.steps - 1, *args)
            return kernel(*args)

        return call

    def segment(self, customers):
        (segment,) = [s for s in self.model.segments if s.customers is customers]
        return segment

    @staticmethod
    def draw(segment, purpose, period, normal=False):
        streams = segment.streams
        return (streams.normal if normal else streams.uniform)(purpose, period, segment.index,
                                                               segment.size)  # fmt: skip

    def check_choose(self, period, attraction, customers, draws, weights, shop_probability, out):
        seg, model = self.segment(customers), self.model
        spec, t, o, market = seg.spec, seg.spec.tastes, model.offers, model.spec.market
        assert attraction is seg.store_attraction and out is seg.choice
        assert shop_probability == spec.shop_probability
        _assert_fields(draws, u_shop=self.draw(seg, Purpose.SHOP, period),
                       u_choice=self.draw(seg, Purpose.CHOICE, period))  # fmt: skip
        expected = kernels.choice_weights(
            value=o.value(t, market.reference_price), is_open=o.open, offer_store=o.store,
            offer_supplier=o.supplier, n_stores=len(model.stores),
            outside_utility=spec.outside_utility, store_loyalty=t.store_loyalty,
            brand_loyalty=t.brand_loyalty, lapsed_affinity=t.lapsed_affinity,
        )  # fmt: skip
        _assert_fields(weights, **expected._asdict())
        _assert_distinct(weights._replace(grid_offer=None, grid_supplier=None))
        _assert_distinct(draws)

    def check_serve(self, period, customers, outputs, draws, terms, params):
        seg, model = self.segment(customers), self.model
        spec, o, market = seg.spec, model.offers, model.spec.market
        assert outputs is seg.outputs
        _assert_fields(draws, u_stock=self.draw(seg, Purpose.STOCK, period),
                       u_close=self.draw(seg, Purpose.CLOSE, period),
                       noise=self.draw(seg, Purpose.EXPERIENCE, period, normal=True))  # fmt: skip
        _assert_fields(terms, fill=o.fill, close=o.close, experience=o.experience(market),
                       store=o.store, supplier=o.supplier)  # fmt: skip
        _assert_fields(
            params, stockout_experience=market.stockout_experience,
            experience_noise=market.experience_noise,
            satisfaction_adaptation=spec.satisfaction_adaptation,
            expectation_drift=spec.expectation_drift,
            expectation_anchoring=spec.expectation_anchoring, expectation_norm=spec.expectation,
            fallback_stage=model.spec.funnel.fallback_stage,
        )  # fmt: skip
        for structure in (draws, terms, params):
            _assert_distinct(structure)

    def check_complain_and_churn(self, period, customers, outputs, draws, params):
        seg, model = self.segment(customers), self.model
        spec = seg.spec
        assert outputs is seg.outputs
        _assert_fields(draws, u_complain=self.draw(seg, Purpose.COMPLAIN, period),
                       u_recover=self.draw(seg, Purpose.RECOVER, period),
                       u_churn=self.draw(seg, Purpose.CHURN, period))  # fmt: skip
        _assert_fields(
            params, complain_probability=spec.complain_probability,
            complain_threshold=spec.complain_threshold,
            store_recovery=np.array([s.recovery_rate for s in model.stores]),
            recovery_boost=model.spec.market.recovery_boost, churn_base=spec.churn_base,
            churn_sensitivity=spec.churn_sensitivity,
        )  # fmt: skip
        _assert_distinct(draws)
        _assert_distinct(params)

    def check_advance_funnel(self, period, customers, u, chances):
        seg = self.segment(customers)
        np.testing.assert_array_equal(u, self.draw(seg, Purpose.FUNNEL, period))
        assert chances.prospect.shape == (codes.CONVICTION,) and chances.prospect.any()
        np.testing.assert_array_equal(
            chances.lapsed,  # lapsed customers respond less
            chances.prospect * seg.spec.winback_responsiveness,
        )
        _assert_distinct(chances)

    def check_tally(self, period, customers, outputs, params):
        seg, model = self.segment(customers), self.model
        assert outputs is seg.outputs
        _assert_fields(params, offer_store=model.offers.store, n_stores=len(model.stores),
                       dissatisfied_below=-seg.spec.complain_threshold)  # fmt: skip


@pytest.mark.parametrize("consider", [None, 3])
def test_segments_pass_the_scenarios_values_in_the_right_fields(monkeypatch, consider):
    """Through the model, at each real call: the draws are the named purpose's streams, the
    offers' and the constants' fields hold the scenario's values (set apart on purpose), the
    customers and outputs are the segment's own; homes and stores give the attraction."""
    sites = CallSites(monkeypatch)
    model = MarketModel(_distinct_scenario(consider), seed=5)
    sites.model = model
    initial = [args for name, _, args in sites.calls if name == "choose"]
    assert len(initial) == len(model.segments)
    for seg, (attraction, customers, draws, weights, shop_probability, out) in zip(
            model.segments, initial, strict=True):  # fmt: skip
        assert out is seg.choice and shop_probability == 1.0 and attraction is seg.store_attraction
        assert all(getattr(customers, f) is getattr(seg.customers, f)
                   for f in customers._fields if f != "state")  # fmt: skip
        assert (customers.state == codes.ACTIVE).all()  # everyone picks a store
        _assert_fields(draws, u_shop=np.zeros(seg.size),
                       u_choice=CallSites.draw(seg, Purpose.INITIAL_CHOICE, 0))  # fmt: skip
        assert (weights.outside, weights.store, weights.brand, weights.lapsed) == (0, 1, 1, 1)
        x = np.array([s.spec.location.x for s in model.stores])
        y = np.array([s.spec.location.y for s in model.stores])
        distance = np.hypot(seg.x[None, :] - x[:, None], seg.y[None, :] - y[:, None])
        if consider is None:
            want = np.exp(-seg.spec.tastes.distance_decay * np.log1p(distance)).astype(np.float32)
            np.testing.assert_array_equal(seg.attraction, want, strict=True)
            assert seg.slot_store is None
        else:
            nearest = np.sort(distance, axis=0)[:consider]
            want = np.exp(-seg.spec.tastes.distance_decay * np.log1p(nearest))
            np.testing.assert_allclose(seg.attraction, want, rtol=1e-5)
            np.testing.assert_array_equal(seg.slot_store[0], distance.argmin(axis=0))
    sites.calls.clear()
    model.run(2)
    done = {(name, period) for name, period, _ in sites.calls}
    assert done == {(name, p) for name in KERNELS for p in (0, 1)}
    assert len(sites.calls) == 2 * len(KERNELS) * len(model.segments)


@pytest.mark.parametrize("consider", [None, 3])
def test_twins_give_the_kernels_bits_through_the_real_call_sites(monkeypatch, consider):
    """Each call a segment makes runs the twin too, on copies: the same customers, outputs
    and tally to the bit, with the real dtypes and values (int16 slot stores, no outside
    option at set-up, ...)."""
    compared = []

    def wrap(name, kernel):
        twin = TWINS[name]

        def call(*args):
            copies = [copied(a) if isinstance(a, tuple) and hasattr(a, "_fields") else
                      np.copy(a) if isinstance(a, np.ndarray) else a for a in args]  # fmt: skip
            got, want = kernel(*args), twin(*copies)
            for a, b in zip(args, copies, strict=True):
                if isinstance(a, np.ndarray | kernels.Customers | kernels.Outputs):
                    assert_same(a, b)
            if name == "tally":
                assert_same(got, want)
            compared.append(name)
            return got

        return call

    for name in KERNELS:
        monkeypatch.setattr(kernels, name, wrap(name, getattr(kernels, name)))
    model = MarketModel(_distinct_scenario(consider), seed=9)
    model.run(3)
    assert sorted(set(compared)) == sorted(KERNELS)
    assert compared.count("serve") == 3 * len(model.segments)


def test_every_code_family_has_distinct_values_and_the_kernels_read_the_same_numbers():
    for family in (codes.State, codes.Stage, codes.Trip, codes.Outcome, codes.Event):
        values = [int(member) for member in family]
        assert len(set(values)) == len(values), family
        for member in family:
            assert getattr(codes, member.name) == int(member)  # the kernels' plain int
            assert type(getattr(codes, member.name)) is int
