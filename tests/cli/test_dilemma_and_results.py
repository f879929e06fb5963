"""`linkages payoff-matrix` end to end, and bad contract inputs on the command line."""

import json

import yaml

from tests.support import SCENARIOS, assert_bad_input, linkages

FAST = ["--customers", "5000", "--replications", "2", "--seed", "1"]


def test_payoff_matrix_json_and_plot(tmp_path):
    out, png = tmp_path / "pm.json", tmp_path / "pm.png"
    proc = linkages("payoff-matrix", *FAST, "--json", str(out), "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "distributor defects" in proc.stdout and "game:" in proc.stdout
    record = json.loads(out.read_text())
    for key in ("scenario", "contract", "periods", "replications", "seed", "profiles",
                "game_class", "critical_continuation"):  # fmt: skip
        assert key in record
    assert record["contract"] == "acme-north" and record["periods"] == 13
    for profile in ("CC", "CD", "DC", "DD"):
        for party in ("supplier", "distributor"):
            cell = record["profiles"][profile][party]
            assert cell["ci_low"] <= cell["mean"] <= cell["ci_high"]
    assert set(record["game_class"]) == {"supplier", "distributor", "game"}
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_payoff_matrix_sweep(tmp_path):
    out = tmp_path / "sweep.json"
    proc = linkages("payoff-matrix", *FAST, "--sweep-sla", "0:8000:4000", "--json", str(out),
                    "--plot", str(tmp_path / "sweep.png"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    record = json.loads(out.read_text())
    assert [m["sla_penalty"] for m in record["sweep"]] == [0, 4000, 8000]
    assert record["sweep"][-1]["cooperation_dominant"]
    assert record["dilemma_gone_at"] in (4000, 8000)


def test_payoff_matrix_bad_inputs(tmp_path):
    assert_bad_input(linkages("payoff-matrix", "--contract", "nope", *FAST),
                     "unknown contract 'nope'", "acme-north")  # fmt: skip
    assert_bad_input(linkages("payoff-matrix", "--sweep-sla", "5:1:1"), "--sweep-sla")
    assert_bad_input(linkages("payoff-matrix", "--replications", "0"), "replications")
    assert_bad_input(linkages("payoff-matrix", str(SCENARIOS / "nope.yaml")), "file not found")


def test_bad_contracts_on_the_command_line(tmp_path):
    cases = {
        "missing_supplier": ({"id": "acme-north", "supplier": "zeta"},
                             "contracts[id=acme-north].supplier: unknown supplier 'zeta'"),
        "unknown_metric": ({"id": "acme-north", "supplier_clauses": [{"metric": "speed",
                                                                       "threshold": 1}]},
                           "unknown clause metric 'speed'"),
        "threshold": ({"id": "acme-north", "distributor_clauses": [
            {"metric": "service_level", "threshold": 2}]}, "out of range for service_level"),
    }  # fmt: skip
    for name, (contract, message) in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"extends": str(SCENARIOS / "baseline.yaml"),
                                        "contracts": [contract]}))  # fmt: skip
        assert_bad_input(linkages("validate", str(path)), message)
    duplicate = tmp_path / "duplicate.yaml"
    duplicate.write_text(yaml.safe_dump({"extends": str(SCENARIOS / "baseline.yaml"), "contracts": [
        {"id": "extra", "supplier": "acme", "distributor": "north"}]}))  # fmt: skip
    assert_bad_input(linkages("validate", str(duplicate)), "a second contract for supplier 'acme'")
