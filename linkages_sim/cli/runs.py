"""`linkages run`, `validate` and `scenarios`: the analyst's commands.

Registered on the shared `app` (`cli/common.py`). Heavy modules are imported inside commands
so that `linkages --help` starts quickly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkages_sim.cli.common import BAD_INPUT, app, console, errors, fail, say_error


@app.command()
def run(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Scenario file or built-in name (default: the built-in `default`)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default: runs/<name>-<time>)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Random seed (default: the scenario's).")
    ] = None,
    periods: Annotated[int | None, typer.Option(min=1, help="Number of weekly periods.")] = None,
    customers: Annotated[
        int | None, typer.Option(min=10, help="Simulated customers (the market size is kept).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite results in --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Threads for the customer kernels (default: all).")
    ] = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print where the time went (on stderr).")
    ] = False,
    plots: Annotated[
        bool, typer.Option("--plots/--no-plots", help="Draw the figures (plots/*.png).")
    ] = True,
) -> None:
    """Run a scenario and write tables, plots, a report and a summary."""
    import time

    started = time.perf_counter()
    result, target = _simulate(scenario, out, seed, periods, customers, force, quiet, threads)
    simulated = time.perf_counter()
    from linkages_sim.outputs.run_folder import write_run

    write_run(result, target, force=force, plots=plots)
    if not quiet:
        print_summary(result.summary)
    console.print(f"results in [bold]{escape(str(target))}[/] "
                  f"(report: {escape(str(target / 'report.md'))})",
                  highlight=False, soft_wrap=True)  # fmt: skip
    if timings:
        import numba

        t = result.timings
        before = simulated - started - sum(t.values())
        errors.print(
            f"timings: imports and checks {before:.2f} s, model set-up {t['set_up']:.2f} s, "
            f"simulation {t['simulation']:.2f} s, tables {t['tables']:.2f} s, "
            f"writing files and figures {time.perf_counter() - simulated:.2f} s "
            "(since the command started; the interpreter's own start-up is not included); "
            f"customer kernels on {numba.get_num_threads()} threads",
            highlight=False, soft_wrap=True,
        )  # fmt: skip


def _simulate(scenario, out, seed, periods, customers, force, quiet, threads):
    """Check the options, run the scenario with a progress bar; (result, output folder)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from linkages_sim.api import run as run_scenario
    from linkages_sim.config.editing import edit_scenario
    from linkages_sim.config.loading import ScenarioError, load_scenario
    from linkages_sim.outputs.run_folder import OutputExistsError, default_out_dir, prepare_out_dir

    try:
        spec = edit_scenario(
            load_scenario(scenario), source="command line", periods=periods, customers=customers
        )
        target = out or default_out_dir(spec.name)
        prepare_out_dir(target, force)
        use_threads(threads)
    except (ScenarioError, OutputExistsError, ValueError) as err:
        raise fail(str(err)) from None
    if spec.customers >= 1_000_000 and not quiet:
        errors.print(f"{spec.customers:,} customers: expect about "
                     f"{memory_estimate_mb(spec) / 1024:.1f} GB of memory at peak",
                     highlight=False)  # fmt: skip
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("week {task.completed}/{task.total}"),
        TimeElapsedColumn(), console=errors, disable=quiet, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"{spec.name}", total=spec.periods)
        result = run_scenario(spec, seed=seed, progress=lambda p: bar.update(task, completed=p))
    return result, target


MEMORY_FIXED_MB = 260
MEMORY_PER_CUSTOMER_B = 130
"""Peak memory of a run, measured by `python -m benchmarks` (about 250 MB of libraries and
compiled kernels, and about 125 bytes per simulated customer of which 32 are the attraction to
8 stores): used for the estimate below, with the attraction for the scenario's stores."""


def memory_estimate_mb(spec) -> float:
    """Peak memory of a run of `spec`, in MB.

    The fixed part, each customer's state, and the attraction (4 bytes per considered store, 6 with
    a consideration set).
    """
    stores = len(spec.all_stores)
    per_customer = MEMORY_PER_CUSTOMER_B - 4 * 8  # the state, without the 8 stores measured
    for segment in spec.segments:
        k = segment.tastes.consideration_stores
        attraction = 4 * stores if k is None or k >= stores else 6 * k
        per_customer += segment.share * attraction
    return MEMORY_FIXED_MB + spec.customers * per_customer / 2**20


def use_threads(threads: int | None) -> None:
    """Limit the kernels' threads (results do not depend on it)."""
    if threads is None:
        return
    import numba

    available = numba.config.NUMBA_NUM_THREADS
    if threads > available:
        raise ValueError(f"--threads {threads}: this machine offers at most {available}")
    numba.set_num_threads(threads)


def print_summary(summary: dict) -> None:
    """Print a run's summary: a table row per supplier and distributor, and any broken contract."""
    from rich.table import Table

    from linkages_sim.formatting import compact, num, pct

    t = Table(title=f"{summary['scenario']} - seed {summary['seed']}, {summary['periods']} weeks")
    for column in ("", "revenue", "profit", "share", "brand", "kept/yr", "satisf."):
        t.add_column(column, justify="left" if not column else "right", no_wrap=True)
    for k, v in summary["suppliers"].items():
        t.add_row(f"supplier {k}", compact(v["wholesale_revenue"]), compact(v["profit"]),
                  pct(v["market_share_value"]), num(v["brand_equity_end"]), "", "")  # fmt: skip
    for k, v in summary["distributors"].items():
        t.add_row(f"distributor {k}", compact(v["retail_revenue"]), compact(v["profit"]), "", "",
                  pct(v["retention_rate_annualised"]), num(v["satisfaction_end"]))  # fmt: skip
    t.caption = (
        "revenue, profit: run totals; share: mean value share; brand: equity at the end; "
        "kept/yr: annualised retention; satisf.: mean satisfaction at the end"
    )
    console.print(t)
    broken = [k for k, v in summary["contracts"].items() if not v["active_end"]]
    if broken:
        console.print(f"relationships broken: {', '.join(broken)}")


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or built-in names.")],
) -> None:
    """Check scenario files; print one line per file, exit 2 if any is invalid."""
    from linkages_sim.config.loading import ScenarioError, load_scenario

    bad = 0
    for name in files:
        try:
            spec = load_scenario(name)
        except ScenarioError as err:
            bad += 1
            say_error(str(err), prefix="invalid")
            continue
        console.print(
            f"[green]ok[/] {escape(name)}: {spec.name} ({len(spec.suppliers)} suppliers, "
            f"{len(spec.distributors)} distributors, {len(spec.stores)} stores, "
            f"{spec.customers:,} customers, {spec.periods} periods)",
            highlight=False,
            soft_wrap=True,
        )
    if bad:
        raise typer.Exit(BAD_INPUT)


@app.command()
def scenarios() -> None:
    """List the built-in and shipped scenarios."""
    from rich.table import Table

    from linkages_sim.config.loading import available_scenarios

    t = Table("name", "origin", "description", "path")
    for entry in available_scenarios():  # user text: never read as console markup
        t.add_row(entry.name, entry.origin, escape(entry.description), escape(str(entry.path)))
    console.print(t)


