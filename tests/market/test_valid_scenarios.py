"""A scenario that validates always runs.

Hypothesis builds random markets as plain dicts: 1-3 suppliers, 1-3 distributors (some without
stores), 1-6 stores, 1-3 segments with 1-3 districts each, contracts on a random subset of the
supplier-distributor pairs with random clauses (`CLAUSE_METRICS`) and strategies (the library's,
bare or with parameters), and interventions of every kind. Every number the schema bounds is
drawn anywhere in its range (extremes included) or left at its default. Each scenario is
validated (`validate_scenario`) and, if valid, played for two periods at a few hundred
customers: the only exception allowed is the ScenarioError of validation, before the run.
"""

from __future__ import annotations

import math
import warnings
from typing import Annotated, Any, get_args, get_origin

import numpy as np
from annotated_types import Ge, Gt, Le, Lt
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from linkages_sim.config.loading import ScenarioError, validate_scenario
from linkages_sim.config.schema import (
    CLAUSE_METRICS,
    CONTRACT_TRUST_PARAMETERS,
    INTERVENTION_KINDS,
    Centre,
    Contract,
    Distributor,
    DistributorDefection,
    Funnel,
    MapSpec,
    Market,
    Renegotiation,
    Segment,
    Store,
    Supplier,
    SupplierDefection,
    Tastes,
    Trust,
    strategy_parameters,
)
from linkages_sim.game.strategies import STRATEGIES
from linkages_sim.market.model import MarketModel

KEEP = object()
"""A field left out of the dict (its default applies)."""


def _bounds(field: FieldInfo) -> tuple[dict[str, Any], bool]:
    """A field's numeric bounds as `st.floats` / `st.integers` arguments, and whether None is
    allowed (an optional field)."""
    metadata = list(field.metadata)
    optional = type(None) in get_args(field.annotation)
    for arg in get_args(field.annotation):
        if get_origin(arg) is Annotated:
            for meta in get_args(arg)[1:]:
                metadata += meta.metadata if isinstance(meta, FieldInfo) else [meta]
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, Ge | Gt):
            out["min_value"] = m.ge if isinstance(m, Ge) else m.gt
            out["exclude_min"] = isinstance(m, Gt)
        if isinstance(m, Le | Lt):
            out["max_value"] = m.le if isinstance(m, Le) else m.lt
            out["exclude_max"] = isinstance(m, Lt)
    return out, optional


def _base_type(annotation: Any) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is Annotated:
        return _base_type(args[0])
    if args and get_origin(annotation) is not None and get_origin(annotation) is not list:
        return _base_type(args[0])
    return annotation


def field_values(model: type[BaseModel], skip: tuple[str, ...] = ()) -> st.SearchStrategy:
    """A dict of random values, within the schema's ranges, for some of a model's number and
    true/false fields (the others keep their defaults)."""
    parts: dict[str, st.SearchStrategy] = {}
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        kind = _base_type(field.annotation)
        bounds, optional = _bounds(field)
        if kind is bool:
            values: st.SearchStrategy = st.booleans()
        elif kind is float:
            if "max_value" not in bounds:
                continue  # bounded by another field (a location by the map)
            values = st.floats(allow_nan=False, allow_infinity=False, **bounds)
        elif kind is int:
            bounds = {k: v for k, v in bounds.items() if not k.startswith("exclude")}
            if "max_value" not in bounds:
                continue
            values = st.integers(**bounds)
        else:
            continue
        if optional:
            values = st.one_of(st.none(), values)
        parts[name] = st.one_of(st.just(KEEP), values)
    return st.fixed_dictionaries(parts).map(
        lambda d: {k: v for k, v in d.items() if v is not KEEP}
    )


