"""Tournaments, evolution and the participant's game: hand-computable cases, reproducibility
for any number of workers, and the Moran process against its analytic fixation probabilities."""

import numpy as np
import pandas as pd
import pytest

from linkages_sim.game import Tournament, moran, replicator
from linkages_sim.game.session import PlaySession, parse_moves, pick_hidden_opponent
from linkages_sim.game.strategies import STRATEGIES


def test_pairwise_scores_and_ranking_by_hand():
    result = Tournament("tft,all-d,all-c", turns=200, repetitions=2, seed=1).play()
    p = result.pairwise
    assert p.loc["tft", "all-d"] == pytest.approx(199 / 200)
    assert p.loc["all-d", "tft"] == pytest.approx(204 / 200)
    assert p.loc["all-d", "all-c"] == 5 and p.loc["all-c", "all-d"] == 0
    assert p.loc["tft", "tft"] == 3
    means = result.as_dict()["mean_score_per_turn"]
    # self-play included: each mean is over three opponents
    assert means["tft"] == pytest.approx((3 + 199 / 200 + 3) / 3)
    assert means["all-d"] == pytest.approx((204 / 200 + 1 + 5) / 3)
    assert result.ranking == ["all-d", "tft", "all-c"]  # exploiting all-c pays here
    wins = result.summary.set_index("strategy")["wins_per_repetition"]
    assert wins["all-d"] == 2 and wins["tft"] == 0


def test_without_self_play_the_diagonal_is_empty_and_not_scored():
    result = Tournament("tft,all-d,all-c", turns=200, repetitions=1, seed=1, self_play=False).play()
    assert np.isnan(result.pairwise.loc["tft", "tft"])
    assert result.as_dict()["pairwise_score_per_turn"]["tft"]["tft"] is None
    assert result.as_dict()["mean_score_per_turn"]["all-d"] == pytest.approx((204 / 200 + 5) / 2)


def test_same_seed_same_result_for_any_number_of_workers():
    players = "tft,random,joss,gtft,wsls"
    kwargs = {"turns": 50, "repetitions": 3, "noise": 0.05, "seed": 7}
    serial = Tournament(players, workers=1, **kwargs).play()
    parallel = Tournament(players, workers=2, **kwargs).play()
    pd.testing.assert_frame_equal(serial.matches, parallel.matches)
    assert serial.as_dict() == parallel.as_dict()
    other = Tournament(players, workers=1, **{**kwargs, "seed": 8}).play()
    assert not serial.matches["score"].equals(other.matches["score"])


def test_random_length_tournament_reports_its_lengths():
    result = Tournament("tft,all-d", turns=None, prob_end=0.1, repetitions=20, seed=2).play()
    assert result.matches["turns"].nunique() > 3
    assert result.as_dict()["mean_turns"] == pytest.approx(10, rel=0.5)


def test_noise_makes_wsls_beat_tft_in_self_play():
    result = Tournament("tft,wsls", turns=200, repetitions=20, noise=0.05, seed=4).play()
    p = result.pairwise
    assert p.loc["wsls", "wsls"] > p.loc["tft", "tft"] + 0.3


def test_bad_tournament_settings():
    with pytest.raises(ValueError, match="repetitions"):
        Tournament("tft,all-d", repetitions=0)
    with pytest.raises(ValueError, match="at least two"):
        Tournament("tft")
    with pytest.raises(ValueError, match="more than once"):
        Tournament("tft,tft")
    with pytest.raises(ValueError, match="did you mean 'grim'"):
        Tournament("tft,grimm")


def test_strategy_parameters_from_specs():
    result = Tournament("random:p=0,random:p=1", turns=10, repetitions=1, seed=0).play()
    assert result.pairwise.loc["random:p=0", "random:p=1"] == 5
    with pytest.raises(ValueError, match="no parameter"):
        Tournament("tft:p=0.2,all-d")


def payoff_table(labels, rows) -> pd.DataFrame:
    return pd.DataFrame(rows, index=labels, columns=labels, dtype=float)


def test_replicator_step_by_hand():
    table = payoff_table(["a", "b"], [[3, 0], [5, 1]])  # one-shot prisoner's dilemma
    frame = replicator(table, generations=1)
    # x = (.5, .5): f = (1.5, 3), mean 2.25, so x' = (.5 * 1.5 / 2.25, .5 * 3 / 2.25)
    first = frame[frame["generation"] == 1].set_index("strategy")["share"]
    assert first["a"] == pytest.approx(1 / 3) and first["b"] == pytest.approx(2 / 3)
    final = replicator(table, generations=200)
    assert final.groupby("generation")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert final[final["generation"] == 200].set_index("strategy")["share"]["b"] > 0.999


