"""What a notebook shows: `result.wide` has only the columns a run recorded, `result` and
`scenario` print in a few lines; and `evaluate`: the scenario's seed by default (two identical
calls agree), and verdicts that follow the intervals they report."""

from __future__ import annotations

import math

import pytest

from linkages_sim.analysis.evaluation import _sign, evaluate, verdict
from linkages_sim.api import run
from linkages_sim.config.loading import load_scenario
from tests.support import small


@pytest.fixture(scope="module")
def result():
    return run(small("interventions", customers=1_000, periods=35))


def test_wide_has_only_columns_that_exist(result):
    ts = result.timeseries
    wide = result.wide
    recorded = set(ts.groupby(["level", "id", "metric"]).groups)
    assert set(wide.columns) == recorded  # before: 8,200 columns, 7,846 of them empty
    assert not wide.isna().all().any()
    assert list(wide.columns.names) == ["level", "id", "metric"]
    row = ts.iloc[len(ts) // 2]
    assert wide.loc[row["period"], (row["level"], row["id"], row["metric"])] == row["value"]


def test_short_reprs(result):
    scenario = load_scenario("interventions")
    text = repr(scenario)
    assert text.startswith("Scenario('interventions': 2 suppliers, 3 distributors")
    assert "\n" not in text and len(text) < 200 and "seed 42" in text
    shown = repr(result)
    assert shown.startswith("<RunResult interventions: seed 42, 35 weeks, 1,000 simulated")
    assert len(shown.splitlines()) <= 5 and max(map(len, shown.splitlines())) < 120
    for firm in ("acme", "bravo", "north", "central", "south"):
        assert firm in shown
    html = result._repr_html_()
    assert html.count("<tr>") == 1 + 5 and "interventions" in html


def test_evaluate_defaults_to_the_scenarios_seed():
    scenario = small("interventions", customers=300, periods=32)
    first = evaluate(scenario, replications=2)
    second = evaluate(scenario, replications=2)
    assert first.seed == second.seed == scenario.seed
    assert first.uplifts.equals(second.uplifts)
    summary = first.summary()
    table = first.table().set_index(["intervention", "measure"])
    for row in summary.to_dict("records"):
        owner = table.loc[(row["intervention"], "owner_profit")]
        expected = ("yes" if owner["ci_low"] > 0 else "no" if owner["ci_high"] < 0
                    else "unclear")  # fmt: skip
        assert row["pays_its_cost"] == expected
        assert row["margin_low"] <= row["margin"] <= row["margin_high"]
        assert row["best_option"] == _sign(row["margin"], row["margin_low"],
                                           row["margin_high"], ("yes", "no", "tied"))
        assert row["verdict"] == verdict(row)
        assert row["best_alternative"] != row["intervention"]


def test_the_verdict_words():
    assert _sign(5, 1, 9, ("yes", "no", "?")) == "yes"
    assert _sign(-5, -9, -1, ("yes", "no", "?")) == "no"
    assert _sign(1, -1, 3, ("yes", "no", "?")) == "?"
    assert _sign(1, math.nan, math.nan, ("yes", "no", "?")) == "yes"  # one replication
    assert _sign(0, math.nan, math.nan, ("yes", "no", "?")) == "no"
    row = {"best_alternative": "doing nothing", "best_option": "no", "pays_its_cost": "unclear"}
    assert verdict(row) == "doing nothing is better; may not pay its cost"
    row = {"best_alternative": "x", "best_option": "yes", "pays_its_cost": "yes"}
    assert verdict(row) == "the best option; pays its cost"
