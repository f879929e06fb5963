"""The coordinating-contracts experiment at a small size: the structural facts its README
rests on hold exactly, and the break-even SLA penalties it derives do deter."""

import pytest

from experiments.coordination_incentives.experiment import FORMS, run_experiment


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("coordination")
    found = run_experiment(out, customers=1_000, seeds=2, workers=1, panel=30)
    assert (out / "coordination_incentives.png").stat().st_size > 10_000
    return found


def test_under_a_two_part_tariff_a_cooperating_supplier_does_not_care_what_the_distributor_does(
    results,
):
    """At w = c the supplier's margin on a unit is zero: R = S exactly (the fee is fixed)."""
    s = results["forms"][FORMS[1]]["supplier"]
    assert s["R"]["mean"] == pytest.approx(s["S"]["mean"], rel=1e-9)
    assert s["R"]["min"] == pytest.approx(s["S"]["min"], rel=1e-9)


def test_revenue_sharing_with_the_agreed_split_leaves_the_supplier_where_it_was(results):
    """At RRP the share s(RRP - c) is the agreed margin w - c: the supplier's T and R, and the
    distributor's R and S (the distributor cooperating, so prices at RRP), are unchanged."""
    wholesale, sharing = results["forms"][FORMS[0]], results["forms"][FORMS[2]]
    for party, payoffs in (("supplier", "TR"), ("distributor", "RS")):
        for k in payoffs:
            assert sharing[party][k]["mean"] == pytest.approx(wholesale[party][k]["mean"],
                                                              rel=1e-9)  # fmt: skip
    assert sharing["distributor"]["T"]["mean"] != pytest.approx(
        wholesale["distributor"]["T"]["mean"], rel=1e-6)  # the supplier shares the discount


def test_the_derived_break_even_penalties_deter_in_every_market(results):
    """Fined 1.05 x the largest derived penalty, cutting corners pays nowhere (penalties are
    transfers: the derivation from unfined runs is exact)."""
    check = results["penalty_check"]
    assert set(check) <= set(FORMS) and len(check) >= 6
    for record in check.values():
        assert record["markets_where_cutting_pays"] == {"supplier": 0, "distributor": 0}