def test_replicator_reciprocity_invades_a_long_game():
    result = Tournament("tft,all-d", turns=200, repetitions=1, seed=0).play()
    frame = replicator(result, generations=100, initial={"tft": 0.2, "all-d": 0.8})
    last = frame[frame["generation"] == 100].set_index("strategy")["share"]
    assert last["tft"] > 0.99


def fixation_rate(table, runs: int, selection: float) -> float:
    hits = 0
    for seed in range(runs):
        frame = moran(
            table,
            population=10,
            generations=10_000,
            seed=seed,
            selection=selection,
            initial={"mutant": 1, "resident": 9},
        )
        hits += frame.attrs["fixation"] == "mutant"
    return hits / runs


@pytest.mark.parametrize(("selection", "r"), [(0.0, 1.0), (1.0, 2.0)])
def test_moran_fixation_probability_is_analytic(selection, r):
    """One mutant of relative fitness r among N = 10: rho = (1 - 1/r) / (1 - 1/r^N), 1/N when
    neutral (Nowak 2006, ch. 6)."""
    table = payoff_table(["mutant", "resident"], [[2, 2], [1, 1]])
    runs, n = 1000, 10
    expected = 1 / n if r == 1 else (1 - 1 / r) / (1 - r**-n)
    rate = fixation_rate(table, runs, selection)
    assert abs(rate - expected) < 4 * np.sqrt(expected * (1 - expected) / runs)


def test_moran_is_seeded_and_conserves_the_population():
    result = Tournament("tft,all-d,wsls", turns=50, repetitions=1, seed=0).play()
    a = moran(result, population=30, generations=50, seed=3, mutation=0.01)
    b = moran(result, population=30, generations=50, seed=3, mutation=0.01)
    pd.testing.assert_frame_equal(a, b)
    assert (a.groupby("generation")["count"].sum() == 30).all()
    assert a.attrs["fixation"] is None  # mutation keeps every strategy possible


def test_evolution_needs_a_full_payoff_table():
    result = Tournament("tft,all-d", turns=10, repetitions=1, seed=0, self_play=False).play()
    with pytest.raises(ValueError, match="self-play"):
        replicator(result)


def test_parse_moves():
    assert parse_moves("C d, cooperate DEFECT\nccD") == list("CDCDCCD")
    with pytest.raises(ValueError, match="'x' is not a move"):
        parse_moves("C x")


def test_play_session_matches_the_strategy_it_imitates():
    session = PlaySession("tft", turns=8, noise=0.1, seed=5)
    for _ in range(8):
        # the participant plays tit-for-tat by hand: copy the opponent's last (seen) move
        session.respond(session.theirs[-1] if session.theirs else "C")
    table = session.what_if().set_index("strategy")
    assert table.loc["you", "score"] == table.loc["tft", "score"]
    assert table.loc["you", "opponent_score"] == table.loc["tft", "opponent_score"]
    with pytest.raises(ValueError, match="over"):
        session.respond("C")


def test_hidden_opponent_is_reproducible_and_revealed_at_the_end():
    assert pick_hidden_opponent(1) == pick_hidden_opponent(1)
    assert {pick_hidden_opponent(s) for s in range(60)} <= set(STRATEGIES)
    assert len({pick_hidden_opponent(s) for s in range(60)}) > 5
    session = PlaySession("hidden", turns=1, seed=1)
    assert session.opponent_label == "hidden"
    session.respond("C")
    assert session.opponent_label == pick_hidden_opponent(1)


@pytest.mark.parametrize("prob_end", [0.25, 0.75])
def test_shadow_of_the_future_decides_whether_all_d_invades_grim(prob_end):
    """Against grim, all-d earns T once and P after: per expected turn P + (T - P) p. It beats
    grim's R against itself iff p > (R - P) / (T - P), i.e. iff w = 1 - p < (T - R) / (T - P)."""
    result = Tournament(
        "grim,all-d", turns=None, prob_end=prob_end, repetitions=3000, seed=1
    ).play()
    p = result.pairwise
    assert p.loc["all-d", "grim"] == pytest.approx(1 + 4 * prob_end, rel=0.03)
    assert p.loc["grim", "grim"] == 3
    invades = p.loc["all-d", "grim"] > p.loc["grim", "grim"]
    assert invades == (1 - prob_end < 0.5)
