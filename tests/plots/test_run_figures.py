"""The run's figures read well: units on every axis, shares on 0-1, bars from zero, one trust
panel per contract with its break threshold, events on the time axis, stores in their
distributor's colour, and a map of the market."""

from __future__ import annotations

import pytest
from matplotlib.collections import PolyCollection

from linkages_sim.api import run
from linkages_sim.plots.events import run_events
from linkages_sim.plots.run_figures import draw_figures, figure_names
from tests.support import small


@pytest.fixture(scope="module")
def broken():
    result = run(small("broken_trust", customers=3_000, periods=20))
    return result, run_events(result)


@pytest.fixture(scope="module")
def figures(broken):
    result, events = broken
    homes = result.model.customer_sample(2_000)
    return dict(draw_figures(result.timeseries, result.scenario, events, homes))


def visible(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_every_figure_is_drawn_in_the_reports_order(figures):
    assert list(figures) == figure_names()
    assert "map.png" in figures and "trust.png" in figures and "firms.png" in figures


def test_the_events_of_a_run(broken):
    result, events = broken
    breaks = events[events["kind"] == "break"]
    assert breaks[["period", "who"]].values.tolist() == [
        [w, k] for k, v in result.summary["contracts"].items() for w in v["breaks"]]
    assert breaks["period"].tolist() == [12]  # Central's trust falls below 0.25 at week 12
    reviews = events[(events["kind"] == "review") & (events["who"] == "acme-central")]
    assert reviews["period"].tolist() == [0, 4, 8, 12]  # none after the break
    reviews = events[(events["kind"] == "review") & (events["who"] == "acme-north")]
    assert reviews["period"].tolist() == list(range(0, 20, 4))
    launches = events[events["kind"] == "launch"]
    ledger = result.ledger
    assert len(launches) == int((ledger["kind"] == "new_product").sum()) > 0


def test_interventions_are_events():
    result = run(small("interventions", customers=1_500, periods=32))
    events = run_events(result)
    starts = events[events["kind"] == "intervention"]
    assert dict(zip(starts["who"], starts["period"], strict=True)) == {
        "train_north": 13, "promo_south": 26, "open_s3": 13, "greet_central": 13}
    ends = events[events["kind"] == "intervention_end"]
    assert ends[["who", "period"]].values.tolist() == [["promo_south", 31]]


def test_trust_is_one_panel_per_contract_with_its_threshold(broken, figures):
    result, _ = broken
    fig = figures["trust.png"]
    axes = visible(fig)
    contracts = [c.key for c in result.scenario.contracts]
    assert len(axes) == len(contracts) == 6
    for ax, key in zip(axes, contracts, strict=True):
        assert ax.get_title().startswith(key)
        assert ax.get_ylim() == (0.0, 1.05)
    panel = axes[contracts.index("acme-central")]
    assert "breaks below 0.25" in panel.get_title()
    flat = {round(line.get_ydata()[0], 6) for line in panel.get_lines()
            if len(set(line.get_ydata())) == 1 and len(line.get_ydata()) == 2}
    assert 0.25 in flat  # the threshold line
    breaks = [line for line in panel.get_lines() if list(line.get_xdata()) == [12, 12]]
    assert breaks, "the break is marked on its panel"
    assert fig.legends, "one legend for all panels"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "break threshold" in labels and "review" in labels


def test_shares_on_a_0_1_axis_and_money_with_currency_and_period(figures):
    for ax in visible(figures["market_share.png"]):
        assert ax.get_ylim() == (0.0, 1.0)
        assert "0-1" in ax.get_ylabel()
    for name in ("revenue.png", "profit.png"):
        for ax in visible(figures[name]):
            assert "currency units per week" in ax.get_ylabel()
            assert ax.get_xlabel() == "week"
            assert ax.get_legend() is not None


def test_events_marked_on_time_axes(figures):
    ax = visible(figures["revenue.png"])[0]
    assert any(list(line.get_xdata()) == [12, 12] for line in ax.get_lines())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "relationship broke" in labels and "new product launched" in labels
    assert any("acme-central broke" in t.get_text() for t in ax.texts)


def test_bars_start_at_zero(figures):
    profit, revenue = visible(figures["firms.png"])
    assert revenue.get_ylim()[0] == 0.0
    low, high = profit.get_ylim()
    assert low <= 0.0 <= high
    heights = [p.get_height() for p in profit.patches]
    assert min(heights) < 0 < max(heights)  # Acme loses money, Bravo does not
    assert low <= min(heights)
    assert "currency units, 20 weeks" in profit.get_ylabel()
    assert profit.get_legend() is not None


def test_stores_coloured_by_distributor_and_satisfaction_scale(broken, figures):
    result, _ = broken
    satisfaction, reputation = visible(figures["satisfaction.png"])
    assert "0 = as expected" in satisfaction.get_ylabel()
    assert "0-1" in reputation.get_ylabel()
    owner = {s.id: s.distributor for s in result.scenario.stores}
    colour = {}
    for line in satisfaction.get_lines():
        label = line.get_label()
        store = label.split(" ")[0]
        if store in owner:
            assert label == f"{store} ({owner[store]})"
            colour.setdefault(owner[store], set()).add(line.get_color())
    assert set(colour) == set(owner.values())
    assert all(len(c) == 1 for c in colour.values())  # one colour per distributor
    assert len(set().union(*colour.values())) == len(colour)  # distributors differ


def test_the_map(broken, figures):
    result, _ = broken
    fig = figures["map.png"]
    ax = fig.axes[0]
    area = result.scenario.map
    assert ax.get_xlim() == (0.0, area.width_km) and ax.get_ylim() == (0.0, area.height_km)
    assert ax.get_xlabel() == "km east" and ax.get_ylabel() == "km north"
    assert any(isinstance(c, PolyCollection) for c in ax.collections)  # homes as hexbin
    stores = [s.id for s in result.scenario.stores]
    labels = [t.get_text().split()[0] for t in ax.texts]
    assert sorted(labels) == sorted(stores)
    shares = [float(t.get_text().split()[1].rstrip("%")) for t in ax.texts]
    assert abs(sum(shares) - 100.0) < 0.5  # each store's share of retail value
    assert ax.get_legend() is not None
    assert "homes per hexagon" in fig.axes[1].get_ylabel()  # the density's colour bar


def test_without_a_scenario_the_figures_still_draw(broken):
    result, _ = broken
    names = [name for name, _ in draw_figures(result.timeseries)]
    assert names == [n for n in figure_names() if n != "map.png"]
