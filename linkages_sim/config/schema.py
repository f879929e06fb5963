"""Scenario schema: the validated description of a market, its agents and its contracts.

Configuration is data, validated once at the edge (here); the simulation core never re-checks it.
Every field documents its unit and valid range; `docs/scenarios.md` is the reference for users.
Money is in currency units per period (a week by default) unless a field says otherwise.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linkages_sim.game.strategies import STRATEGIES, unknown_strategy_message

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A level or share on the 0-1 scale."""
Money = Annotated[float, Field(ge=0.0)]
"""A non-negative amount of money (currency units)."""


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, assignments are re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Location(Strict):
    """A point on the map, in km from its lower-left corner."""

    x: float = Field(ge=0.0, description="km east of the map's west edge")
    y: float = Field(ge=0.0, description="km north of the map's south edge")


class MapSpec(Strict):
    """The rectangle where stores and customers live."""

    width_km: float = Field(20.0, gt=0.0, le=10_000.0, description="map width, km")
    height_km: float = Field(20.0, gt=0.0, le=10_000.0, description="map height, km")


class SupplierDefection(Strict):
    """What a supplier that defects does (model.md §3.2): cuts quality, supply and cost."""

    quality_cut: Unit = Field(0.10, description="fractional cut of product quality")
    fill_rate_cut: Unit = Field(0.04, description="absolute cut of the fill rate")
    cost_saving: Unit = Field(0.10, description="fractional saving on the unit cost")


class Supplier(Strict):
    """The "big company": a brand whose products distributors sell (seed slides 8-12)."""

    id: str = Field(min_length=1, description="unique identifier")
    name: str | None = Field(None, description="display name (defaults to id)")
    brand_equity: Unit = Field(0.6, description="initial brand equity, 0-1")
    quality: Unit = Field(0.7, description="product quality when cooperating, 0-1")
    unit_cost: Money = Field(40.0, description="production cost per unit")
    wholesale_price: float = Field(60.0, gt=0.0, description="price a distributor pays per unit")
    rrp: float = Field(100.0, gt=0.0, description="recommended retail price per unit")
    fill_rate: Unit = Field(0.97, description="probability an order is in stock when cooperating")
    new_product_every: int = Field(
        13, ge=0, description="periods between new products when cooperating; 0 = never"
    )
    new_product_cost: Money = Field(20_000.0, description="development cost of one new product")
    fixed_cost: Money = Field(30_000.0, description="fixed cost per period")
    cash: float = Field(1_000_000.0, description="opening cash")
    defection: SupplierDefection = Field(
        default_factory=SupplierDefection, description="what defecting changes"
    )

    @model_validator(mode="after")
    def _margin(self) -> Self:
        if self.rrp <= self.wholesale_price:
            raise ValueError(
                f"rrp ({self.rrp:g}) must exceed wholesale_price ({self.wholesale_price:g}) "
                "so that a distributor can earn a margin"
            )
        return self

    @property
    def label(self) -> str:
        return self.name or self.id


class DistributorDefection(Strict):
    """What a distributor that defects does (model.md §3.2): discounts, skimps, withholds data."""

    discount: float = Field(0.06, ge=0.0, le=0.9, description="price cut below RRP, fraction")
    service_cut: Unit = Field(
        0.8, description="fractional cut of service spend, scaled by the share of its contracts "
        "on which the distributor defects",
    )
    training_cut: Unit = Field(0.5, description="fractional cut of staff-training spend, scaled "
                               "likewise")
    withhold_data: bool = Field(True, description="stop sharing customers' buying habits")


