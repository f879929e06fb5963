"""`linkages validate` warns when a contract leaves a party below its outside option."""

from __future__ import annotations

from typer.testing import CliRunner

from linkages_sim.cli import app


def test_validate_warns_about_a_contract_a_party_would_not_sign(tmp_path):
    """The warning names the file, the contract, the party and the field; the exit is 0."""
    path = tmp_path / "greedy.yaml"
    path.write_text("extends: baseline\nname: greedy\ncontracts:\n  - id: acme-south\n"
                    "    outside_options: {distributor: 50000}\n")  # fmt: skip
    result = CliRunner().invoke(app, ["validate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1
    assert "contracts[id=acme-south]" in lines[0]
    assert "distributor" in lines[0] and "outside_options.distributor" in lines[0]


def test_validate_has_no_participation_warning_for_the_default():
    """Every shipped default contract covers both parties' outside options."""
    result = CliRunner().invoke(app, ["validate", "default"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "warning:" not in result.output
