"""Expectation contracts: clauses, noisy reading, SLA penalties, switching, re-contracting, Nash
bargaining, validation, and the payoff matrix the market produces."""

import numpy as np
import pytest

from linkages_sim.analysis.payoff_matrix import PROFILES, fixed_profile, payoff_matrix, sweep_sla
from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.api import run
from linkages_sim.config.loading import load_scenario, validate_scenario
from linkages_sim.config.schema import Clause, Contract, Renegotiation
from linkages_sim.market.bargaining import nash_wholesale_price
from linkages_sim.market.relationships import Relationship
from linkages_sim.rng import Streams
from tests.support import SCENARIOS, small

SMALL = {"customers": 30_000, "replications": 6, "seed": 42}


def edited(name, **contract_changes):
    """A small scenario whose acme-north contract has the given fields changed."""
    data = small(name, customers=8_000, periods=30).model_dump()
    for c in data["contracts"]:
        if c["id"] == "acme-north":
            c.update(contract_changes)
    return validate_scenario(data)


# --- the payoff matrix -----------------------------------------------------------------------


def test_default_market_is_a_prisoners_dilemma_for_both_sides():
    m = payoff_matrix(load_scenario("default"), **SMALL)
    classes = m.game_class()
    assert classes == {"supplier": "prisoners_dilemma", "distributor": "prisoners_dilemma",
                       "game": "prisoners_dilemma"}  # fmt: skip
    for party in ("supplier", "distributor"):
        p = m.payoffs(party)
        assert p["T"] > p["R"] > p["P"] > p["S"]
    for party in ("supplier", "distributor"):  # the ordering is established with paired seeds
        assert m.ordering_established(party)["paired_differences"], m.differences(party)
    record = m.as_dict()
    assert set(record["profiles"]) == set(PROFILES)
    assert 0 < record["critical_continuation"] < 1


def test_sla_penalties_make_cooperation_dominant():
    m = payoff_matrix(load_scenario(SCENARIOS / "sla_enforced.yaml"), **SMALL)
    assert m.cooperation_dominant
    assert m.game_class()["supplier"] != "prisoners_dilemma"
    assert m.game_class()["distributor"] != "prisoners_dilemma"
    assert m.critical_continuation("supplier") == 0.0


def test_penalty_sweep_is_exact():
    """Penalties are transfers that change no behaviour, so the sweep computes them from breach
    counts; that must equal simulating with the penalty set."""
    scenario = load_scenario("default")
    swept = sweep_sla(scenario, [2500.0], replications=2, customers=5_000, seed=1)[0]
    from linkages_sim.analysis.payoff_matrix import ProfitPerPeriod
    from linkages_sim.config.editing import edit_scenario

    base = edit_scenario(scenario, periods=13, customers=5_000)
    for profile in PROFILES:
        variant = fixed_profile(base, "acme-north", profile, 2500.0)
        measure = ProfitPerPeriod("acme", "north", "acme-north")
        jobs = [(variant, s) for s in replication_seeds(1, 2)]
        direct = run_many(jobs, measure, structure_seed=1)
        got = swept.runs[swept.runs["profile"] == profile][["supplier", "distributor"]]
        assert np.allclose(got.to_numpy(), [r[:2] for r in direct], rtol=1e-9)


def test_payoff_matrix_bad_inputs():
    with pytest.raises(ValueError, match="unknown contract 'x'"):
        payoff_matrix(load_scenario("default"), contract="x", replications=1, customers=1000)
    with pytest.raises(ValueError, match="replications"):
        payoff_matrix(load_scenario("default"), replications=0)


# --- consequences in the market ---------------------------------------------------------------


def test_sla_penalties_flow_through_the_ledger():
    data = small(SCENARIOS / "sla_enforced.yaml", customers=8_000, periods=20).model_dump()
    data["contracts"][0]["supplier_strategy"] = "all-d"  # acme cheats on north
    data["contracts"][0]["trust"]["break_below"] = 0.0
    result = run(validate_scenario(data), seed=3)  # conservation is asserted every period
    ledger = result.ledger
    penalties = ledger[ledger["kind"] == "sla_penalty"]
    paid = penalties[(penalties["payer"] == "supplier:acme")
                     & (penalties["payee"] == "distributor:north")]  # fmt: skip
    # quality, fill rate and (once acme stops launching) new products are breached each review
    assert paid["amount"].sum() >= 2 * 6000 * 4
    contract = result.metric("contract", "sla_penalty_paid_by_supplier")["acme-north"]
    assert contract.sum() == pytest.approx(paid["amount"].sum())
    compliance = result.metric("contract", "compliance_quality")["acme-north"]
    assert compliance.iloc[-1] == 0.0
    assert result.metric("contract", "compliance_quality")["acme-central"].min() == 1.0


