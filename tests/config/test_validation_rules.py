"""Validation refuses every structure the model cannot run, each with one located line.

The rules here were found by review and by the fuzz tests (test_file_fuzz.py,
tests/market/test_valid_scenarios.py): numbers that are not finite or out of any sensible
range, merges of wrongly typed values under `extends:`, duplicate YAML keys, contracts and
interventions aimed at nothing, strategy specs the market cannot build.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.config.loading import (
    MAX_DEPTH,
    ScenarioError,
    deep_merge,
    load_scenario,
    validate_scenario,
)
from linkages_sim.config.reference import _constraints, _models
from linkages_sim.config.schema import (
    INTERVENTION_KINDS,
    TARGET_FIELDS,
    Intervention,
    Scenario,
    strategy_problem,
)
from linkages_sim.game.players import parse_player
from linkages_sim.game.strategies import STRATEGIES
from tests.support import SCENARIOS


def default_data() -> dict:
    return load_scenario().model_dump(mode="json")


def error_of(data: dict, source: str = "f.yaml") -> str:
    with pytest.raises(ScenarioError) as info:
        validate_scenario(data, source=source)
    return str(info.value)


def file_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


# --- the structure of the market -----------------------------------------------------------


def test_a_distributor_without_stores_cannot_hold_a_contract():
    """The review's example: a price_deviation clause measured over no stores was NaN and the
    run crashed. Such a contract is refused where it is written."""
    data = default_data()
    data["distributors"].append({"id": "west"})
    data["contracts"].append({
        "supplier": "acme", "distributor": "west",
        "distributor_clauses": [{"metric": "price_deviation", "threshold": 0.05}],
    })  # fmt: skip
    message = error_of(data)
    assert message == (
        "f.yaml: contracts[6].distributor: distributor 'west' has no store to sell supplier "
        "'acme' through (add a store with distributor: west)"
    )


def test_a_store_that_opens_later_is_enough_for_a_contract():
    from linkages_sim.market.model import MarketModel

    data = default_data()
    data.update(customers=300, periods=4)
    data["distributors"].append({"id": "west"})
    data["contracts"].append({
        "supplier": "acme", "distributor": "west",
        "distributor_clauses": [{"metric": "price_deviation", "threshold": 0.05}],
    })  # fmt: skip
    data["interventions"] = [{"id": "open", "kind": "open_store", "start": 2, "new_store": {
        "id": "w1", "distributor": "west", "location": {"x": 1, "y": 1}}}]  # fmt: skip
    model = MarketModel(validate_scenario(data))
    model.run(4)
    compliance = model.relationships[6].compliance["price_deviation"]
    assert math.isfinite(compliance[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["segments"][0]["centres"][0].update(x=21),
         "segments[0].centres[0].x: must be <= the map's size (20 km)"),
        (lambda d: d["contracts"][0].update(renegotiation={"every": 4,
                                                           "supplier_outside_option": -1}),
         "contracts[0].renegotiation.supplier_outside_option: must be >= 0"),
        (lambda d: d["suppliers"][0].update(cash=1e300), "suppliers[0].cash: must be <= 1e+15"),
        (lambda d: d["distributors"][0].update(marketing_per_period=1e308),
         "distributors[0].marketing_per_period: must be <= 1e+12"),
        (lambda d: d["segments"][0].update(units_per_purchase=1e300),
         "segments[0].units_per_purchase: must be <= 1e+06"),
        (lambda d: d["segments"][0]["tastes"].update(quality=1e308),
         "segments[0].tastes.quality: must be <= 100"),
        (lambda d: d.update(market_size=10**400), "market_size: must be <= 10000000000"),
        (lambda d: d["suppliers"][0].update(rrp=1e-9), "suppliers[0].rrp: must be >= 1e-06"),
        (lambda d: d.update(name="../../etc"), "name: must be an identifier"),
        (lambda d: d["stores"][0].update(id="north store"), "stores[0].id: must be an identifier"),
        (lambda d: d["contracts"][1].update(id="acme-north"),
         "contracts[1].id: duplicate contract id 'acme-north' (two contracts have it"),
    ],
)  # fmt: skip
def test_numbers_and_names_the_model_cannot_run_are_refused(change, message):
    data = default_data()
    change(data)
    assert message in error_of(data)


def _numeric_fields() -> list[tuple[str, str]]:
    out = []
    for model in _models(Scenario):
        for name, field in model.model_fields.items():
            types = {field.annotation, *get_args(field.annotation)}
            if types & {float, int} or any(float in get_args(t) or int in get_args(t)
                                           for t in types):  # fmt: skip
                out.append((model.__name__, name))
    return out


BOUNDED_ELSEWHERE = {
    ("Location", "x"), ("Location", "y"), ("Centre", "x"), ("Centre", "y"),  # by the map
    ("Clause", "threshold"),  # by its metric's range (CLAUSE_METRICS)
}  # fmt: skip


@pytest.mark.parametrize(("model", "name"), _numeric_fields())
def test_every_number_in_the_schema_is_bounded(model, name):
    """Unbounded numbers overflow a run's sums (cash 1e308, a weight of 1e300): each has a
    range, or is bounded by another field."""
    if (model, name) in BOUNDED_ELSEWHERE:
        return
    cls = next(m for m in _models(Scenario) if m.__name__ == model)
    kinds = {type(m).__name__ for m in _constraints(cls.model_fields[name])}
    assert kinds & {"Ge", "Gt"} and kinds & {"Le", "Lt"}, f"{model}.{name} needs bounds"


def _float_paths(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _float_paths(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _float_paths(v, (*path, i))]
    return [path] if isinstance(data, float) else []


def _show_path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_no_number_may_be_nan_or_infinite(value):
    data = default_data()
    paths = _float_paths(data)
    assert len(paths) > 300
    for path in paths:
        copy = default_data()
        node = copy
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        message = error_of(copy)
        assert f"f.yaml: {_show_path(path)}: must be a finite number" in message, message


# --- extends: merges -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("stores:\n  - {id: [n1, n2], layout: 0.5}\n", "stores[0].id: must be a text string"),
        ("stores:\n  - {id: {a: 1}}\n", "stores[0].id: must be a text string"),
        ("stores:\n  - {id: 7}\n", "stores[0].id: must be a text string"),
        ("stores:\n  - {id: null}\n", "stores[0].id: must be a text string"),
        ("suppliers:\n  - {id: acme, defection: [0.1]}\n",
         "suppliers[id=acme].defection: must be a mapping of fields"),
        ("suppliers: {id: acme}\n", "suppliers: must be a list"),
        ("map: [20, 20]\n", "map: must be a mapping of fields"),
        ("market: 5\n", "market: must be a mapping of fields"),
        ("contracts:\n  - {id: acme-north, trust: [0.5]}\n",
         "contracts[id=acme-north].trust: must be a mapping of fields"),
        ("contracts:\n  - {id: acme-north, supplier_clauses: {metric: quality}}\n",
         "contracts[id=acme-north].supplier_clauses: must be a list"),
        ("segments:\n  - {id: value, tastes: {price: [3]}}\n",
         "segments[id=value].tastes.price: must be a number"),
        ("stores: [5, {id: n1}]\n", "stores[0]: must be a mapping of fields"),
        ("interventions:\n  - {id: x, kind: {a: 1}, start: 1}\n",
         "interventions[id=x].kind: must be an intervention kind"),
    ],
)  # fmt: skip
def test_wrong_types_in_an_extends_merge_are_located(tmp_path, override, needle):
    """These once ended `linkages validate` in a TypeError inside the merge (an id that is a
    list cannot index the parent's items)."""
    (tmp_path / "parent.yaml").write_text(
        (Path(__file__).parents[2] / "linkages_sim/config/data/default.yaml").read_text())
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\n" + override)
    message = file_error(child)
    assert re.search(rf"{re.escape(str(child))}: line \d+, column \d+: {re.escape(needle)}",
                     message), message


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "a", "b"]), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(base=JSON, override=JSON)
def test_deep_merge_merges_any_values_without_error(base, override):
    merged = deep_merge(base, override)
    if not isinstance(override, dict | list):
        assert merged is override


