"""The IPD experiment at a small size: the directions its README states."""

from experiments.ipd_tournament import run_experiment

NICE = {"all-c", "tft", "grim", "wsls", "tf2t", "gtft", "majority", "trust"}


def test_ipd_experiment_directions(tmp_path):
    headline = run_experiment(tmp_path, turns=100, repetitions=3, seed=5, self_play_seeds=12)
    ranking = headline["ranking_no_noise"]
    assert len(ranking) == 13
    assert set(ranking[:8]) == NICE  # nice strategies above every one that defects first
    assert ranking[-1] == "all-d"
    assert headline["ranking_noise_0.05"][-1] in {"all-d", "grim"}
    selfplay = headline["self_play_noise_0.05"]  # [mean, 95% low, high] over the matches
    assert selfplay["wsls"][1] > selfplay["tft"][2]  # the intervals do not overlap
    assert selfplay["grim"][2] < selfplay["tft"][1]
    scores = headline["score_interval_no_noise"]
    assert all(low <= mean <= high for mean, low, high in scores.values())
    survivors = headline["replicator_survivors_noise_0.05"]
    assert "all-d" not in survivors and "grim" not in survivors
    assert {p.name for p in tmp_path.glob("*.png")} == {
        "tournament_no_noise.png",
        "tournament_noise_0.05.png",
        "noise_and_evolution.png",
    }
