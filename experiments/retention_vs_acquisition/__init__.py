"""See README.md beside this file; run `python -m experiments.retention_vs_acquisition`."""

from experiments.retention_vs_acquisition.experiment import run_experiment

__all__ = ["run_experiment"]
