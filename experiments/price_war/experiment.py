"""A price war without service (seed: "a low price without better service reduces your
profit"): distributors discounting below the band and cutting service, against holding price
with good service, and against a price cut that keeps service, over two years.
"""

from __future__ import annotations

from pathlib import Path

from experiments.common import ROOT, kpi, kpi_values, replicate, series, spread
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.plots.common import save_figure, subplots

PERIODS = 104


def price_cut_keeping_service(scenario: Scenario) -> Scenario:
    data = scenario.model_dump()
    for d in data["distributors"]:
        d["defection"]["service_cut"] = d["defection"]["training_cut"] = 0.0
        d["defection"]["withhold_data"] = False
    return Scenario.model_validate(data)


def suppliers_cooperate(scenario: Scenario) -> Scenario:
    """Every supplier keeps its side whatever the distributor does (`all-c`): the distributors'
    discount alone, without the suppliers' tit-for-tat answer."""
    data = scenario.model_dump()
    for c in data["contracts"]:
        c["supplier_strategy"] = "all-c"
    return Scenario.model_validate(data)


def with_brand_penalty(scenario: Scenario, penalty: float) -> Scenario:
    """The brand target lost per unit of off-band sales share set to `penalty`."""
    data = scenario.model_dump()
    data["market"]["price_inconsistency_penalty"] = penalty
    return Scenario.model_validate(data)


BRAND_PENALTIES = (0.0, 0.4)
"""Brand penalties tried beside the default 0.8 (inputs: `market.price_inconsistency_penalty`)."""


def run_experiment(out: Path, customers=None, seeds=3, seed=42, workers=1) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    war = edit_scenario(
        load_scenario(ROOT / "scenarios" / "price_war.yaml"), periods=PERIODS, customers=customers
    )
    designs = {
        "hold price, keep service (baseline)": edit_scenario(
            load_scenario(ROOT / "scenarios" / "baseline.yaml"),
            periods=PERIODS,
            customers=customers,
        ),
        "price war: discount and cut service": war,
        "discount, keep service": price_cut_keeping_service(war),
    }
    alone = suppliers_cooperate(price_cut_keeping_service(war))
    designs["discount, keep service, suppliers cooperate"] = alone
    for penalty in BRAND_PENALTIES:
        designs[f"... and brand penalty {penalty:g}"] = with_brand_penalty(alone, penalty)
    metrics = (
        ("supplier", "profit"),
        ("distributor", "profit"),
        ("supplier", "brand_equity"),
        ("market", "customers_active"),
    )
    r = replicate(designs, seeds, seed, workers, metrics, shared_layout=False)
    fig, axes = subplots(1, 3, figsize=(17, 4.8))
    out_rows = {}
    for name, results in r.items():
        profit = series(results, "supplier", "profit").sum(axis=1) + series(
            results, "distributor", "profit"
        ).sum(axis=1)
        axes[0].plot(profit.index, profit.cumsum() / 1e6, label=name)
        brand = series(results, "supplier", "brand_equity")
        axes[1].plot(brand.index, brand.mean(axis=1), label=name)
        active = series(results, "market", "customers_active")["market"]
        axes[2].plot(active.index, active, label=name)
        out_rows[name] = {
            "channel_profit": kpi(results, "market", "market", "profit"),
            "brand_equity_end_mean": float(brand.mean(axis=1).iloc[-1]),
            "customers_active_end": float(active.iloc[-1]),
            "price_consistency": kpi(results, "market", "market", "price_consistency"),
            "distributor_value_share_central": kpi(
                results, "distributor", "central", "market_share_value"
            ),
            "channel_profit_over_seeds": spread(kpi_values(results, "market", "market", "profit")),
            "brand_equity_end_over_seeds": spread(
                [float(t[("supplier", "brand_equity")].mean(axis=1).iloc[-1]) for _, t in results]
            ),
            "customers_active_end_over_seeds": spread(
                [float(t[("market", "customers_active")]["market"].iloc[-1]) for _, t in results]
            ),
        }
    for ax, title in zip(
        axes,
        (
            "Cumulative channel profit (millions)",
            "Suppliers' brand equity (mean)",
            "Active customers",
        ),
        strict=True,
    ):
        ax.set_title(title)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=9)
    save_figure(fig, out / "price_war.png")
    out_rows["separated_costs"] = separated_costs(r)
    return out_rows


def separated_costs(r: dict) -> dict:
    """The discount's three costs to the channel's profit, paired by seed (each its own layout):
    the thinner margin (holding price against discounting with cooperating suppliers and no
    brand penalty), the brand penalty at its default, and the suppliers' retaliation."""
    profit = {name: kpi_values(results, "market", "market", "profit")
              for name, results in r.items()}  # fmt: skip
    hold, cut = profit["hold price, keep service (baseline)"], profit["discount, keep service"]
    cooperate = profit["discount, keep service, suppliers cooperate"]
    no_brand = profit["... and brand penalty 0"]
    pairs = {"margin": (hold, no_brand), "brand_penalty": (no_brand, cooperate),
             "retaliation": (cooperate, cut)}  # fmt: skip
    return {name: spread([x - y for x, y in zip(a, b, strict=True)])
            for name, (a, b) in pairs.items()}  # fmt: skip
