"""The six service dimensions (docs/service.md): exact reduction to one service level, segments
that weigh dimensions, surveys that converge (and are biased as documented), SMART standards
and the manager's policy, with common random numbers; the survey kernels against their twins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.service import DIMENSIONS, Survey
from linkages_sim.market import kernels
from linkages_sim.market.kernels import codes
from linkages_sim.market.ledger import Kind
from linkages_sim.market.model import MarketModel
from linkages_sim.market.service_dimensions import LargestGap, run_survey
from linkages_sim.rng import Streams
from tests.support import small

KNOWLEDGE = DIMENSIONS.index("knowledge")
EFFICIENCY = DIMENSIONS.index("efficiency")


def with_service(base, stores=None, segments=None, service=None):
    """`base` with per-store and per-segment dimension fields and a market service block."""
    data = base.model_dump()
    for store in data["stores"]:
        store.update(stores or {})
    for segment in data["segments"]:
        segment.update(segments or {})
    if service is not None:
        data["market"]["service"] = service
    return edit_scenario(base, **{k: data[k] for k in ("stores", "segments", "market")})


def played(scenario, seed=5):
    model = MarketModel(scenario, seed=seed)
    model.run()
    return model


# --- the reduction ----------------------------------------------------------------------------


def test_the_model_turned_on_with_defaults_plays_exactly_as_one_service_level():
    """Six equal dimensions are the single service level bit for bit: every row of the long
    table and of the ledger is the same; the run only gains the dimension rows."""
    base = small("default", customers=3_000, periods=9)
    a, b = played(base), played(with_service(base, service={}))
    ta, tb = a.timeseries(), b.timeseries()
    merged = ta.merge(tb, on=["period", "level", "id", "metric"], how="left", suffixes=("", "_b"))
    assert len(merged) == len(ta)
    assert np.array_equal(merged["value"].to_numpy(), merged["value_b"].to_numpy(),
                          equal_nan=True)  # fmt: skip
    assert a.ledger.frame().equals(b.ledger.frame())
    assert len(tb) > len(ta)
    assert {"service_knowledge", "budget_trust", "survey_gap_choice"} <= set(tb["metric"])


# --- a segment sees only what it weighs -------------------------------------------------------


def test_a_segment_that_weighs_only_efficiency_ignores_knowledge():
    """Two markets differ only in their stores' knowledge level. Customers who weigh only
    efficiency choose, experience, complain and churn identically in both (common random
    numbers); customers who weigh only knowledge do not (the test can fail)."""
    base = small("default", customers=3_000, periods=10)
    contracts = base.model_dump()["contracts"]
    for c in contracts:  # the mean service level would move trust; customers are the point here
        c["distributor_clauses"] = [x for x in c["distributor_clauses"]
                                    if x["metric"] != "service_level"]
    base = edit_scenario(base, contracts=contracts)

    def customers(weights, knowledge):
        scenario = with_service(base, stores={"service": {"knowledge": knowledge}},
                                segments={"service_weights": weights})  # fmt: skip
        model = played(scenario)
        return [seg.customers for seg in model.segments], model

    only_efficiency = {d: float(d == "efficiency") for d in DIMENSIONS}
    low, model_low = customers(only_efficiency, 0.2)
    high, model_high = customers(only_efficiency, 0.95)
    for a, b in zip(low, high, strict=True):
        for name in a._fields:
            assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert model_low.stores[0].dimensions.level[KNOWLEDGE] < (
        model_high.stores[0].dimensions.level[KNOWLEDGE])
    only_knowledge = {d: float(d == "knowledge") for d in DIMENSIONS}
    low, _ = customers(only_knowledge, 0.2)
    high, _ = customers(only_knowledge, 0.95)
    assert not all(np.array_equal(a.satisfaction, b.satisfaction)
                   for a, b in zip(low, high, strict=True))  # fmt: skip
    assert np.mean([b.satisfaction.mean() - a.satisfaction.mean()
                    for a, b in zip(low, high, strict=True)]) > 0  # fmt: skip


# --- the survey -------------------------------------------------------------------------------


def survey_population(n, n_stores, seed=3, complained_share=0.2):
    """Active customers spread over stores; complainants less satisfied than the rest."""
    rng = np.random.default_rng(seed)
    complained = rng.random(n) < complained_share
    satisfaction = rng.normal(0.1, 0.1, n) - 0.3 * complained
    return kernels.Customers(
        state=np.full(n, codes.ACTIVE, np.int8), stage=np.zeros(n, np.int8),
        store=rng.integers(0, n_stores, n).astype(np.int64), brand=np.zeros(n, np.int64),
        satisfaction=satisfaction, expectation=np.full(n, 0.6), tenure=np.zeros(n, np.int64),
        complained=complained,
    )  # fmt: skip


def true_perception(customers, level, halo):
    """The population's mean perception per store and dimension: level + halo x mean S."""
    n_stores = level.shape[0]
    sums = np.bincount(customers.store, weights=customers.satisfaction, minlength=n_stores)
    counts = np.bincount(customers.store, minlength=n_stores)
    return level + halo * (sums / counts)[:, None]


