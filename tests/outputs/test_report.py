"""The report starts with a headline computed from the run: different runs tell different,
correct stories, and every number the sentences quote is the key-figures table's."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from linkages_sim.api import run
from linkages_sim.formatting import compact, num, pct
from linkages_sim.outputs.headline import headline, signed
from linkages_sim.outputs.html import render_html
from linkages_sim.outputs.run_folder import write_run
from tests.support import small

MONEY = re.compile(r"[+-]?\d+(?:\.\d+)?[kMG]")
PERCENT = re.compile(r"\d+\.\d%")


@pytest.fixture(scope="module")
def runs():
    return {name: run(small(name, customers=3_000, periods=20))
            for name in ("baseline", "price_war", "broken_trust")}


@pytest.fixture(scope="module")
def stories(runs):
    return {name: headline(result) for name, result in runs.items()}


def table_text(story) -> str:
    return " | ".join(" | ".join(row) for row in story.rows)


def test_different_scenarios_different_headlines(stories):
    texts = {name: " ".join(story.sentences) for name, story in stories.items()}
    assert len(set(texts.values())) == 3
    assert "All 6 relationships held" in texts["baseline"]
    assert "broke" not in texts["baseline"].replace("No relationship broke", "")
    assert "No relationship broke" in texts["price_war"]
    assert "the distributor defected first on all 6 contracts (week 0)" in texts["price_war"]
    assert "The contract acme-central broke in week 12" in texts["broken_trust"]
    assert "below its 0.25 threshold" in texts["broken_trust"]
    assert "prices outside the band" in texts["price_war"]
    assert "prices outside the band" not in texts["baseline"]


def test_the_headline_is_correct(runs, stories):
    for name, result in runs.items():
        s = result.summary
        firms = {**s["suppliers"], **s["distributors"]}
        best = max(firms, key=lambda w: firms[w]["profit"])
        worst = min(firms, key=lambda w: firms[w]["profit"])
        first = stories[name].sentences[0]
        assert f"{best.capitalize()} did best ({signed(firms[best]['profit'])})" in first
        assert f"{worst.capitalize()} worst ({signed(firms[worst]['profit'])})" in first
        losers = [w for w in firms if firms[w]["profit"] < 0]
        assert ("lose money" in first or "lost money" in first) == bool(losers)
        assert signed(s["market"]["channel_profit"]) in first
    trust = runs["broken_trust"].summary["contracts"]["acme-central"]
    assert f"fell to {num(trust['distributor_trust_end'], 2)}" in " ".join(
        stories["broken_trust"].sentences)


def test_numbers_in_the_headline_are_the_key_tables(stories):
    for story in stories.values():
        cells = table_text(story)
        for sentence in story.sentences:
            for token in MONEY.findall(sentence):
                assert token in cells, (token, sentence)
        brand = [s for s in story.sentences if "brand equity" in s]
        assert brand
        for sentence in brand:
            start, end = re.search(r"from (\d\.\d{3}) to (\d\.\d{3})", sentence).groups()
            assert f"{start} -> {end}" in cells
        share = next(s for s in story.sentences if "of the market's retail value" in s)
        for token in PERCENT.findall(share):
            assert token in cells, (token, share)


def test_key_table_is_the_summary(runs, stories):
    result, story = runs["broken_trust"], stories["broken_trust"]
    rows = {row[0]: row for row in story.rows}
    for who, v in result.summary["suppliers"].items():
        assert rows[who][2] == signed(v["profit"])
        assert rows[who][3] == compact(v["wholesale_revenue"])
        assert rows[who][4] == pct(v["market_share_value"])
        brand = f"{num(v['brand_equity_start'])} -> {num(v['brand_equity_end'])}"
        assert rows[who][6] == f"brand {brand}"
    assert rows["all firms"][2] == signed(result.summary["market"]["channel_profit"])
    assert "profit (20 weeks)" in story.header


def test_what_moved_brand_equity_adds_up(stories):
    """The price part and the satisfaction part add up to the change (to rounding)."""
    told = 0
    for story in stories.values():
        for sentence in story.sentences:
            m = re.search(r"from (\d\.\d{3}) to (\d\.\d{3})", sentence)
            if not m or "brand equity" not in sentence:
                continue
            change = float(m.group(2)) - float(m.group(1))
            price = re.search(r"cost it (\d\.\d{3})", sentence)
            rest = re.search(r"satisfaction (added|took) (\d\.\d{3})", sentence)
            parts = (-float(price.group(1)) if price else 0.0) + (
                0.0 if rest is None else float(rest.group(2)) * (1 if rest.group(1) == "added"
                                                                 else -1))
            assert abs(parts - change) < 0.006, sentence
            told += 1
    assert told == 6


def test_against_a_reference(runs):
    story = headline(runs["broken_trust"], reference=runs["baseline"])
    against = story.sentences[-1]
    assert against.startswith("Against baseline (the same seed)")
    header, rows = story.comparison
    rows = {row[0]: row for row in rows}
    a, b = runs["broken_trust"].summary, runs["baseline"].summary
    assert rows["acme"][1] == signed(a["suppliers"]["acme"]["profit"]
                                     - b["suppliers"]["acme"]["profit"])
    assert rows["all firms"][1] in against
    assert "baseline" in header[1]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.images = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])


def test_the_run_folder_has_report_md_and_a_self_contained_html(runs, tmp_path):
    result = runs["broken_trust"]
    files = write_run(result, tmp_path / "r", reference=runs["baseline"])
    report = (tmp_path / "r" / "report.md").read_text()
    order = [report.index(h) for h in ("## What happened", "## Key figures",
                                       "## Against baseline", "## Figures", "## Market",
                                       "## Relationships")]
    assert order == sorted(order)
    assert "![map](plots/map.png)" in report and "![trust](plots/trust.png)" in report
    page = _Page()
    page.feed((tmp_path / "r" / "report.html").read_text())
    figures = [name for name in files if name.startswith("plots/")]
    assert len(figures) == 10
    assert len(page.images) == len(figures)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert "script" not in page.tags and "table" in page.tags and "li" in page.tags
    html = (tmp_path / "r" / "report.html").read_text().replace("&#x27;", "'")
    assert headline(result).sentences[0] in html


def test_no_map_when_asked(runs, tmp_path):
    files = write_run(runs["baseline"], tmp_path / "r", map_figure=False)
    assert "plots/map.png" not in files and "plots/trust.png" in files
    assert "map.png" not in (tmp_path / "r" / "report.md").read_text()


def test_html_keeps_links_it_cannot_embed(tmp_path):
    page = render_html("# t\n\n![gone](plots/missing.png)\n\n| a |\n|---|\n| 1 |\n", tmp_path)
    assert '<img src="plots/missing.png"' in page and "<table>" in page
    assert "<title>t</title>" in page
