"""Scenario schema: the validated description of a market, its agents and its contracts.

Configuration is data, validated once at the edge (here); the simulation core never re-checks it.
Every field documents its unit and valid range; `docs/scenarios.md` is the reference for users.
Money is in currency units per period (a week by default) unless a field says otherwise.

A scenario that validates must run: every number is finite and bounded so that a run's sums
stay far inside float64 (see the `MAX_` bounds), every reference names something that exists,
and structures the model cannot play (a contract whose distributor has no store, an
intervention aimed at nothing) are refused here with the field's path.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from linkages_sim.config.service import (
    DIMENSIONS,
    BudgetShares,
    DimensionExpectations,
    DimensionLevels,
    DimensionWeights,
    ServiceModel,
    Standard,
    meets,
)
from linkages_sim.game.players import parse_player
from linkages_sim.game.strategies import (
    STRATEGIES,
    TRUST_GAIN,
    TRUST_INITIAL,
    TRUST_LOSS,
    unknown_strategy_message,
)

MAX_MONEY = 1e12
"""Largest amount of one money field (a trillion currency units, per period or one-off): far
above any real channel, and small enough that a run's totals (at most 10^10 real customers,
10,000 periods) stay many orders of magnitude below float64's overflow at 1.8e308."""
MAX_CASH = 1e15
"""Largest opening cash, either sign."""
MIN_PRICE, MAX_PRICE = 1e-6, 1e9
"""Prices per unit: positive and bounded, so log(price / reference) and reference / price stay
finite in choice and experience."""
MAX_WEIGHT = 100.0
"""Largest logit utility weight per unit of a 0-1 attribute: beyond it choice is already
deterministic (exp(100) ~ 2.7e43), and utilities stay finite."""
MAX_MARKET_SIZE = 10_000_000_000
"""Real customers a market may stand for: 10^10, above the world's 8.2 billion people (UN World
Population Prospects 2024)."""
MAX_PERIODS = 10_000

ID_PATTERN = r"^\w[\w.+-]*$"
"""Identifiers and scenario names: letters, digits and `_`, then also `.`, `+` and `-`. They
name output folders (the scenario's name), accounts, metrics and table rows, so they hold no
spaces, path separators, brackets or control characters."""

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A level or share on the 0-1 scale."""
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY)]
"""A non-negative amount of money (currency units)."""
Price = Annotated[float, Field(ge=MIN_PRICE, le=MAX_PRICE)]
"""A price per unit (currency units)."""
Cash = Annotated[float, Field(ge=-MAX_CASH, le=MAX_CASH)]
"""Opening cash (currency units; may be negative: a firm in debt)."""
Weight = Annotated[float, Field(ge=0.0, le=MAX_WEIGHT)]
"""A logit utility weight."""
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
"""An identifier: unique within its list."""
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
"""A reference to an identifier elsewhere in the scenario."""


def _one_line(text: str) -> str:
    """Free text on one line, so tables and messages stay one line per item.

    Runs of whitespace, line breaks included (a YAML block scalar), become one space.
    """
    return " ".join(text.split())


Text = Annotated[str, AfterValidator(_one_line)]
"""Free text for tables (descriptions, display names)."""


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, assignments are re-validated.

    NaN and infinities are refused too: YAML's `.nan` and `.inf` are numbers the model cannot
    run.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


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

    id: Id = Field(description="unique identifier")
    name: Text | None = Field(None, description="display name (defaults to id)")
    brand_equity: Unit = Field(0.6, description="initial brand equity, 0-1")
    quality: Unit = Field(0.7, description="product quality when cooperating, 0-1")
    unit_cost: Money = Field(40.0, description="production cost per unit")
    wholesale_price: Price = Field(60.0, description="price a distributor pays per unit")
    rrp: Price = Field(100.0, description="recommended retail price per unit")
    fill_rate: Unit = Field(0.97, description="probability an order is in stock when cooperating")
    new_product_every: int = Field(
        13, ge=0, le=MAX_PERIODS, description="periods between new products when cooperating; "
        "0 = never",
    )
    new_product_cost: Money = Field(20_000.0, description="development cost of one new product")
    fixed_cost: Money = Field(30_000.0, description="fixed cost per period")
    cash: Cash = Field(1_000_000.0, description="opening cash")
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
        """The name to show: the display name, else the id."""
        return self.name or self.id


class DistributorDefection(Strict):
    """What a distributor that defects does (model.md §3.2): discounts, skimps, withholds data."""

    discount: float = Field(0.06, ge=0.0, le=0.9, description="price cut below RRP, fraction")
    service_cut: Unit = Field(
        0.8, description="fractional cut of service spend, scaled by the share of its contracts "
        "on which the distributor defects",
    )
    training_cut: Unit = Field(0.5, description="fractional cut of staff-training spend, scaled "
                               "like service_cut by the share of contracts defected on")
    withhold_data: bool = Field(True, description="stop sharing customers' buying habits")


class Distributor(Strict):
    """A firm that owns stores and sells suppliers' products to customers."""

    id: Id = Field(description="unique identifier")
    name: Text | None = Field(None, description="display name (defaults to id)")
    cash: Cash = Field(500_000.0, description="opening cash")
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
        """The name to show: the display name, else the id."""
        return self.name or self.id