class Distributor(Strict):
    """A firm that owns stores and sells suppliers' products to customers."""

    id: str = Field(min_length=1)
    name: str | None = None
    cash: float = Field(500_000.0, description="opening cash")
    marketing_per_period: Money = Field(4_000.0, description="marketing spend per period")
    service_spend_per_store: Money = Field(
        2_000.0, description="service spend per store per period when cooperating"
    )
    training_per_store: Money = Field(
        600.0, description="staff-training spend per store per period when cooperating"
    )
    shares_data: bool = Field(True, description="shares buying-habit data when cooperating")
    data_sharing_cost: Money = Field(
        1_500.0, description="cost per period of preparing the data for one supplier, when shared"
    )
    defection: DistributorDefection = Field(
        default_factory=DistributorDefection, description="what defecting changes"
    )

    @property
    def label(self) -> str:
        return self.name or self.id


class Store(Strict):
    """A distributor's retail outlet; its levers are the seed's retail experience (21-43)."""

    id: str = Field(min_length=1)
    distributor: str = Field(description="id of the owning distributor")
    location: Location = Field(description="where the store is on the map")
    service_level: Unit = Field(
        0.65, description="service quality at the market's reference service spend, 0-1"
    )
    staff_training: Unit = Field(
        0.6, description="staff training at the market's reference training spend, 0-1"
    )
    layout: Unit = Field(0.6, description="layout quality (queues, lighting, browsing), 0-1")
    reputation: Unit = Field(0.6, description="initial store reputation, 0-1")
    greeting_time_s: float = Field(
        40.0, ge=0.0, le=3_600.0, description="mean seconds before staff greet a customer"
    )
    occupancy_cost: Money = Field(5_000.0, description="rent and running cost per period")


class Trust(Strict):
    """Trust in a contract: rises slowly when expectations are met, falls fast when not."""

    initial: Unit = Field(0.7, description="opening trust, 0-1")
    gain: Unit = Field(0.10, description="share of the gap to 1 recovered per met review")
    loss: Unit = Field(0.35, description="share of trust lost per breached review")
    break_below: Unit = Field(
        0.2,
        description="the distributor drops the brand when its trust falls below this; 0 = never",
    )


@dataclass(frozen=True)
class ClauseMetric:
    """What a clause can measure: who owes it, which way the standard points, its valid range."""

    party: str  # "supplier" or "distributor": the side that must meet it
    direction: str  # ">=" (at least the threshold) or "<=" (at most)
    low: float
    high: float
    unit: str
    description: str


CLAUSE_METRICS: dict[str, ClauseMetric] = {
    "quality": ClauseMetric("supplier", ">=", 0.0, 1.0, "0-1",
                            "mean quality delivered to the distributor's stores"),
    "fill_rate": ClauseMetric("supplier", ">=", 0.0, 1.0, "0-1",
                              "share of orders delivered in full"),
    "new_product_within": ClauseMetric("supplier", "<=", 1.0, 520.0, "periods",
                                       "periods since the supplier's last new product"),
    "price_deviation": ClauseMetric("distributor", "<=", 0.0, 0.9, "share of RRP",
                                    "largest |retail price / RRP - 1| of the brand in its stores"),
    "service_level": ClauseMetric("distributor", ">=", 0.0, 1.0, "0-1",
                                  "mean service level of the distributor's stores"),
    "staff_training": ClauseMetric("distributor", ">=", 0.0, 1.0, "0-1",
                                   "mean staff training of the distributor's stores"),
    "greeting_time_s": ClauseMetric("distributor", "<=", 0.0, 3_600.0, "seconds",
                                    "mean time before staff greet a customer"),
    "data_shared": ClauseMetric("distributor", ">=", 1.0, 1.0, "yes/no",
                                "buying-habit data shared with the supplier"),
}  # fmt: skip
"""The measurable standards (SMART) a contract can hold each party to (docs/contracts.md)."""