LEVEL = np.array([[0.2, 0.4, 0.6, 0.8, 0.5, 0.3], [0.7, 0.6, 0.5, 0.4, 0.3, 0.9]])


def survey_error(invitations, seed, **settings):
    customers = survey_population(60_000, 2)
    survey = Survey(invitations=invitations, **settings)
    result = run_survey([customers], LEVEL, np.full((1, 6), 0.6), survey, Streams(seed), 3)
    _, perceived, _ = result.pooled()
    return perceived - true_perception(customers, LEVEL, survey.halo), result


def test_survey_estimates_converge_to_the_true_perception_as_the_sample_grows():
    unbiased = {"complainant_weight": 1.0, "response_bias": 0.0}
    errors = {n: np.mean([np.abs(survey_error(n, seed, **unbiased)[0]).mean()
                          for seed in range(5)]) for n in (100, 1_000, 20_000)}  # fmt: skip
    assert errors[100] > errors[1_000] > errors[20_000]
    big, result = survey_error(20_000, 0, **unbiased)
    respondents = result.responded.sum(axis=0)
    assert np.all(np.abs(big) < 4 * Survey().noise / np.sqrt(respondents)[:, None] + 0.004)


def test_survey_bias_is_as_documented():
    """A response bias b moves every estimate by b; over-represented complainants (who are less
    satisfied here) pull it down by halo x (their share among respondents - in the population)
    x their satisfaction deficit; non-response alone does not bias it."""
    bias, _ = survey_error(20_000, 1, complainant_weight=1.0, response_bias=0.1)
    assert np.allclose(bias, 0.1, atol=0.01)
    tilted, _ = survey_error(20_000, 1, complainant_weight=4.0, response_bias=0.0)
    assert np.all(tilted < -0.005)
    rare, _ = survey_error(20_000, 1, complainant_weight=1.0, response_rate=0.05)
    assert np.all(np.abs(rare) < 0.02)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3_000), n_stores=st.integers(1, 5))
def test_survey_kernels_match_their_twins_bit_for_bit(seed, n, n_stores):
    rng = np.random.default_rng(seed)
    customers = survey_population(n, n_stores, seed=seed)
    state = rng.integers(0, 3, n).astype(np.int8)
    customers = customers._replace(state=state,
                                   store=np.where(state == codes.ACTIVE, customers.store, -1))
    params = kernels.SurveyParams(invite=rng.uniform(0, 1, n_stores), response_rate=0.4,
                                  complainant_weight=2.5)  # fmt: skip
    u = rng.random(n)
    flags_a, flags_b = np.zeros(n, np.int8), np.ones(n, np.int8)
    kernels.survey_respond(customers, u, params, flags_a)
    kernels.survey_respond_reference(customers, u, params, flags_b)
    assert np.array_equal(flags_a, flags_b)
    responded = int((flags_a == kernels.dimensions.RESPONDED).sum())
    noise = rng.standard_normal((responded, 6))
    ratings = kernels.SurveyRatings(level=rng.random((n_stores, 6)), halo=0.5, bias=0.03,
                                    noise_sd=0.1)  # fmt: skip
    a = kernels.survey_tally(customers, flags_a, noise, ratings)
    b = kernels.survey_tally_reference(customers, flags_a, noise, ratings)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    assert a.responded.sum() == responded


def test_weighted_levels_is_the_weighted_mean_and_exact_for_equal_levels():
    rng = np.random.default_rng(0)
    levels, weights = rng.random((50, 6)), rng.random(6)
    weights /= weights.sum()
    assert np.allclose(kernels.weighted_levels(levels, weights), levels @ weights)
    equal = np.repeat(rng.random(50)[:, None], 6, axis=1)
    assert np.array_equal(kernels.weighted_levels(equal, weights), equal[:, 0])


