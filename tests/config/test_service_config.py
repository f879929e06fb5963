"""The six service dimensions' fields validate like the rest: one located message per problem."""

from __future__ import annotations

import pytest

from linkages_sim.config.loading import ScenarioError, load_scenario, validate_scenario
from linkages_sim.config.service import DIMENSIONS, INDICATORS, CostShares, Standard
from linkages_sim.market.service_dimensions import enabled


def default_data() -> dict:
    return load_scenario().model_dump(mode="json")


def error_of(data: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        validate_scenario(data, source="f.yaml")
    return str(info.value)


def standard(**fields) -> dict:
    return {"id": "greet", "dimension": "efficiency", "indicator": "greeting_time_s",
            "target": 30, **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["stores"][0].update(service={"knowledge": 1.5}),
         "stores[0].service.knowledge: must be <= 1"),
        (lambda d: d["stores"][0].update(service={"kindness": 0.5}),
         "stores[0].service: unknown field 'kindness'"),
        (lambda d: d["stores"][0].update(service_budget={"trust": 1.0}),
         "give all six budget shares"),
        (lambda d: d["stores"][0].update(service_budget=dict.fromkeys(DIMENSIONS, 0.5)),
         "budget shares must sum to 1 (they sum to 3)"),
        (lambda d: d["segments"][0].update(service_weights=dict.fromkeys(DIMENSIONS, 0.0)),
         "service weights must not all be zero"),
        (lambda d: d["segments"][0].update(service_weights={"trust": -1}),
         "segments[0].service_weights.trust: must be >= 0"),
        (lambda d: d["segments"][0].update(service_expectations={"choice": 2}),
         "segments[0].service_expectations.choice: must be <= 1"),
        (lambda d: d["market"].update(service={"cost_shares": {"trust": 0.5}}),
         "cost shares must sum to 1"),
        (lambda d: d["market"].update(service={"manager": "psychic"}),
         "market.service.manager"),
        (lambda d: d["market"].update(service={"survey": {"response_rate": 0}}),
         "market.service.survey.response_rate: must be > 0"),
        (lambda d: d["stores"][0].update(standards=[standard(indicator="smiles")]),
         "unknown indicator 'smiles'"),
        (lambda d: d["stores"][0].update(standards=[standard(dimension="knowledge")]),
         "greeting_time_s measures efficiency, not knowledge"),
        (lambda d: d["stores"][0].update(standards=[standard(indicator="advice_given",
                                                             dimension="knowledge")]),
         "target 30 is out of range for advice_given (0 to 1 share of visits)"),
        (lambda d: d["stores"][0].update(standards=[standard(), standard()]),
         "stores[0].standards[1].id: duplicate id 'greet'"),
        (lambda d: d["stores"][0].update(standards=[standard(review_every=0)]),
         "stores[0].standards[0].review_every: must be >= 1"),
        (lambda d: d["contracts"][0]["distributor_clauses"].append(
            {"metric": "service_knowledge", "threshold": 1.2}),
         "1.2 is out of range for service_knowledge"),
    ],
)  # fmt: skip
def test_bad_service_fields_get_one_located_message(change, message):
    data = default_data()
    change(data)
    text = error_of(data)
    assert message in text, text
    assert "Traceback" not in text


def test_good_service_fields_validate_and_turn_the_model_on():
    data = default_data()
    assert not enabled(validate_scenario(data, source="f.yaml"))
    data["stores"][0].update(service={"knowledge": 0.9}, standards=[standard()])
    data["segments"][0].update(service_weights={"efficiency": 3})
    data["contracts"][0]["distributor_clauses"].append(
        {"metric": "standards_met", "threshold": 0.5})
    scenario = validate_scenario(data, source="f.yaml")
    assert enabled(scenario)
    assert scenario.stores[0].service.knowledge == 0.9 and scenario.stores[0].service.trust is None
    only_market = default_data()
    only_market["market"]["service"] = {}
    assert enabled(validate_scenario(only_market, source="f.yaml"))


def test_defaults_are_the_neutral_split_and_every_indicator_names_real_dimensions():
    shares = CostShares()
    assert sum(getattr(shares, d) for d in DIMENSIONS) == pytest.approx(1.0)
    for name, spec in INDICATORS.items():
        assert set(spec.dimensions) <= set(DIMENSIONS), name
        assert spec.direction in (">=", "<=")
    greet = Standard(**standard())
    assert greet.met_by(30.0) and greet.met_by(12.0) and not greet.met_by(31.0)
    advice = Standard(**standard(id="a", dimension="knowledge", indicator="advice_given",
                                 target=0.8))  # fmt: skip
    assert advice.met_by(0.8) and not advice.met_by(0.79)
