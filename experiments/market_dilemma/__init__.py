"""The prisoner's dilemma inside the market, and the ways out: SLAs, the shadow of the future,
reciprocity and forgiveness. Run ``python -m experiments.market_dilemma``; see README.md."""

from experiments.market_dilemma.experiment import run_experiment

__all__ = ["run_experiment"]
