"""Customer service in six dimensions: levels, SMART standards, surveys and the store manager.

The seed (slides 52-65) defines service as six dimensions, trust, efficiency, knowledge,
control, choice and execution, each made concrete by SMART standards that are written down,
monitored, fed back and improved. Here (docs/service.md):

- **Levels.** A store holds a nominal level per dimension (its `service_level` unless a
  dimension is given) and splits its service spend over the dimensions by budget shares. A
  dimension delivers `min(1, (nominal + boost) x (spend_d / (reference x cost_share_d))^e) x g`:
  the single service level of model.md §3.2 applied to each dimension's share of the spend, with
  each standard's cost added to its dimension's spend. The greeting factor g stays on every
  dimension: the first impression colours them all (seed slide 61).
- **Segments** weigh the dimensions (importance, normalised) and hold an expectation of each,
  which drifts toward the levels their buyers experience (SERVQUAL's expectations,
  Parasuraman, Zeithaml & Berry 1985, 1988). A segment experiences and chooses on the
  weighted mean of an offer's levels (`Offers.for_segment`).
- **Standards** are measured every review period with a multiplicative noise and read as met
  or not; the share met is what a contract's `standards_met` clause reads.
- **Surveys** each review period sample each store's active customers (kernels/dimensions.py);
  per store and segment they give the perceived level of each dimension and the gap
  (expectation minus perception, SERVQUAL's gap 5).
- **The manager** reads the survey and moves budget between dimensions by a replaceable
  policy; `largest_gap` is importance-performance analysis (Martilla & James 1977): spend more
  where importance x gap is largest ("concentrate here"), less where it is smallest ("possible
  overkill").
- **Complaint logs** name one dimension per complaint, drawn with chances proportional to the
  segment's weight x the dimension's shortfall (expectation minus delivered level; SERVQUAL's
  gap as the cause of dissatisfaction), counted per store and dimension every period.
- **Mystery shoppers**, when set, audit every standard periodically with their own, smaller
  measurement error (measurement only; clauses read the store's own readings).

With the defaults every dimension is the store's one service level, bit for bit
(`kernels.weighted_levels` is anchored on the first dimension), so a scenario that turns the
model on without setting anything plays exactly as one that does not.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from linkages_sim.config.schema import Market, Scenario, Segment
from linkages_sim.config.schema import Store as StoreSpec
from linkages_sim.config.service import (
    DIMENSIONS,
    QUEUE_MAX_S,
    ServiceModel,
    Standard,
)
from linkages_sim.market import kernels
from linkages_sim.rng import Purpose, Streams

N_DIMENSIONS = len(DIMENSIONS)
EQUAL = np.full(N_DIMENSIONS, 1.0 / N_DIMENSIONS)
"""Equal weights: a store's overall service level is the plain mean of its six."""


def enabled(scenario: Scenario) -> bool:
    """Whether the scenario uses the six dimensions: any of their fields is set."""
    stores = scenario.all_stores
    return (
        scenario.market.service is not None
        or any(s.service is not None or s.service_budget is not None or s.standards
               for s in stores)
        or any(g.service_weights is not None or g.service_expectations is not None
               for g in scenario.segments)
    )  # fmt: skip


def _vector(model: Any, default: float) -> np.ndarray:
    """Six values of a dimension model (None fields and a None model give `default`)."""
    values = [None if model is None else getattr(model, d) for d in DIMENSIONS]
    return np.array([default if v is None else float(v) for v in values])


def segment_weights(spec: Segment) -> np.ndarray:
    """A segment's importance weights, normalised to sum to 1 (equal when not given)."""
    if spec.service_weights is None:
        return EQUAL.copy()
    w = _vector(spec.service_weights, 1.0)
    return w / w.sum()


