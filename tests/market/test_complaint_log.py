"""Complaint logs by dimension (docs/service.md): each complaint names one dimension, with chances
the segment's weight x the dimension's shortfall; the kernel against its numpy twin; the counts
in the long table sum to the store's complaints; the log changes nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.service import DIMENSIONS
from linkages_sim.market import kernels
from linkages_sim.market.kernels import codes
from linkages_sim.market.model import MarketModel
from linkages_sim.market.service_dimensions import complaint_chances, cumulative_chances
from tests.support import small

COMPLAINTS = [f"complaints_{d}" for d in DIMENSIONS]


def scenario(weights=None, complain=0.5, periods=8, customers=3_000):
    """The default market with the service model on and complaints frequent (half of the
    dissatisfied complain), every segment weighing the dimensions by `weights`."""
    base = small("default", customers=customers, periods=periods)
    data = base.model_dump()
    data["market"]["service"] = {}
    for segment in data["segments"]:
        segment["complain_probability"] = complain
        if weights is not None:
            segment["service_weights"] = weights
    return edit_scenario(base, market=data["market"], segments=data["segments"])


def store_table(model):
    ts = model.timeseries()
    store = ts[ts["level"] == "store"]
    return store.pivot_table(index=["period", "id"], columns="metric", values="value")


# --- the chances ------------------------------------------------------------------------------


def test_chances_are_weight_times_shortfall_and_fall_back_to_the_weights():
    weights = np.array([[0.5, 0.25, 0.25, 0.0, 0.0, 0.0]])
    expectation = np.full((1, 6), 0.7)
    level = np.array([[0.5, 0.6, 0.9, 0.1, 0.7, 0.7],  # trust 0.2 short, efficiency 0.1
                      [0.9, 0.9, 0.9, 0.9, 0.9, 0.9]])  # nothing short  # fmt: skip
    chances = complaint_chances(weights, expectation, level)
    assert chances.shape == (1, 2, 6)
    score = np.array([0.5 * 0.2, 0.25 * 0.1, 0.0, 0.0, 0.0, 0.0])  # control is short, unweighed
    assert chances[0, 0] == pytest.approx(score / score.sum())
    assert chances[0, 1] == pytest.approx(weights[0])  # no shortfall: the weights alone
    assert np.allclose(chances.sum(axis=2), 1.0)


def test_cumulative_chances_end_at_one_from_the_last_possible_dimension():
    chances = np.array([[0.1, 0.0, 0.7, 0.2 - 1e-17, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]])
    cumulative = cumulative_chances(chances)
    assert np.all(np.diff(cumulative, axis=1) >= 0.0)
    assert np.array_equal(cumulative[0, 3:], np.ones(3))
    assert np.array_equal(cumulative[1, 1:], np.ones(5)) and cumulative[1, 0] == 0.0


# --- the kernel -------------------------------------------------------------------------------


def complainants(n, n_stores, rng, share=0.3):
    customers = kernels.Customers.prospects(n, 0.6)
    customers.state[:] = codes.ACTIVE
    customers.store[:] = rng.integers(0, n_stores, n)
    outputs = kernels.Outputs.empty(n)
    outputs.event[:] = np.where(rng.random(n) < share, codes.COMPLAINED, 0)
    outputs.event[rng.random(n) < 0.2] |= codes.CHURNED
    return customers, outputs


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_kernel_matches_its_twin_and_counts_every_complaint_once(seed):
    rng = np.random.default_rng(seed)
    n_stores = 4
    customers, outputs = complainants(3_000, n_stores, rng)
    chances = rng.random((n_stores, 6)) * (rng.random((n_stores, 6)) < 0.6)
    chances[:, 2] += 0.1  # every row has a chance somewhere
    cumulative = cumulative_chances(chances / chances.sum(axis=1, keepdims=True))
    n = int(np.count_nonzero(outputs.event & codes.COMPLAINED))
    u = rng.random(n)
    counts = kernels.complaint_causes(customers, outputs, u, cumulative)
    twin = kernels.complaint_causes_reference(customers, outputs, u, cumulative)
    assert np.array_equal(counts, twin)
    complained = (outputs.event & codes.COMPLAINED) > 0
    assert np.array_equal(counts.sum(axis=1),
                          np.bincount(customers.store[complained], minlength=n_stores))
    assert not counts[chances == 0.0].any()  # a dimension without a chance is never named


def test_the_kernel_names_dimensions_with_their_chances():
    """Over many complaints each dimension's share is within 4 standard errors of its chance."""
    rng = np.random.default_rng(7)
    customers, outputs = complainants(200_000, 1, rng, share=0.5)
    chances = np.array([[0.4, 0.3, 0.0, 0.2, 0.05, 0.05]])
    n = int(np.count_nonzero(outputs.event & codes.COMPLAINED))
    u = rng.random(n)
    counts = kernels.complaint_causes(customers, outputs, u, cumulative_chances(chances))
    share = counts[0] / n
    se = np.sqrt(chances[0] * (1 - chances[0]) / n)
    assert np.all(np.abs(share - chances[0]) <= 4 * se + 1e-15)


# --- in the model -----------------------------------------------------------------------------


def test_a_segment_that_weighs_one_dimension_blames_it_for_every_complaint():
    only_knowledge = dict.fromkeys(DIMENSIONS, 0.0) | {"knowledge": 1.0}
    model = MarketModel(scenario(only_knowledge), seed=4)
    model.run()
    table = store_table(model)
    assert table["complaints"].sum() > 20  # the test has complaints to attribute
    assert table["complaints_knowledge"].equals(table["complaints"])
    others = [c for c in COMPLAINTS if c != "complaints_knowledge"]
    assert (table[others] == 0).all().all()


def test_the_log_sums_to_each_stores_complaints_every_period():
    model = MarketModel(scenario({"efficiency": 3.0, "trust": 2.0}), seed=6)
    model.run()
    table = store_table(model)
    assert table["complaints"].sum() > 20
    assert (table[COMPLAINTS].sum(axis=1) == table["complaints"]).all()
    assert (table[COMPLAINTS] > 0).sum().gt(0).sum() >= 3  # spread over several dimensions
    assert table["complaints_efficiency"].sum() > table["complaints_control"].sum()


def test_the_log_draws_from_its_own_stream_and_changes_nothing_else():
    """The same run with other draws for the service system (the log and the survey, which
    feed nothing back without a manager) plays identically: only which dimension each
    complaint names differs."""
    a = MarketModel(scenario({"efficiency": 3.0}), seed=8)
    b = MarketModel(scenario({"efficiency": 3.0}), seed=8)
    b.service.streams = type(b.service.streams)(9)
    a.run()
    b.run()
    ta, tb = store_table(a), store_table(b)
    same = [c for c in ta.columns if not c.startswith(("complaints_", "survey_"))]
    assert ta[same].equals(tb[same])
    assert (ta[COMPLAINTS].sum(axis=1) == tb[COMPLAINTS].sum(axis=1)).all()
    assert not ta[COMPLAINTS].equals(tb[COMPLAINTS])