class Clause(Strict):
    """One explicit, measurable expectation, checked at every review (seed: make expectations
    explicit and measurable)."""

    metric: str = Field(description="what is measured: " + ", ".join(CLAUSE_METRICS))
    threshold: float | None = Field(
        None,
        description="the standard: at least (quality, fill_rate, service_level, "
        "staff_training) or at most (new_product_within, price_deviation, greeting_time_s); "
        "not needed for data_shared",
    )
    penalty: Money = Field(
        0.0, description="SLA penalty per breach found at a review, paid to the other party"
    )
    id: str | None = Field(None, description="name in outputs, compliance_<id> (default: metric)")

    @model_validator(mode="after")
    def _standard_in_range(self) -> Self:
        spec = CLAUSE_METRICS.get(self.metric)
        if spec is None:
            close = difflib.get_close_matches(self.metric, list(CLAUSE_METRICS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(
                f"metric: unknown clause metric '{self.metric}'{hint}; valid: "
                + ", ".join(CLAUSE_METRICS)
            )
        if self.metric == "data_shared":
            if self.threshold not in (None, 1.0):
                raise ValueError("threshold: data_shared takes no threshold (it is met or not)")
            return self
        if self.threshold is None:
            raise ValueError(f"threshold: a {self.metric} clause needs a threshold")
        if not spec.low <= self.threshold <= spec.high:
            raise ValueError(
                f"threshold: {self.threshold:g} is out of range for {self.metric} "
                f"({spec.low:g} to {spec.high:g} {spec.unit})"
            )
        return self

    @property
    def name(self) -> str:
        return self.id or self.metric

    @property
    def standard(self) -> ClauseMetric:
        return CLAUSE_METRICS[self.metric]

    def met_by(self, value: float) -> bool:
        if self.metric == "data_shared":
            return value >= 1.0
        assert self.threshold is not None
        if self.standard.direction == ">=":
            return value >= self.threshold - 1e-12
        return value <= self.threshold + 1e-12


class Renegotiation(Strict):
    """Wholesale price renegotiated at renewal by Nash bargaining over the channel surplus."""

    every: int = Field(ge=1, le=520, description="periods between renewals")
    supplier_power: Unit = Field(0.5, description="supplier's bargaining power, 0-1")
    supplier_outside_option: float = Field(
        0.0, description="supplier's profit per period from its next-best use of the volume"
    )
    distributor_outside_option: float = Field(
        0.0, description="distributor's profit per period from its next-best brand"
    )


class Contract(Strict):
    """A supplier-distributor relationship played as a repeated game under explicit, measurable
    expectations (seed slides 8-13; docs/contracts.md)."""

    id: str | None = Field(None, description="identifier (defaults to supplier-distributor)")
    supplier: str
    distributor: str
    supplier_strategy: str = Field("tft", description="strategy name (`linkages strategies`)")
    distributor_strategy: str = Field("tft", description="strategy name (`linkages strategies`)")
    review_every: int = Field(4, ge=1, le=520, description="periods between relationship reviews")
    price_band: float = Field(0.05, ge=0.0, le=0.5, description="allowed deviation from RRP")
    monitoring_error: float = Field(
        0.0, ge=0.0, le=0.5, description="probability that a review misreads a clause (or, "
        "without clauses, the other's action)",
    )
    supplier_clauses: list[Clause] = Field(
        default_factory=list, description="what the distributor expects of the supplier"
    )
    distributor_clauses: list[Clause] = Field(
        default_factory=list, description="what the supplier expects of the distributor"
    )
    trust: Trust = Field(default_factory=Trust, description="trust dynamics and break threshold")
    switching_cost: Money = Field(
        0.0, description="paid by the distributor when it drops the brand and when it re-lists it"
    )
    recontract_after: int | None = Field(
        None, ge=1, le=520, description="periods after a break before a new contract; none = never"
    )
    wholesale_price: float | None = Field(
        None, gt=0.0, description="price per unit under this contract (default: the supplier's)"
    )
    renegotiation: Renegotiation | None = Field(
        None, description="Nash bargaining over the wholesale price at renewal; none = fixed"
    )

    @model_validator(mode="after")
    def _strategies_and_clauses(self) -> Self:
        for side in ("supplier_strategy", "distributor_strategy"):
            name = getattr(self, side)
            if name not in STRATEGIES:
                raise ValueError(f"{side}: {unknown_strategy_message(name)}")
        names: dict[str, str] = {}
        for party in ("supplier", "distributor"):
            for j, clause in enumerate(getattr(self, f"{party}_clauses")):
                where = f"{party}_clauses[{j}]"
                owner = clause.standard.party
                if owner != party:
                    raise ValueError(
                        f"{where}.metric: {clause.metric} is the {owner}'s obligation; list it "
                        f"under {owner}_clauses"
                    )
                if clause.name in names:
                    raise ValueError(
                        f"{where}: a second clause named '{clause.name}' (the first is "
                        f"{names[clause.name]}); give one an id"
                    )
                names[clause.name] = where
        return self

    @property
    def key(self) -> str:
        return self.id or f"{self.supplier}-{self.distributor}"

    @property
    def clauses(self) -> list[Clause]:
        return [*self.supplier_clauses, *self.distributor_clauses]


class Centre(Strict):
    """A cluster of a segment's homes (a district)."""

    x: float = Field(ge=0.0, description="km")
    y: float = Field(ge=0.0, description="km")
    weight: float = Field(1.0, gt=0.0, description="relative share of the segment living here")


class Tastes(Strict):
    """Multinomial-logit utility weights of a segment (model.md §3.4)."""

    quality: float = Field(3.0, ge=0.0, description="utility per unit of quality")
    brand: float = Field(1.5, ge=0.0, description="utility per unit of brand equity")
    price: float = Field(3.0, ge=0.0, description="price sensitivity: utility per log(price/ref)")
    service: float = Field(2.0, ge=0.0, description="utility per unit of store service")
    layout: float = Field(0.5, ge=0.0, description="utility per unit of layout quality")
    reputation: float = Field(1.0, ge=0.0, description="utility per unit of store reputation")
    distance_decay: float = Field(
        2.0, ge=0.0, le=5.0, description="Huff exponent: utility -lambda*log(1 + d/1km)"
    )
    store_loyalty: float = Field(
        3.6, ge=0.0, le=20.0, description="bonus for an active customer's store"
    )
    brand_loyalty: float = Field(
        2.2, ge=0.0, le=20.0, description="bonus for an active customer's brand"
    )
    consideration_stores: int | None = Field(
        None,
        ge=1,
        description="stores a customer considers: the nearest this many to home (a "
        "consideration set); none: every store. Saves memory and time on maps with many stores",
    )
    lapsed_affinity: float = Field(
        0.9,
        ge=-10.0,
        le=10.0,
        description="utility lapsed customers still attach to inside offers, relative to new "
        "ones (Farris et al.: lapsed buy more readily than new, less than active)",
    )


class Segment(Strict):
    """A customer segment: where its customers live, what they value, how they react."""

    id: str = Field(min_length=1)
    share: float = Field(gt=0.0, le=1.0, description="share of all customers")
    centres: list[Centre] = Field(min_length=1, description="districts where customers live")
    spread_km: float = Field(3.0, gt=0.0, description="std. deviation of homes around a centre")
    initial_active: Unit = Field(0.35, description="share active (buying) at the start")
    initial_lapsed: Unit = Field(0.10, description="share lapsed (former customers) at the start")
    shop_probability: Unit = Field(0.5, description="chance an active customer shops per period")
    units_per_purchase: float = Field(1.0, gt=0.0, description="units bought per purchase")
    tastes: Tastes = Field(default_factory=Tastes, description="logit utility weights")
    outside_utility: float = Field(
        1.0, ge=-20.0, le=20.0, description="utility of buying nothing / elsewhere"
    )
    expectation: Unit = Field(0.6, description="initial expectation of the experience, 0-1")
    satisfaction_adaptation: Unit = Field(
        0.3, description="weight of the latest disconfirmation in satisfaction"
    )
    expectation_drift: Unit = Field(
        0.05, description="weight of the latest experience in expectation (rising expectations)"
    )
    expectation_anchoring: Unit = Field(
        0.05, description="pull of expectation back toward the segment's norm per period"
    )
    complain_probability: Unit = Field(
        0.037, description="chance a dissatisfied customer complains (TARP: about 1 in 27)"
    )
    complain_threshold: float = Field(
        0.05, ge=0.0, le=1.0, description="disconfirmation below -threshold is dissatisfying"
    )
    churn_base: Unit = Field(0.003, description="churn hazard per period when satisfied")
    churn_sensitivity: float = Field(
        1.0, ge=0.0, le=20.0, description="extra hazard per unit of dissatisfaction"
    )
    winback_responsiveness: float = Field(
        0.2, gt=0.0, le=1.0, description="funnel effectiveness for lapsed vs new customers"
    )

    @model_validator(mode="after")
    def _initial_shares(self) -> Self:
        if self.initial_active + self.initial_lapsed > 1.0 + 1e-9:
            raise ValueError(
                f"initial_active + initial_lapsed = "
                f"{self.initial_active + self.initial_lapsed:g} must be <= 1"
            )
        return self


class Funnel(Strict):
    """Acquisition funnel (seed slide 33): attention, interest, desire, conviction, action."""

    cost_per_contact: float = Field(
        0.5, gt=0.0, description="marketing money per customer contact (reach)"
    )
    interest: Unit = Field(0.25, description="base chance per period: attention -> interest")
    desire: Unit = Field(0.25, description="base chance per period: interest -> desire")
    conviction: Unit = Field(0.35, description="base chance per period: desire -> conviction")
    fallback_stage: int = Field(
        1, ge=0, le=3, description="stage a convinced shopper returns to when they do not buy"
    )


class Market(Strict):
    """Market-wide mechanisms: experience, service recovery, brand and reputation dynamics."""

    reference_price: float = Field(100.0, gt=0.0, description="customers' reference price")
    greeting_standard_s: float = Field(
        30.0, gt=0.0, description="SMART greeting standard, seconds (seed slide 57)"
    )
    experience_noise: float = Field(0.08, ge=0.0, le=1.0, description="std. dev. of experience")
    experience_quality: float = Field(0.4, ge=0.0, description="weight of quality in experience")
    experience_service: float = Field(0.4, ge=0.0, description="weight of service in experience")
    experience_value: float = Field(0.2, ge=0.0, description="weight of value for money")
    stockout_experience: Unit = Field(0.15, description="experience of finding no stock")
    close_base: Unit = Field(0.55, description="chance an untrained store closes a sale")
    close_training: Unit = Field(0.40, description="extra close chance from full training")
    recovery_base: Unit = Field(0.3, description="chance a complaint is resolved, untrained")
    recovery_training: Unit = Field(0.5, description="extra resolution chance from training")
    recovery_boost: float = Field(
        0.15, ge=0.0, le=1.0, description="satisfaction after a resolved complaint"
    )
    service_spend_reference: float = Field(
        4_000.0,
        gt=0.0,
        description="service spend per store per period at which a store "
        "delivers its nominal service_level",
    )
    training_spend_reference: float = Field(
        1_000.0,
        gt=0.0,
        description="training spend per store per period that keeps staff at "
        "their nominal staff_training",
    )
    service_spend_elasticity: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        description="service ~ service_level * (spend / reference)^elasticity, and likewise "
        "training; diminishing returns",
    )
    training_adjustment: Unit = Field(0.1, description="per-period move of training to target")
    brand_adjustment: Unit = Field(0.05, description="per-period move of brand to its target")
    price_inconsistency_penalty: float = Field(
        0.8, ge=0.0, le=5.0, description="brand target lost per unit of off-band sales share"
    )
    reputation_adjustment: Unit = Field(0.08, description="per-period move of reputation")
    data_fit_adjustment: Unit = Field(
        0.05, description="per-period move of product-customer fit toward data shared"
    )
    data_fit_weight: Unit = Field(0.15, description="share of quality that depends on fit")
    new_product_boost: Unit = Field(0.08, description="quality lift of a new product")
    new_product_decay: Unit = Field(0.05, description="per-period decay of the new-product lift")
    perception_adjustment: Unit = Field(
        0.12,
        description="per-period move of the quality and service customers expect when choosing "
        "toward what is delivered; 1 = they see changes at once",
    )

    @model_validator(mode="after")
    def _experience_weights(self) -> Self:
        if self.experience_quality + self.experience_service + self.experience_value <= 0:
            raise ValueError("experience weights must not all be zero")
        return self


INTERVENTION_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required fields, optional fields) beyond id, kind, start, end, costs, description
    "train_staff": ((), ("store", "distributor", "training_boost")),
    "service_standards": ((), ("store", "distributor", "greeting_time_s", "service_boost")),
    "price_promotion": (("distributor", "discount", "end"), ("supplier",)),
    "open_store": (("new_store",), ()),
    "close_store": (("store",), ()),
    "product_mix": (("distributor", "supplier"), ("carry",)),
    "introduce_sla": (("contract", "penalty"), ()),
    "share_data": (("distributor",), ("supplier",)),
}
"""Every intervention kind with the fields it needs and the ones it may take."""

