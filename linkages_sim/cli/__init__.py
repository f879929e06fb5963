"""The `linkages` command: a thin layer over the Python API, one module per group of commands.

`common` holds the app and what every command shares; `runs` (run, validate, scenarios),
`compare` (compare), `game` (match, tournament, evolve, play, strategies), `dilemma`
(payoff-matrix), `deviation` (deviation), `results` (kpis, evaluate), `research` (sweep,
analyze, designs) and `bench` register their commands on it when imported here.
"""

from __future__ import annotations

from linkages_sim.cli import (
    bench,
    compare,
    deviation,
    dilemma,
    game,
    research,
    results,
    runs,
    workshop,
)
from linkages_sim.cli.common import app

__all__ = ["app", "main"]
_COMMAND_MODULES = (bench, compare, deviation, dilemma, game, research, results, runs, workshop)


def main() -> None:  # pragma: no cover - entry point of `linkages` and `python -m linkages_sim`
    """Run the command line."""
    app()
