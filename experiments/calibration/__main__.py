"""python -m experiments.calibration: see README.md; --help lists the options
(--publish copies the figure beside the README and rewrites the table in docs/calibration.md)."""

from pathlib import Path

from experiments.calibration.experiment import SEEDS, publish_table, run_experiment
from experiments.common import STANDARD, main

OPTIONS = {
    **STANDARD,
    "seeds": (int, SEEDS, "replications of the market (each its own layout)"),
    "replications": (int, 10, "runs per action profile of the payoff matrix"),
    "linear_seeds": (int, 20, "seeds of the linear-demand channel (double marginalisation)"),
}

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "calibration", OPTIONS,
         after_publish=publish_table)
