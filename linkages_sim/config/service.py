"""The schema of customer service as the seed defines it: six dimensions, SMART standards, surveys.

Seed slides 52-65 (docs/seed.md): service has six dimensions (trust 53, efficiency 54,
knowledge 55, control 56, choice 57, execution 58), each turned into SMART standards (59-60),
fed back through surveys (62), measured (63) and improved. Here are the pieces a scenario sets:
per store a level per dimension, a budget split and its standards; per segment an importance
weight and an expectation per dimension; market-wide what a level costs, the survey and the
store manager's policy (docs/service.md).

The defaults reduce the six dimensions to the single `service_level` of a store: every level
is the store's `service_level`, every weight is 1, every budget share is the dimension's cost
share. The seed gives no numbers per dimension, so equal weights and costs are the neutral
choice, not a finding. This module sits below `schema` (which imports it), so it has its own
strict base with the same settings as `schema.Strict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DIMENSIONS = ("trust", "efficiency", "knowledge", "control", "choice", "execution")
"""The six service dimensions, in the seed's order (slides 53-58)."""

DIMENSION_SLIDES = {"trust": 53, "efficiency": 54, "knowledge": 55, "control": 56,
                    "choice": 57, "execution": 58}  # fmt: skip
"""The seed slide that defines each dimension."""

DIMENSION_MEANINGS = {
    "trust": "best interest, best product, security and privacy, dependable and responsive",
    "efficiency": "speed, simplicity, completeness",
    "knowledge": "information, advice, remembering the customer",
    "control": "the customer decides, individual solutions, flexibility",
    "choice": "options, a full value network, preferred channels",
    "execution": "commitment, collaboration, loyalty rewards, planning",
}
"""What each dimension covers, in the seed's words."""

Dimension = Literal["trust", "efficiency", "knowledge", "control", "choice", "execution"]

MAX_MONEY = 1e12
"""As `schema.MAX_MONEY`: the largest amount of one money field."""

QUEUE_MAX_S = 600.0
"""Queue time at an efficiency level of 0, seconds (10 minutes; an assumption, not the seed's):
the `queue_time_s` indicator is QUEUE_MAX_S x (1 - efficiency)."""


