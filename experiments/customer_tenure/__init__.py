"""See README.md beside this file; run `python -m experiments.customer_tenure`."""

from experiments.customer_tenure.experiment import run_experiment

__all__ = ["run_experiment"]
