"""Tournaments, evolution and the participant's game: hand-computable cases, reproducibility
for any number of workers, and the Moran process against its analytic fixation probabilities."""

import numpy as np
import pandas as pd
import pytest

from linkages_sim.game import Game, Tournament, moran, replicator
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


def test_a_random_length_tournament_has_no_default_cap():
    """prob_end 0.002 without turns: every match has its geometric length, none cut.

    Three players with self-play are 6 pairings; 100 repetitions make 600 matches, whose mean
    length must be within 3 standard errors sqrt((1 - p) / n) / p (20 turns) of 1 / p = 500.
    """
    p = 0.002
    result = Tournament("all-c,all-d,tft", prob_end=p, repetitions=100, seed=3).play()
    assert result.tournament.turns is None and result.tournament.turn_cap is None
    n = result.match_count
    assert n == 6 * 100
    assert abs(result.mean_turns - 1 / p) < 3 * np.sqrt((1 - p) / n) / p
    assert result.matches_cut == 0 and result.tournament.cut_probability == 0
    record = result.as_dict()
    assert (record["turn_cap"], record["matches_cut_by_cap"], record["matches"]) == (None, 0, n)


def test_a_user_cap_on_a_random_length_is_counted():
    """turns with prob_end: the user's cap, and the result counts the matches it cut.

    With p = 0.01 and a cap of 50, a match is cut with probability 0.99^50 = 0.605; over the
    6 x 50 = 300 matches the count is binomial, so the test allows 3 of its standard errors.
    """
    p, cap = 0.01, 50
    result = Tournament("tft,all-d,wsls", turns=cap, prob_end=p, repetitions=50, seed=4).play()
    t = result.tournament
    assert t.turn_cap == cap and t.cut_probability == pytest.approx(0.99**50)
    played = result.played
    n = len(played)
    assert n == 300
    # the cut matches are exactly those that lasted the cap: a drawn length of exactly the cap
    # is not cut, so the count is at most the number of matches of the cap's length
    assert played.loc[played["cut"], "turns"].eq(cap).all()
    assert result.matches_cut <= int((played["turns"] == cap).sum())
    q = t.cut_probability
    assert abs(result.matches_cut / n - q) < 3 * np.sqrt(q * (1 - q) / n)
    record = result.as_dict()
    assert record["turn_cap"] == cap and record["matches_cut_by_cap"] == result.matches_cut > 0
    # both points of view of a match carry the same flag, and it is counted once
    both = result.matches[result.matches["player"] != result.matches["opponent"]]
    assert both["cut"].sum() == 2 * int(played.loc[
        played["player"] != played["opponent"], "cut"].sum())  # fmt: skip


def test_fixed_lengths_are_never_reported_cut():
    result = Tournament("tft,all-d", repetitions=2, seed=1).play()
    assert result.tournament.turns == 200 and result.tournament.turn_cap is None
    assert result.matches_cut == 0 and not result.matches["cut"].any()


def test_expected_turns_uses_the_capped_mean():
    t = Tournament("tft,all-d", turns=200, prob_end=0.002, repetitions=1, seed=1)
    assert t.expected_turns() == pytest.approx(3 * (1 - 0.998**200) / 0.002)
    assert Tournament("tft,all-d", prob_end=0.002, seed=1).expected_turns() == pytest.approx(
        3 * 10 * 500
    )


def test_the_tournament_seats_gtft_for_its_payoffs():
    """With T = 4 (4, 3, 1, 0) gtft forgives at min(1 - 1/3, 2/3) = 2/3, and plays it."""
    four = Game(T=4, R=3, P=1, S=0)
    result = Tournament("gtft,all-d,gtft:p=0.1", turns=3001, repetitions=1, game=four,
                        seed=5, self_play=False).play()  # fmt: skip
    settings = result.as_dict()["strategy_settings"]
    assert settings == {"gtft": "GenerousTitForTat(p=0.6667)", "all-d": "AlwaysDefect()",
                        "gtft:p=0.1": "GenerousTitForTat(p=0.1)"}  # fmt: skip
    coop = result.matches.set_index(["player", "opponent"])["cooperation"]
    n = 3000  # after the opening C, gtft cooperates against all-d at its generosity
    for label, p in (("gtft", 2 / 3), ("gtft:p=0.1", 0.1)):
        rate = (coop[(label, "all-d")] * 3001 - 1) / n
        assert abs(rate - p) < 4 * np.sqrt(p * (1 - p) / n)
    default = Tournament("gtft,all-d", seed=1).players[0].strategy
    assert default.p == pytest.approx(1 / 3)


def test_the_participants_opponent_is_seated_for_the_payoffs():
    session = PlaySession("gtft", turns=2, game=Game(T=4, R=3, P=1, S=0), seed=1)
    assert session.player.strategy.p == pytest.approx(2 / 3)


def test_the_workshop_bot_is_seated_for_the_rooms_payoffs():
    from linkages_sim.workshop.classic import ClassicSettings

    bot = ClassicSettings(game=Game(T=4, R=3, P=1, S=0), bot="gtft").bot_player()
    assert bot.strategy.p == pytest.approx(2 / 3)
    assert ClassicSettings(bot="gtft").bot_player().strategy.p == pytest.approx(1 / 3)