def test_an_empty_list_replaces_the_inherited_one(tmp_path):
    child = tmp_path / "c.yaml"
    child.write_text(f"extends: {SCENARIOS / 'interventions.yaml'}\ninterventions: []\n")
    assert load_scenario(child).interventions == []


# --- YAML the loader refuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extends: default\nseed: 1\nseed: 2\n",
         "line 3, column 1: duplicate key 'seed' (first given at line 2)"),
        ("extends: default\nmap: {width_km: 20, width_km: 30}\n",
         "line 2, column 21: duplicate key 'width_km' (first given at line 2)"),
        ("extends: default\nstores:\n  - id: n1\n    layout: 0.5\n    layout: 0.6\n",
         "line 5, column 5: duplicate key 'layout' (first given at line 4)"),
        ("extends: default\nmap: {1: 2, 1: 3}\n",
         "line 2, column 13: duplicate key 1 (first given at line 2)"),
    ],
)  # fmt: skip
def test_duplicate_keys_are_refused_with_their_lines(tmp_path, text, message):
    """The safe loader silently keeps the last of two equal keys; a scenario says so instead."""
    path = tmp_path / "d.yaml"
    path.write_text(text)
    assert f"{path}: {message}" in file_error(path)


def test_merge_keys_may_be_overridden(tmp_path):
    """`<<: *anchor` then a key of the anchor is YAML's override, not a duplicate."""
    path = tmp_path / "m.yaml"
    path.write_text("extends: default\nmap:\n  <<: {width_km: 30, height_km: 30}\n"
                    "  width_km: 25\n")  # fmt: skip
    assert load_scenario(path).map.width_km == 25


