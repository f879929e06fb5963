"""The command line in-process at 80 columns, as a user's terminal would be."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from linkages_sim.cli import app, common

WIDTH = 80


@dataclass
class Output:
    """What a command printed and how it ended."""

    exit_code: int
    stdout: str
    stderr: str

    def lines(self) -> list[str]:
        """Every line printed, on either stream."""
        return (self.stdout + self.stderr).splitlines()


@pytest.fixture
def cli80(monkeypatch, tmp_path):
    """Run `linkages ARGS...` in-process in an empty folder with an 80-column terminal.

    The consoles are given the width directly (as COLUMNS=80 would give them when the program
    starts): they were made when the package was imported.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "_width", WIDTH)
    runner = CliRunner()

    def invoke(*args: str) -> Output:
        result = runner.invoke(app, list(args), env={"COLUMNS": str(WIDTH)},
                               terminal_width=WIDTH)  # fmt: skip
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Output(result.exit_code, result.stdout, result.stderr)

    return invoke
