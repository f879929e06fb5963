"""The facilitator's what-if: the market's payoff matrix at any horizon and SLA penalty.

The four profiles run once; every (horizon, penalty) matrix derived from those runs must be
exactly the one `payoff_matrix` / `sweep_sla` compute by running the market at that horizon
and penalty with the same seeds. Then the default contract's quarter, and the server's
``whatif`` message with its errors.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from starlette.testclient import TestClient

from linkages_sim import load_scenario
from linkages_sim.analysis.payoff_matrix import PARTIES, PROFILES, payoff_matrix, sweep_sla
from linkages_sim.stats import t_interval
from linkages_sim.workshop.server import ServerConfig, create_app
from linkages_sim.workshop.whatif import (
    MAX_PENALTY,
    WhatIf,
    WhatIfSize,
    compute_whatif,
    one_numba_thread,
)
from tests.workshop.support import error_of, receive_until, state_of

TOKEN = "e" * 48
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SMALL = WhatIfSize(customers=500, replications=2, weeks=8)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("default")


def test_any_horizon_and_penalty_is_exactly_a_direct_run(scenario):
    whatif = compute_whatif(scenario, "acme-north", WhatIfSize(1_000, 4, 13), seed=7)
    size = {"replications": 4, "seed": 7, "customers": 1_000}
    with one_numba_thread():  # as the what-if's runs (results do not change); quick on busy cores
        zero, quarter = sweep_sla(scenario, [0.0, 4_000.0], "acme-north", periods=13, **size)
        eight = payoff_matrix(scenario, "acme-north", periods=8, sla_penalty=2_500.0, **size)
    for direct, horizon, penalty in ((zero, 13, 0.0), (quarter, 13, 4_000.0), (eight, 8, 2_500.0)):
        mine = whatif.matrix(horizon, penalty)
        for party in PARTIES:  # the same runs, the same arithmetic: equal, not close
            assert mine.payoffs(party) == direct.payoffs(party), (horizon, penalty, party)
        assert mine.game_class() == direct.game_class()
    assert quarter.payoffs("supplier") != zero.payoffs("supplier")  # the penalty bites
    # the record the page computes from holds the same numbers, through JSON
    record = json.loads(json.dumps(whatif.as_dict()))
    assert record["profit"]["DC"]["supplier"][0][12] == whatif.profit[2, 0, 12, 0]
    assert len(record["breaches"]["CC"]["distributor"]) == 4
    back = WhatIf.from_dict(record)
    assert back.matrix(8, 2_500.0).payoffs("distributor") == eight.payoffs("distributor")


@pytest.fixture(scope="module")
def quarter(scenario):
    """The default contract's what-if at 5,000 customers, 4 replications, 13 weeks, seed 42."""
    return compute_whatif(scenario, "acme-north", WhatIfSize(5_000, 4, 13))


def test_a_quarter_of_the_default_contract_is_a_dilemma_a_penalty_dissolves(quarter):
    # At 5,000 customers and 4 replications the quarter's means are a prisoner's dilemma for
    # both sides at the scenario's seed (42) and at each of seeds 0-9 (checked); the paired
    # intervals do not establish every gap at this size (`established`, next test), so the
    # structure is asserted too.
    whatif = quarter
    assert whatif.seed == 42
    classes = whatif.classes(13, 0.0)
    assert classes == {"supplier": "prisoners_dilemma", "distributor": "prisoners_dilemma",
                       "game": "prisoners_dilemma"}  # fmt: skip
    limits = whatif.threshold(13)
    for party in PARTIES:
        limit = limits[party]
        assert limit is not None and 0 < limit < MAX_PENALTY
        below = whatif.matrix(13, limit - 1).payoffs(party)
        above = whatif.matrix(13, limit + 1).payoffs(party)
        assert not (below["R"] > below["T"] and below["S"] > below["P"])
        assert above["R"] > above["T"] and above["S"] > above["P"]
    both = max(limits.values())
    assert whatif.matrix(13, both + 1).cooperation_dominant
    assert not whatif.matrix(13, both - 1).cooperation_dominant
    assert whatif.classes(13, MAX_PENALTY)["game"] == "harmony"
    with pytest.raises(ValueError, match="horizon"):
        whatif.matrix(14)
    with pytest.raises(ValueError, match="penalty"):
        whatif.matrix(13, -1.0)


