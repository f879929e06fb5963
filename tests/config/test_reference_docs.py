"""Documentation stays true to the code."""

import re

from linkages_sim.config.loading import available_scenarios
from linkages_sim.config.reference import reference_markdown, scenarios_markdown
from linkages_sim.market.recording import (
    CONTRACT_METRICS,
    DISTRIBUTOR_METRICS,
    MARKET_METRICS,
    STORE_METRICS,
    SUPPLIER_METRICS,
)
from tests.support import ROOT, SCENARIOS


def test_scenario_reference_is_generated_from_the_schema():
    text = (ROOT / "docs" / "scenarios.md").read_text()
    assert reference_markdown() in text, (
        "docs/scenarios.md is stale: regenerate its fields section with "
        "linkages_sim.config.reference.reference_markdown()"
    )


def test_the_reference_reads_well():
    """Every type in words, every description a whole sentence, every scenario listed."""
    fields = reference_markdown()
    rows = [line.split(" | ") for line in fields.splitlines() if line.startswith("| `")]
    assert len(rows) > 100
    for row in rows:
        name, kind, description = row[0], row[1], row[4].removesuffix(" |")
        assert not re.search(r"annotation=|metadata=|FieldInfo|NoneType|typing\.|\bstr\b|"
                             r"\bfloat\b|\bint\b", kind), (name, kind)
        assert description and (description[0].isupper() or description[0] in "`0123456789"), row
        assert description.endswith("."), (name, description)
        assert description.count("(") == description.count(")"), (name, description)
        assert not re.search(r"\b(the|of|and|or|a|likewise)\.$", description), (name, description)
    listed = scenarios_markdown()
    for entry in available_scenarios():
        assert f"| `{entry.name}` | {entry.origin} |" in listed, entry.name
    assert {e.name for e in available_scenarios()} >= {p.stem for p in SCENARIOS.glob("*.yaml")}
    assert listed in (ROOT / "docs" / "scenarios.md").read_text()


def test_every_metric_is_defined():
    text = (ROOT / "docs" / "metrics.md").read_text()
    for name in (*MARKET_METRICS, *SUPPLIER_METRICS, *DISTRIBUTOR_METRICS, *STORE_METRICS,
                 *CONTRACT_METRICS):  # fmt: skip
        assert f"`{name}`" in text, name
