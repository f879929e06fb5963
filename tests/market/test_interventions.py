"""Interventions: each kind acts on its lever for its periods only, costs go through the ledger,
bad definitions are named, and `evaluate` finds exactly zero uplift for a change with no
effect (common random numbers)."""

import numpy as np
import pytest

from linkages_sim.analysis.evaluation import evaluate
from linkages_sim.api import run
from linkages_sim.config.loading import ScenarioError, validate_scenario
from tests.support import SCENARIOS, assert_bad_input, linkages, small


def with_interventions(*interventions, periods=20, customers=6_000):
    data = small("default", customers=customers, periods=periods).model_dump(mode="json")
    data["interventions"] = list(interventions)
    return validate_scenario(data, source="s.yaml")


def test_an_intervention_with_no_effect_has_exactly_zero_uplift():
    scenario = with_interventions(
        {"id": "nothing", "kind": "train_staff", "store": "n1", "start": 5, "training_boost": 0},
        {"id": "train", "kind": "train_staff", "distributor": "north", "start": 5},
    )
    result = evaluate(scenario, replications=2, seed=3)
    table = result.table().set_index(["intervention", "measure"])
    assert (table.loc["nothing", "uplift"] == 0.0).all()
    assert table.loc[("train", "owner_revenue"), "uplift"] > 0


def test_training_and_its_costs():
    scenario = with_interventions(
        {
            "id": "train",
            "kind": "train_staff",
            "distributor": "north",
            "start": 5,
            "end": 15,
            "training_boost": 0.3,
            "cost": 1000,
            "cost_per_period": 100,
        }
    )
    result = run(scenario, seed=1)
    paid = result.ledger.query("kind == 'intervention'")
    assert paid["amount"].sum() == 1000 + 100 * 10
    assert set(paid["payer"]) == {"distributor:north"} and paid["period"].min() == 5
    training = result.metric("store", "staff_training")["n1"]
    assert training.loc[14] > training.loc[4] + 0.05  # moves toward the higher target
    assert training.loc[19] < training.loc[14]  # and back after the end


def test_promotion_open_and_close_store_product_mix():
    scenario = with_interventions(
        {
            "id": "promo",
            "kind": "price_promotion",
            "distributor": "south",
            "supplier": "acme",
            "start": 4,
            "end": 8,
            "discount": 0.2,
        },
        {
            "id": "open",
            "kind": "open_store",
            "start": 10,
            "new_store": {"id": "s3", "distributor": "south", "location": {"x": 10, "y": 3}},
        },
        {"id": "close", "kind": "close_store", "store": "n2", "start": 12},
        {
            "id": "delist",
            "kind": "product_mix",
            "distributor": "central",
            "supplier": "bravo",
            "start": 6,
            "end": 9,
        },
    )
    result = run(scenario, seed=2)
    units_in_band = result.metric("supplier", "units_in_band")["acme"]
    units = result.metric("supplier", "units")["acme"]
    assert (units_in_band.loc[4:7] < units.loc[4:7]).all()  # below the band during the promotion
    assert units_in_band.loc[9] == units.loc[9]
    s3 = result.metric("store", "retail_revenue")["s3"]
    assert (s3.loc[:9] == 0).all() and s3.loc[10:].sum() > 0
    assert (result.metric("store", "retail_revenue")["n2"].loc[12:] == 0).all()
    bravo_central = result.metric("contract", "units")["bravo-central"]
    assert (bravo_central.loc[6:8] == 0).all() and bravo_central.loc[10] > 0


def test_sla_intervention():
    data = small("default", customers=6_000, periods=20).model_dump(mode="json")
    data["contracts"][0]["supplier_strategy"] = "all-d"
    data["contracts"][0]["trust"]["break_below"] = 0
    data["interventions"] = [
        {
            "id": "sla",
            "kind": "introduce_sla",
            "contract": "acme-north",
            "penalty": 2500,
            "start": 8,
        },
    ]
    result = run(validate_scenario(data), seed=4)
    penalties = result.ledger.query("kind == 'sla_penalty'")
    assert penalties["period"].min() >= 8  # none before the SLA is introduced
    acme = penalties[penalties["payer"] == "supplier:acme"]
    assert (acme["amount"] == 2500).all() and len(acme) >= 2 * 3  # quality and fill rate


