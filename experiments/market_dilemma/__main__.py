"""python -m experiments.market_dilemma: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.market_dilemma.experiment import run_experiment

OPTIONS = {**STANDARD, "replications": (int, 10, "runs per action profile of the matrix")}

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "market_dilemma", OPTIONS)
