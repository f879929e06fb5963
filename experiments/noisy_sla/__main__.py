"""python -m experiments.noisy_sla: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.noisy_sla.experiment import run_experiment

OPTIONS = {**STANDARD, "customers": (int, 30_000, "simulated customers per run"),
           "replications": (int, 8, "runs per action profile and noise level")}  # fmt: skip

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "noisy_sla", OPTIONS)
