"""The dynamic-game experiment's directions at a small size (experiments/dynamic_game)."""

from experiments.dynamic_game.experiment import run_experiment


def test_one_shot_deviations_small(tmp_path):
    result = run_experiment(tmp_path, customers=1_000, seeds=2, periods=9, short=4, workers=1)
    cases = result["cases"]

    def review(case, party, k):
        return cases[case]["parties"][party]["reviews"][k]

    for party in ("supplier", "distributor"):
        # an SLA penalty is a transfer: the same runs, less the fines read at the next review
        fined, free = review("sla_year_tft", party, 0), review("default_year_tft", party, 0)
        assert fined["penalty_paid"] > 0 and free["penalty_paid"] == 0
        assert fined["net"] != free["net"] and fined["gain"] == free["gain"]
        # the short horizon's only review has no continuation: nothing to lose
        quarter = cases["default_quarter_tft"]["parties"][party]["reviews"]
        assert len(quarter) == 1 and quarter[0]["loss"] == 0.0
        # punishment: grim partners never forgive, tit-for-tat partners do
        assert review("sla_year_grim", party, 0)["partner_forgave_share"] == 0.0
        assert review("sla_year_tft", party, 0)["partner_forgave_share"] == 1.0
    assert set(result["verdicts"]) == set(cases)
    assert (tmp_path / "dynamic_game.png").is_file() and (tmp_path / "deviations.csv").is_file()
