"""The workshop commands report how a random length came about: no cap unless the user gives
one, every cut counted, and gtft's generosity for the payoffs typed in (issue 16, item 6)."""

import json

from tests.support import linkages


def test_match_with_prob_end_alone_is_not_capped():
    # seed 3 draws 231 turns with prob_end 0.002: above the old silent cap of 200
    proc = linkages("match", "all-c", "all-c", "--prob-end", "0.002", "--seed", "3", "--json", "-")
    record = json.loads(proc.stdout)
    assert record["turns"] == record["drawn_turns"] == 231
    assert record["turn_cap"] is None and record["cut_by_cap"] is False


def test_match_cut_by_the_users_cap_says_so():
    args = ("match", "all-c", "all-c", "--prob-end", "0.002", "--turns", "200", "--seed", "3")
    record = json.loads(linkages(*args, "--json", "-").stdout)
    assert (record["turns"], record["drawn_turns"], record["turn_cap"]) == (200, 231, 200)
    assert record["cut_by_cap"] is True
    assert "drawn 231, cut at the cap" in linkages(*args).stdout


def test_tournament_counts_the_matches_its_cap_cut_and_shows_gtfts_generosity():
    args = ("tournament", "--strategies", "gtft,all-d,tft", "--payoffs", "4,3,1,0", "--prob-end",
            "0.01", "--turns", "50", "--repetitions", "20", "--seed", "1")  # fmt: skip
    record = json.loads(linkages(*args, "--json", "-").stdout)
    assert record["turn_cap"] == 50 and record["matches"] == 6 * 20
    assert 0 < record["matches_cut_by_cap"] < record["matches"]
    assert record["strategy_settings"]["gtft"] == "GenerousTitForTat(p=0.6667)"
    shown = " ".join(linkages(*args).stdout.split())
    assert f"cut {record['matches_cut_by_cap']} of 120 matches" in shown
    assert "gtft forgives with p = 0.667 (Nowak & Sigmund, from the payoffs)" in shown


def test_strategies_listing_describes_gtfts_generosity():
    shown = " ".join(linkages("strategies").stdout.replace("│", " ").split())
    assert "default from the payoffs" in shown
