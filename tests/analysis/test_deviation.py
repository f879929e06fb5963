"""One-shot deviations along the cooperative path (analysis/deviation.py): common random
numbers, the partners' punishments, and cases where a deviation must and must not pay."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from linkages_sim.analysis.deviation import (
    PATH,
    DeviationRun,
    PathMeasure,
    both_play,
    compare_paths,
    deviation_analysis,
    run_deviation,
)
from linkages_sim.config.editing import edit_scenario
from linkages_sim.market.model import MarketModel
from linkages_sim.stats import t_interval
from tests.support import small

CONTRACT = "acme-north"


def tft_market(periods: int = 16, customers: int = 3_000):
    return both_play(small("default", customers=customers, periods=periods), CONTRACT, "tft")


@pytest.mark.parametrize("party", ["supplier", "distributor"])
def test_deviation_run_is_the_path_until_the_review(party):
    scenario, at = tft_market(), 8
    path = MarketModel(scenario, seed=7)
    path.run()
    deviated = MarketModel(scenario, seed=7)
    deviated.relationships[0].deviation = (party, at)
    deviated.run()
    a, b = path.timeseries(), deviated.timeseries()
    before_a = a[a["period"] < at].reset_index(drop=True)
    before_b = b[b["period"] < at].reset_index(drop=True)
    pd.testing.assert_frame_equal(before_a, before_b, check_exact=True)  # bit for bit

    def profit(ts, period):
        who = "acme" if party == "supplier" else "north"
        row = ts[(ts["level"] == party) & (ts["id"] == who) & (ts["metric"] == "profit")
                 & (ts["period"] == period)]  # fmt: skip
        return float(row["value"].iloc[0])

    assert profit(a, at) != profit(b, at)  # the deviation period differs
    action = f"{party}_action"
    moved = b[(b["level"] == "contract") & (b["id"] == CONTRACT) & (b["metric"] == action)]
    assert moved.set_index("period").loc[at, "value"] == 0.0  # it defected at review `at`
    assert (moved.set_index("period").loc[: at - 1, "value"] == 1.0).all()


def test_the_analysis_runs_share_the_path_before_the_review():
    scenario = tft_market(periods=12, customers=2_000)
    measure = PathMeasure("acme", "north", CONTRACT)
    path = run_deviation(DeviationRun(scenario, 3, 0, None, measure))
    deviated = run_deviation(DeviationRun(scenario, 3, 0, ("distributor", 4), measure))
    pd.testing.assert_frame_equal(path.loc[:3], deviated.loc[:3], check_exact=True)
    assert deviated.loc[4, "distributor_action"] == 0.0
    assert deviated.loc[4, "distributor_profit"] != path.loc[4, "distributor_profit"]


def test_compare_paths_arithmetic():
    periods = pd.RangeIndex(12, name="period")
    path = pd.DataFrame({
        "supplier_profit": 10.0, "distributor_profit": 20.0, "supplier_action": 1.0,
        "distributor_action": 1.0, "supplier_trust": 0.8, "distributor_trust": 0.8,
        "relationship_active": 1.0, "sla_penalty_paid_by_supplier": 0.0,
        "sla_penalty_paid_by_distributor": 0.0,
    }, index=periods)  # fmt: skip
    deviated = path.copy()
    deviated.loc[4:7, "supplier_profit"] = 15.0  # +5 a period in the deviation's window
    deviated.loc[8:, "supplier_profit"] = 7.0  # -3 a period afterwards
    deviated.loc[4, "supplier_action"] = 0.0
    deviated.loc[8, "distributor_action"] = 0.0  # the partner retaliates once, then forgives
    deviated.loc[8, "sla_penalty_paid_by_supplier"] = 500.0
    deviated.loc[10:, "relationship_active"] = 0.0
    deviated["distributor_trust"] = 0.5
    m = compare_paths(path, deviated, "supplier", at=4, review_every=4, discount=1.0)
    assert (m["gain"], m["loss"], m["net"]) == (20.0, 12.0, 8.0)
    assert m["gain_discounted"] == m["gain"] and m["net_discounted"] == m["net"]
    assert m["broke"] and m["broke_at"] == 10 and m["penalty_paid"] == 500.0
    assert m["partner_retaliated"] and m["partner_trust_change"] == pytest.approx(-0.3)
    assert m["partner_forgave"] is False  # no review with the relationship active after 8
    d = 0.9
    m = compare_paths(path, deviated, "supplier", at=4, review_every=4, discount=d)
    assert m["gain_discounted"] == pytest.approx(5 * sum(d**t for t in range(4)))
    assert m["loss_discounted"] == pytest.approx(3 * sum(d**t for t in range(4, 8)))
    assert m["net_discounted"] == pytest.approx(m["gain_discounted"] - m["loss_discounted"])


@pytest.fixture(scope="module")
def punished():
    """Supplier deviations against a tit-for-tat and a grim partner, small and short."""
    scenario = small("default", customers=2_000, periods=24)
    return {partner: deviation_analysis(scenario, CONTRACT, partner, ["supplier"], 2, seed=5)
            for partner in ("tft", "grim")}  # fmt: skip


def test_grim_never_returns_to_cooperation_tft_does(punished):
    for partner, analysis in punished.items():
        runs = analysis.runs
        early = runs[runs["at"] <= 12]  # at least two reviews after the deviation
        assert early["partner_retaliated"].all(), partner
        paths = analysis.paths
        for row in early.itertuples():
            p = paths[(paths["party"] == "supplier") & (paths["at"] == row.at)
                      & (paths["replication"] == row.replication)].set_index("period")  # fmt: skip
            reviews = p[(p.index > row.at) & (p.index % 4 == 0) & (p["relationship_active"] == 1)]
            moves = reviews["distributor_action"].tolist()
            first = moves.index(0.0)
            if partner == "grim":
                assert set(moves[first:]) == {0.0}, (row.at, moves)
            else:
                assert 1.0 in moves[first:], (row.at, moves)
        expected = partner == "tft"
        assert (early["partner_forgave"] == expected).all(), partner


def test_the_path_itself_cooperates(punished):
    for analysis in punished.values():
        path = analysis.paths[analysis.paths["party"] == PATH]
        assert (path["supplier_action"] == 1).all() and (path["distributor_action"] == 1).all()
        assert analysis.runs["on_path"].all()


def test_intervals_come_from_the_replications(punished):
    analysis = punished["tft"]
    table = analysis.table().set_index(["party", "period"])
    for (party, at), group in analysis.runs.groupby(["party", "at"]):
        mean, low, high = t_interval(group["net_discounted"])
        row = table.loc[(party, at)]
        assert (row["net"], row["net_low"], row["net_high"]) == (mean, low, high)
        assert row["pays"] == (low > 0) and row["does_not_pay"] == (high < 0)
        assert len(group) == analysis.replications


def test_a_deviation_with_nothing_after_it_pays():
    """A horizon of one review period: no continuation, so the deviation's saving is all."""
    scenario = small("default", customers=3_000, periods=4)
    a = deviation_analysis(scenario, CONTRACT, "tft", ["supplier"], 3, seed=11)
    row = a.table().iloc[0]
    assert row["loss"] == 0.0 and row["gain"] > 0
    assert row["pays"]
    verdict = a.verdict("supplier")
    assert verdict["pays_at"] == [0] and verdict["equilibrium"] is False
    assert verdict["end_game_from"] == 0 and verdict["equilibrium_before_end"] is None


