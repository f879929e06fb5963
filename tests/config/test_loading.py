"""Scenario validation: every bad input gets one clear message naming the file and the field."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.config.loading import (
    ScenarioError,
    available_scenarios,
    deep_merge,
    load_scenario,
    validate_scenario,
)
from tests.support import SCENARIOS


def default_data() -> dict:
    return load_scenario().model_dump(mode="json")


def write(tmp_path: Path, data, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def error_of(path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def test_default_and_shipped_scenarios_validate():
    names = {e.name for e in available_scenarios()}
    assert {"default", "baseline", "price_war", "service_excellence", "broken_trust"} <= names
    for entry in available_scenarios():
        assert not entry.description.startswith("(invalid"), entry


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "nope.yaml").endswith("nope.yaml: file not found")
    assert "no such built-in scenario" in error_of("nope") and "price_war" in error_of("nope")


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    message = error_of(write(tmp_path, "name: x\nsuppliers: [a, b\n  c: d\n"))
    assert "YAML syntax error at line" in message and "column" in message


def test_empty_file(tmp_path):
    assert "empty" in error_of(write(tmp_path, ""))


def test_not_yaml(tmp_path):
    path = tmp_path / "picture.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    assert "not a text (YAML) file" in error_of(path)


def test_top_level_not_a_mapping(tmp_path):
    assert "expected a mapping" in error_of(write(tmp_path, "- just\n- a list\n"))


def test_wrong_type_names_field(tmp_path):
    data = default_data()
    data["stores"][2]["layout"] = "good"
    message = error_of(write(tmp_path, data))
    assert "stores[id=n3].layout: must be a number" in message and "s.yaml" in message


def test_out_of_range_names_field(tmp_path):
    data = default_data()
    data["stores"][2]["location"]["x"] = -1
    assert "stores[id=n3].location.x: must be >= 0" in error_of(write(tmp_path, data))


def test_unknown_key_suggests_the_right_one(tmp_path):
    data = default_data()
    data["suppliers"][0]["brand_equty"] = 0.5
    message = error_of(write(tmp_path, data))
    expected = "suppliers[id=acme]: unknown field 'brand_equty'; did you mean 'brand_equity'?"
    assert expected in message


def test_unknown_distributor_reference(tmp_path):
    data = default_data()
    data["stores"][1]["distributor"] = "west"
    message = error_of(write(tmp_path, data))
    assert "stores[id=n2].distributor: unknown distributor 'west'" in message


def test_store_outside_map(tmp_path):
    data = default_data()
    data["stores"][0]["location"]["y"] = 99
    assert "stores[id=n1].location.y: must be <= the map's size" in error_of(write(tmp_path, data))


def test_duplicate_contract_pair(tmp_path):
    data = default_data()
    data["contracts"].append({**data["contracts"][0], "id": "again"})
    assert "a second contract for supplier 'acme'" in error_of(write(tmp_path, data))


def test_unknown_strategy(tmp_path):
    data = default_data()
    data["contracts"][0]["supplier_strategy"] = "all-x"
    message = error_of(write(tmp_path, data))
    assert "contracts[id=acme-north]" in message and "unknown strategy 'all-x'" in message


def test_segment_shares_must_sum_to_one(tmp_path):
    data = default_data()
    data["segments"][0]["share"] = 0.9
    assert "segments: shares must sum to 1" in error_of(write(tmp_path, data))


def test_rrp_must_exceed_wholesale(tmp_path):
    data = default_data()
    data["suppliers"][1]["rrp"] = 50
    message = error_of(write(tmp_path, data))
    assert "suppliers[id=bravo]: rrp (50) must exceed wholesale_price" in message


def test_extends_merges_lists_by_id(tmp_path):
    write(tmp_path, default_data(), "base.yaml")
    child = write(
        tmp_path,
        {"extends": "base.yaml", "name": "child",
         "stores": [{"id": "n1", "layout": 0.9}],
         "contracts": [{"id": "acme-north", "supplier_strategy": "grim"}]},
        "child.yaml",
    )  # fmt: skip
    s = load_scenario(child)
    assert s.name == "child"
    assert len(s.stores) == 8 and s.stores[0].layout == 0.9 and s.stores[0].distributor == "north"
    assert s.contracts[0].supplier_strategy == "grim"


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, {"extends": "b.yaml"}, "a.yaml")
    write(tmp_path, {"extends": "a.yaml"}, "b.yaml")
    assert "cycle" in error_of(tmp_path / "a.yaml")


def test_deep_merge_replaces_plain_lists():
    assert deep_merge({"a": [1, 2], "b": {"c": 1}}, {"a": [3], "b": {"d": 2}}) == {
        "a": [3],
        "b": {"c": 1, "d": 2},
    }


def _in_unit_range(text: str) -> bool:
    try:
        return 0.0 <= float(text) <= 1.0
    except ValueError:
        return False


RANGED = [
    ("suppliers", 0, "brand_equity"),
    ("suppliers", 1, "fill_rate"),
    ("stores", 3, "service_level"),
    ("segments", 0, "shop_probability"),
    ("segments", 1, "complain_probability"),
]


@settings(max_examples=60, deadline=None)
@given(
    field=st.sampled_from(RANGED),
    value=st.one_of(
        st.floats(max_value=-1e-6),
        st.floats(min_value=1.000001),
        st.text(max_size=5).filter(lambda t: not _in_unit_range(t)),  # "0.5" is a valid number
    ),
)
def test_bad_values_always_give_a_located_message(field, value):
    kind, index, name = field
    data = default_data()
    data[kind][index][name] = value
    with pytest.raises(ScenarioError) as info:
        validate_scenario(data, source="f.yaml")
    assert f"f.yaml: {kind}[{index}].{name}: " in str(info.value)


@settings(max_examples=40, deadline=None)
@given(value=st.floats(min_value=0.0, max_value=1.0))
def test_valid_values_are_accepted(value):
    data = default_data()
    data["stores"][0]["layout"] = value
    assert validate_scenario(data).stores[0].layout == value


def test_shipped_folder_is_found():
    assert (SCENARIOS / "baseline.yaml").exists()
