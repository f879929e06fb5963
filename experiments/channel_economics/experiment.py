"""Channel economics with decided prices: double marginalisation, its size in the logit market,
the contracts that cure it, and what they do over a year of the full market.

Three parts (README.md): the linear-demand channel (the textbook 3/4), the static channel game
on the default market's own demand (`analysis.channel_game`, one equilibrium per arrangement,
over markets with their own layouts), and the full market run for a year under each way of
setting prices and each coordinating contract (common random numbers).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.common import baseline_market, replicate, series, spread
from linkages_sim.analysis.channel_game import ARRANGEMENTS, channel_game_of
from linkages_sim.analysis.replication import replication_seeds, run_many
from linkages_sim.analysis.tables import metric_table
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.linear import LinearChannelModel, LinearChannelSpec, profit_ratio
from linkages_sim.market.model import MarketModel
from linkages_sim.plots.common import save_figure, subplots

BURN_IN = 13
PERIODS = 52
LINEAR = LinearChannelSpec(customers=10_000, max_price=100.0, unit_cost=20.0, periods=52)


def linear_part(seeds: int) -> dict:
    """The linear channel: solved prices against the textbook's, and the profit ratio."""
    a, c = LINEAR.max_price, LINEAR.unit_cost
    decentral = LinearChannelModel(LINEAR, 0)
    integrated = LinearChannelModel(replace(LINEAR, integrated=True))
    ratio, se = profit_ratio(LINEAR, list(range(seeds)))
    return {
        "inputs": {"max_price": a, "unit_cost": c, "customers": LINEAR.customers,
                   "periods": LINEAR.periods, "seeds": seeds},
        "wholesale_price": {"solved": decentral.supplier.price, "theory": (a + c) / 2},
        "retail_price": {"solved": decentral.distributor.price, "theory": (3 * a + c) / 4},
        "integrated_price": {"solved": integrated.distributor.price, "theory": (a + c) / 2},
        "profit_ratio": {"measured": ratio, "standard_error": se, "theory": 0.75},
    }  # fmt: skip


def static_part(scenario: Scenario, seeds: int, seed: int, workers: int) -> pd.DataFrame:
    """The channel game after a burn-in, one market per seed (each with its own layout)."""
    burn = edit_scenario(scenario, periods=BURN_IN)
    jobs = [(burn, s) for s in replication_seeds(seed, seeds)]
    tables = run_many(jobs, channel_game_of, workers)
    return pd.concat([t.assign(market=k) for k, t in enumerate(tables)], ignore_index=True)


def elasticities_of(model: MarketModel) -> dict[str, list[float]]:
    """Own-price elasticity of each contract at RRP, in both demand horizons (a run measure)."""
    rrp = np.array([model.suppliers[r.supplier].spec.rrp for r in model.relationships])
    return {horizon: model.demand(horizon).own_price_elasticity(rrp).tolist()
            for horizon in ("current", "long_run")}  # fmt: skip


def elasticity_part(scenario: Scenario, seeds: int, seed: int, workers: int) -> dict:
    """Own-price elasticities after the burn-in, over markets: per horizon, all contracts."""
    burn = edit_scenario(scenario, periods=BURN_IN)
    found = run_many([(burn, s) for s in replication_seeds(seed, seeds)], elasticities_of,
                     workers)  # fmt: skip
    return {horizon: spread([e for record in found for e in record[horizon]])
            for horizon in ("current", "long_run")}  # fmt: skip


def free_pricing(scenario: Scenario, retail: str, wholesale: str = "fixed",
                 **terms: float) -> Scenario:  # fmt: skip
    """`scenario` with prices set as given, no price-band clause and no off-band brand damage.

    The brand's off-band penalty measures prices against RRP, which decided prices need not
    be near; it is switched off so that the designs differ in pricing alone.
    """

    def change(data: dict) -> None:
        data["market"]["pricing"] = {"retail": retail, "wholesale": wholesale}
        data["market"]["price_inconsistency_penalty"] = 0.0
        for c in data["contracts"]:
            c["distributor_clauses"] = [x for x in c["distributor_clauses"]
                                        if x["metric"] != "price_deviation"]  # fmt: skip
            c.update(terms)

    return edit_scenario(scenario, change, source="channel_economics")


def agreed_volume(scenario: Scenario, seed: int) -> dict[str, float]:
    """Per contract, its mean units per period at fixed prices (RRP, wholesale as agreed).

    Measured over a run of the market on the base seed, its price bands removed
    (`free_pricing`): the volume the coordinating terms below are calibrated on.
    """
    model = MarketModel(free_pricing(scenario, "fixed"), seed=seed)
    model.run()
    units = metric_table(model.timeseries(), "contract", "units").mean()
    return {r.key: float(units[r.key]) for r in model.relationships}