def test_nesting_and_alias_bombs_are_refused_quickly(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]" for k in range(1, 10)]
    bomb.write_text("extends: default\n" + "\n".join(lines) + "\ndescription: *a9\n")
    assert "aliases (*name) expand this to more than 1,000,000 values" in file_error(bomb)
    deep = tmp_path / "deep.yaml"
    deep.write_text("extends: default\nmap: " + "{a: " * (MAX_DEPTH + 5) + "1" + "}" * 40)
    assert f"nested more than {MAX_DEPTH} levels deep" in file_error(deep)


def test_tags_are_refused(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("extends: default\nseed: !!python/object/apply:os.system ['echo hi']\n")
    assert "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in (
        file_error(path))


def test_a_tab_is_named(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("extends: default\nmap:\n\twidth_km: 5\n")
    assert "a tab: YAML indents with spaces" in file_error(path)


def test_the_parse_cache_never_serves_a_stale_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("extends: default\nseed: 1\n")
    assert load_scenario(path).seed == 1
    path.write_text("extends: default\nseed: 2\n")
    assert load_scenario(path).seed == 2
    scenario = load_scenario(path)
    scenario.stores[0].layout = 0.1  # a loaded scenario is the caller's to change
    assert load_scenario(path).stores[0].layout != 0.1


# --- messages ------------------------------------------------------------------------------


def test_a_problem_is_one_line_whatever_the_input():
    data = default_data()
    data["stores"][1]["distributor"] = "no\nrth"
    data["suppliers"][0]["quality"] = "x" * 10_000
    lines = error_of(data).splitlines()
    assert len(lines) == 2, lines
    assert "stores[1].distributor: must be an identifier" in lines[1] and "no\\nrth" in lines[1]
    assert len(lines[0]) < 200


def test_not_a_mapping():
    with pytest.raises(ScenarioError, match=r"x\.yaml: expected a mapping of scenario fields"):
        validate_scenario([1, 2], source="x.yaml")  # type: ignore[arg-type]


def test_a_file_without_a_name_is_named_after_it(tmp_path):
    path = tmp_path / "my market (v2).yaml"
    path.write_text("extends: default\n")
    assert load_scenario(path).name == "my_market__v2_"


def test_descriptions_are_one_line():
    data = default_data()
    data["description"] = "A folded\nYAML block,\n  on several lines\n"
    assert validate_scenario(data).description == "A folded YAML block, on several lines"


# --- interventions: one model per kind -----------------------------------------------------


EXAMPLES: dict[str, dict] = {
    "train_staff": {"store": "n1", "training_boost": 0.3},
    "service_standards": {"distributor": "north", "greeting_time_s": 20, "service_boost": 0.1},
    "price_promotion": {"distributor": "north", "supplier": "acme", "discount": 0.1, "end": 5},
    "open_store": {"new_store": {"id": "n9", "distributor": "north",
                                 "location": {"x": 3, "y": 3}}},
    "close_store": {"store": "n2"},
    "product_mix": {"distributor": "north", "supplier": "bravo", "carry": False},
    "introduce_sla": {"contract": "acme-north", "penalty": 500},
    "share_data": {"distributor": "south"},
}  # fmt: skip


def with_interventions(*ivs: dict) -> dict:
    data = default_data()
    data["interventions"] = list(ivs)
    return data


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(INTERVENTION_KINDS)


@pytest.mark.parametrize("kind", sorted(INTERVENTION_KINDS))
def test_a_kind_validates_reads_like_any_other_and_round_trips(kind):
    data = with_interventions({"id": "x", "kind": kind, "start": 1, **EXAMPLES[kind]})
    scenario = validate_scenario(data)
    iv = scenario.interventions[0]
    assert isinstance(iv, Intervention) and type(iv) is INTERVENTION_KINDS[kind]
    for name in TARGET_FIELDS:  # market.interventions and analysis.evaluation read them all
        value, expected = getattr(iv, name), EXAMPLES[kind].get(name)
        if name == "new_store" and value is not None:
            value, expected = value.id, expected["id"]
        assert value == expected, name
    assert iv.active(1) and not iv.active(0)
    dumped = scenario.model_dump()
    assert set(dumped["interventions"][0]) == set(type(iv).model_fields)  # exactly its fields
    assert validate_scenario(dumped).model_dump() == dumped
    with pytest.raises(AttributeError):
        _ = iv.no_such_field


def test_the_shipped_interventions_round_trip():
    scenario = load_scenario(SCENARIOS / "interventions.yaml")
    assert validate_scenario(scenario.model_dump()) == scenario
    assert Scenario.model_validate(scenario.model_dump()) == scenario  # evaluation.only


@pytest.mark.parametrize(
    ("iv", "message"),
    [
        ({"id": "x", "kind": "trian_staff", "start": 1, "store": "n1"},
         "interventions[0].kind: unknown intervention kind 'trian_staff' (did you mean "
         "'train_staff'?); valid: train_staff, service_standards, price_promotion, open_store, "
         "close_store, product_mix, introduce_sla, share_data"),
        ({"id": "x", "start": 1, "store": "n1"}, "interventions[0].kind: is required"),
        ({"id": "x", "kind": 3, "start": 1}, "interventions[0].kind: must be an intervention kind"),
        ({"id": "x", "kind": "close_store", "start": 1, "store": "n1", "penalty": 4},
         "interventions[0].penalty: does not apply to a close_store intervention"),
        ({"id": "x", "kind": "close_store", "start": 1, "store": "n1", "stor": 4},
         "interventions[0]: unknown field 'stor'; did you mean 'store'?"),
        ({"id": "x", "kind": "introduce_sla", "start": 1, "contract": "acme-north"},
         "interventions[0].penalty: an introduce_sla intervention needs penalty"),
        ({"id": "x", "kind": "price_promotion", "start": 1, "distributor": "north",
          "discount": 0.1}, "interventions[0].end: a price_promotion intervention needs end"),
        ({"kind": "close_store", "start": 1, "store": "n1"}, "interventions[0].id: is required"),
        ({"id": "x", "kind": "train_staff", "start": 1, "store": "n1", "distributor": "south"},
         "interventions[0].store: store 'n1' belongs to 'north', not to 'south'"),
        ({"id": "x", "kind": "price_promotion", "start": 1, "end": 3, "distributor": "north",
          "supplier": "zeta", "discount": 0.1}, "interventions[0].supplier: unknown supplier"),
        ({"id": "x", "kind": "open_store", "start": 1, "new_store": {
            "id": "n9", "distributor": "north", "location": {"x": 30, "y": 1}}},
         "interventions[0].new_store.location.x: must be <= the map's size (20 km)"),
        ({"id": "x", "kind": "open_store", "start": 1, "new_store": {
            "id": "n9", "distributor": "north", "location": {"x": 3, "y": 1}, "layot": 1}},
         "interventions[0].new_store: unknown field 'layot'; did you mean 'layout'?"),
        ({"id": "x", "kind": "service_standards", "start": 1, "store": "n1"},
         "interventions[0].service_boost: give greeting_time_s, service_boost or both"),
    ],
)  # fmt: skip
def test_intervention_messages_name_the_kind_and_the_field(iv, message):
    assert message in error_of(with_interventions(iv))


def test_interventions_aimed_at_nothing_are_refused():
    data = with_interventions({"id": "sla", "kind": "introduce_sla", "start": 1,
                               "contract": "acme-north", "penalty": 10})  # fmt: skip
    data["contracts"][0]["supplier_clauses"] = data["contracts"][0]["distributor_clauses"] = []
    assert ("interventions[0].contract: contract 'acme-north' has no clauses for an SLA penalty "
            "to apply to") in error_of(data)  # fmt: skip
    data = with_interventions({"id": "d", "kind": "share_data", "start": 1, "distributor": "x"})
    data["distributors"].append({"id": "x"})
    assert "interventions[0].distributor: distributor 'x' has no contract" in error_of(data)
    data = with_interventions({"id": "t", "kind": "train_staff", "start": 1, "distributor": "x"})
    data["distributors"].append({"id": "x"})
    assert "interventions[0].distributor: distributor 'x' has no store" in error_of(data)


def test_an_intervention_may_aim_at_a_store_that_a_later_one_opens():
    scenario = validate_scenario(with_interventions(
        {"id": "train", "kind": "train_staff", "start": 1, "store": "n9"},
        {"id": "open", "kind": "open_store", "start": 1, "new_store": {
            "id": "n9", "distributor": "north", "location": {"x": 3, "y": 3}}},
    ))  # fmt: skip
    assert [s.id for s in scenario.all_stores][-1] == "n9"


# --- strategies in contracts ---------------------------------------------------------------


def _specs() -> list[str]:
    from linkages_sim.config.schema import CONTRACT_TRUST_PARAMETERS, strategy_parameters

    out = []
    for name in STRATEGIES:
        out.append(name)
        for p in strategy_parameters(name):
            if name == "trust" and p in CONTRACT_TRUST_PARAMETERS:
                continue
            out += [f"{name}:{p}=0", f"{name}:{p}=0.35", f"{name}: {p} = 1"]
    return out


@pytest.mark.parametrize("spec", _specs())
def test_a_contract_takes_the_specs_of_the_tournament(spec):
    data = default_data()
    data["contracts"][0]["supplier_strategy"] = data["contracts"][0]["distributor_strategy"] = spec
    assert validate_scenario(data).contracts[0].supplier_strategy == spec
    assert parse_player(spec).label == spec.strip()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gtf", "unknown strategy 'gtf' (did you mean 'gtft'?); valid: all-c"),
        ("", "must not be empty"),
        ("gtft:p=2", "'gtft:p=2': parameter p must be from 0 to 1, got 2"),
        ("gtft:p=nan", "'gtft:p=nan': parameter p must be from 0 to 1, got nan"),
        ("gtft:p=-inf", "'gtft:p=-inf': parameter p must be from 0 to 1, got -inf"),
        ("gtft:p=x", "'gtft:p=x': parameter p must be a number, got 'x'"),
        ("gtft:q=0.1", "'gtft:q=0.1': gtft has no parameter 'q' (its parameters: p)"),
        ("gtft:payoffs=1", "'gtft:payoffs=1': gtft has no parameter 'payoffs' (its parameters: "
         "p)"),
        ("tft:p=0.1", "'tft:p=0.1': tft has no parameter 'p' (its parameters: none)"),
        ("gtft:p", "'gtft:p': a parameter must look like key=value, got 'p'"),
        ("gtft:", "'gtft:': a parameter must look like key=value, got ''"),
        ("gtft:p=0.1:p=0.2", "'gtft:p=0.1:p=0.2': parameter p is given twice"),
        ("joss:p_defect=5", "'joss:p_defect=5': parameter p_defect must be from 0 to 1, got 5"),
        ("trust:gain=0.2", "'trust:gain=0.2': in a contract, trust's gain comes from the "
         "contract's trust settings; give only threshold"),
        ("trust:initial=0.2", "'trust:initial=0.2': in a contract, trust's initial comes from "
         "the contract's trust settings; give only threshold"),
    ],
)  # fmt: skip
def test_a_bad_strategy_spec_is_named(spec, message):
    data = default_data()
    data["contracts"][2]["distributor_strategy"] = spec
    assert f"f.yaml: contracts[2].distributor_strategy: {message}" in error_of(data)


SPEC_TEXT = st.text(alphabet="gtfrusalc-:=.0123456789 pqe", max_size=16)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(spec=st.one_of(SPEC_TEXT, st.builds(lambda n, rest: n + rest,
                                           st.sampled_from(sorted(STRATEGIES)), SPEC_TEXT)))
def test_what_validation_accepts_the_tournament_accepts(spec):
    """Validation is the tournament's reading (parse_player) made stricter, never looser."""
    if strategy_problem(spec, in_contract=True) is None:
        parse_player(spec)
    else:
        assert "\n" not in strategy_problem(spec, in_contract=True)