def strategy_specs(in_contract: bool = True) -> st.SearchStrategy[str]:
    """Strategy specs as `linkages tournament` reads them: a name, maybe `:key=value`s."""

    @st.composite
    def spec(draw) -> str:
        name = draw(st.sampled_from(sorted(STRATEGIES)))
        parameters = [p for p in strategy_parameters(name)
                      if not (in_contract and name == "trust" and p in CONTRACT_TRUST_PARAMETERS)]
        chosen = draw(st.lists(st.sampled_from(parameters), unique=True)) if parameters else []
        settings_ = [f"{p}={draw(st.floats(0.0, 1.0)):.6g}" for p in chosen]
        return ":".join([name, *settings_])

    return spec()


def _point(draw, width: float, height: float) -> dict[str, float]:
    return {"x": draw(st.floats(0.0, width)), "y": draw(st.floats(0.0, height))}


@st.composite
def clauses(draw, party: str) -> list[dict]:
    metrics = [m for m, spec in CLAUSE_METRICS.items() if spec.party == party]
    chosen = draw(st.lists(st.sampled_from(metrics), max_size=3))
    out = []
    for j, metric in enumerate(chosen):
        spec = CLAUSE_METRICS[metric]
        clause: dict[str, Any] = {"metric": metric, "id": f"{metric}_{j}"}
        if metric != "data_shared":
            clause["threshold"] = draw(st.floats(spec.low, spec.high))
        if draw(st.booleans()):
            clause["penalty"] = draw(st.sampled_from([0.0, 1.0, 5_000.0, 1e12]))
        out.append(clause)
    return out