def indicator_value(standard: Standard, level: np.ndarray, greeting_s: float,
                    fill: float) -> float:  # fmt: skip
    """The true value of a standard's indicator at a store (config.service.INDICATORS).

    `level` is the store's six delivered levels, `greeting_s` its greeting time, `fill` the mean
    fill rate of its open offers (NaN without any).
    """
    if standard.indicator == "greeting_time_s":
        return greeting_s
    if standard.indicator == "queue_time_s":
        return QUEUE_MAX_S * (1.0 - float(level[DIMENSIONS.index("efficiency")]))
    if standard.indicator == "stockout_rate":
        return 1.0 - fill
    return float(level[DIMENSIONS.index(standard.dimension)])


@dataclass
class StoreService:
    """One store's six dimensions: nominal levels, budget, standards, and what they deliver."""

    nominal: np.ndarray  # six nominal levels at the reference spend
    cost: np.ndarray  # six cost shares of the reference spend (market-wide)
    budget: np.ndarray  # six shares of the store's service spend (the manager moves them)
    standards: list[Standard]
    level: np.ndarray = field(default_factory=lambda: np.zeros(N_DIMENSIONS))  # delivered
    measured: dict[str, float] = field(default_factory=dict)  # latest measured indicator
    met: dict[str, float] = field(default_factory=dict)  # latest reading: 1 met, 0 not, NaN
    audited: dict[str, float] = field(default_factory=dict)  # latest mystery-shopper reading
    audit_met: dict[str, float] = field(default_factory=dict)  # ... read as met: 1, 0, NaN

    @classmethod
    def from_spec(cls, spec: StoreSpec, model: ServiceModel) -> StoreService:
        """A store's dimensions from its scenario entry and the market's costs."""
        cost = _vector(model.cost_shares, 0.0)
        budget = cost.copy() if spec.service_budget is None else _vector(spec.service_budget, 0.0)
        nan = float("nan")
        unread = {s.id: nan for s in spec.standards}
        return cls(nominal=_vector(spec.service, spec.service_level), cost=cost, budget=budget,
                   standards=list(spec.standards), measured=dict(unread), met=dict(unread),
                   audited=dict(unread), audit_met=dict(unread))  # fmt: skip

    def held_greeting(self, greeting_s: float) -> float:
        """The greeting time once greeting standards hold it within their targets."""
        targets = [s.target for s in self.standards if s.indicator == "greeting_time_s"]
        return min([greeting_s, *targets])

    def standards_cost(self) -> float:
        """What keeping the store's standards costs per period."""
        return float(sum(s.cost_per_period for s in self.standards))

    def operate(self, boost: float, spend: float, market: Market, greeting: float) -> float:
        """Deliver this period's six levels from the spend; return the overall service level.

        `spend` is the store's service spend; each dimension gets its budget share of it plus the
        cost of its standards. A budget share equal to the cost share gives the spend ratio of
        the single service level exactly (x / x is 1 in floating point).
        """
        reference = market.service_spend_reference
        extra = np.zeros(N_DIMENSIONS)
        for s in self.standards:
            extra[DIMENSIONS.index(s.dimension)] += s.cost_per_period
        ratio = (spend / reference) * (self.budget / self.cost) + extra / (reference * self.cost)
        raw = (self.nominal + boost) * ratio**market.service_spend_elasticity
        self.level = np.minimum(1.0, raw) * greeting
        return float(kernels.weighted_levels(self.level[None, :], EQUAL)[0])

    def review(self, period: int, streams: Streams, index: int, greeting_s: float,
               fill: float) -> None:  # fmt: skip
        """Measure the standards due this period, with noise, and read each as met or not."""
        due = [s for s in self.standards if (period + 1) % s.review_every == 0]
        if not due:
            return
        z = streams.generator(Purpose.STANDARDS, period, index).standard_normal(len(due))
        for s, noise in zip(due, z, strict=True):
            value = indicator_value(s, self.level, greeting_s, fill)
            self.measured[s.id], self.met[s.id] = read(s, value, s.measurement_noise, noise)

    def audit(self, period: int, streams: Streams, index: int, greeting_s: float, fill: float,
              noise_sd: float) -> None:  # fmt: skip
        """A mystery shopper measures every standard with the audit's own error and reads it.

        Its own stream (`MYSTERY_SHOPPER`, keyed by period and store), so audits change no
        other draw: a run with audits plays exactly as one without.
        """
        if not self.standards:
            return
        z = streams.generator(Purpose.MYSTERY_SHOPPER, period, index).standard_normal(
            len(self.standards))  # fmt: skip
        for s, noise in zip(self.standards, z, strict=True):
            value = indicator_value(s, self.level, greeting_s, fill)
            self.audited[s.id], self.audit_met[s.id] = read(s, value, noise_sd, noise)

    def audits_met(self) -> float:
        """Share of the standards met at the latest audit (NaN before one, or without any)."""
        read_ = [v for v in self.audit_met.values() if v == v]
        return float(sum(read_)) / len(read_) if read_ else float("nan")

    def standards_met(self) -> tuple[float, int]:
        """Standards met at their latest reading, and how many have been read."""
        read = [v for v in self.met.values() if v == v]
        return float(sum(read)), len(read)


