"""python -m experiments.ipd_tournament: see README.md; --help lists the options
(--publish copies the figures beside the README: the committed copies)."""

from pathlib import Path

from experiments.common import main
from experiments.ipd_tournament.experiment import run_experiment

OPTIONS = {
    "turns": (int, 200, "turns per match"),
    "repetitions": (int, 10, "repetitions of each pairing"),
    "seed": (int, 2026, "seed"),
}

if __name__ == "__main__":
    main(__doc__, run_experiment, Path(__file__).resolve().parent, "ipd_tournament", OPTIONS)
