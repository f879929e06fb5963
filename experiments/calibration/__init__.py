"""See README.md beside this file; run `python -m experiments.calibration`."""

from experiments.calibration.experiment import publish_table, run_experiment

__all__ = ["publish_table", "run_experiment"]
