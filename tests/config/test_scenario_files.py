"""Scenario files mean what they say (issue 12): customers vs market size, `extends:` merge
rules, errors that point into the user's file, every problem at once, `validate --show/--diff`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from linkages_sim.config.checking import LIMIT
from linkages_sim.config.explaining import changes
from linkages_sim.config.loading import (
    ScenarioError,
    deep_merge,
    inspect_scenario,
    load_scenario,
    validate_scenario,
)
from linkages_sim.config.locating import parse_path, show_path
from tests.support import linkages

DEFAULT = Path(__file__).parents[2] / "linkages_sim" / "config" / "data" / "default.yaml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


# --- customers are a resolution; the market's size is explicit -----------------------------------


def test_customers_in_a_file_that_extends_keep_the_market_size(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\ncustomers: 20000\n")
    seen = inspect_scenario(path)
    assert (seen.scenario.customers, seen.scenario.market_size) == (20_000, 100_000)
    assert any("stand for the market of 100,000" in n.message for n in seen.notes)
    # the same as --customers on the command line and customers= in Python
    from linkages_sim.config.editing import edit_scenario

    assert edit_scenario(load_scenario("baseline"), customers=20_000).market_size == 100_000


def test_a_file_without_market_size_describes_a_market_of_its_customers(tmp_path):
    text = DEFAULT.read_text().replace("market_size: 100000", "").replace(
        "customers: 100000", "customers: 50000")
    write(tmp_path, "parent.yaml", text)
    assert load_scenario(tmp_path / "parent.yaml").market_size == 50_000
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\ncustomers: 10000\n")
    assert load_scenario(child).market_size == 50_000
    sized = write(tmp_path, "sized.yaml", "extends: parent.yaml\nmarket_size: 7000\n")
    assert load_scenario(sized).market_size == 7_000


def test_the_built_in_default_states_its_market_size():
    assert yaml.safe_load(DEFAULT.read_text())["market_size"] == 100_000


def test_validate_states_both_numbers(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\ncustomers: 20000\n")
    proc = linkages("validate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "simulates 20,000 customers standing for 100,000" in proc.stdout
    assert "note:" in proc.stdout and "set market_size" in proc.stdout


# --- extends: merge rules --------------------------------------------------------------------


def test_overriding_one_clause_keeps_the_inherited_ones(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\ncontracts:\n  - id: acme-north\n"
                 "    supplier_clauses:\n      - {metric: quality, threshold: 0.8}\n")
    clauses = load_scenario(path).contracts[0].supplier_clauses
    assert [c.metric for c in clauses] == ["quality", "fill_rate", "new_product_within"]
    assert clauses[0].threshold == 0.8 and clauses[1].threshold == 0.95


def test_an_id_typo_is_an_error_with_did_you_mean(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\ncontracts:\n  - id: acme-nrth\n"
                 "    supplier_strategy: grim\n")
    message = error_of(path)
    assert "no inherited contract 'acme-nrth' (did you mean 'acme-north'?)" in message
    assert f"{path}: line 3, column 5: contracts[id=acme-nrth]" in message
    assert "supplier: is required" not in message


def test_new_items_are_added_and_near_misses_need_new_true(tmp_path):
    far = write(tmp_path, "far.yaml", "extends: baseline\nstores:\n"
                "  - {id: w1, distributor: north, location: {x: 1, y: 1}}\n")
    seen = inspect_scenario(far)
    assert seen.scenario.stores[-1].id == "w1"
    assert any("adds store 'w1'" in n.message for n in seen.notes)
    near = "extends: baseline\nstores:\n  - {id: n1x, distributor: north, location: {x: 1, y: 1}"
    assert "did you mean 'n1'" in error_of(write(tmp_path, "near.yaml", near + "}\n"))
    new = write(tmp_path, "new.yaml", near + ", new: true}\n")
    assert load_scenario(new).stores[-1].id == "n1x"
    assert "is marked new: true" in error_of(write(tmp_path, "again.yaml", "extends: baseline\n"
                                                   "stores:\n  - {id: n1, new: true}\n"))


def test_remove_append_replace(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\nstores:\n  - {id: n2, remove: true}\n"
                 "segments:\n  - {id: urban, centres: {append: [{x: 1, y: 2}]}}\n"
                 "contracts:\n  - {id: acme-north, distributor_clauses: {replace: "
                 "[{metric: data_shared}]}}\n")
    seen = inspect_scenario(path)
    s = seen.scenario
    assert "n2" not in [x.id for x in s.stores] and len(s.stores) == 7
    assert [(c.x, c.y) for c in s.segments[1].centres] == [(10, 10), (1, 2)]
    assert [c.metric for c in s.contracts[0].distributor_clauses] == ["data_shared"]
    assert not seen.notes  # explicit instructions need no note
    gone = write(tmp_path, "gone.yaml", "extends: baseline\nstores:\n  - {id: n9, remove: true}\n")
    assert "no inherited store 'n9' to remove" in error_of(gone)
    twice = write(tmp_path, "twice.yaml", "extends: baseline\nstores:\n  - {id: n1, layout: 0.1}"
                  "\n  - {id: n1, layout: 0.2}\n")
    assert "store 'n1' is given twice in this list (also at line 3)" in error_of(twice)


def test_a_list_without_ids_is_replaced_with_a_note(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\nsegments:\n"
                 "  - {id: urban, centres: [{x: 1, y: 1}]}\n")
    seen = inspect_scenario(path)
    assert len(seen.scenario.segments[1].centres) == 1
    (note,) = seen.notes
    assert note.path == "segments[id=urban].centres" and "replaces the inherited list" in (
        note.message) and note.where.line == 3


ids = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, min_size=1)


@settings(max_examples=60, deadline=None)
@given(base=ids, over=ids, value=st.integers())
def test_merging_by_id_never_drops_an_inherited_item(base, over, value):
    merged = deep_merge({"stores": [{"id": i, "x": 0} for i in base]},
                       {"stores": [{"id": i, "y": value} for i in over]})["stores"]
    assert [m["id"] for m in merged] == base + [i for i in over if i not in base]
    assert all(m["x"] == 0 for m in merged if m["id"] in base)
    assert all(m["y"] == value for m in merged if m["id"] in over)


# --- errors point into the user's file; all problems at once ------------------------------------


def test_errors_name_items_by_id_with_line_and_column(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\nstores:\n"
                 "  - {id: s1, greeting_time_s: -5}\n")
    assert error_of(path) == (f"{path}: line 3, column 14: stores[id=s1].greeting_time_s: must "
                              "be >= 0")


def test_an_inherited_value_is_named_in_the_users_terms(tmp_path):
    write(tmp_path, "parent.yaml", DEFAULT.read_text().replace("greeting_time_s: 60",
                                                               "greeting_time_s: -60"))
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nseed: 3\n")
    message = error_of(child)
    assert message.startswith(f"{child}: stores[id=s1].greeting_time_s: must be >= 0 "
                              f"(inherited from {tmp_path / 'parent.yaml'}, line "), message


def test_field_and_cross_field_errors_are_reported_together(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\nstores:\n"
                 "  - {id: s1, greeting_time_s: -5}\n"
                 "  - {id: s9, distributor: west, location: {x: 1, y: 99}}\n"
                 "segments:\n  - {id: urban, share: 0.5}\n"
                 "suppliers:\n  - {id: acme, rrp: 10}\n")
    lines = error_of(path).splitlines()
    assert [re.sub(r"^.*?: line \d+, column \d+: ", "", line) for line in lines] == [
        "stores[id=s1].greeting_time_s: must be >= 0",
        "stores[id=s9].distributor: unknown distributor 'west'; known: central, north, south",
        "stores[id=s9].location.y: must be <= the map's size (20 km)",
        "segments: shares must sum to 1 (they sum to 1.2)",
        "suppliers[id=acme]: rrp (10) must exceed wholesale_price (62) so that a distributor can "
        "earn a margin",
    ]  # the contracts naming the set-aside supplier acme are not reported as unknown


def test_every_cross_field_rule_is_collected():
    data = load_scenario().model_dump()
    data["stores"][0]["distributor"] = "west"
    data["stores"][1]["location"]["x"] = 99
    data["contracts"][0]["supplier"] = "zeta"
    data["segments"][0]["share"] = 0.9
    with pytest.raises(ScenarioError) as info:
        validate_scenario(data, source="d")
    lines = str(info.value).splitlines()
    assert len(lines) == 4, lines
    assert lines[0].startswith("d: stores[0].distributor: unknown distributor 'west'")


def test_problems_are_capped(tmp_path):
    stores = "".join(f"  - {{id: {s}, layout: 5}}\n" for s in
                     ["n1", "n2", "n3", "c1", "c2", "c3", "s1", "s2"])
    segments = "".join(f"  - {{id: {s}, share: -1}}\n" for s in ["families", "urban", "value"])
    text = "extends: baseline\nstores:\n" + stores + "segments:\n" + segments + "periods: 0\n"
    text += "suppliers:\n  - {id: acme, quality: 2}\n  - {id: bravo, quality: 2}\n"
    lines = error_of(write(tmp_path, "c.yaml", text)).splitlines()
    assert len(lines) == LIMIT + 1 and re.fullmatch(r"\.\.\. and \d+ more problem\(s\)", lines[-1])


def test_paths_parse_and_show():
    assert parse_path("stores[2].location.x") == ("stores", 2, "location", "x")
    data = {"stores": [{"id": "a"}, {"id": "b"}], "segments": [{"centres": [{}, {}]}]}
    assert show_path(("stores", 1, "layout"), data, {}) == "stores[id=b].layout"
    assert show_path(("stores", 1, "layout")) == "stores[1].layout"
    assert show_path(("segments", 0, "centres", 1), data, {}) == "segments[0].centres[1]"


# --- validate --show and --diff --------------------------------------------------------------


def test_validate_show_prints_the_resolved_scenario(tmp_path):
    proc = linkages("validate", "broken_trust", "--show")
    assert proc.returncode == 0, proc.stderr
    shown = yaml.safe_load(proc.stdout)
    assert shown == load_scenario("broken_trust").model_dump(mode="json")
    assert "ok broken_trust" in proc.stderr  # the YAML alone on standard output


def test_validate_diff_lists_what_the_file_changes(tmp_path):
    path = write(tmp_path, "c.yaml", "extends: baseline\nname: c\nstores:\n"
                 "  - {id: n2, remove: true}\ncontracts:\n  - {id: acme-central, "
                 "supplier_strategy: all-d}\n")
    proc = linkages("validate", str(path), "--diff")
    assert proc.returncode == 0, proc.stderr
    for line in ("changes 4 field(s) of baseline:", "  name: baseline -> c",
                 "  stores[id=n2]: removed",
                 "  contracts[id=acme-central].supplier_strategy: tft -> all-d"):  # fmt: skip
        assert line in proc.stdout, proc.stdout
    seen = inspect_scenario(path)
    assert {c.path for c in changes(seen.parent_scenario, seen.scenario)} == {
        "name", "description", "stores[id=n2]", "contracts[id=acme-central].supplier_strategy"}
    plain = linkages("validate", "default", "--diff")
    assert plain.returncode == 0 and "extends no scenario" in plain.stdout