class Store(Strict):
    """A distributor's retail outlet; its levers are the seed's retail experience (21-43)."""

    id: Id = Field(description="unique identifier")
    distributor: Ref = Field(description="id of the owning distributor")
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
    service: DimensionLevels | None = Field(
        None, description="level of each of the six service dimensions (docs/service.md); "
        "none: service_level sets all six",
    )
    service_budget: BudgetShares | None = Field(
        None, description="split of the service spend over the six dimensions; none: each "
        "dimension's cost share",
    )
    standards: list[Standard] = Field(
        default_factory=list, description="SMART service standards the store keeps"
    )

    @model_validator(mode="after")
    def _unique_standards(self) -> Self:
        seen: set[str] = set()
        for j, standard in enumerate(self.standards):
            if standard.id in seen:
                raise LocatedError(f"standards[{j}].id", f"duplicate id '{standard.id}' (two "
                                   "standards have it; ids are unique within a store)")
            seen.add(standard.id)
        return self


class Trust(Strict):
    """Trust in a contract: rises slowly when expectations are met, falls fast when not."""

    initial: Unit = Field(TRUST_INITIAL, description="opening trust, 0-1")
    gain: Unit = Field(TRUST_GAIN, description="share of the gap to 1 recovered per met review")
    loss: Unit = Field(TRUST_LOSS, description="share of trust lost per breached review")
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
    "standards_met": ClauseMetric("distributor", ">=", 0.0, 1.0, "share",
                                  "share of the SMART standards of its stores met at their "
                                  "latest review (docs/service.md)"),
    **{f"service_{d}": ClauseMetric("distributor", ">=", 0.0, 1.0, "0-1",
                                    f"mean {d} level of the distributor's stores")
       for d in DIMENSIONS},
}  # fmt: skip
"""The measurable standards (SMART) a contract can hold each party to (docs/contracts.md)."""