def fee_at_agreed_margin(scenario: Scenario, seed: int) -> dict[str, float]:
    """Per contract, the supplier's mean margin per period at the agreed wholesale price.

    Its margin a unit times `agreed_volume`: the franchise fee that keeps a supplier whole, on
    average, when its wholesale price falls to unit cost (a two-part tariff).
    """
    volume = agreed_volume(scenario, seed)
    cost = {s.id: s.unit_cost for s in scenario.suppliers}
    model = MarketModel(scenario, seed=seed)  # built, not run: the contracts' agreed prices
    return {r.key: float((r.wholesale_price - cost[r.spec.supplier]) * volume[r.key])
            for r in model.relationships}  # fmt: skip


def with_fees(scenario: Scenario, fees: dict[str, float]) -> Scenario:
    """Every contract at a two-part tariff: wholesale at the supplier's unit cost, plus its fee."""

    def change(data: dict) -> None:
        cost = {s["id"]: s["unit_cost"] for s in data["suppliers"]}
        for c in data["contracts"]:
            key = c["id"] or f"{c['supplier']}-{c['distributor']}"
            c["wholesale_price"] = cost[c["supplier"]]
            c["franchise_fee"] = round(fees[key], 2)

    return edit_scenario(scenario, change, source="channel_economics")


def dynamic_designs(scenario: Scenario, seed: int) -> dict[str, Scenario]:
    """The full market for a year under each way of setting prices and each contract."""
    decided = free_pricing(scenario, "best_reply")
    return {
        "fixed prices (RRP, wholesale as agreed)": free_pricing(scenario, "fixed"),
        "decentralised, wholesale as agreed": decided,
        "decentralised, Stackelberg supplier": free_pricing(scenario, "best_reply",
                                                            "stackelberg"),
        "vertically integrated pairs": free_pricing(scenario, "integrated"),
        "joint owner": free_pricing(scenario, "joint"),
        "two-part tariff, wholesale at cost": with_fees(decided,
                                                        fee_at_agreed_margin(scenario, seed)),
        "revenue sharing (s = 0.5, w = 0.5 c)": revenue_sharing(decided),
    }  # fmt: skip


def revenue_sharing(scenario: Scenario) -> Scenario:
    """Every contract at revenue sharing: s = 0.5 of retail revenue, w = half the unit cost."""

    def change(data: dict) -> None:
        cost = {s["id"]: s["unit_cost"] for s in data["suppliers"]}
        for c in data["contracts"]:
            c["revenue_share"] = 0.5
            c["wholesale_price"] = 0.5 * cost[c["supplier"]]

    return edit_scenario(scenario, change, source="channel_economics")


METRICS = (("supplier", "profit"), ("distributor", "profit"), ("supplier", "units"),
           ("distributor", "retail_revenue"))  # fmt: skip


def dynamic_part(scenario: Scenario, seeds: int, seed: int, workers: int) -> dict:
    """Per design, over seeds: channel, suppliers' and distributors' profit, units, price."""
    results = replicate(dynamic_designs(scenario, seed), seeds, seed, workers, METRICS)
    out = {}
    for name, runs in results.items():
        per_run = []
        for _, tables in runs:
            supplier = float(tables[("supplier", "profit")].to_numpy().sum())
            distributor = float(tables[("distributor", "profit")].to_numpy().sum())
            units = float(tables[("supplier", "units")].to_numpy().sum())
            revenue = float(tables[("distributor", "retail_revenue")].to_numpy().sum())
            per_run.append((supplier, distributor, units, revenue / units))
        s, d, u, p = (list(v) for v in zip(*per_run, strict=True))
        out[name] = {"supplier_profit": spread(s), "distributor_profit": spread(d),
                     "channel_profit": spread([a + b for a, b in zip(s, d, strict=True)]),
                     "units": spread(u), "mean_retail_price": spread(p)}  # fmt: skip
        out[name]["cumulative"] = (series(runs, "supplier", "profit").sum(axis=1)
                                   + series(runs, "distributor", "profit").sum(axis=1)).cumsum()
    return out


def summarise_static(table: pd.DataFrame) -> dict:
    """Each arrangement's measures over markets: mean and 95% interval."""
    out = {}
    for name in ARRANGEMENTS:
        rows = table[table.arrangement == name]
        out[name] = {column: spread(rows[column].tolist()) for column in (
            "share_of_joint", "channel_margin", "supplier_margin", "distributor_margin",
            "retail_price", "wholesale_price", "units")}  # fmt: skip
    return out