def read(standard: Standard, value: float, noise_sd: float, z: float) -> tuple[float, float]:
    """A measurement of a standard's indicator and its reading: 1 met, 0 not, NaN if unknown.

    `measured = value x exp(noise_sd x z)`, `z` a standard normal: a multiplicative error,
    so E[log(measured / value)] = 0 and its standard deviation is `noise_sd`.
    """
    measured = value * math.exp(noise_sd * z)
    return measured, float(standard.met_by(measured)) if measured == measured else float("nan")


def complaint_chances(weights: np.ndarray, expectation: np.ndarray,
                      level: np.ndarray) -> np.ndarray:  # fmt: skip
    """The chance a complaint names each dimension, per segment, store and dimension.

    Proportional to the segment's importance weight x the dimension's shortfall at the store,
    `max(0, expectation - delivered level)`: a complaint is about a dimension that falls short
    of what the customer expects (SERVQUAL's gap, Parasuraman, Zeithaml & Berry 1985) and that
    the customer cares about. Where no weighted dimension falls short (a complaint after a
    stock-out, or an unlucky experience), the chances are the weights alone: customers name
    what matters to them. `weights` and `expectation` are segments x 6, `level` stores x 6.
    """
    shortfall = np.maximum(0.0, expectation[:, None, :] - level[None, :, :])
    score = weights[:, None, :] * shortfall
    total = score.sum(axis=2, keepdims=True)
    fallback = np.broadcast_to(weights[:, None, :], score.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0.0, score / total, fallback)


def cumulative_chances(chances: np.ndarray) -> np.ndarray:
    """Cumulative chances along the last axis, exactly 1 from each row's last positive chance.

    So rounding can never name a dimension without a chance (`kernels.complaint_causes`).
    """
    cumulative = np.cumsum(chances, axis=-1)
    cumulative /= cumulative[..., -1:]
    n = chances.shape[-1]
    last = n - 1 - np.argmax(chances[..., ::-1] > 0.0, axis=-1)
    return np.where(np.arange(n) >= last[..., None], 1.0, cumulative)


class ManagerPolicy(Protocol):
    """How a store manager moves the service budget after a survey (replaceable).

    `allocate` gets the current budget shares, the importance of each dimension to the store's
    respondents (weights summing to 1) and the surveyed gap per dimension (expectation minus
    perception, NaN when unknown), and returns the new shares (summing to 1).
    """

    def allocate(self, budget: np.ndarray, importance: np.ndarray,
                 gap: np.ndarray) -> np.ndarray:  # fmt: skip
        """The new budget shares."""
        ...


