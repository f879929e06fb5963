"""python -m experiments.dynamic_game: see README.md; --help lists the options
(--publish copies the figure beside the README: the committed copy)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.dynamic_game.experiment import run_experiment

OPTIONS = {**STANDARD, "customers": (int, 10_000, "simulated customers per run"),
           "seeds": (int, 5, "replications (seeds, each with its own market layout)"),
           "periods": (int, 52, "the long horizon, in weeks"),
           "short": (int, 13, "the short horizon, in weeks")}  # fmt: skip

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "dynamic_game", OPTIONS)
