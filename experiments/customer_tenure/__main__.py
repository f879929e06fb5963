"""python -m experiments.customer_tenure: see README.md; --help lists the options
(--publish copies the figure beside the README: the committed copy)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.customer_tenure.experiment import CUSTOMERS, SEEDS, YEARS, run_experiment

OPTIONS = {**STANDARD, "customers": (int, CUSTOMERS, "simulated customers per run"),
           "seeds": (int, SEEDS, "replications (each its own layout)"),
           "years": (int, YEARS, "simulated years per run")}  # fmt: skip

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "customer_tenure", OPTIONS)