SHORT = {
    ARRANGEMENTS[0]: "fixed\nprices", ARRANGEMENTS[1]: "decentralised,\nagreed w",
    ARRANGEMENTS[2]: "decentralised,\nStackelberg", ARRANGEMENTS[3]: "integrated\npairs",
    ARRANGEMENTS[4]: "joint\nowner", ARRANGEMENTS[5]: "two-part\ntariff, w = c",
    ARRANGEMENTS[6]: "two-part\ntariff, best w", ARRANGEMENTS[7]: "revenue\nsharing",
    ARRANGEMENTS[8]: "RPM at the\njoint price",
}  # fmt: skip
STYLES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 1)), (0, (3, 1, 1, 1)))


def figure(linear: dict, static: dict, dynamic: dict, out: Path) -> None:
    """Three panels: the linear channel, the static game's shares and splits, a year's profit."""
    fig, axes = subplots(1, 3, figsize=(19, 5.6), gridspec_kw={"width_ratios": [1, 2.3, 1.6]})
    ax = axes[0]
    measured = linear["profit_ratio"]
    ax.bar(["theory", "simulated"], [0.75, measured["measured"]],
           yerr=[0, 1.96 * measured["standard_error"]], color=["#999999", "#1f77b4"],
           capsize=6)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel("decentralised / integrated channel profit")
    ax.set_title(f"Linear demand: {measured['measured']:.4f} "
                 f"± {1.96 * measured['standard_error']:.4f}")  # fmt: skip
    for x, v in enumerate([0.75, measured["measured"]]):
        ax.text(x, v + 0.02, f"{v:.3f}", ha="center")
    ax = axes[1]
    names = list(static)
    x = np.arange(len(names))
    supplier = np.array([static[n]["supplier_margin"]["mean"] for n in names])
    distributor = np.array([static[n]["distributor_margin"]["mean"] for n in names])
    joint = static[ARRANGEMENTS[4]]["channel_margin"]["mean"]
    ax.bar(x, supplier / joint, color="#1f77b4", label="suppliers")
    ax.bar(x, distributor / joint, bottom=np.where(distributor >= 0, supplier / joint, 0.0),
           color="#ff7f0e", label="distributors")  # fmt: skip
    for k, n in enumerate(names):
        share = static[n]["share_of_joint"]
        ax.errorbar(k, share["mean"], yerr=[[share["mean"] - share["low"]],
                    [share["high"] - share["mean"]]], color="black", capsize=4)  # fmt: skip
        ax.text(k, share["high"] + 0.03, f"{share['mean']:.3f}", ha="center", fontsize=9)
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_xticks(x, [SHORT[n] for n in names], fontsize=8.5)
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("margin per period / the joint owner's")
    ax.set_title("Logit market, static game: channel margin and its split (95% CI over markets)")
    ax.legend(loc="upper left", fontsize=9)
    ax = axes[2]
    for k, (name, record) in enumerate(dynamic.items()):
        ax.plot(record["cumulative"].index, record["cumulative"] / 1e6, lw=2 if k < 3 else 1.6,
                ls=STYLES[k % len(STYLES)], marker="os^vD<>"[k % 7], markevery=(k, 8),
                label=SHORT.get(name, name).replace("\n", " "))  # fmt: skip
    ax.text(0.98, 0.02, "integrated pairs, two-part tariff (w = c) and revenue sharing set\n"
            "the same prices, so their lines coincide", transform=ax.transAxes, ha="right",
            va="bottom", fontsize=8, color="#444444")  # fmt: skip
    ax.set_xlabel("week")
    ax.set_ylabel("cumulative channel profit (millions, currency units)")
    ax.set_title("Full market, one year (mean over seeds)")
    ax.legend(fontsize=8)
    for a in axes:
        a.grid(alpha=0.3, axis="y")
    save_figure(fig, out / "channel_economics.png")


def run_experiment(out: Path, customers=20_000, seeds=5, seed=42, workers=2,
                   linear_seeds=20, periods=PERIODS, panel=None) -> dict:  # fmt: skip
    """All three parts; returns the headline figures (results.json).

    `periods`: the full-market runs' horizon (a year); `panel`: customers per segment in the
    price-setters' demand panel (None: the scenario's 500). The test's quick size cuts both.
    """
    out.mkdir(parents=True, exist_ok=True)
    scenario = baseline_market(customers, periods, panel)
    linear = linear_part(linear_seeds)
    static_table = static_part(scenario, seeds, seed, workers)
    static_table.to_csv(out / "channel_game.csv", index=False)
    static = summarise_static(static_table)
    elasticity = elasticity_part(scenario, seeds, seed, workers)
    dynamic = dynamic_part(scenario, seeds, seed, workers)
    figure(linear, static, dynamic, out)
    for record in dynamic.values():
        record.pop("cumulative")
    return {"linear": linear, "own_price_elasticity_at_rrp": elasticity,
            "static_channel_game": static, "full_market_year": dynamic}  # fmt: skip