@st.composite
def markets(draw) -> dict:
    """A random market as plain data, built to be valid (validation may still refuse it)."""
    area = {"width_km": 20.0, "height_km": 20.0, **draw(field_values(MapSpec))}
    width, height = area["width_km"], area["height_km"]
    periods = draw(st.integers(2, 60))
    suppliers = []
    for i in range(draw(st.integers(1, 3))):
        s = {"id": f"s{i}", **draw(field_values(Supplier, skip=("wholesale_price", "rrp")))}
        rrp = draw(st.floats(1e-6, 1e9).filter(lambda x: x > 2e-6))
        s.update(rrp=rrp, wholesale_price=draw(st.floats(1e-6, rrp * 0.999)))
        s["defection"] = draw(field_values(SupplierDefection))
        suppliers.append(s)
    distributors = [
        {"id": f"d{i}", **draw(field_values(Distributor)),
         "defection": draw(field_values(DistributorDefection))}
        for i in range(draw(st.integers(1, 3)))
    ]  # fmt: skip
    owners = draw(st.lists(st.sampled_from([d["id"] for d in distributors]), min_size=1,
                           max_size=6))  # fmt: skip
    stores = [{"id": f"k{i}", "distributor": owner, "location": _point(draw, width, height),
               **draw(field_values(Store))} for i, owner in enumerate(owners)]  # fmt: skip
    # a distributor without stores may get one from an open_store intervention
    storeless = [d["id"] for d in distributors if d["id"] not in owners]
    opening = [d for d in storeless if draw(st.booleans())]
    with_stores = sorted({*owners, *opening})
    pairs = [(s["id"], d) for s in suppliers for d in with_stores]
    chosen_pairs = draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
    contracts = []
    for supplier, distributor in chosen_pairs:
        c: dict[str, Any] = {
            "supplier": supplier, "distributor": distributor,
            "supplier_strategy": draw(strategy_specs()),
            "distributor_strategy": draw(strategy_specs()),
            "supplier_clauses": draw(clauses("supplier")),
            "distributor_clauses": draw(clauses("distributor")),
            "trust": draw(field_values(Trust)),
            **draw(field_values(Contract, skip=("wholesale_price",))),
        }  # fmt: skip
        if draw(st.booleans()):
            rrp = next(s["rrp"] for s in suppliers if s["id"] == supplier)
            c["wholesale_price"] = draw(st.floats(1e-6, rrp * 0.999))
        if draw(st.booleans()):
            c["renegotiation"] = {"every": draw(st.integers(1, 520)),
                                  **draw(field_values(Renegotiation, skip=("every",)))}
        contracts.append(c)
    n_segments = draw(st.integers(1, 3))
    weights = [draw(st.floats(1e-9, 1.0)) for _ in range(n_segments)]
    shares = [w / sum(weights) for w in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    segments = []
    for i, share in enumerate(shares):
        seg = {"id": f"g{i}", "share": share, **draw(field_values(Segment, skip=("share",)))}
        seg["centres"] = [{**_point(draw, width, height), **draw(field_values(Centre))}
                          for _ in range(draw(st.integers(1, 3)))]  # fmt: skip
        active, lapsed = seg.get("initial_active", 0.35), seg.get("initial_lapsed", 0.10)
        seg["initial_lapsed"] = min(lapsed, 1.0 - active)
        seg["tastes"] = draw(field_values(Tastes))
        segments.append(seg)
    market = draw(field_values(Market))
    if sum(market.get(k, d) for k, d in (("experience_quality", 0.4),
                                          ("experience_service", 0.4),
                                          ("experience_value", 0.2))) <= 0:  # fmt: skip
        market["experience_quality"] = 0.4
    data = {
        "name": "random", "periods": periods, "customers": draw(st.integers(200, 500)),
        "seed": draw(st.integers(0, 2**63 - 1)), "map": area, "market": market,
        "funnel": draw(field_values(Funnel)), "suppliers": suppliers,
        "distributors": distributors, "stores": stores, "contracts": contracts,
        "segments": segments,
    }  # fmt: skip
    if draw(st.booleans()):
        data["market_size"] = draw(st.integers(1, 10_000_000_000))
    data["interventions"] = draw(interventions(data, opening))
    return data


@st.composite
def interventions(draw, data: dict, opening: list[str]) -> list[dict]:
    """Interventions of every kind, aimed at what exists (stores that open included)."""
    periods = data["periods"]
    width, height = data["map"]["width_km"], data["map"]["height_km"]
    out: list[dict] = []
    new_stores = [{"id": f"new{j}", "distributor": d, "location": _point(draw, width, height),
                   **draw(field_values(Store))} for j, d in enumerate(opening)]  # fmt: skip
    store_owner = {s["id"]: s["distributor"] for s in (*data["stores"], *new_stores)}
    contracted = [(c["supplier"], c["distributor"]) for c in data["contracts"]]
    with_clauses = [f"{c['supplier']}-{c['distributor']}" for c in data["contracts"]
                    if c["supplier_clauses"] or c["distributor_clauses"]]  # fmt: skip
    # first the stores of distributors that have contracts but no store yet
    kinds = ["open_store"] * len(new_stores)
    kinds += draw(st.lists(st.sampled_from(sorted(INTERVENTION_KINDS)), max_size=5))
    pending = list(new_stores)
    for i, kind in enumerate(kinds):
        start = draw(st.one_of(st.sampled_from([0, 1]), st.integers(0, periods - 1)))
        iv: dict[str, Any] = {"id": f"iv{i}", "kind": kind, "start": start}
        if draw(st.booleans()):
            iv["end"] = draw(st.integers(start + 1, periods))
        for key in ("cost", "cost_per_period"):
            if draw(st.booleans()):
                iv[key] = draw(st.sampled_from([0.0, 10.0, 1e12]))
        if draw(st.booleans()):
            iv["enabled"] = draw(st.booleans())
        if kind in ("train_staff", "service_standards"):
            if draw(st.booleans()):
                iv["store"] = draw(st.sampled_from(sorted(store_owner)))
            else:
                iv["distributor"] = draw(st.sampled_from(sorted(set(store_owner.values()))))
            if kind == "train_staff" and draw(st.booleans()):
                iv["training_boost"] = draw(st.floats(0.0, 1.0))
            if kind == "service_standards":
                what = draw(st.sampled_from(["greeting", "boost", "both"]))
                if what != "boost":
                    iv["greeting_time_s"] = draw(st.floats(0.0, 3_600.0))
                if what != "greeting":
                    iv["service_boost"] = draw(st.floats(0.0, 1.0))
        elif kind in ("price_promotion", "share_data", "product_mix"):
            supplier, distributor = draw(st.sampled_from(contracted))
            iv["distributor"] = distributor
            if kind == "product_mix" or draw(st.booleans()):
                iv["supplier"] = supplier
            if kind == "price_promotion":
                iv["discount"] = draw(st.floats(0.0, 0.9))
                iv["end"] = iv.get("end", draw(st.integers(start + 1, periods)))
            if kind == "product_mix" and draw(st.booleans()):
                iv["carry"] = draw(st.booleans())
        elif kind == "open_store":
            if pending:
                iv["new_store"] = pending.pop(0)
            else:
                owner = draw(st.sampled_from([d["id"] for d in data["distributors"]]))
                iv["new_store"] = {"id": f"extra{i}", "distributor": owner,
                                   "location": _point(draw, width, height)}  # fmt: skip
        elif kind == "close_store":
            iv["store"] = draw(st.sampled_from(sorted(store_owner)))
        elif kind == "introduce_sla":
            if not with_clauses:
                continue
            iv["contract"] = draw(st.sampled_from(with_clauses))
            iv["penalty"] = draw(st.sampled_from([0.0, 100.0, 1e12]))
        out.append(iv)
    return out


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(data=markets())
def test_a_valid_scenario_runs(data):
    try:
        scenario = validate_scenario(data, source="random.yaml")
    except ScenarioError as err:
        event("refused by validation")
        assert "random.yaml: " in str(err)
        return
    event("ran")
    again = validate_scenario(scenario.model_dump(), source="dump")
    assert again.model_dump() == scenario.model_dump()  # the dump validates back to itself
    model = MarketModel(scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow or division by zero
        model.run(2)
    assert model.periods_done == 2
    frame = model.timeseries()
    money = frame[frame["metric"].isin(["cash", "profit", "customer_spend"])]["value"]
    assert np.isfinite(money.to_numpy()).all()
    customers = frame[(frame["level"] == "market") & frame["metric"].str.startswith("customers_")]
    assert math.isclose(customers.groupby("period")["value"].sum().iloc[-1], scenario.customers)


SPEC_TEXT = st.text(alphabet="gtfrusalcjom-:=._0123456789 ph", max_size=20)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(spec=st.one_of(strategy_specs(), SPEC_TEXT,
                      st.builds(lambda n, rest: n + rest, st.sampled_from(sorted(STRATEGIES)),
                                SPEC_TEXT)))  # fmt: skip
def test_a_strategy_that_validates_is_one_the_market_builds(spec):
    """Validation refuses exactly what a contract party could not be built from (and a bit
    more: parameters outside 0-1)."""
    from linkages_sim.config.schema import strategy_problem
    from linkages_sim.market.relationships import contract_strategy

    if strategy_problem(spec, in_contract=True) is None:
        contract_strategy(spec, Trust())


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(terms=field_values(Renegotiation, skip=("every",)),
       units=st.floats(1e-9, 1e16), cost=st.floats(0.0, 1e9), markup=st.floats(0.0, 1e9))
def test_renegotiated_prices_lie_between_cost_and_retail_price(terms, units, cost, markup):
    """With outside options that are not negative (validation), the Nash price is a price: a
    negative one used to end the run in the ledger (a negative transfer)."""
    from linkages_sim.market.bargaining import nash_wholesale_price

    retail = cost + markup
    price = nash_wholesale_price(Renegotiation(every=4, **terms), units, retail, cost)
    if price is not None:
        assert cost - 1e-9 * max(1.0, cost) <= price <= retail + 1e-9 * max(1.0, retail)
