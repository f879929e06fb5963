"""`linkages run`, `validate` and `scenarios`: the analyst's commands.

Registered on the shared `app` (`cli/common.py`). Heavy modules are imported inside commands
so that `linkages --help` starts quickly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkages_sim.cli.common import (
    BAD_INPUT,
    app,
    console,
    errors,
    fail,
    progress_bar,
    say_error,
)


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
    against: Annotated[
        str | None,
        typer.Option("--against", help="A scenario (run with the same seed) or a run folder to "
                     "compare with: comparison.csv, .json, .png in the run folder."),
    ] = None,
) -> None:
    """Run a scenario and write tables, plots, a report and a summary."""
    import time

    started = time.perf_counter()
    if against is not None:
        _check_against(scenario, against, periods, customers)
    result, target = _simulate(scenario, out, seed, periods, customers, force, quiet, threads)
    simulated = time.perf_counter()
    from linkages_sim.outputs.run_folder import write_run

    reference = _reference_run(against, result, quiet) if against is not None else None
    write_run(result, target, force=force, plots=plots, reference=reference)
    if not quiet:
        print_summary(result.summary)
    if against is not None:
        _compare_against(against if reference is None else reference, result, target, quiet)
    console.print(f"results in [bold]{escape(str(target))}[/]", highlight=False, soft_wrap=True)
    console.print(f"report: {escape(str(target / 'report.md'))}", highlight=False,
                  soft_wrap=True)  # fmt: skip
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


def _check_against(scenario, against, periods, customers) -> None:
    """Before any run: refuse an --against that is not of the same market (one line)."""
    from linkages_sim.analysis.compare import is_run_folder, same_market
    from linkages_sim.config.editing import edit_scenario
    from linkages_sim.config.loading import ScenarioError, load_scenario

    try:
        spec = edit_scenario(load_scenario(scenario), source="command line", periods=periods,
                             customers=customers)  # fmt: skip
        if is_run_folder(against):
            other = load_scenario(Path(against) / "scenario.yaml")
        else:
            other = edit_scenario(load_scenario(against), source="--against",
                                  periods=spec.periods, customers=spec.customers)  # fmt: skip
        same_market(other, spec, f"--against ({other.name})", f"the run ({spec.name})")
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None


def _reference_run(against, result, quiet):
    """The --against scenario run with the run's seed, periods and customers, for the report.

    None for a run folder: its tables are read by the comparison, but the report's reference
    section needs a run in memory.
    """
    from linkages_sim.analysis.compare import is_run_folder
    from linkages_sim.api import run as run_scenario
    from linkages_sim.config.editing import edit_scenario
    from linkages_sim.config.loading import ScenarioError, load_scenario

    if is_run_folder(against):
        return None
    spec = result.scenario
    try:
        other = edit_scenario(load_scenario(against), source="--against", periods=spec.periods,
                              customers=spec.customers)  # fmt: skip
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    with progress_bar("-" if quiet else None) as bar:
        task = bar.add_task(f"--against {against}", total=other.periods)
        return run_scenario(other, seed=result.seed,
                            progress=lambda done: bar.update(task, completed=done))  # fmt: skip


def _compare_against(against, result, target, quiet) -> None:
    """Run (or read) --against with the run's seed, periods and customers; write and show B - A."""
    from linkages_sim.analysis.compare import compare
    from linkages_sim.cli.common import print_comparison, write_comparison
    from linkages_sim.config.loading import ScenarioError

    try:
        with progress_bar("-" if quiet else None) as bar:
            task = bar.add_task(f"--against {against}", total=None)
            comparison = compare(against, result, progress=lambda done, total: bar.update(
                task, completed=done, total=total))  # fmt: skip
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    write_comparison(comparison, target)
    if not quiet:
        print_comparison(comparison)
    console.print(f"comparison: {escape(str(target / 'comparison.png'))}", highlight=False,
                  soft_wrap=True)  # fmt: skip


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
        # numbers are never wrapped; a long firm name folds rather than being cut
        t.add_column(column, justify="left" if not column else "right", no_wrap=bool(column),
                     overflow="fold")  # fmt: skip
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
    show: Annotated[bool, typer.Option(
        "--show", help="Print each resolved scenario (after extends: and defaults) as YAML.",
    )] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", help="List what each file changes relative to the scenario it extends.",
    )] = False,
) -> None:  # fmt: skip
    """Check scenario files: a line per file, every problem of an invalid one (exit 2).

    Notes say how a file was merged over the one it extends (a list replaced, items added, the
    market size kept); warnings name each contract that leaves a party below its outside option
    under mutual cooperation (participation). With --show the YAML goes to standard output and
    the rest to stderr.
    """
    import sys

    from linkages_sim.analysis.participation import participation_warnings
    from linkages_sim.config.explaining import changes, resolved_yaml, summary_line
    from linkages_sim.config.loading import ScenarioError, inspect_scenario

    out = errors if show else console
    bad = 0
    for name in files:
        try:
            seen = inspect_scenario(name)
        except ScenarioError as err:
            bad += 1
            say_error(str(err))
            continue
        out.print(f"[green]ok[/] {escape(name)}: {escape(summary_line(seen.scenario))}",
                  highlight=False, soft_wrap=True)  # fmt: skip
        for note in sorted(seen.notes, key=lambda n: n.order()):
            out.print(f"[yellow]note:[/] {escape(note.line(name))}", highlight=False,
                      soft_wrap=True)  # fmt: skip
        for warning in participation_warnings(seen.scenario):
            out.print(f"[yellow]warning:[/] {escape(name)}: {escape(warning)}", highlight=False,
                      soft_wrap=True)  # fmt: skip
        if diff:
            if seen.parent_scenario is None:
                out.print(f"{escape(name)} extends no scenario: nothing to compare",
                          highlight=False, soft_wrap=True)  # fmt: skip
            else:
                found = changes(seen.parent_scenario, seen.scenario)
                out.print(f"{escape(name)} changes {len(found)} field(s) of "
                          f"{escape(seen.parent)}:", highlight=False, soft_wrap=True)  # fmt: skip
                for change in found:
                    out.print(f"  {escape(str(change))}", highlight=False, soft_wrap=True)
        if show:
            sys.stdout.write(resolved_yaml(seen.scenario))
            sys.stdout.flush()
    if bad:
        raise typer.Exit(BAD_INPUT)


