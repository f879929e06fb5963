"""See README.md beside this file; run `python -m experiments.service_standards`."""

from experiments.service_standards.experiment import run_experiment

__all__ = ["run_experiment"]