class _Strict(BaseModel):
    """Unknown keys are errors, assignments re-validated, no NaN (as `schema.Strict`)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


def _about(dimension: str) -> str:
    slide = DIMENSION_SLIDES[dimension]
    return f"{dimension} ({DIMENSION_MEANINGS[dimension]}; seed slide {slide})"


def _unit_or_none(dimension: str, what: str):
    return Field(None, ge=0.0, le=1.0, description=f"{what} of {_about(dimension)}, 0-1")


class DimensionLevels(_Strict):
    """A store's nominal level of each dimension at its reference spend (none: `service_level`).

    `service_level` is the shorthand that sets all six; a level given here overrides it.
    """

    trust: float | None = _unit_or_none("trust", "Level")
    efficiency: float | None = _unit_or_none("efficiency", "Level")
    knowledge: float | None = _unit_or_none("knowledge", "Level")
    control: float | None = _unit_or_none("control", "Level")
    choice: float | None = _unit_or_none("choice", "Level")
    execution: float | None = _unit_or_none("execution", "Level")


class DimensionExpectations(_Strict):
    """A segment's opening expectation of each dimension (none: the segment's `expectation`).

    It drifts toward the level the segment's buyers experience, by the segment's
    `expectation_drift`, and is pulled back to this opening value by `expectation_anchoring`.
    """

    trust: float | None = _unit_or_none("trust", "Opening expectation")
    efficiency: float | None = _unit_or_none("efficiency", "Opening expectation")
    knowledge: float | None = _unit_or_none("knowledge", "Opening expectation")
    control: float | None = _unit_or_none("control", "Opening expectation")
    choice: float | None = _unit_or_none("choice", "Opening expectation")
    execution: float | None = _unit_or_none("execution", "Opening expectation")


def _weight(dimension: str):
    return Field(1.0, ge=0.0, le=100.0, description=f"Relative importance of {_about(dimension)}"
                 "; the seed gives no weights, so all are 1 by default")  # fmt: skip


class DimensionWeights(_Strict):
    """A segment's importance weight of each dimension (relative; normalised to sum to 1).

    The service a segment experiences, and chooses on, is the weighted mean of the six levels:
    a segment that weighs only efficiency does not notice knowledge at all.
    """

    trust: float = _weight("trust")
    efficiency: float = _weight("efficiency")
    knowledge: float = _weight("knowledge")
    control: float = _weight("control")
    choice: float = _weight("choice")
    execution: float = _weight("execution")

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if sum(getattr(self, d) for d in DIMENSIONS) <= 0.0:
            raise ValueError("service weights must not all be zero")
        return self


def _share(dimension: str, what: str, default: float | None):
    return Field(default, ge=0.0, le=1.0, description=f"{what} {_about(dimension)}")


class CostShares(_Strict):
    """What a level of each dimension costs: its share of the reference service spend.

    A dimension delivers its nominal level when it receives this share of
    `market.service_spend_reference`; more or less spend moves it with the market's
    `service_spend_elasticity`. Equal by default (the seed gives no costs). The six sum to 1.
    """

    trust: float = _share("trust", "Share of the reference service spend that holds", 1 / 6)
    efficiency: float = _share("efficiency", "Share of the reference service spend that holds",
                               1 / 6)  # fmt: skip
    knowledge: float = _share("knowledge", "Share of the reference service spend that holds",
                              1 / 6)  # fmt: skip
    control: float = _share("control", "Share of the reference service spend that holds", 1 / 6)
    choice: float = _share("choice", "Share of the reference service spend that holds", 1 / 6)
    execution: float = _share("execution", "Share of the reference service spend that holds",
                              1 / 6)  # fmt: skip

    @model_validator(mode="after")
    def _sum_to_one(self) -> Self:
        total = sum(getattr(self, d) for d in DIMENSIONS)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"cost shares must sum to 1 (they sum to {total:g})")
        if any(getattr(self, d) <= 0.0 for d in DIMENSIONS):
            raise ValueError("every cost share must be above 0 (a level that costs nothing)")
        return self


class BudgetShares(_Strict):
    """How a store splits its service spend over the dimensions (none: each one's cost share).

    The six sum to 1. The store manager's policy (`market.service.manager`) moves these shares.
    """

    trust: float | None = _share("trust", "Share of the store's service spend on", None)
    efficiency: float | None = _share("efficiency", "Share of the store's service spend on", None)
    knowledge: float | None = _share("knowledge", "Share of the store's service spend on", None)
    control: float | None = _share("control", "Share of the store's service spend on", None)
    choice: float | None = _share("choice", "Share of the store's service spend on", None)
    execution: float | None = _share("execution", "Share of the store's service spend on", None)

    @model_validator(mode="after")
    def _all_or_none(self) -> Self:
        given = [getattr(self, d) for d in DIMENSIONS]
        if any(v is None for v in given):
            raise ValueError("give all six budget shares (they sum to 1), or none")
        if abs(sum(given) - 1.0) > 1e-6:
            raise ValueError(f"budget shares must sum to 1 (they sum to {sum(given):g})")
        return self


def meets(value: float, direction: str, target: float) -> bool:
    """Whether `value` meets a SMART target: at least it (">=") or at most it ("<="), to 1e-12.

    The one reading of a target, for contract clauses and store standards alike.
    """
    if direction == ">=":
        return value >= target - 1e-12
    return value <= target + 1e-12


@dataclass(frozen=True)
class Indicator:
    """A measurable service indicator: which dimensions it measures, which way targets point."""

    dimensions: tuple[str, ...]
    direction: str  # ">=" (at least the target) or "<=" (at most)
    low: float
    high: float
    unit: str
    description: str


INDICATORS: dict[str, Indicator] = {
    "greeting_time_s": Indicator(("efficiency",), "<=", 0.0, 3_600.0, "seconds",
                                 "time from entering to first contact (seed slide 60); the "
                                 "standard holds the store's greeting time within its target"),
    "queue_time_s": Indicator(("efficiency",), "<=", 0.0, QUEUE_MAX_S, "seconds",
                              "mean queue time, QUEUE_MAX_S x (1 - efficiency)"),
    "stockout_rate": Indicator(("trust", "choice"), "<=", 0.0, 1.0, "share",
                               "share of requests out of stock, 1 - the store's mean fill rate"),
    "advice_given": Indicator(("knowledge",), ">=", 0.0, 1.0, "share of visits",
                              "visits in which staff give advice: the knowledge level"),
    "follow_up_contact": Indicator(("knowledge", "execution"), ">=", 0.0, 1.0,
                                   "share of buyers", "buyers contacted after the sale: the "
                                   "level of the standard's dimension"),
    "tailored_offers": Indicator(("control",), ">=", 0.0, 1.0, "share of visits",
                                 "visits offered an individual solution: the control level"),
}  # fmt: skip
"""What a SMART standard can measure (docs/service.md). Each indicator reads the store's state;
the greeting time is a lever, the stock-out rate follows the suppliers' fill rates, the others
follow the level of the standard's dimension."""


class Standard(_Strict):
    """A SMART service standard a store keeps (seed slides 59-60): specific, measurable, a target.

    Keeping it costs `cost_per_period`, spent on its dimension (it buys level as the service
    budget does); it is measured with noise every `review_every` periods and read as met or
    not. Contract clauses `standards_met` read the result.
    """

    id: str = Field(min_length=1, max_length=64, pattern=r"^\w[\w.+-]*$",
                    description="Unique identifier within the store's standards")  # fmt: skip
    dimension: Dimension = Field(description="The dimension it serves: " + ", ".join(DIMENSIONS))
    indicator: str = Field(description="What is measured: " + ", ".join(INDICATORS))
    target: float = Field(ge=0.0, le=3_600.0, description="The standard: at least "
                          "(advice_given, follow_up_contact, "
                          "tailored_offers) or at most (greeting_time_s, queue_time_s, "
                          "stockout_rate) this value, in the indicator's unit")  # fmt: skip
    review_every: int = Field(4, ge=1, le=520, description="Periods between measurements")
    cost_per_period: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Cost per period of "
                                   "keeping it (training, staffing), paid by the distributor "
                                   "and spent on its dimension")  # fmt: skip
    measurement_noise: float = Field(0.1, ge=0.0, le=2.0, description="Standard deviation of "
                                     "the log measurement error (a multiplicative error)")

    @model_validator(mode="after")
    def _indicator(self) -> Self:
        spec = INDICATORS.get(self.indicator)
        if spec is None:
            raise ValueError(f"unknown indicator '{self.indicator[:40]}'; valid: "
                             + ", ".join(INDICATORS))  # fmt: skip
        if self.dimension not in spec.dimensions:
            raise ValueError(f"{self.indicator} measures {' or '.join(spec.dimensions)}, not "
                             f"{self.dimension}")  # fmt: skip
        if not spec.low <= self.target <= spec.high:
            raise ValueError(f"target {self.target:g} is out of range for {self.indicator} "
                             f"({spec.low:g} to {spec.high:g} {spec.unit})")  # fmt: skip
        return self

    def met_by(self, value: float) -> bool:
        """Whether a measured value meets the target (to within rounding)."""
        return meets(value, INDICATORS[self.indicator].direction, self.target)


