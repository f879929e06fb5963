"""The price war's claim over several markets, not one: each seed lays out its own market, the
three arms share each seed's random numbers, and the claim is that the paired differences'
95% Student-t intervals over the seeds lie below zero (not that one run orders them)."""

from experiments.common import ROOT, kpi_values, replicate
from experiments.price_war.experiment import PERIODS, price_cut_keeping_service
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.stats import t_interval

SEEDS, CUSTOMERS = 4, 8_000


def test_a_price_war_costs_channel_profit_in_every_kind_of_market():
    war = edit_scenario(load_scenario(ROOT / "scenarios" / "price_war.yaml"), periods=PERIODS,
                        customers=CUSTOMERS)  # fmt: skip
    hold = edit_scenario(load_scenario(ROOT / "scenarios" / "baseline.yaml"), periods=PERIODS,
                         customers=CUSTOMERS)  # fmt: skip
    arms = {"hold": hold, "war": war, "cut": price_cut_keeping_service(war)}
    results = replicate(arms, SEEDS, 42, workers=1, shared_layout=False)
    profit = {name: kpi_values(r, "market", "market", "profit") for name, r in results.items()}
    war_vs_hold = [w - h for w, h in zip(profit["war"], profit["hold"], strict=True)]
    war_vs_cut = [w - c for w, c in zip(profit["war"], profit["cut"], strict=True)]
    cut_vs_hold = [c - h for c, h in zip(profit["cut"], profit["hold"], strict=True)]
    for name, diff in (("war - hold", war_vs_hold), ("war - cut", war_vs_cut),
                       ("cut - hold", cut_vs_hold)):  # fmt: skip
        mean, low, high = t_interval(diff)
        assert high < 0, (name, mean, low, high, diff)


def test_greeting_within_30_seconds_and_more_service_pay_in_every_kind_of_market():
    from experiments.service_standards.experiment import edited

    base = edit_scenario(load_scenario("default"), customers=CUSTOMERS)
    arms = {"greet 30": edited(base, 30), "greet 90": edited(base, 90),
            "service +0.15": edited(base, service=0.15),
            "service -0.15": edited(base, service=-0.15)}  # fmt: skip
    results = replicate(arms, SEEDS, 42, workers=1, shared_layout=False)
    for better, worse, kpi in (("greet 30", "greet 90", "revenue"),
                               ("service +0.15", "service -0.15", "profit")):  # fmt: skip
        a = kpi_values(results[better], "market", "market", kpi)
        b = kpi_values(results[worse], "market", "market", kpi)
        mean, low, high = t_interval([x - y for x, y in zip(a, b, strict=True)])
        assert low > 0, (better, worse, kpi, mean, low, high)


def test_winning_back_and_acquiring_cost_more_than_keeping_in_every_kind_of_market():
    from experiments.retention_vs_acquisition.experiment import measure

    base = edit_scenario(load_scenario("default"), customers=30_000)
    m = measure(base, SEEDS, 42, 1)  # each seed its own layout
    win_back, acquire = m["marginal"]["win_back_vs_keep"], m["marginal"]["acquire_vs_keep"]
    assert win_back["low"] > 1.0, win_back
    # the marginal acquisition ratio rests on few extra acquisitions at this size (4 seeds at
    # 30,000 customers: interval 0.7-9.1 around 4.9), so the claim is read seed by seed
    assert acquire["min"] > 1.0, acquire
    assert m["average_ratio"]["win_back_vs_keep"]["low"] > 3.0, m["average_ratio"]


def test_distance_costs_a_store_and_layout_pays_in_every_kind_of_market():
    from experiments.location_layout.experiment import STORE, edited

    base = edit_scenario(load_scenario("default"), customers=CUSTOMERS)
    arms = {"here": edited(base), "4 km away": edited(base, 4.0),
            "poor layout": edited(base, 0.0, 0.3), "good layout": edited(base, 0.0, 0.9)}
    results = replicate(arms, SEEDS, 42, workers=1, shared_layout=False)
    for better, worse in (("here", "4 km away"), ("good layout", "poor layout")):
        a = kpi_values(results[better], "store", STORE, "revenue")
        b = kpi_values(results[worse], "store", STORE, "revenue")
        mean, low, high = t_interval([x - y for x, y in zip(a, b, strict=True)])
        assert low > 0, (better, worse, mean, low, high)


def test_a_recovery_programme_keeps_customers_in_every_kind_of_market():
    from experiments.silent_churn.experiment import recovery_programme

    base = edit_scenario(load_scenario("default"), customers=CUSTOMERS)
    arms = {"baseline": base, "recovery": recovery_programme(base)}
    results = replicate(arms, SEEDS, 42, workers=1, metrics=(("market", "churned"),),
                        shared_layout=False)  # fmt: skip
    churned = {name: [float(t[("market", "churned")]["market"].sum()) for _, t in r]
               for name, r in results.items()}  # fmt: skip
    mean, low, high = t_interval([b - a for a, b in zip(churned["baseline"], churned["recovery"],
                                                        strict=True)])  # fmt: skip
    assert high < 0, (mean, low, high, churned)


def test_decided_prices_take_most_of_the_distributors_temptation_away_in_every_kind_of_market():
    """The quarter's dilemma measured after prices are decided (issue 16): North's temptation
    T - R at fixed prices (RRP) exceeds its temptation when it sets its own prices within the
    band, paired by layout (the same seed, each its own market), the 95% interval above zero;
    and at fixed prices North is in a dilemma in every layout."""
    from experiments.coordination_incentives.experiment import Profiles, stage_measures
    from linkages_sim.analysis.replication import replication_seeds, run_jobs

    seeds = replication_seeds(42, 6)  # 6 layouts of 20,000 customers: North's T - R varies
    temptation = {}  # by about 500 a week from layout to layout at this size
    for name in ("baseline", "decided_prices"):
        market = edit_scenario(load_scenario(ROOT / "scenarios" / f"{name}.yaml"),
                               customers=20_000, periods=13)  # fmt: skip
        runs = run_jobs(Profiles("acme-north"), [(market, s) for s in seeds], workers=2)
        measured = [stage_measures(r, 13)["distributor"] for r in runs]
        temptation[name] = [m["T-R"] for m in measured]
        if name == "baseline":
            assert all(m["class"] == "prisoners_dilemma" for m in measured), measured
    diff = [f - d for f, d in zip(temptation["baseline"], temptation["decided_prices"],
                                  strict=True)]  # fmt: skip
    mean, low, high = t_interval(diff)
    assert low > 0, (mean, low, high, temptation)
