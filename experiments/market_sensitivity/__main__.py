"""python -m experiments.market_sensitivity: see README.md; --help lists the options
(--publish copies the figure beside the README: the committed copy)."""

from pathlib import Path

from experiments.common import main
from experiments.market_sensitivity.experiment import run_experiment

OPTIONS = {
    "customers": (int, 10_000, "simulated customers per run (the design's own size)"),
    "samples": (int, 32, "Saltelli base samples N (a power of 2): N x (k + 2) points"),
    "replications": (int, 2, "seeds per point, shared by every point"),
    "periods": (int, 52, "weeks per run"),
    "workers": (int, 2, "local worker processes"),
}

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "market_sensitivity", OPTIONS)
