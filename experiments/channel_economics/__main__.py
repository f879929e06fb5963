"""python -m experiments.channel_economics: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.channel_economics.experiment import run_experiment
from experiments.common import STANDARD, main

OPTIONS = {**STANDARD, "customers": (int, 20_000, "simulated customers per market run"),
           "seeds": (int, 5, "markets (layouts and seeds) per design"),
           "linear_seeds": (int, 20, "seeds of the linear-demand channel"),
           "periods": (int, 52, "weeks of the full-market runs"),
           "panel": (int, None, "customers per segment in the demand panel (default 500)"),
           }  # fmt: skip

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "channel_economics", OPTIONS)
