"""`linkages kpis` and `linkages evaluate`: what a run achieved, and what each decision was worth.

Registered on the shared `app` (`cli/common.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkages_sim.cli.common import (
    JsonOut,
    app,
    console,
    deliver,
    fail,
    print_columns_in_chunks,
    progress_bar,
)


@app.command("kpis")
def kpis_command(
    run_folder: Annotated[Path, typer.Argument(help="A folder written by `linkages run`.")],
    level: Annotated[
        str | None,
        typer.Option(help="market, supplier, distributor, store or contract (default: all)."),
    ] = None,
    by_period: Annotated[
        bool, typer.Option("--by-period", help="Per-period values (CSV on standard output).")
    ] = False,
) -> None:
    """Print the KPIs of a finished run (docs/kpis.md), computed from its saved tables."""
    import sys

    from linkages_sim.analysis.kpis import LEVELS, kpi_table, kpis
    from linkages_sim.config.loading import ScenarioError, load_scenario

    if level is not None and level not in LEVELS:
        raise fail(f"--level must be one of {', '.join(LEVELS)}, got '{level}'")
    table_path, scenario_path = run_folder / "timeseries.parquet", run_folder / "scenario.yaml"
    for path in (table_path, scenario_path):
        if not path.exists():
            raise fail(f"{path}: not found; give a folder written by `linkages run`")
    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as err:
        raise fail(str(err)) from None
    import pandas as pd

    frame = kpis(pd.read_parquet(table_path), scenario, by="period" if by_period else "run")
    if level is not None:
        frame = frame[frame["level"] == level]
    if by_period:
        frame.to_csv(sys.stdout, index=False)
        return
    for name in [level] if level else list(LEVELS):
        wide = kpi_table(frame, name)
        rows = [(kpi, [_format(kpi, v) for v in wide[kpi]]) for kpi in wide.columns]
        print_columns_in_chunks(f"{name} KPIs ({run_folder})", "kpi", rows,
                                [str(who) for who in wide.index])  # fmt: skip


def _format(kpi: str, value: float) -> str:
    from linkages_sim.formatting import cost, money, num, pct

    if kpi.endswith("_cost"):
        return cost(value)
    if kpi in ("revenue", "profit") or kpi.startswith("sla_"):
        return money(value)
    if kpi in ("brand_equity", "reputation", "satisfaction", "trust", "service_level"):
        return num(value)
    if kpi == "complaints_per_1000_active":
        return num(value, 2)
    return pct(value)


@app.command("evaluate")
def evaluate_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file or name with interventions.")],
    replications: Annotated[int, typer.Option(help="Runs per design.")] = 5,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    customers: Annotated[int | None, typer.Option(help="Simulated customers.")] = None,
    periods: Annotated[int | None, typer.Option(help="Periods to run.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (results do not change).")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder (default: runs/<name>-evaluate).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite results in --out.")] = False,
    json_out: JsonOut = None,
) -> None:
    """Judge each intervention against the same market without it.

    Uplift, cost, return, opportunity cost. Writes evaluation.json, evaluation.csv, evaluation.png
    and report.md.
    """
    from linkages_sim.analysis.evaluation import evaluate
    from linkages_sim.config.loading import ScenarioError, load_scenario
    from linkages_sim.files import atomic_write_text, json_text

    try:
        spec = load_scenario(scenario)
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        target = out or Path("runs") / f"{spec.name}-evaluate"
        if (target / "evaluation.json").exists() and not force:
            raise ValueError(f"{target}: already holds an evaluation; use --force or another --out")
        designs = 1 + len(spec.interventions)
        with progress_bar(json_out) as bar:
            task = bar.add_task("market runs", total=designs * replications)
            result = evaluate(
                spec, replications, spec.seed if seed is None else seed, customers, periods,
                workers, progress=lambda done, total: bar.update(task, completed=done),
            )
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    from linkages_sim.outputs.report import evaluation_markdown
    from linkages_sim.plots.payoff_figures import evaluation_figure

    target.mkdir(parents=True, exist_ok=True)
    record = result.as_dict()
    atomic_write_text(target / "evaluation.json", json_text(record))
    atomic_write_text(target / "evaluation.csv", result.table().to_csv(index=False))
    evaluation_figure(result, target / "evaluation.png")
    atomic_write_text(target / "report.md", evaluation_markdown(result, "evaluation.png"))
    def show() -> None:
        _print_evaluation(result)
        console.print(f"results in [bold]{target}[/]", highlight=False, soft_wrap=True)

    deliver(json_out, record, show)


def _print_evaluation(result) -> None:
    """Two tables that fit 80 columns: the uplifts with their intervals, then the verdicts."""
    from rich.table import Column, Table

    from linkages_sim.formatting import compact as full

    def compact(x: float) -> str:  # three significant digits: 72.8k, 185k, 1.2M
        return full(x, digits=".3g")

    table = result.table().set_index(["intervention", "measure"])

    def signed(x: float) -> str:
        return ("+" if x > 0 else "") + compact(x)

    def ci(iv: str, measure: str) -> str:
        row = table.loc[(iv, measure)]
        half = (row["ci_high"] - row["ci_low"]) / 2
        return f"{signed(row['uplift'])} ± {compact(half)}" if half == half else signed(
            row["uplift"])  # fmt: skip

    summary = result.summary()
    width = max(len("intervention"), *(len(i) for i in summary["intervention"]))
    t = Table(Column("intervention", no_wrap=True, min_width=width), Column("owner", no_wrap=True),
              Column("cost", justify="right", no_wrap=True),
              Column("owner profit\n(95%)", justify="right", no_wrap=True),
              Column("return", justify="right", no_wrap=True),
              Column("channel profit\n(95%)", justify="right", no_wrap=True),
              title=f"{result.scenario.name}: uplift against the same market without the "
              f"intervention ({result.replications} replications, seed {result.seed})")  # fmt: skip
    for row in summary.itertuples():
        ret = "n/a" if row.return_on_cost != row.return_on_cost else f"{row.return_on_cost:.2f}x"
        t.add_row(row.intervention, row.owner, compact(row.cost),
                  ci(row.intervention, "owner_profit"), ret,
                  ci(row.intervention, "channel_profit"))  # fmt: skip
    t.caption = ("owner: the distributor that pays; owner profit: its uplift, costs included; "
                 "return: owner profit uplift per unit of cost; ± half-width of the 95% "
                 "interval over replications")  # fmt: skip
    console.print(t)
    v = Table(Column("intervention", no_wrap=True, min_width=width),
              Column("pays its cost?", no_wrap=True), Column("best for the channel?"),
              title="Was it worth it? Judged with the intervals above")  # fmt: skip
    for row in summary.itertuples():
        margin = signed(row.margin)
        if row.margin_low == row.margin_low:
            margin += f" ± {compact((row.margin_high - row.margin_low) / 2)}"
        best = {"yes": f"yes, {margin} over {row.best_alternative}",
                "tied": f"tied with {row.best_alternative} ({margin})",
                "no": f"no, {row.best_alternative} is better ({margin})"}[row.best_option]
        v.add_row(row.intervention, row.pays_its_cost, best)
    v.caption = ("pays its cost?: owner profit uplift above zero (yes), below (no), or its "
                 "interval holds zero (unclear); best for the channel?: channel profit uplift "
                 "against the best alternative (another intervention, or doing nothing), "
                 "paired difference with its 95% interval")  # fmt: skip
    console.print(v)