def with_penalty(scenario, amount: float):
    def fine(data: dict) -> None:
        for c in data["contracts"]:
            for clause in c["supplier_clauses"] + c["distributor_clauses"]:
                clause["penalty"] = amount

    return edit_scenario(scenario, fine)


@pytest.fixture(scope="module")
def heavily_fined():
    scenario = with_penalty(small("default", customers=3_000, periods=8), 1e6)
    return deviation_analysis(scenario, CONTRACT, "grim", replications=2, seed=3)


def test_a_large_sla_penalty_deters_all_but_the_last_review(heavily_fined):
    a = heavily_fined
    table = a.table().set_index(["party", "review"])
    for party in ("supplier", "distributor"):
        assert table.loc[(party, 0), "does_not_pay"], party  # fined at review 1
        assert table.loc[(party, 0), "penalty_paid"] >= 1e6
        assert table.loc[(party, 1), "penalty_paid"] == 0.0  # never read within the horizon
        assert 0 not in a.verdict(party)["pays_at"]


def test_discount_one_is_undiscounted(punished):
    scenario = small("default", customers=1_000, periods=8)
    a = deviation_analysis(scenario, CONTRACT, "tft", ["distributor"], 2, seed=2, discount=1.0)
    assert np.allclose(a.runs["net"], a.runs["net_discounted"])
    record = a.as_dict()
    assert record["discount"] == 1.0 and set(record["verdict"]) == {"distributor"}
    assert [r["review"] for r in record["reviews"]["distributor"]] == [0, 1]
    assert all(v is None or not (isinstance(v, float) and math.isnan(v))
               for r in record["reviews"]["distributor"] for v in r.values())  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"partner": "wsls"}, "partner must be one of tft, grim"),
     ({"parties": ["buyer"]}, "parties must be among"),
     ({"contract": "nope"}, "unknown contract 'nope'"),
     ({"discount": 1.5}, "discount must be in (0, 1]"),
     ({"replications": 0}, "replications must be >= 1")],
)  # fmt: skip
def test_bad_inputs(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        deviation_analysis(small("default", customers=500, periods=4), **kwargs)


def test_taking_the_penalties_out_is_the_run_without_them(heavily_fined):
    """Penalties are transfers: the fined runs less their fines are the runs without fines."""
    free = deviation_analysis(with_penalty(small("default", customers=3_000, periods=8), 0.0),
                              CONTRACT, "grim", replications=2, seed=3)  # fmt: skip
    derived = heavily_fined.without_penalties()
    assert heavily_fined.paths["supplier_fines"].abs().max() >= 1e6  # there were fines
    columns = ["gain", "loss", "net", "net_discounted", "penalty_paid"]
    np.testing.assert_allclose(derived.runs[columns], free.runs[columns], rtol=1e-9, atol=1e-6)
    assert (derived.runs["broke"] == free.runs["broke"]).all()
    assert (derived.runs["at"] == free.runs["at"]).all()
