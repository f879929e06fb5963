"""The one-page run report (report.md): what was run, the headline figures, the plots, and what
happened to each relationship."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkages_sim.api import RunResult


def money(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def compact(x: float | None) -> str:
    """Money in a few characters (12.3M, 456.7k), for narrow terminal tables."""
    if x is None:
        return "n/a"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.2f}{suffix}"
    return f"{x:.0f}"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_report(result: RunResult, plots: list[Path], out: Path) -> str:
    s = result.summary
    mk = s["market"]
    parts = [
        f"# linkages-sim report: {s['scenario']}",
        "",
        s["description"] or "",
        "",
        f"Seed {s['seed']}, {s['periods']} weekly periods, {s['customers']:,} simulated customers "
        f"standing for a market of {s['market_size']:,}.",
        "",
        "## Market",
        "",
        table(
            ["customer spend", "channel profit", "active customers (start -> end)", "new",
             "won back", "churned", "silent share of churn", "price consistency"],
            [[money(mk["customer_spend"]), money(mk["channel_profit"]),
              f"{mk['customers_active_start']:,} -> {mk['customers_active_end']:,}",
              f"{mk['new_customers']:,}", f"{mk['won_back']:,}", f"{mk['churned']:,}",
              pct(mk["silent_share_of_churn"]), pct(mk["price_consistency"])]],
        ),
        "",
        "## Suppliers",
        "",
        table(
            ["supplier", "wholesale revenue", "profit", "share (units)", "share (value)",
             "brand equity (start -> end)"],
            [[k, money(v["wholesale_revenue"]), money(v["profit"]), pct(v["market_share_units"]),
              pct(v["market_share_value"]),
              f"{num(v['brand_equity_start'])} -> {num(v['brand_equity_end'])}"]
             for k, v in s["suppliers"].items()],
        ),
        "",
        "## Distributors",
        "",
        table(
            ["distributor", "retail revenue", "profit", "weekly retention", "annualised retention",
             "active customers (end)", "satisfaction (end)"],
            [[k, money(v["retail_revenue"]), money(v["profit"]), pct(v["retention_rate_weekly"]),
              pct(v["retention_rate_annualised"]), f"{v['customers_active_end']:,}",
              num(v["satisfaction_end"])]
             for k, v in s["distributors"].items()],
        ),
        "",
        "## Relationships",
        "",
        "Moves at each review (C = cooperate, D = defect), and the share of weeks in which both "
        "sides cooperated. Each contract states SMART clauses; reviews read them (with the "
        "contract's monitoring error) and charge the SLA penalties of breaches read.",
        "",
        table(
            ["contract", "strategies (supplier / distributor)", "supplier moves",
             "distributor moves", "both C", "trust (s / d)", "status"],
            [[k, f"{v['supplier_strategy']} / {v['distributor_strategy']}",
              f"`{v['supplier_moves']}`", f"`{v['distributor_moves']}`",
              pct(v["mutual_cooperation_share"]),
              f"{num(v['supplier_trust_end'], 2)} / {num(v['distributor_trust_end'], 2)}",
              _status(v)]
             for k, v in s["contracts"].items()],
        ),
        "",
        "Clause compliance (share of active weeks meeting the standard), SLA penalties paid and "
        "the wholesale price at the end:",
        "",
        table(
            ["contract", "compliance", "penalties paid by supplier / distributor",
             "wholesale price"],
            [[k, ", ".join(f"{name} {pct(share)}" for name, share in v["compliance"].items())
              or "(no clauses)",
              f"{money(v['sla_penalty_paid_by_supplier'])} / "
              f"{money(v['sla_penalty_paid_by_distributor'])}",
              num(v["wholesale_price_end"], 2)]
             for k, v in s["contracts"].items()],
        ),
        "",
        "## Figures",
        "",
    ]  # fmt: skip
    for plot in plots:
        parts += [f"![{plot.stem}]({plot.relative_to(out).as_posix()})", ""]
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


def _status(contract: dict) -> str:
    if not contract["breaks"]:
        return "active"
    events = [f"broken at week {w}" for w in contract["breaks"]]
    events += [f"re-contracted at week {w}" for w in contract["recontracts"]]
    state = "active" if contract["active_end"] else "**broken**"
    return f"{state} ({'; '.join(sorted(events, key=lambda e: int(e.split()[-1])))})"
