"""See README.md beside this file; run `python -m experiments.location_layout`."""

from experiments.location_layout.experiment import run_experiment

__all__ = ["run_experiment"]
