"""Which defaults move the cost ratios: the calibration's measurements on edited copies of the
default scenario (the defaults themselves are not changed). Writes the tables of
docs/calibration.md's "Outside the published range" section.

    python -m experiments.calibration.sensitivity [--seeds 6] [--workers 2] [--out DIR]
    python -m experiments.calibration.sensitivity --check "winback_responsiveness 0.15" --seeds 10

The first form measures, for every change in CHANGES, the win-back and acquisition cost ratios
(`experiments.retention_vs_acquisition`'s measurement) and the other figures that could move
(selling to lapsed customers, weekly retention, channel profit); `--check` measures every row of
the calibration table, the payoff matrix included, for the defaults and the named changes.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from experiments.calibration.experiment import CONTRACT, run_markets
from experiments.common import kpi_values, replicate, spread
from experiments.retention_vs_acquisition.experiment import measure
from linkages_sim.analysis.payoff_matrix import payoff_matrix
from linkages_sim.analysis.replication import replication_seeds
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.files import atomic_write_text

Change = Callable[[dict], None] | None


def _segments(field: str, value: float, tastes: bool = False) -> Change:
    def change(data: dict) -> None:
        for s in data["segments"]:
            (s["tastes"] if tastes else s)[field] = value

    return change


def _part(part: str, field: str, value: float) -> Change:
    def change(data: dict) -> None:
        data[part][field] = value

    return change


def _both(*changes: Change) -> Change:
    def change(data: dict) -> None:
        for c in changes:
            c(data)

    return change


CHANGES: dict[str, Change] = {
    "none (the defaults)": None,
    "winback_responsiveness 0.15": _segments("winback_responsiveness", 0.15),
    "winback_responsiveness 0.12": _segments("winback_responsiveness", 0.12),
    "winback_responsiveness 0.1": _segments("winback_responsiveness", 0.1),
    "tastes.lapsed_affinity 0": _segments("lapsed_affinity", 0.0, tastes=True),
    "funnel.cost_per_contact 3.0": _part("funnel", "cost_per_contact", 3.0),
    "funnel.cost_per_contact 4.5": _part("funnel", "cost_per_contact", 4.5),
    "funnel.fallback_stage 0": _part("funnel", "fallback_stage", 0),
    "funnel.interest 0.15": _part("funnel", "interest", 0.15),
    "funnel.conviction 0.2": _part("funnel", "conviction", 0.2),
    "market.service_spend_elasticity 1.0": _part("market", "service_spend_elasticity", 1.0),
    "churn_sensitivity 2": _segments("churn_sensitivity", 2.0),
    "churn_sensitivity 2 + winback_responsiveness 0.15": _both(
        _segments("churn_sensitivity", 2.0), _segments("winback_responsiveness", 0.15)
    ),
    "churn_sensitivity 3 + winback_responsiveness 0.15": _both(
        _segments("churn_sensitivity", 3.0), _segments("winback_responsiveness", 0.15)
    ),
}
"""Each change applies to every segment, to the funnel or to the market of the default."""


def _interval(s: dict, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
    f = f"{{:.{digits}f}}"
    return (f"{f.format(s['mean'] * scale)}{unit} ({f.format(s['low'] * scale)}-"
            f"{f.format(s['high'] * scale)})")  # fmt: skip


def sweep(seeds: int, seed: int, workers: int) -> list[dict]:
    rows = []
    for name, change in CHANGES.items():
        started = time.perf_counter()
        base = edit_scenario(load_scenario("default"), change)
        costs = measure(base, seeds, seed, workers)
        baseline = replicate({"b": base}, seeds, seed, workers, shared_layout=False)["b"]
        markets = run_markets(base, replication_seeds(seed, seeds), workers)
        rows.append({
            "change": name,
            "win_back_vs_keep": costs["marginal"]["win_back_vs_keep"],
            "acquire_vs_keep": costs["marginal"]["acquire_vs_keep"],
            "keep": costs["marginal"]["keep"],
            "sell_rate_lapsed": spread([m["sell_rate_lapsed"] for m in markets]),
            "retention_rate_weekly": spread(
                kpi_values(baseline, "market", "market", "retention_rate")),
            "channel_profit": spread(kpi_values(baseline, "market", "market", "profit")),
            "seconds": time.perf_counter() - started,
        })  # fmt: skip
        print(f"{name}: {rows[-1]['seconds']:.0f} s", flush=True)
    return rows


def sweep_table(rows: list[dict], seeds: int) -> str:
    lines = [f"| change from the default ({seeds} seeds) | win back vs keep | acquire vs keep | "
             "marginal cost to keep | selling to lapsed, per trip | weekly retention | "
             "channel profit |",
             "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        name = r["change"] if r["change"].startswith("none") else f"`{r['change']}`"
        lines.append(
            f"| {name} | {_interval(r['win_back_vs_keep'])} | {_interval(r['acquire_vs_keep'])} "
            f"| {r['keep']['mean']:.0f} | {100 * r['sell_rate_lapsed']['mean']:.1f}% | "
            f"{100 * r['retention_rate_weekly']['mean']:.2f}% | "
            f"{r['channel_profit']['mean'] / 1e6:.2f} M |"
        )
    return "\n".join(lines) + "\n"


def check(names: list[str], seeds: int, seed: int, workers: int, replications: int) -> dict:
    """Every calibration row for the defaults and each named change."""
    out = {}
    for name in ["none (the defaults)", *names]:
        base = edit_scenario(load_scenario("default"), CHANGES[name])
        markets = run_markets(base, replication_seeds(seed, seeds), workers)
        market = {k: spread([m[k] for m in markets]) for k in markets[0] if k != "seed"}
        costs = measure(base, seeds, seed, workers)["marginal"]
        pm = payoff_matrix(base, CONTRACT, 13, replications, seed, workers=workers).as_dict()
        out[name] = {"market": market, "costs": costs, "payoff_matrix": {
            k: pm[k] for k in ("payoffs", "game_class", "dilemma_ordering_established",
                               "critical_continuation_by_party")}}  # fmt: skip
        print(f"checked {name}", flush=True)
    return out


def check_table(result: dict, seeds: int) -> str:
    names = list(result)
    head = " | ".join(names)
    lines = [f"| row ({seeds} seeds, own layouts) | {head} |", "|---" * (len(names) + 1) + "|"]
    rows = [
        ("win back vs keep", lambda r: _interval(r["costs"]["win_back_vs_keep"], unit="x")),
        ("acquire vs keep", lambda r: _interval(r["costs"]["acquire_vs_keep"], unit="x")),
        ("selling to active / lapsed / new", lambda r: " / ".join(
            f"{100 * r['market'][f'sell_rate_{s}']['mean']:.1f}%"
            for s in ("active", "lapsed", "new"))),
        ("complaints per dissatisfied customer (input check)",
         lambda r: _interval(r["market"]["complaint_rate"], 100, 2, "%")),
        ("silent share of churn", lambda r: _interval(r["market"]["silent_churn_share"], 100, 1,
                                                      "%")),
        ("kept 13 weeks after a resolved complaint",
         lambda r: _interval(r["market"]["kept_after_resolved_complaint"], 100, 1, "%")),
        ("weekly retention", lambda r: _interval(r["market"]["retention_rate_weekly"], 100, 2,
                                                 "%")),
        ("acme-north's quarter", lambda r: (
            ("a prisoner's dilemma" if r["payoff_matrix"]["game_class"]["game"]
             == "prisoners_dilemma" else r["payoff_matrix"]["game_class"]["game"])
            + (", established at 95%" if all(
                v["paired_differences"]
                for v in r["payoff_matrix"]["dilemma_ordering_established"].values()) else
               ", not established")
            + "; grim needs w >= " + " / ".join(
                "none" if w is None else f"{w:.2f}"
                for w in r["payoff_matrix"]["critical_continuation_by_party"].values()
            ))),
    ]  # fmt: skip
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(result[n]) for n in names) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibration.sensitivity",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replications", type=int, default=10, help="for --check's matrix")
    parser.add_argument("--check", help="comma-separated changes: every calibration row")
    parser.add_argument("--out", type=Path, default=Path("runs/experiments/calibration"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.check:
        names = args.check.split(",")
        unknown = [n for n in names if n not in CHANGES]
        if unknown:
            parser.error(f"unknown change(s) {unknown}; known: {list(CHANGES)}")
        result = check(names, args.seeds, args.seed, args.workers, args.replications)
        text, stem = check_table(result, args.seeds), "sensitivity_check"
    else:
        result = sweep(args.seeds, args.seed, args.workers)
        text, stem = sweep_table(result, args.seeds), "sensitivity"
    atomic_write_text(args.out / f"{stem}.json", json.dumps(result, indent=2, default=float))
    atomic_write_text(args.out / f"{stem}.md", text)
    print(text, end="")
    print(f"{args.out / stem}.md in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
