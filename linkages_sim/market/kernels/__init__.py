"""Per-customer kernels: pure functions over arrays, compiled with numba, each with a numpy twin.

Every kernel works element by element over customers (no reduction across customers), so a
parallel loop gives the same bits whatever the number of threads. Random numbers are drawn
outside, from seeded `numpy.random.Generator` streams, and passed in as arrays.

Kernels take a few named tuples (numba passes them as structs; fields are read by name inside
the kernels), never long positional lists: the customers' arrays (`Customers`), the period's
per-customer outputs (`Outputs`), the period's draws and the step's constants, each built by
keyword at the call site so that two same-typed values cannot trade places unnoticed.

One rule inside a parallel kernel: bind each field to a local name, one plain assignment per
field (`stage = customers.stage`), before the `prange` loop, and use only those names in it.
Numba drops writes to an array reached through a tuple inside a parallel loop (`t.x[i] = v`,
or a tuple-unpacked `x, y = t.x, t.y`, or an inlined helper given `t`; numba issues #5872,
#7135, #10338); `tests/market/test_kernels.py` checks the rule on the source and the writes
against the numpy twins.
"""

from linkages_sim.market.kernels.choice import (
    Attraction,
    ChoiceDraws,
    ChoiceWeights,
    attraction,
    choice_weights,
    choose,
    choose_considered,
    choose_considered_reference,
    choose_every_store,
    choose_every_store_reference,
    choose_reference,
)
from linkages_sim.market.kernels.churn import (
    ChurnDraws,
    ChurnParams,
    complain_and_churn,
    complain_and_churn_reference,
)
from linkages_sim.market.kernels.customers import Customers, Outputs
from linkages_sim.market.kernels.dimensions import (
    SurveyCounts,
    SurveyParams,
    SurveyRatings,
    complaint_causes,
    complaint_causes_reference,
    survey_respond,
    survey_respond_reference,
    survey_tally,
    survey_tally_reference,
    weighted_levels,
)
from linkages_sim.market.kernels.funnel import (
    FunnelChances,
    advance_funnel,
    advance_funnel_reference,
)
from linkages_sim.market.kernels.reservation import buy_at_price, buy_at_price_reference
from linkages_sim.market.kernels.service import (
    OfferTerms,
    ServiceDraws,
    ServiceParams,
    serve,
    serve_reference,
)
from linkages_sim.market.kernels.tally import TallyCounts, TallyParams, tally, tally_reference
from linkages_sim.market.kernels.tenure import (
    TenureCounts,
    TenureParams,
    count_referrers,
    count_referrers_reference,
    tenure_tally,
    tenure_tally_reference,
    years_of,
)

__all__ = [
    "Attraction",
    "ChoiceDraws",
    "ChoiceWeights",
    "ChurnDraws",
    "ChurnParams",
    "Customers",
    "FunnelChances",
    "OfferTerms",
    "Outputs",
    "ServiceDraws",
    "ServiceParams",
    "SurveyCounts",
    "SurveyParams",
    "SurveyRatings",
    "TallyCounts",
    "TallyParams",
    "TenureCounts",
    "TenureParams",
    "advance_funnel",
    "advance_funnel_reference",
    "attraction",
    "buy_at_price",
    "buy_at_price_reference",
    "choice_weights",
    "choose",
    "choose_considered",
    "choose_considered_reference",
    "choose_every_store",
    "choose_every_store_reference",
    "choose_reference",
    "complain_and_churn",
    "complain_and_churn_reference",
    "complaint_causes",
    "complaint_causes_reference",
    "count_referrers",
    "count_referrers_reference",
    "serve",
    "serve_reference",
    "survey_respond",
    "survey_respond_reference",
    "survey_tally",
    "survey_tally_reference",
    "tally",
    "tally_reference",
    "tenure_tally",
    "tenure_tally_reference",
    "weighted_levels",
    "years_of",
]