def test_break_switching_cost_and_recontract():
    scenario = edited("default", supplier_strategy="all-d", distributor_strategy="trust",
                      switching_cost=25_000.0, recontract_after=6)  # fmt: skip
    result = run(scenario, seed=2)
    r = next(r for r in result.model.relationships if r.key == "acme-north")
    assert r.breaks and r.recontracts and r.recontracts[0] == r.breaks[0] + 6
    switching = result.ledger.query("kind == 'switching' and payer == 'distributor:north'")
    assert switching["amount"].sum() == 25_000.0 * (len(r.breaks) + len(r.recontracts))
    active = result.metric("contract", "relationship_active")["acme-north"]
    assert active.loc[r.breaks[0]] == 0.0 and active.loc[r.recontracts[0]] == 1.0
    # while broken, no compliance is measured
    assert np.isnan(result.metric("contract", "compliance_quality")["acme-north"].loc[r.breaks[0]])


def test_noisy_reading_of_kept_promises():
    """All three clauses met: each is misread with probability e, so expectations look unmet
    with probability 1 - (1 - e)^3."""
    spec = load_scenario("default").contracts[0].model_copy(update={"monitoring_error": 0.1})
    r = Relationship.from_contract(spec, 0, 0, 0, 60.0)
    r.compliance = {c.name: (1.0, True) for c in spec.clauses}
    streams = Streams(0)
    n, unmet = 4000, 0
    for period in range(n):
        r.supplier_moves = ["C"]  # keep reading (never a first review)
        r.review(period * 4, streams)
        unmet += r.seen_by_distributor[-1] == "D"
        r.supplier_trust = r.distributor_trust = 0.9
    p = 1 - 0.9**3
    assert abs(unmet / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def _distributor_moves(supplier_strategy: str, supplier_clauses: bool) -> list[str]:
    """A random-playing distributor's moves over 200 reviews against a given supplier."""
    spec = load_scenario("default").contracts[0]
    update = {"supplier_strategy": supplier_strategy, "distributor_strategy": "random",
              "monitoring_error": 0.2, "trust": spec.trust.model_copy(update={"break_below": 0})}
    if not supplier_clauses:
        update["supplier_clauses"] = []
    spec = spec.model_copy(update=update)
    r = Relationship.from_contract(spec, 0, 0, 0, 60.0)
    r.compliance = {c.name: (1.0, True) for c in spec.clauses}
    streams = Streams(5)
    for period in range(200):
        r.review(period, streams)
    return r.distributor_moves


def test_one_partys_strategy_and_clauses_never_shift_the_others_random_numbers():
    """Each party draws its readings and its strategy's numbers from its own streams: a random
    distributor plays the same moves whatever the supplier plays or promises (the supplier's
    stochastic strategy, and its clauses' readings, consume numbers of their own)."""
    reference = _distributor_moves("all-c", supplier_clauses=True)
    assert reference.count("C") not in (0, len(reference))  # really random
    assert _distributor_moves("random", supplier_clauses=True) == reference
    assert _distributor_moves("gtft", supplier_clauses=False) == reference


def test_nash_bargaining_by_hand():
    terms = Renegotiation(every=13, supplier_power=0.5)
    # Q = 100, p = 100, c = 40: surplus 6000 split evenly: supplier 3000 -> w = 40 + 30 = 70
    assert nash_wholesale_price(terms, 100, 100, 40) == pytest.approx(70.0)
    strong = terms.model_copy(update={"supplier_power": 0.8, "distributor_outside_option": 1000})
    # supplier 0.8 * (6000 - 1000) = 4000 -> w = 80
    assert nash_wholesale_price(strong, 100, 100, 40) == pytest.approx(80.0)
    poor = terms.model_copy(update={"supplier_outside_option": 7000})
    assert nash_wholesale_price(poor, 100, 100, 40) is None  # no deal beats the outside options


def test_renegotiation_sets_the_wholesale_price_at_renewal():
    scenario = edited("default", renegotiation={"every": 13, "supplier_power": 0.5})
    result = run(scenario, seed=1)
    price = result.metric("contract", "wholesale_price")["acme-north"]
    assert price.loc[12] == 62.0 and price.loc[13] != 62.0
    r = next(r for r in result.model.relationships if r.key == "acme-north")
    period, before, agreed = r.renegotiations[0]
    assert (period, before) == (13, 62.0) and agreed == pytest.approx(price.loc[13])
    # with equal power the price sits halfway between unit cost (42) and the retail price (100)
    assert agreed == pytest.approx((42 + 100) / 2, abs=0.5)


# --- repeated play in the market --------------------------------------------------------------


def channel_profit(scenario, strategy: str, seed: int = 1) -> tuple[float, float]:
    data = scenario.model_dump()
    for c in data["contracts"]:
        c["supplier_strategy"] = c["distributor_strategy"] = strategy
        c["trust"]["break_below"] = 0.0
    result = run(validate_scenario(data), seed=seed)
    ts = result.timeseries
    cooperation = ts[(ts["level"] == "contract") & (ts["metric"] == "action")]["value"].mean()
    return result.summary["market"]["channel_profit"], cooperation


def test_reciprocity_sustains_cooperation_and_pays():
    scenario = small("default", customers=10_000, periods=40)
    all_d, coop_d = channel_profit(scenario, "all-d")
    for strategy in ("tft", "grim"):
        profit, coop = channel_profit(scenario, strategy)
        assert coop == 1.0 and coop_d == 0.0
        assert profit > all_d + 1e6


def test_with_noisy_monitoring_wsls_recovers_and_earns_more_than_tft():
    scenario = small(SCENARIOS / "noisy_monitoring.yaml", customers=10_000, periods=78)
    tft, coop_tft = channel_profit(scenario, "tft", seed=4)
    wsls, coop_wsls = channel_profit(scenario, "wsls", seed=4)
    assert coop_wsls > coop_tft + 0.3
    assert wsls > tft


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "party", "message"),
    [
        ({"metric": "qualty", "threshold": 0.7}, "supplier",
         "metric: unknown clause metric 'qualty' (did you mean 'quality'?)"),
        ({"metric": "quality", "threshold": 1.5}, "supplier",
         "threshold: 1.5 is out of range for quality (0 to 1 0-1)"),
        ({"metric": "fill_rate"}, "supplier", "threshold: a fill_rate clause needs a threshold"),
        ({"metric": "price_deviation", "threshold": 0.05}, "supplier",
         "price_deviation is the distributor's obligation; list it under distributor_clauses"),
        ({"metric": "greeting_time_s", "threshold": -3}, "distributor",
         "threshold: -3 is out of range for greeting_time_s"),
    ],
)  # fmt: skip
def test_bad_clauses_are_named(clause, party, message):
    data = load_scenario("default").model_dump(mode="json")
    data["contracts"][1][f"{party}_clauses"].append(clause)
    with pytest.raises(Exception) as info:
        validate_scenario(data, source="s.yaml")
    assert "s.yaml: contracts[1]" in str(info.value) and message in str(info.value)


