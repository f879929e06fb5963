"""Decided prices: demand systems and the best replies of the channel's price-setters.

`demand` holds the demand a price-setter faces (the market's own logit demand over a panel of
customers, or the linear special case); `channel` says who sets which price (the distributor's
retail reply, the supplier's Stackelberg wholesale price, the integrated benchmark).
"""

from linkages_sim.market.pricing.channel import (
    ChannelTerms,
    joint_reply,
    replies,
    retail_reply,
    stackelberg_wholesale,
    supplier_margin,
)
from linkages_sim.market.pricing.demand import (
    LinearDemand,
    LogitDemand,
    PanelSegment,
    dense_attraction,
    panel_rows,
)

__all__ = [
    "ChannelTerms",
    "LinearDemand",
    "LogitDemand",
    "PanelSegment",
    "dense_attraction",
    "joint_reply",
    "panel_rows",
    "replies",
    "retail_reply",
    "stackelberg_wholesale",
    "supplier_margin",
]
