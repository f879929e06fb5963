"""The run report (report.md; report.html is its twin, `outputs.html`).

It starts with a headline of what happened (`outputs.headline`: generated sentences and the key
figures per firm), the differences against a reference run when there is one, then the figures
with a caption each, and then the detail: the market, suppliers, distributors, KPIs and what
happened to each relationship.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from linkages_sim.formatting import cost, missing, money, num, pct, points

if TYPE_CHECKING:
    from linkages_sim.analysis.results import RunResult


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


FIGURE_CAPTIONS = {
    "firms": "Each firm's profit and revenue over the whole run (bars from zero; hatched: "
    "distributors).",
    "revenue": "Revenue per week: suppliers' wholesale revenue, distributors' retail revenue.",
    "profit": "Profit per week of each supplier and distributor.",
    "market_share": "Each supplier's share of the units and of the retail value sold, on a 0-1 "
    "axis.",
    "brand_equity": "Each supplier's brand equity (0-1): it follows buyers' satisfaction and "
    "falls when its products sell outside the price band.",
    "satisfaction": "Satisfaction of each store's active customers (0 = as expected) and store "
    "reputation (0-1); a store's line has its distributor's colour.",
    "churn_retention": "Customers lost per week (dashed: those who never complained) and each "
    "distributor's weekly retention.",
    "trust": "Trust in each contract, one panel per contract: the distributor's trust in the "
    "supplier breaks the relationship when it falls below the dotted threshold; ticks mark "
    "reviews, shading the weeks without a contract.",
    "customers": "Simulated customers by state: active (buying), lapsed (former customers) and "
    "prospects.",
    "map": "The market: customers' homes (density of a customer sample), the stores in their "
    "distributor's colour sized by their share of retail value, and the area nearest each "
    "store.",
    "service_gap": "Each store's service gap at the last survey (SERVQUAL): what its "
    "respondents expect of each dimension (open) and perceive (filled), the gap (expectation "
    "minus perception) written beside each; red is a shortfall.",
    "importance_performance": "Importance-performance matrix per segment at the last survey "
    "(Martilla & James 1977): each dimension's weight against its perceived level, split at "
    "the means; \"Concentrate here\" is important and below the others.",
}
"""One sentence under each figure of the report, by file stem."""
EVENTS_NOTE = (
    "Vertical lines on the time axes mark relationship breaks (red dashed), re-contracts "
    "(black dash-dot) and interventions (purple dotted); triangles on the top edge mark new "
    "product launches."
)


def render_report(
    result: RunResult, plots: list[Path], out: Path, kpi_frame: pd.DataFrame | None = None,
    reference: RunResult | None = None,
) -> str:  # fmt: skip
    """The text of report.md for a run, with links to its plots relative to `out`.

    `reference`: a run of the same market to compare with (the paired differences are the
    effect of the change when both runs share the seed).
    """
    from linkages_sim.outputs.headline import headline

    s = result.summary
    kpi_frame = result.kpis() if kpi_frame is None else kpi_frame
    story = headline(result, kpi_frame, reference)
    mk = s["market"]
    parts = [
        f"# linkages-sim report: {s['scenario']}",
        "",
        s["description"] or "",
        "",
        f"Seed {s['seed']}, {s['periods']} weekly periods, {s['customers']:,} simulated customers "
        f"standing for a market of {s['market_size']:,}. Money is in currency units.",
        "",
        "## What happened",
        "",
        *(f"- {sentence}" for sentence in story.sentences),
        "",
        "## Key figures",
        "",
        f"Over the whole run ({s['periods']} weeks). Money in currency units (k = thousand, "
        "M = million); shares of the market's retail value (what customers spent); brand "
        "equity and store reputation on 0-1 scales.",
        "",
        table(story.header, story.rows),
        "",
        *_comparison(story),
        *_figures(plots, out),
        "## Market",
        "",
        table(
            [
                "customer spend",
                "channel profit",
                "active customers (start -> end)",
                "new",
                "won back",
                "churned",
                "silent share of churn",
                "price consistency",
            ],
            [
                [
                    money(mk["customer_spend"]),
                    money(mk["channel_profit"]),
                    f"{mk['customers_active_start']:,} -> {mk['customers_active_end']:,}",
                    f"{mk['new_customers']:,}",
                    f"{mk['won_back']:,}",
                    f"{mk['churned']:,}",
                    pct(mk["silent_share_of_churn"]),
                    pct(mk["price_consistency"]),
                ]
            ],
        ),
        "",
        "## Suppliers",
        "",
        table(
            [
                "supplier",
                "wholesale revenue",
                "profit",
                "share (units)",
                "share (value)",
                "brand equity (start -> end)",
            ],
            [
                [
                    k,
                    money(v["wholesale_revenue"]),
                    money(v["profit"]),
                    pct(v["market_share_units"]),
                    pct(v["market_share_value"]),
                    f"{num(v['brand_equity_start'])} -> {num(v['brand_equity_end'])}",
                ]
                for k, v in s["suppliers"].items()
            ],
        ),
        "",
        "## Distributors",
        "",
        table(
            [
                "distributor",
                "retail revenue",
                "profit",
                "weekly retention",
                "annualised retention",
                "active customers (end)",
                "satisfaction (end)",
            ],
            [
                [
                    k,
                    money(v["retail_revenue"]),
                    money(v["profit"]),
                    pct(v["retention_rate_weekly"]),
                    pct(v["retention_rate_annualised"]),
                    f"{v['customers_active_end']:,}",
                    num(v["satisfaction_end"]),
                ]
                for k, v in s["distributors"].items()
            ],
        ),
        "",
        *kpi_section(kpi_frame),
        "## Relationships",
        "",
        "Moves at each review (C = cooperate, D = defect), and the share of weeks in which both "
        "sides cooperated. Each contract states SMART clauses; reviews read them (with the "
        "contract's monitoring error) and charge the SLA penalties of breaches read.",
        "",
        table(
            [
                "contract",
                "strategies (supplier / distributor)",
                "supplier moves",
                "distributor moves",
                "both C",
                "trust (s / d)",
                "status",
            ],
            [
                [
                    k,
                    f"{v['supplier_strategy']} / {v['distributor_strategy']}",
                    f"`{v['supplier_moves']}`",
                    f"`{v['distributor_moves']}`",
                    pct(v["mutual_cooperation_share"]),
                    f"{num(v['supplier_trust_end'], 2)} / {num(v['distributor_trust_end'], 2)}",
                    _status(v),
                ]
                for k, v in s["contracts"].items()
            ],
        ),
        "",
        "Clause compliance (share of active weeks meeting the standard), SLA penalties paid and "
        "the wholesale price at the end:",
        "",
        table(
            [
                "contract",
                "compliance",
                "penalties paid by supplier / distributor",
                "wholesale price",
            ],
            [
                [
                    k,
                    ", ".join(f"{name} {pct(share)}" for name, share in v["compliance"].items())
                    or "(no clauses)",
                    f"{money(v['sla_penalty_paid_by_supplier'])} / "
                    f"{money(v['sla_penalty_paid_by_distributor'])}",
                    num(v["wholesale_price_end"], 2),
                ]
                for k, v in s["contracts"].items()
            ],
        ),
        "",
    ]
    parts += [
        "## Checks",
        "",
        "Every period the model asserted that prospect + active + lapsed customers equal the "
        "population, that customer spend equals distributors' retail revenue, and that every "
        "account's cash change equals its ledger flows (`ledger.csv`).",
        "",
        "Definitions of every metric: `docs/metrics.md`.",
        "",
    ]
    return "\n".join(parts)


def _comparison(story) -> list[str]:
    if story.comparison is None:
        return []
    header, rows = story.comparison
    return [
        f"## Against {story.reference}",
        "",
        f"This run minus the reference run `{story.reference}`, over the whole run (currency "
        "units). With the same seed both runs share every random number, so the difference is "
        "the effect of what the scenarios change.",
        "",
        table(header, rows),
        "",
    ]


def _figures(plots: list[Path], out: Path) -> list[str]:
    if not plots:
        return []
    parts = ["## Figures", "", EVENTS_NOTE, ""]
    for plot in plots:
        parts += [f"![{plot.stem}]({plot.relative_to(out).as_posix()})", ""]
        if plot.stem in FIGURE_CAPTIONS:
            parts += [f"*{FIGURE_CAPTIONS[plot.stem]}*", ""]
    return parts


def _status(contract: dict) -> str:
    if not contract["breaks"]:
        return "active"
    events = [f"broken at week {w}" for w in contract["breaks"]]
    events += [f"re-contracted at week {w}" for w in contract["recontracts"]]
    state = "active" if contract["active_end"] else "**broken**"
    return f"{state} ({'; '.join(sorted(events, key=lambda e: int(e.split()[-1])))})"


KPI_COLUMNS = {
    "distributor": [
        "conversion_rate",
        "retention_rate",
        "silent_churn_share",
        "acquisition_cost",
        "win_back_cost",
        "retention_cost",
        "gross_margin",
        "market_share_value",
    ],
    "supplier": ["gross_margin", "market_share_units", "price_consistency", "brand_equity"],
}


def _kpi_cell(name: str, value: float) -> str:
    if name.endswith("_cost"):
        return cost(value)
    if name in ("brand_equity",):
        return num(value)
    return pct(value)


def kpi_section(frame: pd.DataFrame) -> list[str]:
    """The KPI tool's numbers (docs/kpis.md), the same as kpis.csv and `linkages kpis`."""
    from linkages_sim.analysis.kpis import kpi_table

    market = kpi_table(frame, "market").iloc[0]
    parts = [
        "## KPIs",
        "",
        "Whole-run values (`kpis.csv`; per week in `kpis_by_period.csv`; definitions in "
        "docs/kpis.md). Retention is per week; costs are average money per customer.",
        "",
        table(
            [
                "conversion",
                "retention / week",
                "silent share of churn",
                "complaint rate",
                "acquisition cost",
                "win-back cost",
                "retention cost",
                "gross margin",
            ],
            [
                [
                    pct(market["conversion_rate"]),
                    pct(market["retention_rate"]),
                    pct(market["silent_churn_share"]),
                    pct(market["complaint_rate"]),
                    cost(market["acquisition_cost"]),
                    cost(market["win_back_cost"]),
                    cost(market["retention_cost"]),
                    pct(market["gross_margin"]),
                ]
            ],
        ),
        "",
    ]
    for level, columns in KPI_COLUMNS.items():
        t = kpi_table(frame, level)
        parts += [
            table(
                [level, *(c.replace("_", " ") for c in columns)],
                [[who, *(_kpi_cell(c, t.loc[who, c]) for c in columns)] for who in t.index],
            ),
            "",
        ]
    return parts