def test_data_sharing_intervention():
    data = small("default", customers=6_000, periods=20).model_dump(mode="json")
    data["distributors"][0]["shares_data"] = False  # north does not share at first
    for k in (0, 3):  # north's contracts: everyone cooperates whatever they read
        data["contracts"][k]["supplier_strategy"] = "all-c"
        data["contracts"][k]["distributor_strategy"] = "all-c"
    data["interventions"] = [
        {
            "id": "data",
            "kind": "share_data",
            "distributor": "north",
            "supplier": "acme",
            "start": 10,
        }
    ]
    result = run(validate_scenario(data), seed=4)
    sharing = result.metric("distributor", "data_sharing_cost")["north"]
    assert (sharing.loc[:9] == 0).all() and (sharing.loc[10:] == 1500).all()  # acme only
    compliance = result.metric("contract", "compliance_data_shared")
    assert compliance["acme-north"].loc[9] == 0 and compliance["acme-north"].loc[10] == 1
    assert compliance["bravo-north"].loc[10] == 0


@pytest.mark.parametrize(
    ("intervention", "message"),
    [
        (
            {"id": "x", "kind": "train_stuff", "store": "n1", "start": 1},
            "unknown intervention kind 'train_stuff' (did you mean 'train_staff'?)",
        ),
        (
            {"id": "x", "kind": "train_staff", "store": "n1", "start": 40},
            "interventions[0].start: 40 is outside the run (periods 0 to 19)",
        ),
        (
            {"id": "x", "kind": "train_staff", "store": "n1", "start": 1, "cost": -5},
            "interventions[0].cost: must be >= 0",
        ),
        (
            {"id": "x", "kind": "train_staff", "store": "n9", "start": 1},
            "interventions[0].store: unknown store 'n9'",
        ),
        (
            {"id": "x", "kind": "price_promotion", "distributor": "north", "start": 1, "end": 4},
            "discount: a price_promotion intervention needs discount",
        ),
        (
            {"id": "x", "kind": "close_store", "store": "n1", "start": 1, "discount": 0.1},
            "discount: does not apply to a close_store intervention",
        ),
        (
            {
                "id": "x",
                "kind": "open_store",
                "start": 1,
                "new_store": {"id": "n1", "distributor": "north", "location": {"x": 1, "y": 1}},
            },
            "interventions[0].new_store.id: store 'n1' already exists",
        ),
    ],
)
def test_bad_interventions_are_named(intervention, message):
    with pytest.raises(ScenarioError) as info:
        with_interventions(intervention)
    assert message in str(info.value)


def test_evaluate_on_the_command_line(tmp_path):
    out = tmp_path / "ev"
    proc = linkages(
        "evaluate",
        str(SCENARIOS / "interventions.yaml"),
        "--customers",
        "4000",
        "--periods",
        "40",
        "--replications",
        "2",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "worth it" in proc.stdout
    for name in ("evaluation.json", "evaluation.csv", "evaluation.png", "report.md"):
        assert (out / name).exists(), name
    import json

    record = json.loads((out / "evaluation.json").read_text())
    assert {r["intervention"] for r in record["interventions"]} == {
        "train_north",
        "promo_south",
        "open_s3",
        "greet_central",
    }
    assert all(np.isfinite(r["cost"]) for r in record["interventions"])
    assert_bad_input(linkages("evaluate", "default"), "has no interventions")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\ninterventions:\n"
        "  - {id: x, kind: open_shop, start: 3}\n"
    )
    assert_bad_input(linkages("validate", str(bad)), "unknown intervention kind 'open_shop'")


def test_evaluating_the_closing_of_a_store_that_an_intervention_opened():
    """The owner of a store that only an intervention adds is found (it crashed before)."""

    data = small("default", customers=300, periods=6).model_dump(mode="json")
    data["interventions"] = [
        {"id": "open", "kind": "open_store", "start": 1,
         "new_store": {"id": "n9", "distributor": "north", "location": {"x": 3, "y": 3}}},
        {"id": "shut", "kind": "close_store", "start": 3, "store": "n9"},
    ]  # fmt: skip
    result = evaluate(validate_scenario(data, source="test"), replications=1, seed=1)
    owners = dict(zip(result.summary()["intervention"], result.summary()["owner"], strict=True))
    assert owners == {"open": "north", "shut": "north"}
