"""Per-customer kernels: pure functions over arrays, compiled with numba, each with a numpy twin.

Every kernel works element by element over customers (no reduction across customers), so a
parallel loop gives the same bits whatever the number of threads. Random numbers are drawn
outside, from seeded `numpy.random.Generator` streams, and passed in as arrays.
"""

from linkages_sim.market.kernels.choice import (
    ChoiceWeights,
    attraction,
    choice_weights,
    choose,
    choose_reference,
)
from linkages_sim.market.kernels.churn import complain_and_churn, complain_and_churn_reference
from linkages_sim.market.kernels.funnel import advance_funnel, advance_funnel_reference
from linkages_sim.market.kernels.service import serve, serve_reference
from linkages_sim.market.kernels.tally import tally, tally_reference

__all__ = [
    "ChoiceWeights",
    "advance_funnel",
    "advance_funnel_reference",
    "attraction",
    "choice_weights",
    "choose",
    "choose_reference",
    "complain_and_churn",
    "complain_and_churn_reference",
    "serve",
    "serve_reference",
    "tally",
    "tally_reference",
]
