"""What happened when in a run: reviews, breaks, re-contracts, launches and interventions.

One tidy table (period, kind, who, label) read from the finished run: breaks and re-contracts
from the model's relationships (through the summary), reviews from each contract's
`review_every` and the weeks it was active (the long table's `relationship_active`), launches
from the ledger's `new_product` transfers, interventions from the scenario. The figures mark
them on their time axes and the report's headline tells them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from linkages_sim.analysis.tables import metric_table

if TYPE_CHECKING:
    from linkages_sim.analysis.results import RunResult
    from linkages_sim.config.schema import Scenario

COLUMNS = ["period", "kind", "who", "label"]
KINDS = ("review", "break", "recontract", "launch", "intervention", "intervention_end")


def run_events(result: RunResult) -> pd.DataFrame:
    """The events of a finished run (`events` on its parts)."""
    return events(result.scenario, result.summary, result.timeseries, result.ledger)


def events(
    scenario: Scenario, summary: dict[str, Any], timeseries: pd.DataFrame,
    ledger: pd.DataFrame | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Every event of a run, sorted by period then kind (see the module's docstring)."""
    rows: list[tuple[int, str, str, str]] = []
    periods = int(summary["periods"])
    active = metric_table(timeseries, "contract", "relationship_active")
    for contract in scenario.contracts:
        key = contract.key
        record = summary["contracts"].get(key, {})
        breaks, recontracts = record.get("breaks", []), record.get("recontracts", [])
        rows += [(int(p), "break", key, f"{key} broke") for p in breaks]
        rows += [(int(p), "recontract", key, f"{key} re-contracted") for p in recontracts]
        on = active[key] if key in active else pd.Series(1.0, index=range(periods))
        # a review happens while the contract is active; the review that breaks it counts too
        rows += [(int(p), "review", key, f"{key} review") for p in on.index
                 if p % contract.review_every == 0 and (on[p] > 0.5 or p in breaks)]  # fmt: skip
    if ledger is not None and not ledger.empty:
        launches = ledger[(ledger["kind"] == "new_product")
                          & ledger["payer"].str.startswith("supplier:")]  # fmt: skip
        for period, payer in zip(launches["period"], launches["payer"], strict=True):
            who = payer.split(":", 1)[1]
            rows.append((int(period), "launch", who, f"{who} launch"))
    for iv in scenario.interventions:
        if not iv.enabled or iv.start >= periods:
            continue
        rows.append((iv.start, "intervention", iv.id, iv.id))
        if iv.end is not None and iv.end < periods:
            rows.append((iv.end, "intervention_end", iv.id, f"{iv.id} ends"))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["period"] = frame["period"].astype("int64")
    frame["order"] = frame["kind"].map({k: i for i, k in enumerate(KINDS)})
    frame = frame.sort_values(["period", "order", "who"], kind="stable")
    return frame.drop(columns="order").reset_index(drop=True)
