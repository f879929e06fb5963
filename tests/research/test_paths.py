"""Field paths select what they name, and a typo is told with the valid names there."""

import pytest

from linkages_sim.config.loading import load_scenario
from linkages_sim.research.paths import FieldPath, PathError


@pytest.fixture(scope="module")
def data():
    return load_scenario("default").model_dump()


def test_ids_positions_and_every_item(data):
    assert FieldPath.parse("stores[n1].greeting_time_s").read(data) == [data["stores"][0][
        "greeting_time_s"]]
    assert FieldPath.parse("segments[0].tastes.price").read(data) == [
        data["segments"][0]["tastes"]["price"]]
    assert len(FieldPath.parse("stores[*].layout").read(data)) == len(data["stores"])
    clauses = FieldPath.parse("contracts[acme-north].supplier_clauses[*].penalty").read(data)
    assert len(clauses) == len(data["contracts"][0]["supplier_clauses"]) > 0
    quality = FieldPath.parse("contracts[acme-north].supplier_clauses[quality].threshold")
    assert quality.read(data) == [next(c["threshold"] for c in data["contracts"][0][
        "supplier_clauses"] if c["metric"] == "quality")]


def test_apply_sets_every_selected_value(data):
    copy = load_scenario("default").model_dump()
    FieldPath.parse("stores[*].greeting_time_s").apply(copy, 17.0)
    assert {s["greeting_time_s"] for s in copy["stores"]} == {17.0}


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        ("stores[north-one].layout", ["no item 'north-one'", "valid: n1"]),
        ("segments[0].tastes.prise", ["no field 'prise'", "did you mean 'price'", "valid:"]),
        ("segments[9].share", ["items, no [9]"]),
        ("market.reference_price[0]", ["not a list"]),
        ("contracts[acme-nrth].trust.gain", ["did you mean 'acme-north'"]),
    ],
)
def test_unknown_steps_are_named_with_the_valid_choices(data, path, needles):
    with pytest.raises(PathError) as err:
        FieldPath.parse(path).targets(data)
    for needle in needles:
        assert needle in str(err.value)


@pytest.mark.parametrize("bad", ["stores[.layout", "3stores.x", "stores..x", ""])
def test_bad_syntax(bad):
    with pytest.raises(PathError):
        FieldPath.parse(bad)