class Clause(Strict):
    """One explicit, measurable expectation, checked at every review.

    The seed: make expectations explicit and measurable.
    """

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
    id: Id | None = Field(None, description="name in outputs, compliance_<id> (default: metric)")

    @model_validator(mode="after")
    def _standard_in_range(self) -> Self:
        spec = CLAUSE_METRICS.get(self.metric)
        if spec is None:
            close = difflib.get_close_matches(self.metric, list(CLAUSE_METRICS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise LocatedError(
                "metric", f"unknown clause metric {_quote(self.metric)}{hint}; valid: "
                + ", ".join(CLAUSE_METRICS),
            )  # fmt: skip
        if self.metric == "data_shared":
            if self.threshold not in (None, 1.0):
                raise LocatedError("threshold", "data_shared takes no threshold (it is met or not)")
            return self
        if self.threshold is None:
            raise LocatedError("threshold", f"a {self.metric} clause needs a threshold")
        if not spec.low <= self.threshold <= spec.high:
            raise LocatedError(
                "threshold", f"{self.threshold:g} is out of range for {self.metric} "
                f"({spec.low:g} to {spec.high:g} {spec.unit})",
            )  # fmt: skip
        return self

    @property
    def name(self) -> str:
        """The clause's name in outputs (`compliance_<name>`): its id, else its metric."""
        return self.id or self.metric

    @property
    def standard(self) -> ClauseMetric:
        """What the clause's metric measures and which way its standard points."""
        return CLAUSE_METRICS[self.metric]

    def met_by(self, value: float) -> bool:
        """Whether a measured value meets the standard (to within rounding, 1e-12)."""
        if self.metric == "data_shared":
            return value >= 1.0
        assert self.threshold is not None
        return meets(value, self.standard.direction, self.threshold)


class Renegotiation(Strict):
    """Wholesale price renegotiated at renewal by Nash bargaining over the channel surplus."""

    every: int = Field(ge=1, le=520, description="periods between renewals")
    supplier_power: Unit = Field(0.5, description="supplier's bargaining power, 0-1")
    supplier_outside_option: Money | None = Field(
        None, description="supplier's profit per period from its next-best use of the volume "
        "(default: the contract's outside_options.supplier); not negative, so that the agreed "
        "price lies between unit cost and retail price",
    )
    distributor_outside_option: Money | None = Field(
        None, description="distributor's profit per period from its next-best brand (default: "
        "the contract's outside_options.distributor); not negative",
    )


class OutsideOptions(Strict):
    """What each party earns per period without this contract: its participation constraint.

    A contract is win-win when each party earns more under it than its outside option (seed
    slide 13); Nash bargaining splits the surplus above them (model.md §10).
    """

    supplier: Money = Field(
        0.0, description="the supplier's profit per period from its alternative channel for "
        "this volume (selling direct, or through another distributor)",
    )
    distributor: Money = Field(
        0.0, description="the distributor's profit per period from the best alternative use of "
        "the shelf space (another brand)",
    )


class QuantityDiscount(Strict):
    """An incremental quantity discount: the units beyond a volume a period at a lower price.

    The distributor pays the contract's wholesale price on a period's first `above_units` units
    and `wholesale_price` on each unit beyond them: an incremental (block) schedule, the form of
    most volume rebates (Dolan 1987, "Quantity discounts: managerial issues and research
    opportunities", Marketing Science 6(1)). With the marginal price at the supplier's unit
    cost it coordinates the channel the way a two-part tariff does, the inframarginal units
    carrying the supplier's margin as the fee would (Jeuland & Shugan 1983; Moorthy 1987,
    "Managing channel profits: comment", Marketing Science 6(4)); a distributor that sells no
    more than `above_units` prices at the list price instead (model.md §10).
    """

    above_units: float = Field(
        ge=0.0, le=1e12, description="units a period on this contract (as the contract's "
        "`units` metric counts them) paid at the contract's wholesale price",
    )
    wholesale_price: Price = Field(
        description="price per unit beyond `above_units`; below the contract's wholesale price"
    )


class Pricing(Strict):
    """Who sets prices, and how (model.md §10).

    Fixed: retail at RRP and wholesale at the contract's price, as agreed. Best reply: at each of
    its reviews a distributor sets each brand's retail price for its own margin on the market's
    demand; with a Stackelberg supplier, the supplier first sets its wholesale price, one for
    all its distributors, anticipating their replies. Integrated: the benchmark in which each
    contract's retail price is set for its pair's joint margin (the wholesale price an internal
    transfer). Joint: one owner sets every retail price for the whole market's margin.
    """

    retail: Literal["fixed", "best_reply", "integrated", "joint"] = Field(
        "fixed", description="how retail prices are set: fixed (RRP), best_reply (the "
        "distributor's), integrated (each contract for its pair's joint margin) or joint (one "
        "owner of the whole market)",
    )
    wholesale: Literal["fixed", "stackelberg"] = Field(
        "fixed", description="how wholesale prices are set: fixed (the contract's, or Nash "
        "bargaining at renewal) or stackelberg (the supplier anticipates the distributor's reply)",
    )
    demand: Literal["long_run", "current"] = Field(
        "long_run", description="the demand price-setters read: long_run (customers choose "
        "afresh, without loyalty) or current (this period's, loyal customers included)",
    )
    panel: int = Field(
        500, ge=10, le=100_000, description="customers per segment in the panel whose demand "
        "price-setters read; more is smoother and slower",
    )
    price_cap: float = Field(
        10.0, gt=1.0, le=100.0, description="highest retail price, as a multiple of the "
        "supplier's RRP; a guard, set well above any best reply: a cap that binds lets a "
        "Stackelberg supplier take the distributor's whole margin",
    )

    @model_validator(mode="after")
    def _leader_needs_a_follower(self) -> Self:
        if self.wholesale == "stackelberg" and self.retail != "best_reply":
            raise LocatedError(
                "wholesale", "stackelberg needs retail: best_reply (the supplier anticipates the "
                "distributor's best reply)",
            )  # fmt: skip
        return self


CONTRACT_TRUST_PARAMETERS = ("initial", "gain", "loss")
"""Parameters of the `trust` strategy that a contract sets itself (its `trust:` settings)."""


@functools.lru_cache(maxsize=4096)  # every model re-validates its tree; a sweep builds many
def strategy_problem(spec: str, in_contract: bool = False) -> str | None:
    """Why `spec` is not a strategy as `linkages tournament` reads it, or None.

    A spec is `name[:key=value]...` (`game.players.parse_player`). Stricter than the
    tournament: every parameter of the library is a probability or a 0-1 trust level, so each
    must be a number from 0 to 1, given once; in a contract, trust's opening level, gain and
    loss come from the contract.
    """
    name, *settings = spec.strip().split(":")
    if name not in STRATEGIES:
        return unknown_strategy_message(name)
    parameters = strategy_parameters(name)
    given: set[str] = set()
    for setting in settings:
        key, sep, value = (part.strip() for part in setting.partition("="))
        if not sep:
            return f"'{spec}': a parameter must look like key=value, got '{setting}'"
        if key not in parameters:
            known = ", ".join(parameters) or "none"
            return f"'{spec}': {name} has no parameter '{key}' (its parameters: {known})"
        if key in given:
            return f"'{spec}': parameter {key} is given twice"
        given.add(key)
        try:
            number = float(value)
        except ValueError:
            return f"'{spec}': parameter {key} must be a number, got '{value}'"
        if not 0.0 <= number <= 1.0:  # NaN fails too
            return f"'{spec}': parameter {key} must be from 0 to 1, got {value}"
        if in_contract and name == "trust" and key in CONTRACT_TRUST_PARAMETERS:
            return (f"'{spec}': in a contract, trust's {key} comes from the contract's trust "
                    "settings; give only threshold")  # fmt: skip
    try:
        parse_player(spec)  # the tournament's own reading, so both accept the same specs
    except ValueError as err:
        return str(err)
    return None


def strategy_parameters(name: str) -> list[str]:
    """The number parameters of a library strategy.

    Its constructor's arguments with a number or None default (gtft's payoff table is not one).
    """
    signature = inspect.signature(STRATEGIES[name].__init__)
    return [
        p.name for p in list(signature.parameters.values())[1:]
        if p.kind is p.POSITIONAL_OR_KEYWORD and (
            p.default is None or isinstance(p.default, (int, float)))
    ]  # fmt: skip


StrategySpec = Annotated[str, Field(min_length=1, max_length=200)]


class Contract(Strict):
    """A supplier-distributor relationship: a repeated game under measurable expectations.

    Seed slides 8-13; docs/contracts.md.
    """

    id: Id | None = Field(None, description="identifier (defaults to supplier-distributor)")
    supplier: Ref = Field(description="id of the supplier (the brand)")
    distributor: Ref = Field(description="id of the distributor that sells it")
    supplier_strategy: StrategySpec = Field(
        "tft", description="strategy (`linkages strategies`), with parameters as in `linkages "
        "tournament`: `gtft:p=0.1`, `trust:threshold=0.6`",
    )
    distributor_strategy: StrategySpec = Field(
        "tft", description="strategy, likewise; `trust` takes its opening level, gain and loss "
        "from the contract's `trust`",
    )
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
    wholesale_price: Price | None = Field(
        None, description="price per unit under this contract (default: the supplier's)"
    )
    renegotiation: Renegotiation | None = Field(
        None, description="Nash bargaining over the wholesale price at renewal; none = fixed"
    )
    revenue_share: float = Field(
        0.0, ge=0.0, lt=1.0, description="share of the retail revenue the distributor pays the "
        "supplier (a revenue-sharing contract, Cachon & Lariviere 2005)",
    )
    franchise_fee: Money = Field(
        0.0, description="fixed fee per period the distributor pays the supplier while the "
        "contract trades (with a wholesale price at unit cost: a two-part tariff)",
    )
    quantity_discount: QuantityDiscount | None = Field(
        None, description="units beyond a volume a period at a lower wholesale price (an "
        "incremental quantity discount); none = one price for every unit",
    )
    outside_options: OutsideOptions = Field(
        default_factory=OutsideOptions, description="each party's profit per period without "
        "this contract (its participation constraint)",
    )

    @field_validator("supplier_strategy", "distributor_strategy")
    @classmethod
    def _known_strategy(cls, spec: str) -> str:
        problem = strategy_problem(spec, in_contract=True)
        if problem is not None:
            raise ValueError(problem)
        return spec

    @model_validator(mode="after")
    def _clauses(self) -> Self:
        names: dict[str, str] = {}
        for party in ("supplier", "distributor"):
            for j, clause in enumerate(getattr(self, f"{party}_clauses")):
                where = f"{party}_clauses[{j}]"
                owner = clause.standard.party
                if owner != party:
                    raise LocatedError(
                        f"{where}.metric", f"{clause.metric} is the {owner}'s obligation; list "
                        f"it under {owner}_clauses",
                    )  # fmt: skip
                if clause.name in names:
                    raise LocatedError(
                        where, f"a second clause named '{clause.name}' (the first is "
                        f"{names[clause.name]}); give one an id",
                    )  # fmt: skip
                names[clause.name] = where
        return self

    @property
    def key(self) -> str:
        """The contract's id, else `supplier-distributor`."""
        return self.id or f"{self.supplier}-{self.distributor}"

    @property
    def clauses(self) -> list[Clause]:
        """Every clause of the contract, the supplier's first."""
        return [*self.supplier_clauses, *self.distributor_clauses]


class Centre(Strict):
    """A cluster of a segment's homes (a district)."""

    x: float = Field(ge=0.0, description="km (within the map)")
    y: float = Field(ge=0.0, description="km (within the map)")
    weight: float = Field(
        1.0, gt=0.0, le=1e6, description="relative share of the segment living here"
    )


class Tastes(Strict):
    """Multinomial-logit utility weights of a segment (model.md §3.4)."""

    quality: Weight = Field(3.0, description="utility per unit of quality")
    brand: Weight = Field(1.5, description="utility per unit of brand equity")
    price: Weight = Field(3.0, description="price sensitivity: utility per log(price/ref)")
    service: Weight = Field(2.0, description="utility per unit of store service")
    layout: Weight = Field(0.5, description="utility per unit of layout quality")
    reputation: Weight = Field(1.0, description="utility per unit of store reputation")
    distance_decay: float = Field(
        2.0, ge=0.0, le=5.0,
        description="distance decay: utility -lambda*log(1 + d/1km), not Huff's d^-lambda",
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
        le=1_000_000,
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


MAX_TENURE_YEARS = 50
"""Longest per-year table of `TenureValue`: the last entry holds for every later year."""


class TenureValue(Strict):
    """How a customer's value grows with tenure (Reichheld & Sasser, HBR 1990, "Zero Defections").

    Each list holds one entry per year of tenure (the first: a customer's first year since their
    acquisition or win-back; the last entry holds for every later year). None of it acts unless
    the block is given: without it spend, costs and the funnel are what they were.
    """

    periods_per_year: int = Field(
        52, ge=1, le=366, description="periods in a year of tenure (52: weekly periods)"
    )
    spend: list[Annotated[float, Field(gt=0.0, le=100.0)]] = Field(
        default_factory=lambda: [1.0], min_length=1, max_length=MAX_TENURE_YEARS,
        description="multiplier on units_per_purchase by year of tenure (increased purchases)",
    )
    cost_to_serve: list[Money] = Field(
        default_factory=lambda: [0.0], min_length=1, max_length=MAX_TENURE_YEARS,
        description="money per active customer per year by year of tenure, charged to the "
        "distributor of the customer's store (lower operating cost of known customers)",
    )
    referrals: list[Annotated[float, Field(ge=0.0, le=366.0)]] = Field(
        default_factory=lambda: [0.0], min_length=1, max_length=MAX_TENURE_YEARS,
        description="prospects referred per active customer per year by year of tenure; a "
        "referred prospect reaches the funnel's conviction stage (at most one a period each)",
    )
    acquisition_cost: Money = Field(
        0.0, description="money per newly acquired customer (first purchase), charged to the "
        "distributor of the store it bought at, on top of marketing",
    )

    @model_validator(mode="after")
    def _one_referral_a_period(self) -> Self:
        fastest = max(self.referrals)
        if fastest > self.periods_per_year:
            raise ValueError(
                f"referrals {fastest:g} a year exceed one a period ({self.periods_per_year} "
                "periods_per_year): a customer refers at most once a period"
            )
        return self


class Segment(Strict):
    """A customer segment: where its customers live, what they value, how they react."""

    id: Id = Field(description="unique identifier")
    share: float = Field(gt=0.0, le=1.0, description="share of all customers")
    centres: list[Centre] = Field(min_length=1, description="districts where customers live")
    spread_km: float = Field(
        3.0, gt=0.0, le=10_000.0, description="std. deviation of homes around a centre"
    )
    initial_active: Unit = Field(0.35, description="share active (buying) at the start")
    initial_lapsed: Unit = Field(0.10, description="share lapsed (former customers) at the start")
    shop_probability: Unit = Field(0.5, description="chance an active customer shops per period")
    units_per_purchase: float = Field(
        1.0, gt=0.0, le=1e6, description="units bought per purchase"
    )
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
    service_weights: DimensionWeights | None = Field(
        None, description="importance of each of the six service dimensions (docs/service.md); "
        "none: all equal",
    )
    service_expectations: DimensionExpectations | None = Field(
        None, description="opening expectation of each service dimension; none: expectation"
    )
    tenure_value: TenureValue | None = Field(
        None, description="spend, cost to serve and referrals by year of tenure (Reichheld & "
        "Sasser 1990; docs/model.md); none: a customer's value does not change with tenure",
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
        0.5, gt=0.0, le=MAX_MONEY, description="marketing money per customer contact (reach)"
    )
    interest: Unit = Field(0.25, description="base chance per period: attention -> interest")
    desire: Unit = Field(0.25, description="base chance per period: interest -> desire")
    conviction: Unit = Field(0.35, description="base chance per period: desire -> conviction")
    fallback_stage: int = Field(
        1, ge=0, le=3, description="stage a convinced shopper returns to when they do not buy"
    )


class Market(Strict):
    """Market-wide mechanisms: experience, service recovery, brand and reputation dynamics."""

    reference_price: Price = Field(100.0, description="customers' reference price")
    greeting_standard_s: float = Field(
        30.0, gt=0.0, le=3_600.0, description="SMART greeting standard, seconds (seed slide 57)"
    )
    experience_noise: float = Field(0.08, ge=0.0, le=1.0, description="std. dev. of experience")
    experience_quality: Weight = Field(0.4, description="weight of quality in experience")
    experience_service: Weight = Field(0.4, description="weight of service in experience")
    experience_value: Weight = Field(0.2, description="weight of value for money")
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
        ge=1.0,  # a reference below one currency unit would make (spend / ref)^e overflow
        le=MAX_MONEY,
        description="service spend per store per period at which a store "
        "delivers its nominal service_level",
    )
    training_spend_reference: float = Field(
        1_000.0,
        ge=1.0,
        le=MAX_MONEY,
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
    pricing: Pricing = Field(
        default_factory=Pricing, description="who sets retail and wholesale prices, and how"
    )
    perception_adjustment: Unit = Field(
        0.12,
        description="per-period move of the quality and service customers expect when choosing "
        "toward what is delivered; 1 = they see changes at once",
    )
    service: ServiceModel | None = Field(
        None, description="the six service dimensions, their standards, the survey and the "
        "store manager (docs/service.md); none: one service level per store, unless a store or "
        "segment sets a dimension field",
    )

    @model_validator(mode="after")
    def _experience_weights(self) -> Self:
        if self.experience_quality + self.experience_service + self.experience_value <= 0:
            raise ValueError("experience weights must not all be zero")
        return self


class Intervention(Strict):
    """A decision to evaluate against a counterfactual (seed: "was it worth it?").

    It acts from `start` to `end` (exclusive; none = to the end of the run). Each `kind` is its
    own model (below) with exactly the fields it takes, besides these common ones.
    """

    id: Id = Field(description="unique name, used in `linkages evaluate`")
    kind: str = Field(description="what is done: one of the kinds below")
    start: int = Field(ge=0, le=MAX_PERIODS, description="first period in which it acts")
    end: int | None = Field(
        None, ge=1, le=MAX_PERIODS, description="period in which it stops (exclusive)"
    )
    cost: Money = Field(0.0, description="one-off cost paid at the start by the distributor")
    cost_per_period: Money = Field(0.0, description="cost per period while it acts")
    description: Text = Field("", description="one line for tables")
    enabled: bool = Field(
        True, description="false keeps it in the market's structure but never lets it act"
    )

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            """A targeting field another kind takes reads as None on this kind.

            So code that handles every kind (market.interventions, analysis.evaluation) reads
            them all alike.
            """
            if name in TARGET_FIELDS:
                return None
            return super().__getattr__(name)

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end is not None and self.end <= self.start:
            raise LocatedError("end", f"must be after start ({self.start}), got {self.end}")
        return self

    def active(self, period: int) -> bool:
        """Whether it acts in `period` (from `start`, until `end` exclusive)."""
        return self.start <= period and (self.end is None or period < self.end)


def _needs_a_target(iv: Intervention) -> None:
    if iv.store is None and iv.distributor is None:
        raise LocatedError("store", f"a {iv.kind} intervention needs a store or a distributor")


class TrainStaff(Intervention):
    """`train_staff`: more staff training at one store, or at every store of a distributor."""

    kind: Literal["train_staff"]
    store: Ref | None = Field(None, description="the store it applies to")
    distributor: Ref | None = Field(None, description="the distributor (all its stores)")
    training_boost: Unit | None = Field(
        None, description="added to staff training, 0-1 (default 0.2)"
    )

    @model_validator(mode="after")
    def _target(self) -> Self:
        _needs_a_target(self)
        return self


class ServiceStandards(Intervention):
    """`service_standards`: a greeting standard and/or better service at a store or stores."""

    kind: Literal["service_standards"]
    store: Ref | None = Field(None, description="the store it applies to")
    distributor: Ref | None = Field(None, description="the distributor (all its stores)")
    greeting_time_s: float | None = Field(
        None, ge=0.0, le=3_600.0, description="new greeting time, seconds"
    )
    service_boost: Unit | None = Field(None, description="added to service level, 0-1")

    @model_validator(mode="after")
    def _what(self) -> Self:
        _needs_a_target(self)
        if self.greeting_time_s is None and self.service_boost is None:
            raise LocatedError("service_boost", "give greeting_time_s, service_boost or both")
        return self


class PricePromotion(Intervention):
    """`price_promotion`: a distributor cuts the price of one brand, or all, for a while."""

    kind: Literal["price_promotion"]
    end: int = Field(ge=1, le=MAX_PERIODS, description="period in which it stops (exclusive)")
    distributor: Ref = Field(description="the distributor that runs it")
    discount: float = Field(ge=0.0, le=0.9, description="price cut below RRP, fraction")
    supplier: Ref | None = Field(None, description="the brand (default: every brand it carries)")


class OpenStore(Intervention):
    """`open_store`: a new store, closed until `start` (it is part of the market's structure)."""

    kind: Literal["open_store"]
    new_store: Store = Field(description="the store that opens")


class CloseStore(Intervention):
    """`close_store`: a store closes from `start` (until `end`, if given)."""

    kind: Literal["close_store"]
    store: Ref = Field(description="the store that closes")


class ProductMix(Intervention):
    """`product_mix`: a distributor drops a brand (or, with `carry: true`, keeps it)."""

    kind: Literal["product_mix"]
    distributor: Ref = Field(description="the distributor")
    supplier: Ref = Field(description="the brand")
    carry: bool | None = Field(None, description="carry the brand (default false)")


class IntroduceSla(Intervention):
    """`introduce_sla`: an SLA penalty on every clause of a contract."""

    kind: Literal["introduce_sla"]
    contract: Ref = Field(description="the contract (its id, or supplier-distributor)")
    penalty: Money = Field(description="SLA penalty per breached clause")


class ShareData(Intervention):
    """`share_data`: a distributor shares buying-habit data with one supplier, or with all."""

    kind: Literal["share_data"]
    distributor: Ref = Field(description="the distributor that shares")
    supplier: Ref | None = Field(None, description="the supplier (default: every supplier)")


INTERVENTION_KINDS: dict[str, type[Intervention]] = {
    cls.model_fields["kind"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (TrainStaff, ServiceStandards, PricePromotion, OpenStore, CloseStore, ProductMix,
                IntroduceSla, ShareData)
}  # fmt: skip
"""Every intervention kind and its model."""

TARGET_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    name for cls in INTERVENTION_KINDS.values() for name in cls.model_fields
    if name not in Intervention.model_fields
))  # fmt: skip
"""Fields some kinds take and others do not (they read as None on a kind without them)."""

AnyIntervention = Annotated[
    TrainStaff | ServiceStandards | PricePromotion | OpenStore | CloseStore | ProductMix
    | IntroduceSla | ShareData,
    Field(discriminator="kind"),
]
"""An intervention of any kind, chosen by its `kind` field."""


def opening_stores(interventions: list[Intervention]) -> list[Store]:
    """Stores that open_store interventions add to the market's structure (closed until open)."""
    return [iv.new_store for iv in interventions if iv.kind == "open_store" and iv.new_store]


class Scenario(Strict):
    """A whole market: agents, contracts, customer segments and run settings."""

    name: Id = Field("scenario", description="short name used in output folders")
    description: Text = Field("", description="one line shown by `linkages scenarios`")
    periods: int = Field(52, ge=1, le=MAX_PERIODS, description="number of periods (weeks)")
    customers: int = Field(
        100_000, ge=10, le=100_000_000, description="Simulated customers: the run's resolution, "
        "not the market's size (`--customers` on the command line sets the same thing).",
    )
    market_size: int | None = Field(
        None,
        ge=1,
        le=MAX_MARKET_SIZE,
        description="Real customers the simulated ones stand for; money and units scale by "
        "market_size / customers. Default: the customers of the file that first describes the "
        "market, so a file that extends another keeps its market size whatever its customers.",
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
    interventions: list[AnyIntervention] = Field(
        default_factory=list, description="decisions to evaluate (`linkages evaluate`)"
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        """Every rule between parts of the scenario, all checked: one LocatedErrors with each."""
        if self.market_size is None:
            self.__dict__["market_size"] = self.customers  # no re-validation
        problems: list[LocatedError] = []
        for field in ("suppliers", "distributors", "stores", "segments"):
            problems += _unique(getattr(self, field), field)
        suppliers = {s.id: s for s in self.suppliers}
        distributors = {d.id for d in self.distributors}
        for i, store in enumerate(self.stores):
            if store.distributor not in distributors:
                problems.append(LocatedError(
                    f"stores[{i}].distributor",
                    f"unknown distributor '{store.distributor}'; known: {_names(distributors)}",
                ))  # fmt: skip
            problems += self._on_the_map(store.location, f"stores[{i}].location")
        for i, segment in enumerate(self.segments):
            for j, centre in enumerate(segment.centres):
                problems += self._on_the_map(centre, f"segments[{i}].centres[{j}]")
        pairs: dict[tuple[str, str], int] = {}
        keys: dict[str, int] = {}
        for i, c in enumerate(self.contracts):
            if c.supplier not in suppliers:
                problems.append(LocatedError(
                    f"contracts[{i}].supplier",
                    f"unknown supplier '{c.supplier}'; known: {_names(suppliers)}",
                ))  # fmt: skip
            if c.distributor not in distributors:
                problems.append(LocatedError(
                    f"contracts[{i}].distributor",
                    f"unknown distributor '{c.distributor}'; known: {_names(distributors)}",
                ))  # fmt: skip
            rrp = suppliers[c.supplier].rrp if c.supplier in suppliers else None
            if rrp is not None and c.wholesale_price is not None and c.wholesale_price >= rrp:
                problems.append(LocatedError(
                    f"contracts[{i}].wholesale_price",
                    f"{c.wholesale_price:g} must be below the supplier's rrp ({rrp:g})",
                ))  # fmt: skip
            problems += self._check_quantity_discount(i, c, suppliers)
            pair = (c.supplier, c.distributor)
            if pair in pairs:
                problems.append(LocatedError(
                    f"contracts[{i}]",
                    f"a second contract for supplier '{pair[0]}' and distributor '{pair[1]}' "
                    f"(the first is contract '{self.contracts[pairs[pair]].key}')",
                ))  # fmt: skip
            else:
                pairs[pair] = i
            if c.key in keys:
                problems.append(LocatedError(
                    f"contracts[{i}].id", f"duplicate contract id '{c.key}' (two contracts have "
                    "it; ids are unique within contracts)",
                ))  # fmt: skip
            else:
                keys[c.key] = i
        problems += self._check_interventions(set(suppliers), distributors)
        owners = {s.distributor for s in self.all_stores}
        for i, c in enumerate(self.contracts):
            if c.distributor in distributors and c.distributor not in owners:
                problems.append(LocatedError(
                    f"contracts[{i}].distributor",
                    f"distributor '{c.distributor}' has no store to sell supplier "
                    f"'{c.supplier}' through (add a store with distributor: {c.distributor})",
                ))  # fmt: skip
        total = sum(s.share for s in self.segments)
        if abs(total - 1.0) > 1e-6:
            problems.append(LocatedError("segments", f"shares must sum to 1 (they sum to "
                                         f"{total:g})"))  # fmt: skip
        if problems:
            raise LocatedErrors(problems)
        return self

    def _on_the_map(self, point: Location | Centre, where: str) -> list[LocatedError]:
        return [
            LocatedError(f"{where}.{axis}", f"must be <= the map's size ({limit:g} km)")
            for axis, limit in (("x", self.map.width_km), ("y", self.map.height_km))
            if getattr(point, axis) > limit
        ]

    def _check_quantity_discount(
        self, i: int, c: Contract, suppliers: dict[str, Supplier]
    ) -> list[LocatedError]:
        """A quantity discount lowers the price, and has one list price to lower."""
        q, where = c.quantity_discount, f"contracts[{i}].quantity_discount"
        if q is None:
            return []
        problems = []
        listed = c.wholesale_price
        if listed is None and c.supplier in suppliers:
            listed = suppliers[c.supplier].wholesale_price
        if listed is not None and q.wholesale_price >= listed:
            problems.append(LocatedError(
                f"{where}.wholesale_price", f"{q.wholesale_price:g} must be below the "
                f"contract's wholesale price ({listed:g}): it is the discounted price",
            ))  # fmt: skip
        if c.renegotiation is not None:
            problems.append(LocatedError(
                where, "cannot be combined with renegotiation: Nash bargaining agrees one "
                "price per unit (drop one of the two)",
            ))  # fmt: skip
        if self.market.pricing.wholesale == "stackelberg":
            problems.append(LocatedError(
                where, "cannot be combined with market.pricing.wholesale: stackelberg (the "
                "leader sets one price per unit)",
            ))  # fmt: skip
        return problems

    def _check_interventions(
        self, suppliers: set[str], distributors: set[str]
    ) -> list[LocatedError]:
        """References, timing and targets of the interventions.

        Each must act on something that exists in the run's structure (stores that open_store
        interventions add included).
        """
        problems = _unique(self.interventions, "interventions")
        stores = {s.id: s.distributor for s in self.stores}
        for i, iv in enumerate(self.interventions):
            if iv.new_store is not None:
                where, new = f"interventions[{i}].new_store", iv.new_store
                if new.id in stores:
                    problems.append(LocatedError(f"{where}.id", f"store '{new.id}' already "
                                                 "exists"))  # fmt: skip
                    continue
                if new.distributor not in distributors:
                    message = f"unknown distributor '{new.distributor}'; known: " + _names(
                        distributors)  # fmt: skip
                    problems.append(LocatedError(f"{where}.distributor", message))
                problems += self._on_the_map(new.location, f"{where}.location")
                stores[new.id] = new.distributor
        contracts = {c.key: c for c in self.contracts}
        pairs = {(c.supplier, c.distributor) for c in self.contracts}
        for i, iv in enumerate(self.interventions):
            where = f"interventions[{i}]"
            unknown = False
            for field, known in (("store", stores), ("distributor", distributors),
                                 ("supplier", suppliers), ("contract", contracts)):  # fmt: skip
                name = getattr(iv, field)
                if name is not None and name not in known:
                    message = f"unknown {field} '{name}'; known: {_names(known)}"
                    problems.append(LocatedError(f"{where}.{field}", message))
                    unknown = True
            if iv.start >= self.periods:
                problems.append(LocatedError(f"{where}.start", f"{iv.start} is outside the run "
                                             f"(periods 0 to {self.periods - 1})"))  # fmt: skip
            if iv.end is not None and iv.end > self.periods:
                problems.append(LocatedError(f"{where}.end", f"{iv.end} is after the run's end "
                                             f"({self.periods})"))  # fmt: skip
            if unknown:
                continue  # the rules below need what it names to exist
            if iv.store is not None and iv.distributor is not None and (
                    stores[iv.store] != iv.distributor):  # fmt: skip
                problems.append(LocatedError(
                    f"{where}.store", f"store '{iv.store}' belongs to '{stores[iv.store]}', not "
                    f"to '{iv.distributor}'; give one of store and distributor",
                ))  # fmt: skip
            if iv.kind in ("train_staff", "service_standards") and iv.store is None and (
                    iv.distributor not in stores.values()):  # fmt: skip
                problems.append(LocatedError(f"{where}.distributor",
                                             f"distributor '{iv.distributor}' has no store"))
            if iv.kind in ("product_mix", "price_promotion", "share_data"):
                problems += self._check_brand_at(iv, where, pairs)
            if iv.kind == "introduce_sla" and not contracts[iv.contract].clauses:
                problems.append(LocatedError(f"{where}.contract", f"contract '{iv.contract}' has "
                                             "no clauses for an SLA penalty to apply to"))
        return problems

    @staticmethod
    def _check_brand_at(
        iv: Intervention, where: str, pairs: set[tuple[str, str]]
    ) -> list[LocatedError]:
        """A brand-level intervention needs the distributor to carry the brand (some brand)."""
        if iv.supplier is not None and (iv.supplier, iv.distributor) not in pairs:
            return [LocatedError(where, f"distributor '{iv.distributor}' has no contract with "
                                 f"supplier '{iv.supplier}'")]  # fmt: skip
        if iv.supplier is None and all(d != iv.distributor for _, d in pairs):
            return [LocatedError(f"{where}.distributor",
                                 f"distributor '{iv.distributor}' has no contract")]  # fmt: skip
        return []

    def __repr__(self) -> str:
        """One line for notebooks: the name and the size of the market, not every field."""
        market = f" (market of {self.market_size:,})" if self.market_size != self.customers else ""
        return (f"Scenario({self.name!r}: {len(self.suppliers)} suppliers, "
                f"{len(self.distributors)} distributors, {len(self.stores)} stores, "
                f"{len(self.contracts)} contracts, {len(self.interventions)} interventions; "
                f"{self.customers:,} simulated customers{market}, {self.periods} periods, "
                f"seed {self.seed})")  # fmt: skip

    @property
    def all_stores(self) -> list[Store]:
        """The stores of the market's structure.

        Those listed, then those that `open_store` interventions add (closed until they open).
        """
        return [*self.stores, *opening_stores(self.interventions)]

    def supplier_index(self) -> dict[str, int]:
        """Each supplier's position by id."""
        return {s.id: i for i, s in enumerate(self.suppliers)}

    def distributor_index(self) -> dict[str, int]:
        """Each distributor's position by id."""
        return {d.id: i for i, d in enumerate(self.distributors)}


class LocatedError(ValueError):
    """An error that knows the path of the field it concerns (a cross-field rule).

    The path is relative to the model that raises it.
    """

    def __init__(self, path: str, message: str) -> None:
        """An error at `path` (e.g. `stores[2].location.x`) saying `message`."""
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class LocatedErrors(ValueError):
    """Several LocatedErrors at once: every cross-field rule a scenario breaks."""

    def __init__(self, errors: list[LocatedError]) -> None:
        """The errors, in the order the rules found them."""
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _quote(text: str, limit: int = 40) -> str:
    """A user's string in a message: quoted, on one line, and short."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return repr(shown) if not shown.isprintable() else f"'{shown}'"


def _names(ids) -> str:
    return ", ".join(sorted(ids))


def _unique(items: list, field: str) -> list[LocatedError]:
    seen: set[str] = set()
    problems = []
    for i, item in enumerate(items):
        if item.id in seen:
            problems.append(LocatedError(
                f"{field}[{i}].id", f"duplicate id '{item.id}' (two {field} have it; ids are "
                f"unique within {field})",
            ))  # fmt: skip
        seen.add(item.id)
    return problems
