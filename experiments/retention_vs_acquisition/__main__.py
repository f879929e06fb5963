"""python -m experiments.retention_vs_acquisition: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.retention_vs_acquisition.experiment import SEEDS, run_experiment

OPTIONS = {**STANDARD, "seeds": (int, SEEDS, "replications (each its own layout)")}

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "retention_vs_acquisition",
         OPTIONS)
