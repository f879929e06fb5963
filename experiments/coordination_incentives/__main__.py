"""python -m experiments.coordination_incentives: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import STANDARD, main
from experiments.coordination_incentives.experiment import run_experiment

OPTIONS = {**STANDARD, "customers": (int, 20_000, "simulated customers per market run"),
           "seeds": (int, 10, "markets (each its own layout and seed) per contract form"),
           "contract": (str, "acme-north", "the contract whose stage game is measured"),
           "panel": (int, None, "customers per segment in the demand panel (default 500)"),
           }  # fmt: skip

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "coordination_incentives",
         OPTIONS)
