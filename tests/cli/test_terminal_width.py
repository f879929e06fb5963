"""Every command's output fits an 80-column terminal: tables wrap or abbreviate deliberately
(never a name cut with an ellipsis, like `churn…` or `prisone… dilemma`), and `linkages
scenarios` prints one line per scenario."""

from __future__ import annotations

import pytest
import yaml

from linkages_sim.config.loading import available_scenarios
from tests.cli.conftest import WIDTH

RUN = ["--customers", "1200", "--periods", "6"]


def assert_fits(out, *, command: str) -> None:
    assert out.exit_code == 0, f"{command}: {out.stderr}"
    too_wide = [line for line in out.lines() if len(line.rstrip()) > WIDTH]
    assert not too_wide, f"{command}: lines over {WIDTH} columns:\n" + "\n".join(too_wide)
    cut = [line for line in out.lines() if "…" in line]
    assert not cut, f"{command}: cut with an ellipsis:\n" + "\n".join(cut)


@pytest.mark.parametrize(
    "args",
    [
        ("strategies",),
        ("designs",),
        ("scenarios", "--long"),
        ("match", "random:p=0.3", "gtft:p=0.1", "--turns", "100", "--seed", "1"),
        ("tournament", "--repetitions", "2", "--turns", "20", "--seed", "1"),
        ("tournament", "--strategies", "random:p=0.25,gtft:p=0.1,tft,all-d", "--turns", "10"),
        ("evolve", "--generations", "5", "--repetitions", "1", "--turns", "10", "--seed", "1"),
        ("payoff-matrix", "--customers", "800", "--periods", "3", "--replications", "2"),
        ("payoff-matrix", "--customers", "800", "--periods", "3", "--replications", "2",
         "--sweep-sla", "0:2000:2000"),
        ("deviation", "--customers", "600", "--periods", "8", "--replications", "2"),
        ("compare", "baseline", "price_war", *RUN, "--replications", "2", "--out", "c"),
        ("evaluate", "interventions", "--customers", "400", "--periods", "32",
         "--replications", "2", "--out", "e"),
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_commands_fit_80_columns(cli80, args):
    assert_fits(cli80(*args), command=" ".join(args))


def test_scenarios_one_line_each_with_whole_names(cli80):
    out = cli80("scenarios")
    assert_fits(out, command="scenarios")
    entries = available_scenarios()
    lines = out.stdout.splitlines()
    assert len(lines) == len(entries) + 1  # and a line that says how to see everything
    for entry, line in zip(entries, lines, strict=False):
        assert line.split()[0] == entry.name and entry.origin in line


def test_run_and_kpis_fit_80_columns(cli80):
    out = cli80("run", "broken_trust", *RUN, "--out", "r", "--no-plots", "--against", "baseline")
    assert_fits(out, command="run --against")
    assert "supplier acme" in out.stdout and "B - A" in out.stdout
    for level in ("market", "supplier", "distributor", "store", "contract"):
        out = cli80("kpis", "r", "--level", level)
        assert_fits(out, command=f"kpis --level {level}")
    out = cli80("kpis", "r", "--level", "contract")
    for name in ("compliance_new_product_within", "acme-central", "bravo-south"):
        assert name in out.stdout, name  # whole, in one of the column groups


def test_analyze_fits_80_columns(cli80, tmp_path):
    design = {
        "name": "tiny", "base": "default", "customers": 300, "periods": 2,
        "parameters": [
            {"path": "stores[*].greeting_time_s", "name": "greeting", "levels": [30, 90]},
            {"path": "contracts[*].monitoring_error", "name": "noise", "levels": [0.0, 0.2]},
        ],
        "replications": {"count": 1, "seed": 9},
    }  # fmt: skip
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(design))
    assert_fits(cli80("sweep", "d.yaml", "--out", "sw", "-q"), command="sweep")
    assert_fits(cli80("analyze", "sw"), command="analyze")