class Survey(_Strict):
    """The customer survey each review period (seed slide 62: getting feedback).

    A random sample of each store's active customers is invited; some respond, complainants more
    readily. A respondent rates each dimension as the level delivered, plus a halo of their
    overall satisfaction, plus the response bias, plus noise (docs/service.md).
    """

    every: int = Field(4, ge=1, le=520, description="Periods between surveys (the review period)")
    invitations: int = Field(100, ge=1, le=1_000_000, description="Customers invited per store "
                             "per survey (simulated customers; all of them if fewer)")
    response_rate: float = Field(0.3, gt=0.0, le=1.0, description="Chance an invited customer "
                                 "responds (an assumption: customer surveys see 10-40%)")
    complainant_weight: float = Field(2.0, ge=0.0, le=20.0, description="How much more readily "
                                      "a customer who complained responds (1: no difference); "
                                      "an assumption, complainants are over-represented")
    response_bias: float = Field(0.0, ge=-1.0, le=1.0, description="Added to every rating "
                                 "(courtesy bias when positive)")  # fmt: skip
    halo: float = Field(0.5, ge=0.0, le=2.0, description="Weight of the respondent's overall "
                        "satisfaction in each rating (the halo effect); an assumption")
    noise: float = Field(0.1, ge=0.0, le=1.0, description="Standard deviation of a rating")


class MysteryShopper(_Strict):
    """A periodic mystery-shopper audit of every store's standards (seed slide 63: measure).

    An outside auditor measures each standard's indicator with its own log measurement error,
    smaller than the store's self-measurement (`Standard.measurement_noise`) by default, and
    reads it as met or not. Audits are measurement only: what a contract's `standards_met`
    clause reads stays the store's own reading.
    """

    every: int = Field(13, ge=1, le=520, description="Periods between audits (13: a quarter)")
    noise: float = Field(0.03, ge=0.0, le=2.0, description="Standard deviation of the audit's "
                         "log measurement error (a multiplicative error); an assumption, a "
                         "trained auditor measures more precisely than the store itself")


class ServiceModel(_Strict):
    """The six-dimension service model, market-wide: costs, the survey and the manager.

    Setting it (even empty) turns the model on; so does any store's or segment's dimension
    field. With its defaults the six dimensions give exactly the single service level.
    """

    cost_shares: CostShares = Field(default_factory=CostShares,
                                    description="What a level of each dimension costs")
    survey: Survey = Field(default_factory=Survey, description="The customer survey")
    manager: Literal["none", "largest_gap"] = Field(
        "none", description="The store manager's policy after each survey: none (the budget "
        "stays) or largest_gap (move budget toward the dimension of largest importance x gap, "
        "from the one of smallest; Martilla & James 1977)",
    )
    manager_step: float = Field(0.05, ge=0.0, le=1.0, description="Share of the store's "
                                "service budget the manager moves per survey")
    min_share: float = Field(0.02, ge=0.0, le=1 / 6, description="Smallest budget share the "
                             "manager leaves a dimension")  # fmt: skip
    mystery_shopper: MysteryShopper | None = Field(
        None, description="Audits of the stores' standards by a mystery shopper (none: no "
        "audits)",
    )


__all__ = [
    "DIMENSIONS",
    "DIMENSION_MEANINGS",
    "DIMENSION_SLIDES",
    "INDICATORS",
    "QUEUE_MAX_S",
    "BudgetShares",
    "CostShares",
    "DimensionExpectations",
    "DimensionLevels",
    "DimensionWeights",
    "Indicator",
    "MysteryShopper",
    "ServiceModel",
    "Standard",
    "Survey",
]