class Hold:
    """`none`: the budget stays as set (a store that spends evenly, or as its owner decided)."""

    def allocate(self, budget: np.ndarray, importance: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """The same shares."""
        return budget


@dataclass(frozen=True)
class LargestGap:
    """`largest_gap`: importance-performance analysis (Martilla & James 1977).

    Move `step` of the budget to the dimension whose importance x gap is largest (high
    importance, performance below expectation: "concentrate here") from the one whose is
    smallest ("possible overkill"), leaving every dimension at least `min_share`. Nothing moves
    when no dimension falls short of expectation.
    """

    step: float
    min_share: float

    def allocate(self, budget: np.ndarray, importance: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """The shares after one move."""
        priority = np.where(np.isnan(gap), -np.inf, importance * np.nan_to_num(gap))
        to = int(np.argmax(priority))
        if not priority[to] > 0.0:
            return budget
        donors = [d for d in range(budget.size) if d != to and budget[d] > self.min_share]
        if not donors:
            return budget
        source = min(donors, key=lambda d: priority[d])
        move = min(self.step, budget[source] - self.min_share)
        out = budget.copy()
        out[source] -= move
        out[to] += move
        return out


def policy_for(model: ServiceModel) -> ManagerPolicy:
    """The scenario's manager policy by name (`market.service.manager`)."""
    if model.manager == "largest_gap":
        return LargestGap(model.manager_step, model.min_share)
    return Hold()


@dataclass
class SurveyResult:
    """One survey: per store and segment, invitations, responses and mean ratings."""

    invited: np.ndarray  # (segments, stores)
    responded: np.ndarray  # (segments, stores)
    perceived: np.ndarray  # (segments, stores, dimensions): mean rating, NaN without answers
    expectation: np.ndarray  # (segments, dimensions) at the time of the survey

    @property
    def gap(self) -> np.ndarray:
        """Expectation minus perception, per segment, store and dimension (SERVQUAL's gap)."""
        return self.expectation[:, None, :] - self.perceived

    def pooled(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per store over segments: respondents, perceived level and gap (respondent-weighted)."""
        n = self.responded.sum(axis=0)
        w = self.responded[:, :, None].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            perceived = np.nansum(w * self.perceived, axis=0) / n[:, None]
            gap = np.nansum(w * self.gap, axis=0) / n[:, None]
        return n, perceived, gap


def run_survey(
    customers: list[kernels.Customers], level: np.ndarray, expectation: np.ndarray,
    survey: Any, streams: Streams, period: int,
) -> SurveyResult:  # fmt: skip
    """Survey every store's active customers, segment by segment (kernels/dimensions.py).

    `customers` are the segments' arrays, `level` the stores' delivered levels (stores x 6),
    `expectation` the segments' (segments x 6), `survey` a `config.service.Survey`. Each store
    invites `survey.invitations` of its active customers at random (all of them if fewer).
    """
    n_stores = level.shape[0]
    active = np.zeros(n_stores, dtype=np.int64)
    for c in customers:
        mine = c.state == kernels.codes.ACTIVE
        active += np.bincount(c.store[mine], minlength=n_stores)
    with np.errstate(divide="ignore"):
        invite = np.minimum(1.0, survey.invitations / active)
    params = kernels.SurveyParams(invite=np.where(active > 0, invite, 0.0),
                                  response_rate=survey.response_rate,
                                  complainant_weight=survey.complainant_weight)  # fmt: skip
    ratings = kernels.SurveyRatings(level=np.ascontiguousarray(level, dtype=float),
                                    halo=survey.halo, bias=survey.response_bias,
                                    noise_sd=survey.noise)  # fmt: skip
    invited, responded, perceived = [], [], []
    for g, c in enumerate(customers):
        flags = np.zeros(c.state.shape[0], dtype=np.int8)
        u = streams.uniform(Purpose.SURVEY, period, g, c.state.shape[0])
        kernels.survey_respond(c, u, params, flags)
        r = int(np.count_nonzero(flags == kernels.dimensions.RESPONDED))
        noise = streams.generator(Purpose.SURVEY_NOISE, period, g).standard_normal(
            (r, N_DIMENSIONS))  # fmt: skip
        counts = kernels.survey_tally(c, flags, noise, ratings)
        invited.append(counts.invited)
        responded.append(counts.responded)
        with np.errstate(invalid="ignore", divide="ignore"):
            perceived.append(counts.rating_sums / counts.responded[:, None])
    return SurveyResult(np.array(invited), np.array(responded), np.array(perceived),
                        np.array(expectation, dtype=float).copy())  # fmt: skip


class ServiceSystem:
    """The market's six-dimension service: every store's dimensions and every segment's view."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        """Dimensions of every store of the structure and every segment (docs/service.md)."""
        self.spec = scenario.market.service or ServiceModel()
        self.streams = streams
        self.stores = [StoreService.from_spec(s, self.spec) for s in scenario.all_stores]
        self.segment_ids = [g.id for g in scenario.segments]
        self.weights = np.array([segment_weights(g) for g in scenario.segments])
        self.norm = np.array([_vector(g.service_expectations, g.expectation)
                              for g in scenario.segments])  # fmt: skip
        self.drift = np.array([g.expectation_drift for g in scenario.segments])
        self.anchoring = np.array([g.expectation_anchoring for g in scenario.segments])
        self.expectation = self.norm.copy()
        self.perceived: np.ndarray | None = None  # per offer slot x dimension (choice's view)
        self.policy: ManagerPolicy = policy_for(self.spec)
        self.survey: SurveyResult | None = None  # the latest
        self.surveyed_in: int | None = None  # its period
        self.complaints = np.zeros((len(self.stores), N_DIMENSIONS), dtype=np.int64)  # period's

    def levels(self) -> np.ndarray:
        """Every store's delivered levels, stores x dimensions."""
        return np.array([s.level for s in self.stores])

    def attach(self, offers: Any, market: Market) -> Any:
        """The offer table with each offer's six delivered and perceived levels.

        Perceived levels move toward delivered ones by `perception_adjustment`, as the single
        perceived service does (model.md §3.2); on the first call they start at the delivered.
        """
        delivered = self.levels()[offers.store]
        if self.perceived is None:
            self.perceived = delivered.copy()
        else:
            self.perceived += market.perception_adjustment * (delivered - self.perceived)
        return dataclasses.replace(offers, dimensions=delivered,
                                   perceived_dimensions=self.perceived.copy())  # fmt: skip

    def after_period(self, period: int, customers: list[kernels.Customers],
                     buyers: list[np.ndarray], offers: Any, greeting: list[float],
                     outputs: list[kernels.Outputs]) -> None:  # fmt: skip
        """Log complaints; drift expectations; read (and audit) standards due; survey, manage.

        `buyers` are each segment's purchases per offer, `greeting` each store's greeting time,
        `outputs` each segment's per-customer outputs of the period (its complaints).
        """
        self.log_complaints(period, customers, outputs)
        for g, bought in enumerate(buyers):
            total = bought.sum()
            if total > 0:
                experienced = (bought @ offers.dimensions) / total
                e = self.expectation[g]
                e += self.drift[g] * (experienced - e) + self.anchoring[g] * (self.norm[g] - e)
        for k, store in enumerate(self.stores):
            mine = (offers.store == k) & offers.open
            fill = float(offers.fill[mine].mean()) if mine.any() else float("nan")
            store.review(period, self.streams, k, greeting[k], fill)
            shopper = self.spec.mystery_shopper
            if shopper is not None and (period + 1) % shopper.every == 0:
                store.audit(period, self.streams, k, greeting[k], fill, shopper.noise)
        if (period + 1) % self.spec.survey.every:
            return
        self.survey = run_survey(customers, self.levels(), self.expectation, self.spec.survey,
                                 self.streams, period)  # fmt: skip
        self.surveyed_in = period
        self.manage(self.survey)

    def log_complaints(self, period: int, customers: list[kernels.Customers],
                       outputs: list[kernels.Outputs]) -> None:  # fmt: skip
        """This period's complaint log: each complaint names one dimension (`complaint_chances`).

        The chances use the expectations the customers held this period (before they drift)
        and the levels delivered; the draws come from the `COMPLAINT_CAUSE` stream (keyed by
        period and segment), one per complaint, so the log changes no other draw.
        """
        cumulative = cumulative_chances(complaint_chances(self.weights, self.expectation,
                                                          self.levels()))  # fmt: skip
        self.complaints = np.zeros((len(self.stores), N_DIMENSIONS), dtype=np.int64)
        for g, (c, out) in enumerate(zip(customers, outputs, strict=True)):
            n = int(np.count_nonzero(out.event & kernels.codes.COMPLAINED))
            if n == 0:
                continue
            u = self.streams.uniform(Purpose.COMPLAINT_CAUSE, period, g, n)
            self.complaints += kernels.complaint_causes(c, out, u,
                                                        np.ascontiguousarray(cumulative[g]))

    def manage(self, survey: SurveyResult) -> None:
        """Each store's manager reads its survey and moves budget by the policy."""
        gap = survey.gap
        for k, store in enumerate(self.stores):
            answers = survey.responded[:, k].astype(float)
            if answers.sum() == 0:
                continue
            importance = answers @ self.weights / answers.sum()
            with np.errstate(invalid="ignore"):
                pooled = np.nansum(answers[:, None] * gap[:, k], axis=0) / answers.sum()
            store.budget = np.asarray(self.policy.allocate(store.budget, importance, pooled),
                                      dtype=float)  # fmt: skip

    def rows(self, period: int, store_names: list[str]) -> list[tuple[str, str, dict]]:
        """This period's service metrics as (level, id, metrics) for the long table."""
        out: list[tuple[str, str, dict]] = []
        surveyed = self.survey is not None and self.surveyed_in == period
        if surveyed:
            n, perceived, gap = self.survey.pooled()
        for k, (store, name) in enumerate(zip(self.stores, store_names, strict=True)):
            met, n_read = store.standards_met()
            metrics = {f"service_{d}": float(store.level[i]) for i, d in enumerate(DIMENSIONS)}
            metrics |= {f"budget_{d}": float(store.budget[i]) for i, d in enumerate(DIMENSIONS)}
            metrics["standards_met"] = met / n_read if n_read else float("nan")
            for s in store.standards:
                metrics[f"standard_{s.id}"] = store.met[s.id]
                metrics[f"standard_{s.id}_measured"] = store.measured[s.id]
            metrics |= {f"complaints_{d}": float(self.complaints[k, i])
                        for i, d in enumerate(DIMENSIONS)}  # fmt: skip
            if self.spec.mystery_shopper is not None:
                metrics["audit_standards_met"] = store.audits_met()
                for s in store.standards:
                    metrics[f"audit_{s.id}"] = store.audit_met[s.id]
                    metrics[f"audit_{s.id}_measured"] = store.audited[s.id]
            if surveyed:
                metrics |= self._survey_metrics(k, n, perceived, gap)
            out.append(("store", name, metrics))
        market = {f"expectation_{d}@{g}": float(self.expectation[j, i])
                  for j, g in enumerate(self.segment_ids) for i, d in enumerate(DIMENSIONS)}
        out.append(("market", "market", market))
        return out

    def _survey_metrics(self, k: int, n: np.ndarray, perceived: np.ndarray,
                        gap: np.ndarray) -> dict[str, float]:  # fmt: skip
        s = self.survey
        assert s is not None
        metrics = {"survey_invited": float(s.invited[:, k].sum()),
                   "survey_respondents": float(n[k])}
        by_segment = s.gap
        for i, d in enumerate(DIMENSIONS):
            metrics[f"survey_perceived_{d}"] = float(perceived[k, i])
            metrics[f"survey_gap_{d}"] = float(gap[k, i])
            for j, g in enumerate(self.segment_ids):
                metrics[f"survey_perceived_{d}@{g}"] = float(s.perceived[j, k, i])
                metrics[f"survey_gap_{d}@{g}"] = float(by_segment[j, k, i])
        for j, g in enumerate(self.segment_ids):
            metrics[f"survey_respondents@{g}"] = float(s.responded[j, k])
        return metrics


__all__ = [
    "EQUAL",
    "Hold",
    "LargestGap",
    "ManagerPolicy",
    "ServiceSystem",
    "StoreService",
    "SurveyResult",
    "complaint_chances",
    "cumulative_chances",
    "enabled",
    "indicator_value",
    "policy_for",
    "read",
    "run_survey",
    "segment_weights",
]