@app.command()
def scenarios(
    long: Annotated[
        bool, typer.Option("--long", "-l", help="Whole descriptions and paths.")
    ] = False,
) -> None:
    """List the built-in and shipped scenarios, one line each."""
    from linkages_sim.config.loading import available_scenarios

    entries = available_scenarios()
    if long:
        import textwrap

        for entry in entries:  # user text: never read as console markup
            console.print(f"[bold]{escape(entry.name)}[/] ({entry.origin}) "
                          f"{escape(str(entry.path))}", highlight=False, soft_wrap=True)
            for line in textwrap.wrap(entry.description, max(20, console.width - 4)):
                console.print(f"    {escape(line)}", highlight=False, soft_wrap=True)
        return
    name_w = max(len(e.name) for e in entries)
    origin_w = max(len(e.origin) for e in entries)
    room = console.width - name_w - origin_w - 4
    for entry in entries:
        console.print(f"{escape(entry.name):<{name_w}}  {entry.origin:<{origin_w}}  "
                      f"{escape(gist(entry.description, room))}", highlight=False,
                      soft_wrap=True)  # fmt: skip
    console.print("whole descriptions and paths: linkages scenarios --long", style="dim",
                  highlight=False)  # fmt: skip


def gist(text: str, room: int) -> str:
    """A description in `room` characters: whole if it fits, else its first clause.

    The clause is shortened at a word if need be, never inside one: "Reference market (=
    built-in default): every supplier-distributor pair plays tit-for-tat" becomes "Reference
    market (= built-in default)".
    """
    import re

    text = " ".join(text.split())
    if len(text) <= room:
        return text
    first = re.split(r"[:;] ", text, maxsplit=1)[0]
    if len(first) <= room:
        return first
    words = first[: max(room - 4, 0) + 1].rsplit(" ", 1)[0]
    return words.rstrip(",. ") + " ..."