TARGET_FIELDS = (
    "store", "distributor", "supplier", "contract", "training_boost", "service_boost",
    "greeting_time_s", "discount", "carry", "penalty", "new_store",
)  # fmt: skip


class Intervention(Strict):
    """A decision to evaluate against a counterfactual (seed: "was it worth it?"), active from
    `start` to `end` (exclusive; none = to the end of the run)."""

    id: str = Field(min_length=1, description="unique name, used in `linkages evaluate`")
    kind: str = Field(description="what is done: " + ", ".join(INTERVENTION_KINDS))
    start: int = Field(ge=0, description="first period in which it acts")
    end: int | None = Field(None, ge=1, description="period in which it stops (exclusive)")
    cost: Money = Field(0.0, description="one-off cost paid at the start by the distributor")
    cost_per_period: Money = Field(0.0, description="cost per period while it acts")
    description: str = Field("", description="one line for tables")
    enabled: bool = Field(
        True, description="false keeps it in the market's structure but never lets it act"
    )
    store: str | None = Field(None, description="the store it applies to")
    distributor: str | None = Field(None, description="the distributor (all its stores)")
    supplier: str | None = Field(None, description="the brand it applies to")
    contract: str | None = Field(None, description="the contract it applies to")
    training_boost: Unit | None = Field(None, description="train_staff: added to staff "
                                        "training, 0-1 (default 0.2)")  # fmt: skip
    service_boost: Unit | None = Field(None, description="service_standards: added to service "
                                       "level, 0-1")  # fmt: skip
    greeting_time_s: float | None = Field(
        None, ge=0.0, le=3_600.0, description="service_standards: new greeting time, seconds"
    )
    discount: float | None = Field(
        None, ge=0.0, le=0.9, description="price_promotion: price cut below RRP, fraction"
    )
    carry: bool | None = Field(None, description="product_mix: carry the brand (default false)")
    penalty: Money | None = Field(
        None, description="introduce_sla: SLA penalty on every clause of the contract"
    )
    new_store: Store | None = Field(None, description="open_store: the store that opens")

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Self:
        if self.kind not in INTERVENTION_KINDS:
            close = difflib.get_close_matches(self.kind, list(INTERVENTION_KINDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"kind: unknown intervention kind '{self.kind}'{hint}; valid: "
                             + ", ".join(INTERVENTION_KINDS))  # fmt: skip
        required, optional = INTERVENTION_KINDS[self.kind]
        for name in required:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: a {self.kind} intervention needs {name}")
        for name in TARGET_FIELDS:
            if getattr(self, name) is not None and name not in (*required, *optional):
                raise ValueError(f"{name}: does not apply to a {self.kind} intervention")
        targeted = self.store is not None or self.distributor is not None
        if self.kind in ("train_staff", "service_standards") and not targeted:
            raise ValueError(f"store: a {self.kind} intervention needs a store or a distributor")
        if self.kind == "service_standards" and self.greeting_time_s is None and (
                self.service_boost is None):  # fmt: skip
            raise ValueError("service_boost: give greeting_time_s, service_boost or both")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end: must be after start ({self.start}), got {self.end}")
        return self

    def active(self, period: int) -> bool:
        return self.start <= period and (self.end is None or period < self.end)


def opening_stores(interventions: list[Intervention]) -> list[Store]:
    """Stores that open_store interventions add to the market's structure (closed until open)."""
    return [iv.new_store for iv in interventions if iv.kind == "open_store" and iv.new_store]


class Scenario(Strict):
    """A whole market: agents, contracts, customer segments and run settings."""

    name: str = Field("scenario", min_length=1, description="short name used in output folders")
    description: str = Field("", description="one line shown by `linkages scenarios`")
    periods: int = Field(52, ge=1, le=10_000, description="number of periods (weeks)")
    customers: int = Field(100_000, ge=10, le=100_000_000, description="customers in the market")
    market_size: int | None = Field(
        None,
        ge=1,
        description="real customers the simulated ones stand for (default: customers); money "
        "and units scale by market_size / customers, so --customers changes resolution only",
    )
    seed: int = Field(42, ge=0, le=2**63 - 1, description="default random seed")
    map: MapSpec = Field(default_factory=MapSpec, description="the area of the market")
    market: Market = Field(default_factory=Market, description="market-wide mechanisms")
    funnel: Funnel = Field(default_factory=Funnel, description="the acquisition funnel")
    suppliers: list[Supplier] = Field(min_length=1, description="brands (big companies)")
    distributors: list[Distributor] = Field(min_length=1, description="retail firms")
    stores: list[Store] = Field(min_length=1, description="outlets, each of one distributor")
    contracts: list[Contract] = Field(
        min_length=1, description="supplier-distributor relationships; a distributor's stores "
        "carry exactly the brands it has contracts with"
    )
    segments: list[Segment] = Field(min_length=1, description="customer segments")
    interventions: list[Intervention] = Field(
        default_factory=list, description="decisions to evaluate (`linkages evaluate`)"
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        if self.market_size is None:
            self.__dict__["market_size"] = self.customers  # no re-validation
        _unique(self.suppliers, "suppliers")
        _unique(self.distributors, "distributors")
        _unique(self.stores, "stores")
        _unique(self.segments, "segments")
        suppliers = {s.id for s in self.suppliers}
        distributors = {d.id for d in self.distributors}
        for i, store in enumerate(self.stores):
            if store.distributor not in distributors:
                raise LocatedError(
                    f"stores[{i}].distributor",
                    f"unknown distributor '{store.distributor}'; known: {_names(distributors)}",
                )
            for axis, limit in (("x", self.map.width_km), ("y", self.map.height_km)):
                if getattr(store.location, axis) > limit:
                    raise LocatedError(
                        f"stores[{i}].location.{axis}",
                        f"must be <= the map's size ({limit:g} km)",
                    )
        pairs: dict[tuple[str, str], int] = {}
        for i, c in enumerate(self.contracts):
            if c.supplier not in suppliers:
                raise LocatedError(
                    f"contracts[{i}].supplier",
                    f"unknown supplier '{c.supplier}'; known: {_names(suppliers)}",
                )
            if c.distributor not in distributors:
                raise LocatedError(
                    f"contracts[{i}].distributor",
                    f"unknown distributor '{c.distributor}'; known: {_names(distributors)}",
                )
            rrp = next(s.rrp for s in self.suppliers if s.id == c.supplier)
            if c.wholesale_price is not None and c.wholesale_price >= rrp:
                raise LocatedError(
                    f"contracts[{i}].wholesale_price",
                    f"{c.wholesale_price:g} must be below the supplier's rrp ({rrp:g})",
                )
            pair = (c.supplier, c.distributor)
            if pair in pairs:
                raise LocatedError(
                    f"contracts[{i}]",
                    f"a second contract for supplier '{pair[0]}' and distributor '{pair[1]}' "
                    f"(the first is contracts[{pairs[pair]}])",
                )
            pairs[pair] = i
        keys = [c.key for c in self.contracts]
        if len(set(keys)) != len(keys):
            raise LocatedError("contracts", "contract ids must be unique")
        self._check_interventions(suppliers, distributors, set(keys))
        owners = {s.distributor for s in self.all_stores}
        for i, c in enumerate(self.contracts):
            if c.distributor not in owners:
                raise LocatedError(
                    f"contracts[{i}].distributor",
                    f"distributor '{c.distributor}' has no store to sell supplier "
                    f"'{c.supplier}' through (add a store with distributor: {c.distributor})",
                )
        total = sum(s.share for s in self.segments)
        if abs(total - 1.0) > 1e-6:
            raise LocatedError("segments", f"shares must sum to 1 (they sum to {total:g})")
        return self

    def _check_interventions(self, suppliers: set, distributors: set, contracts: set) -> None:
        stores = {s.id for s in self.stores}
        _unique(self.interventions, "interventions")
        for i, iv in enumerate(self.interventions):
            where = f"interventions[{i}]"
            for field, known in (("store", stores), ("distributor", distributors),
                                 ("supplier", suppliers), ("contract", contracts)):  # fmt: skip
                name = getattr(iv, field)
                if name is not None and name not in known:
                    message = f"unknown {field} '{name}'; known: {_names(known)}"
                    raise LocatedError(f"{where}.{field}", message)
            if iv.start >= self.periods:
                raise LocatedError(f"{where}.start", f"{iv.start} is outside the run "
                                   f"(periods 0 to {self.periods - 1})")  # fmt: skip
            if iv.end is not None and iv.end > self.periods:
                raise LocatedError(f"{where}.end", f"{iv.end} is after the run's end "
                                   f"({self.periods})")  # fmt: skip
            if iv.new_store is not None:
                if iv.new_store.id in stores:
                    raise LocatedError(f"{where}.new_store.id",
                                       f"store '{iv.new_store.id}' already exists")  # fmt: skip
                if iv.new_store.distributor not in distributors:
                    message = f"unknown distributor '{iv.new_store.distributor}'"
                    raise LocatedError(f"{where}.new_store.distributor", message)
                stores.add(iv.new_store.id)
            if iv.kind == "product_mix" and (iv.supplier, iv.distributor) not in {
                    (c.supplier, c.distributor) for c in self.contracts}:  # fmt: skip
                raise LocatedError(where, f"distributor '{iv.distributor}' has no contract with "
                                   f"supplier '{iv.supplier}'")  # fmt: skip

    @property
    def all_stores(self) -> list[Store]:
        """The stores of the market's structure: those listed, then those that `open_store`
        interventions add (closed until they open)."""
        return [*self.stores, *opening_stores(self.interventions)]

    def supplier_index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.suppliers)}

    def distributor_index(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.distributors)}


class LocatedError(ValueError):
    """A cross-field error that knows the path of the field it concerns."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _names(ids: set[str]) -> str:
    return ", ".join(sorted(ids))


def _unique(items: list, field: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in seen:
            raise LocatedError(
                f"{field}[{i}].id", f"duplicate id '{item.id}' (also {field}[{seen[item.id]}])"
            )
        seen[item.id] = i