def evaluation_markdown(evaluation, figure: str) -> str:
    """The interventions section: each decision against its counterfactual."""
    summary = evaluation.summary()
    table_rows = evaluation.table().set_index(["intervention", "measure"])
    described = {iv.id: iv.description or iv.kind for iv in evaluation.scenario.interventions}

    def uplift(iv: str, measure: str, show) -> str:
        row = table_rows.loc[(iv, measure)]
        return f"{show(row['uplift'])} [{show(row['ci_low'])}, {show(row['ci_high'])}]"

    parts = [
        f"# Interventions: {evaluation.scenario.name}",
        "",
        f"Each intervention against the same market without it, {evaluation.replications} "
        f"replications (seed {evaluation.seed}), {evaluation.scenario.periods} periods, "
        f"{evaluation.scenario.customers:,} simulated customers; 95% intervals. Both runs of a "
        "replication share every random number, so the uplift is the intervention's effect.",
        "",
        table(
            ["intervention", "what", "cost", "owner profit uplift", "return on cost",
             "channel profit uplift", "opportunity cost", "pays its cost", "best option"],
            [[r.intervention, described[r.intervention], cost(r.cost),
              uplift(r.intervention, "owner_profit", money),
              "n/a" if missing(r.return_on_cost) else f"{r.return_on_cost:.2f}x",
              uplift(r.intervention, "channel_profit", money), money(r.opportunity_cost),
              r.pays_its_cost, r.best_option] for r in summary.itertuples()],
        ),
        "",
        table(
            ["intervention", "owner revenue", "owner value share", "owner retention / week",
             "brand equity"],
            [[r.intervention, uplift(r.intervention, "owner_revenue", money),
              uplift(r.intervention, "owner_market_share_value", pct),
              uplift(r.intervention, "owner_retention_rate", points),
              uplift(r.intervention, "brand_equity", num)] for r in summary.itertuples()],
        ),
        "",
        f"![uplifts]({figure})",
        "",
        "Owner: the distributor that decides and pays. Return on cost: its profit uplift (costs "
        "included) per unit of cost. Opportunity cost: the channel-profit uplift of the best "
        "alternative among these interventions. Pays its cost: the owner's profit uplift, costs "
        "included, is above zero at 95% (yes), below (no), or its interval contains zero "
        "(unclear). Best option: its channel-profit uplift beats the best alternative (or doing "
        "nothing) by a paired 95% interval above zero (yes), below (no), or containing it "
        "(tied).",
        "",
    ]  # fmt: skip
    return "\n".join(parts)
