"""Axelrod's tournament with the 13 library strategies, without and with noise.

Run ``python -m experiments.ipd_tournament``; see README.md beside this file.
"""

from experiments.ipd_tournament.experiment import run_experiment

__all__ = ["run_experiment"]
