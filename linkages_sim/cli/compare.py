"""`linkages compare RUN_A RUN_B`: two runs of one market side by side, per firm and KPI.

Registered on the shared `app` (`cli/common.py`); the table and the files are shared with
`linkages run --against` (`common.print_comparison`, `common.write_comparison`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkages_sim.cli.common import (
    JsonOut,
    app,
    console,
    deliver,
    fail,
    print_comparison,
    progress_bar,
    write_comparison,
)


@app.command("compare")
def compare_command(
    run_a: Annotated[
        str, typer.Argument(help="The reference: a run folder, or a scenario file or name.")
    ],
    run_b: Annotated[
        str, typer.Argument(help="The changed run: a run folder, or a scenario file or name.")
    ],
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed for scenarios (default: A's).")
    ] = None,
    periods: Annotated[int | None, typer.Option(min=1, help="Periods for scenarios.")] = None,
    customers: Annotated[
        int | None, typer.Option(min=10, help="Simulated customers for scenarios.")
    ] = None,
    replications: Annotated[
        int, typer.Option(min=1, help="Paired runs per scenario (intervals from 2).")
    ] = 1,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (same results).")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder (default: runs/<B>-vs-<A>).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite results in --out.")] = False,
    json_out: JsonOut = None,
) -> None:
    """Compare two runs of one market: per firm and KPI, B - A with the same seeds.

    Scenarios run with a run folder's seed, periods and customers (or with --seed etc.), so the
    difference is the effect of the change. Writes comparison.csv, .json and .png.
    """
    from linkages_sim.analysis.compare import compare
    from linkages_sim.config.loading import ScenarioError

    try:
        with progress_bar(json_out) as bar:
            task = bar.add_task("market runs", total=None)
            result = compare(
                run_a, run_b, seed=seed, periods=periods, customers=customers,
                replications=replications, workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
        target = out or Path("runs") / f"{_name(result.b.label)}-vs-{_name(result.a.label)}"
        if (target / "comparison.json").exists() and not force:
            raise ValueError(f"{target}: already holds a comparison; use --force or another --out")
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    write_comparison(result, target)

    def show() -> None:
        print_comparison(result)
        console.print(f"every KPI in [bold]{escape(str(target / 'comparison.csv'))}[/], figure "
                      f"{escape(str(target / 'comparison.png'))}", highlight=False)  # fmt: skip

    deliver(json_out, result.as_dict(), show)


def _name(label: str) -> str:
    """A label as part of a folder name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label).strip("_") or "run"