def test_established_reads_the_paired_intervals_of_each_sides_gaps(quarter):
    # the quarter at no penalty: the supplier's dilemma holds at 95%, the distributor's only by
    # its means (measured: its T-R and R-P intervals straddle zero at this size and seed)
    sure = quarter.established(13, 0.0)
    matrix = quarter.matrix(13, 0.0)
    for party in PARTIES:
        assert sure[party]["class"] == "prisoners_dilemma"
        assert sure[party]["gaps"] == matrix.differences(party)  # the paired t intervals
    assert sure["supplier"]["established"] and sure["supplier"]["unsettled"] == []
    assert sure["supplier"]["verdict"] == (
        "prisoner's dilemma \u2014 established (each comparison that defines it holds at 95%)")
    assert matrix.ordering_established("supplier")["paired_differences"]
    assert not sure["distributor"]["established"]
    assert sure["distributor"]["unsettled"] == ["T-R", "R-P"]
    assert not matrix.ordering_established("distributor")["paired_differences"]
    gap = sure["distributor"]["gaps"]["R-P"]
    assert gap["ci_low"] < 0 < gap["ci_high"]
    assert sure["distributor"]["verdict"].startswith(
        "prisoner's dilemma by the means \u2014 not established: T\u2212R's interval \u2212")
    assert "straddles zero; R\u2212P's interval" in sure["distributor"]["verdict"]
    # at the supplier's threshold its T - R is about zero: harmony or not, nothing is established
    limit = quarter.threshold(13)["supplier"]
    near = quarter.established(13, limit)["supplier"]
    assert not near["established"]  # a class whose comparisons straddle zero, or none at all
    # a penalty far above it settles the supplier's harmony
    far = quarter.established(13, MAX_PENALTY)["supplier"]
    assert far["class"] == "harmony" and far["established"]


def test_established_on_a_made_up_record_and_with_one_replication():
    def made_up(gaps: dict[str, list[float]]) -> WhatIf:
        n = len(gaps["CC"])
        profit = np.zeros((4, n, 2, 2))
        for i, profile in enumerate(PROFILES):
            profit[i, :, 1, :] = np.array(gaps[profile])[:, None] * 2  # per week, over 2 weeks
        return WhatIf("made-up", "c", "s", "d", "S", "D", WhatIfSize(10, n, 2), 1,
                      list(range(n)), 1, 1, profit, np.zeros((4, n, 2, 2), dtype=np.int64),
                      0.0)  # fmt: skip

    # each profile's payoff the same for both firms: the supplier's T, R, P, S are DC, CC, DD,
    # CD (a prisoner's dilemma), the distributor's CD, CC, DD, DC (harmony)
    tight = made_up({"DC": [30, 31, 29], "CC": [20, 21, 19], "DD": [10, 12, 8],
                     "CD": [0, 1, -1]}).established(2)  # fmt: skip
    assert tight["supplier"]["class"] == "prisoners_dilemma" and tight["supplier"]["established"]
    assert tight["supplier"]["gaps"]["T-R"] == {"mean": 10.0, "ci_low": 10.0, "ci_high": 10.0}
    assert tight["distributor"]["class"] == "harmony" and tight["distributor"]["established"]
    loose = made_up({"DC": [30, 31, 29], "CC": [20, 21, 19], "DD": [10, 40, -20],
                     "CD": [0, 1, -1]}).established(2)["supplier"]  # fmt: skip
    mean, low, high = t_interval([20 - 10, 21 - 40, 19 + 20])
    assert loose["gaps"]["R-P"] == {"mean": mean, "ci_low": low, "ci_high": high}
    assert loose["class"] == "prisoners_dilemma" and not loose["established"]
    assert loose["unsettled"] == ["R-P", "P-S"]
    assert loose["verdict"] == (
        "prisoner's dilemma by the means \u2014 not established: R\u2212P's interval "
        "\u221262 to 82 straddles zero; P\u2212S's interval \u221262 to 82 straddles zero")
    assert round(low) == -62 and round(high) == 82  # the same gaps, in another order
    one = made_up({"DC": [30], "CC": [20], "DD": [10], "CD": [0]}).established(2)["supplier"]
    assert one["class"] == "prisoners_dilemma" and not one["established"]
    assert math.isnan(one["gaps"]["T-R"]["ci_low"])
    assert one["verdict"] == ("prisoner's dilemma by the means \u2014 not established: "
                              "one replication, no interval")  # fmt: skip


