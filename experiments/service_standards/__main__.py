"""python -m experiments.service_standards: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import main
from experiments.service_standards.experiment import run_experiment

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "service_standards")
