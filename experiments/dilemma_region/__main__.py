"""python -m experiments.dilemma_region: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import main
from experiments.dilemma_region.experiment import run_experiment

OPTIONS = {
    "customers": (int, 20_000, "simulated customers per run"),
    "trajectories": (int, 16, "Morris trajectories (points: trajectories x (inputs + 1))"),
    "samples": (int, 64, "Saltelli base samples N of the Sobol step (a power of 2)"),
    "keep": (int, 4, "inputs the Sobol step keeps (the highest screening scores)"),
    "grid": (int, 11, "phase diagram: values along each of its two axes"),
    "replications": (int, 2, "seeds per point (3 at least on the phase grid)"),
    "layouts": (int, 10, "seeds, each its own layout, for the default point"),
    "periods": (int, 13, "weeks per run: one quarter, the stage game's horizon"),
    "workers": (int, 2, "local worker processes"),
    "market": (str, None, "the market the inputs vary around (default: the design's, the "
             "default market at fixed prices; decided_prices: distributors set their prices)"),
}

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "dilemma_region", OPTIONS)
