"""`linkages sweep`, `analyze` and `designs`: the researcher's commands (docs/research.md).

Registered on the shared `app` (`cli/common.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkages_sim.cli.common import app, console, errors, fail


@app.command()
def sweep(
    design: Annotated[str, typer.Argument(help="Design file, or a shipped design's name.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Sweep folder (default: sweeps/<name>).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="A Dask scheduler's address (tcp://host:8786).")
    ] = None,
    dask_local: Annotated[
        int | None, typer.Option("--dask-local", min=1, help="Run on a local Dask cluster "
                                 "of this many workers.")
    ] = None,
    customers: Annotated[
        int | None, typer.Option(min=10, help="Simulated customers (overrides the base).")
    ] = None,
    periods: Annotated[
        int | None, typer.Option(min=1, help="Periods (overrides the base).")
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run the failed runs again.")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Discard what the folder holds and start again.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run every point x replication of a design, streaming results to a folder.

    Run it again to finish an interrupted sweep.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from linkages_sim.research.design import DesignError, read_design
    from linkages_sim.research.sweep import sweep as run_sweep

    if scheduler is not None and dask_local is not None:
        raise fail("give --scheduler or --dask-local, not both")
    try:
        spec, _ = read_design(design)
    except DesignError as err:
        raise fail(str(err)) from None
    target = out or Path("sweeps") / spec.name
    with Progress(
        TextColumn(f"[bold]{spec.name}"), BarColumn(),
        TextColumn("{task.completed}/{task.total} runs, {task.fields[failed]} failed"),
        TimeRemainingColumn(), console=errors, disable=quiet, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(spec.name, total=None, failed=0)

        def progress(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done + failed, total=total, failed=failed)

        try:
            outcome = run_sweep(design, target, workers=workers, scheduler=scheduler,
                                dask_local=dask_local, customers=customers, periods=periods,
                                retry_failed=retry_failed, restart=restart,
                                progress=progress)  # fmt: skip
        except DesignError as err:
            raise fail(str(err)) from None
    console.print(
        f"{outcome.done} done, {outcome.failed} failed of {outcome.total} runs "
        f"({outcome.ran_now} run now, {outcome.skipped} already there) in "
        f"{outcome.wall_s:.1f} s; results in [bold]{target}[/]"
        + (" (see `linkages analyze` for the errors)" if outcome.failed else ""),
        highlight=False, soft_wrap=True,
    )  # fmt: skip


@app.command()
def analyze(
    folder: Annotated[Path, typer.Argument(help="A folder written by `linkages sweep`.")],
    output: Annotated[
        str | None,
        typer.Option(help="The output to analyse (see --list; default: the design's primary)."),
    ] = None,
    reference: Annotated[int, typer.Option(help="Point that differences are taken from.")] = 0,
    list_outputs: Annotated[
        bool, typer.Option("--list", help="List the outputs the sweep kept.")
    ] = False,
) -> None:
    """Means and intervals per design point, paired differences and sensitivity indices.

    Also figures and a report; everything is written in FOLDER/analysis.
    """
    from rich.table import Table

    from linkages_sim.formatting import compact
    from linkages_sim.research.analyze import SweepResults
    from linkages_sim.research.design import DesignError
    from linkages_sim.research.report import analyze as run_analysis

    try:
        if list_outputs:
            for name in SweepResults.open(folder).output_names():
                console.print(name, highlight=False)
            return
        tables = run_analysis(folder, output=output, reference=reference)
    except DesignError as err:
        raise fail(str(err)) from None
    points = tables["points"]
    def number(v: object) -> str:
        return compact(v, digits=".4g", small=".4g") if isinstance(v, float) else str(v)

    def fitted(frame, title: str) -> Table:  # 80 columns: long names fold, never "…"
        t = Table(title=title)
        for column in frame.columns:
            t.add_column(str(column), justify="right", overflow="fold")
        for row in frame.itertuples(index=False):
            t.add_row(*(number(v) for v in row))
        return t

    console.print(fitted(points, f"{tables['output']}: mean over replications (95% interval)"))
    if "sensitivity" in tables:
        console.print(fitted(tables["sensitivity"], "sensitivity indices"))
    console.print(f"report: [bold]{tables['report']}[/]", highlight=False, soft_wrap=True)


@app.command()
def designs() -> None:
    """List the shipped experiment designs: name and path, then the description."""
    import textwrap

    from rich.markup import escape

    from linkages_sim.research.design import shipped_designs

    for name, path, description in shipped_designs():  # 80 columns: two lines or more each
        try:  # shorter, and as a user types it: relative to the current folder
            shown = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            shown = path
        console.print(f"[bold]{escape(name)}[/]  {escape(str(shown))}", highlight=False,
                      soft_wrap=True)  # fmt: skip
        for line in textwrap.wrap(description, max(20, console.width - 4)):
            console.print(f"    {escape(line)}", highlight=False, soft_wrap=True)
