"""The market-dilemma experiment at a small size: the directions its README states."""

from experiments.market_dilemma import run_experiment


def test_market_dilemma_experiment_directions(tmp_path):
    h = run_experiment(tmp_path, customers=20_000, replications=4, seeds=1, seed=42, workers=2)
    assert h["payoff_matrix"]["game_class"]["game"] == "prisoners_dilemma"
    assert h["dilemma_gone_at"] is not None and h["dilemma_gone_at"] <= 8000
    assert h["horizon"]["52"]["game"] != "prisoners_dilemma"
    clean = h["repeated_play"]
    for strategy in ("tft", "grim", "wsls"):
        assert clean[strategy]["mutual_cooperation"] == 1.0
        assert clean[strategy]["channel_profit"] > clean["all-d"]["channel_profit"]
    noisy = h["repeated_play_noisy"]
    assert noisy["wsls"]["mutual_cooperation"] > noisy["tft"]["mutual_cooperation"]
    assert noisy["wsls"]["channel_profit"] > noisy["tft"]["channel_profit"]
    broken = h["broken"]
    assert broken["acme_wholesale_revenue"][1] < broken["acme_wholesale_revenue"][0]
    assert broken["acme_brand_equity_end"][1] < broken["acme_brand_equity_end"][0]
    assert broken["central_retail_revenue"][1] < broken["central_retail_revenue"][0]
    assert {p.name for p in tmp_path.glob("*.png")} == {
        "payoff_matrix.png",
        "sla_sweep.png",
        "repeated_play.png",
        "broken_relationship.png",
    }
