"""See README.md beside this file; run `python -m experiments.price_war`."""

from experiments.price_war.experiment import run_experiment

__all__ = ["run_experiment"]