def app_of(**config):
    return create_app(ServerConfig(
        facilitator_token=TOKEN, public_url="http://testserver", burst=500, rate_per_second=500,
        http_burst=500, whatif_size=SMALL, **config,
    ))  # fmt: skip


def whatif_of(ws, limit: int = 30) -> dict:
    return receive_until(ws, lambda m: m["type"] == "whatif", limit)


def test_the_whatif_message_computes_once_caches_and_refuses_bad_input(scenario):
    app = app_of()
    with TestClient(app) as client:
        code = client.post("/api/sessions", headers=AUTH, json={"seed": 3}).json()["code"]
        ann = client.post("/api/join", json={"code": code, "name": "Ann"}).json()["token"]
        with client.websocket_connect("/ws") as anon:
            anon.send_json({"type": "whatif", "contract": "acme-north"})
            assert error_of(anon)["code"] == "hello_first"
        with client.websocket_connect("/ws") as f, client.websocket_connect("/ws") as g, \
                client.websocket_connect("/ws") as a:  # fmt: skip
            for ws in (f, g):
                ws.send_json({"type": "hello", "role": "facilitator", "token": TOKEN, "code": code})
                assert ws.receive_json()["type"] == "welcome"
            a.send_json({"type": "hello", "role": "participant", "token": ann})
            assert a.receive_json()["type"] == "welcome"
            a.send_json({"type": "whatif", "contract": "acme-north"})
            assert error_of(a)["code"] == "unauthorised"  # the facilitator's only
            f.send_json({"type": "activity", "activity": "channel"})
            view = state_of(f, lambda m: m["activity"] == "channel")
            assert [c["key"] for c in view["contracts"]][:2] == ["acme-north", "acme-central"]
            assert view["contracts"][0]["supplier_name"] == "Acme (brand leader)"
            for bad, words in [
                ({"contract": "zeta-north"}, "unknown contract 'zeta-north'; the contracts are: "
                                             "acme-north, acme-central"),
                ({"contract": "x" * 101}, "contract"),
                ({"contract": ""}, "contract"),
                ({"contract": 3}, "contract"),
                ({}, "contract"),
                ({"contract": "acme-north", "horizon": 13}, "horizon"),
            ]:
                f.send_json({"type": "whatif", **bad})
                error = error_of(f)
                assert (error["code"], error["ref"]) == ("invalid", "whatif"), bad
                assert words in error["message"], error
                assert "Traceback" not in error["message"]
            f.send_json({"type": "whatif", "contract": "acme-north"})
            g.send_json({"type": "whatif", "contract": "acme-north"})
            computing = whatif_of(f)
            assert computing["status"] == "computing" and computing["replications"] == 2
            assert (computing["customers"], computing["weeks"], computing["seed"]) == (500, 8, 42)
            ready = whatif_of(f)
            assert ready["status"] == "ready" and ready["contract"] == "acme-north"
            other = receive_until(g, lambda m: m["type"] == "whatif" and m["status"] == "ready")
            assert other["record"] == ready["record"]  # computed once, for both pages
            f.send_json({"type": "whatif", "contract": "acme-north"})
            again = whatif_of(f)
            assert again["status"] == "ready" and again["record"] == ready["record"]  # cached
    expected = compute_whatif(scenario, "acme-north", SMALL).as_dict()
    got = ready["record"]
    assert {k: v for k, v in got.items() if k != "seconds"} == {
        k: v for k, v in json.loads(json.dumps(expected)).items() if k != "seconds"}  # fmt: skip
    rows = got["profit"]["CC"]["supplier"]
    assert len(rows) == 2 and len(rows[0]) == 8


def test_a_whatif_that_fails_says_so_and_the_server_carries_on(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("linkages_sim.workshop.server.compute_whatif", broken)
    with TestClient(app_of()) as client:
        code = client.post("/api/sessions", headers=AUTH, json={}).json()["code"]
        with client.websocket_connect("/ws") as f:
            f.send_json({"type": "hello", "role": "facilitator", "token": TOKEN, "code": code})
            assert f.receive_json()["type"] == "welcome"
            f.send_json({"type": "whatif", "contract": "bravo-south"})  # in the classic lobby
            assert whatif_of(f)["status"] == "computing"
            failed = whatif_of(f)
            assert failed["status"] == "failed" and "RuntimeError" in failed["message"]
            assert "boom" not in failed["message"]  # no internals, no traceback
            f.send_json({"type": "ping"})
            receive_until(f, lambda m: m["type"] == "pong")