def test_duplicate_clause_and_expensive_wholesale_are_rejected():
    data = load_scenario("default").model_dump(mode="json")
    data["contracts"][0]["supplier_clauses"].append({"metric": "quality", "threshold": 0.5})
    with pytest.raises(Exception, match="a second clause named 'quality'"):
        validate_scenario(data, source="s.yaml")
    data = load_scenario("default").model_dump(mode="json")
    data["contracts"][0]["wholesale_price"] = 120
    with pytest.raises(Exception, match=r"contracts\[0\].wholesale_price: 120 must be below"):
        validate_scenario(data, source="s.yaml")


def test_clause_direction():
    assert Clause(metric="quality", threshold=0.7).met_by(0.7)
    assert not Clause(metric="price_deviation", threshold=0.05).met_by(0.06)
    assert Clause(metric="data_shared").met_by(1.0) and not Clause(metric="data_shared").met_by(0)
    assert Contract(supplier="a", distributor="b").clauses == []


def test_payoff_matrix_is_the_same_for_any_number_of_workers():
    kwargs = {"replications": 2, "customers": 4_000, "seed": 5}
    one = payoff_matrix(load_scenario("default"), workers=1, **kwargs)
    two = payoff_matrix(load_scenario("default"), workers=2, **kwargs)
    assert one.runs.equals(two.runs)


def test_the_trust_strategy_acts_on_the_relationships_own_trust():
    """One trust model: a `trust` party in a contract uses the contract's trust dynamics, so the
    level its decision rests on is the relationship's trust after every review."""
    base = load_scenario("default").contracts[0]
    trust = base.trust.model_copy(update={"initial": 0.6, "gain": 0.2, "loss": 0.5,
                                          "break_below": 0.0})  # fmt: skip
    spec = base.model_copy(update={"distributor_strategy": "trust:threshold=0.55",
                                   "monitoring_error": 0.3, "trust": trust})  # fmt: skip
    r = Relationship.from_contract(spec, 0, 0, 0, 60.0)
    r.compliance = {c.name: (1.0, True) for c in spec.clauses}
    assert r.distributor_strategy.threshold == 0.55
    streams, acted_on_trust = Streams(2), []
    for period in range(120):
        r.review(period, streams)
        level = r.distributor_strategy.trust_after(r.seen_by_distributor)
        assert level == pytest.approx(r.distributor_trust, abs=1e-12)
        acted_on_trust.append((r.distributor_action == "C") == (level >= 0.55))
    assert all(acted_on_trust[1:])
    assert {"C", "D"} <= set(r.distributor_moves)  # the noise made it change its mind


def test_contract_parties_take_parameterised_strategies():
    spec = load_scenario("default").contracts[0].model_copy(
        update={"supplier_strategy": "gtft:p=0.25", "distributor_strategy": "random:p=0.9"})
    r = Relationship.from_contract(spec, 0, 0, 0, 60.0)
    assert r.supplier_strategy.p == 0.25 and r.distributor_strategy.p == 0.9
