"""python -m experiments.service_dimensions: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.service_dimensions.experiment import run_experiment

OPTIONS = {**STANDARD, "customers": (int, 20_000, "simulated customers per run"),
           "seeds": (int, 6, "replications per design (common random numbers)"),
           "periods": (int, 52, "weeks per run")}  # fmt: skip

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "service_dimensions", OPTIONS)
