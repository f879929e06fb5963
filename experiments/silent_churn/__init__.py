"""See README.md beside this file; run `python -m experiments.silent_churn`."""

from experiments.silent_churn.experiment import run_experiment

__all__ = ["run_experiment"]