# --- the manager ------------------------------------------------------------------------------


def test_largest_gap_moves_budget_to_the_most_important_shortfall():
    policy = LargestGap(step=0.05, min_share=0.02)
    budget = np.full(6, 1 / 6)
    importance = np.array([0.1, 0.1, 0.5, 0.1, 0.1, 0.1])
    gap = np.array([-0.1, 0.05, 0.2, 0.0, 0.1, -0.3])
    out = policy.allocate(budget, importance, gap)
    assert out[KNOWLEDGE] == pytest.approx(1 / 6 + 0.05)
    assert out[5] == pytest.approx(1 / 6 - 0.05)  # execution: most over expectation
    assert out.sum() == pytest.approx(1.0)
    assert np.array_equal(policy.allocate(budget, importance, -np.abs(gap)), budget)
    floor = policy.allocate(np.array([0.9, 0.02, 0.02, 0.02, 0.02, 0.02]), importance, gap)
    assert floor.min() >= 0.02 - 1e-12


def test_the_manager_policy_improves_the_weakest_weighted_dimension():
    """Customers care most about knowledge and expect much of it; stores deliver little. A
    manager who reads the survey moves budget to knowledge: its level rises and the weighted
    gap shrinks, against the same market with the budget held (common random numbers)."""
    base = small("default", customers=3_000, periods=24)
    weights = {d: (5.0 if d == "knowledge" else 1.0) for d in DIMENSIONS}

    def run(manager):
        scenario = with_service(
            base, stores={"service": {"knowledge": 0.25}},
            segments={"service_weights": weights, "service_expectations": {"knowledge": 0.9}},
            service={"manager": manager, "manager_step": 0.05},
        )  # fmt: skip
        return played(scenario)

    held, managed = run("none"), run("largest_gap")
    for a, b in zip(held.stores, managed.stores, strict=True):
        assert b.dimensions.budget[KNOWLEDGE] > a.dimensions.budget[KNOWLEDGE]
        assert b.dimensions.level[KNOWLEDGE] > a.dimensions.level[KNOWLEDGE]
        assert b.dimensions.budget.sum() == pytest.approx(1.0)
    gap_held = held.timeseries().query("metric == 'survey_gap_knowledge'")
    gap_managed = managed.timeseries().query("metric == 'survey_gap_knowledge'")
    last = gap_held["period"].max()
    assert (gap_managed.loc[gap_managed["period"] == last, "value"].mean()
            < gap_held.loc[gap_held["period"] == last, "value"].mean())  # fmt: skip


# --- SMART standards --------------------------------------------------------------------------


def test_standards_hold_the_greeting_cost_money_are_read_with_noise_and_feed_clauses():
    base = small("default", customers=2_000, periods=8)
    greet = {"id": "greet30", "dimension": "efficiency", "indicator": "greeting_time_s",
             "target": 30, "review_every": 2, "cost_per_period": 500, "measurement_noise": 0.0}
    advice = {"id": "advice", "dimension": "knowledge", "indicator": "advice_given",
              "target": 0.99, "review_every": 2, "measurement_noise": 0.3}
    scenario = with_service(base, stores={"standards": [greet, advice]})
    data = scenario.model_dump()
    data["contracts"][0]["distributor_clauses"].append(
        {"metric": "standards_met", "threshold": 0.5})
    scenario = edit_scenario(scenario, contracts=data["contracts"])
    model = played(scenario)
    store = model.stores[0]
    assert store.greeting_time_s == 30.0 < store.spec.greeting_time_s
    assert store.dimensions.met["greet30"] == 1.0  # exact measurement, at its target
    assert store.dimensions.measured["advice"] != store.dimensions.level[KNOWLEDGE]  # noisy
    readings = model.timeseries().query("metric == 'standard_greet30' and id == @store.name")
    assert readings.set_index("period")["value"].isna().to_dict() == {
        p: p == 0 for p in range(8)}  # first read at the end of the first review period

    def service_paid(m):
        frame = m.ledger.frame()
        return frame.loc[(frame["payer"] == store.distributor.account.name)
                         & (frame["kind"] == Kind.SERVICE.value), "amount"].sum()

    assert service_paid(model) - service_paid(played(base)) == pytest.approx(
        8 * 500 * len(store.distributor.stores))
    r = model.relationships[0]
    assert "standards_met" in r.compliance
    value, met = r.compliance["standards_met"]
    assert 0.0 <= value <= 1.0 and met == (value >= 0.5)
