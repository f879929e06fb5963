"""Documentation stays true to the code."""

from linkages_sim.config.reference import reference_markdown
from linkages_sim.market.recording import (
    CONTRACT_METRICS,
    DISTRIBUTOR_METRICS,
    MARKET_METRICS,
    STORE_METRICS,
    SUPPLIER_METRICS,
)
from tests.support import ROOT


def test_scenario_reference_is_generated_from_the_schema():
    text = (ROOT / "docs" / "scenarios.md").read_text()
    assert reference_markdown() in text, (
        "docs/scenarios.md is stale: regenerate its fields section with "
        "linkages_sim.config.reference.reference_markdown()"
    )


def test_every_metric_is_defined():
    text = (ROOT / "docs" / "metrics.md").read_text()
    for name in (*MARKET_METRICS, *SUPPLIER_METRICS, *DISTRIBUTOR_METRICS, *STORE_METRICS,
                 *CONTRACT_METRICS):  # fmt: skip
        assert f"`{name}`" in text, name
