"""What every `linkages` command shares: the app, the consoles, how errors and results end.

Bad input gets one clear message per problem on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="linkages",
    help="Simulate supplier-distributor win-win dynamics: contracts, service, trust and the "
    "prisoner's dilemma.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console()
errors = Console(stderr=True)

BAD_INPUT = 2


def say_error(message: str, prefix: str = "error") -> None:
    """Print a user-facing message on stderr, one unwrapped line per problem.

    The message is escaped: `stores[north-1]` must not be read as console markup.
    """
    from rich.markup import escape

    for line in message.splitlines():
        if line.strip():
            errors.print(f"[bold red]{prefix}:[/] {escape(line)}", highlight=False, markup=True,
                         soft_wrap=True)  # fmt: skip


def fail(message: str) -> typer.Exit:
    """Print a user-facing error and return the exit to raise (exit code 2)."""
    say_error(message)
    return typer.Exit(BAD_INPUT)


JsonOut = Annotated[
    Path | None, typer.Option("--json", help="Write the result as JSON ('-': standard output).")
]
PlotOut = Annotated[Path | None, typer.Option("--plot", help="Write a PNG figure.")]
ScenarioArg = Annotated[
    str | None, typer.Argument(help="Scenario file or built-in name (default: `default`).")
]
ContractOpt = Annotated[
    str | None, typer.Option(help="Contract id (default: the scenario's first contract).")
]
CustomersOpt = Annotated[
    int | None, typer.Option(help="Simulated customers (default: the scenario's).")
]

def write_json(target: Path | None, record: dict) -> None:
    """Write the JSON record to `target` ('-': standard output), atomically."""
    if target is None:
        return
    text = json.dumps(record, indent=2) + "\n"
    if str(target) == "-":
        sys.stdout.write(text)
        return
    from linkages_sim.files import atomic_write_text

    atomic_write_text(target, text)
    errors.print(f"wrote {target}", highlight=False)


def deliver(
    json_out: Path | None,
    record: dict,
    show: Callable[[], None],
    plot: Path | None = None,
    draw: Callable[[Path], object] | None = None,
) -> None:
    """How every reporting command ends: the table on screen, the JSON record, the figure.

    The table is left out when the JSON goes to standard output.
    """
    if str(json_out) != "-":
        show()
    write_json(json_out, record)
    if plot is not None and draw is not None:
        draw(plot)
        errors.print(f"wrote {plot}", highlight=False)


def progress_bar(json_out: Path | None):
    """A transient progress bar on stderr, off when the JSON goes to standard output."""
    from rich.progress import Progress

    return Progress(console=errors, transient=True, disable=str(json_out) == "-")


def print_columns_in_chunks(
    title: str, corner: str, rows: list[tuple[str, list[str]]], columns: list[str],
    caption: str | None = None,
) -> None:
    """A label x columns table in as many tables as it takes for every column to fit the width.

    Labels and headers are printed whole (never cut): a wide table (a KPI per row, a store per
    column) is split into column groups that each fit the console, the labels repeated.
    """
    from rich.table import Column, Table

    label_width = max([len(corner), *(len(label) for label, _ in rows)])
    widths = [max([len(name), *(len(values[k]) for _, values in rows)])
              for k, name in enumerate(columns)]  # fmt: skip
    chunks: list[list[int]] = [[]]
    used = label_width + 4  # the label column, its padding and the outer borders
    for k, w in enumerate(widths):
        if chunks[-1] and used + w + 3 > console.width:
            chunks.append([])
            used = label_width + 4
        chunks[-1].append(k)
        used += w + 3
    for n, chunk in enumerate(chunks):
        part = f" ({n + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        t = Table(Column(corner, no_wrap=True),
                  *(Column(columns[k], justify="right", no_wrap=True) for k in chunk),
                  title=title + part,
                  caption=caption if n == len(chunks) - 1 else None)  # fmt: skip
        for label, values in rows:
            t.add_row(label, *(values[k] for k in chunk))
        console.print(t)


def print_comparison(comparison) -> None:
    """The headline rows of a comparison, firm by firm: A, B and the paired difference B - A.

    Fits 80 columns: a firm's name heads its rows, and the interval is written as "± half-width"
    (a t interval is symmetric) in the difference's column.
    """
    from rich.markup import escape
    from rich.table import Column, Table

    from linkages_sim.analysis.compare import KPI_LABELS
    from linkages_sim.formatting import compact, num, pct

    def value(x: float, unit: str) -> str:
        if unit == "money":
            return compact(x)
        return pct(x) if unit.startswith("share") else num(x)

    def signed(x: float, unit: str, sign: bool = True) -> str:
        if x != x:
            return "n/a"
        plus = "+" if sign and x > 0 else ""
        if unit == "money":
            return plus + compact(x)
        if unit.startswith("share"):
            return f"{100 * x:{'+' if sign else ''}.2f} pp"
        return f"{x:{'+' if sign else ''}.3f}"

    a, b, n = comparison.a, comparison.b, comparison.replications
    spec = b.scenario
    seeds = f"seed {a.seeds[0]}" if n == 1 else f"{n} paired replications (seed {b.seeds[0]}...)"
    if n == 1 and not comparison.paired:
        seeds = f"seeds {a.seeds[0]} and {b.seeds[0]}"

    def head(letter: str, label: str) -> str:  # the label too, when it is short
        return f"{letter}\n{escape(label)}" if len(label) <= 12 else letter

    t = Table(Column("", no_wrap=True), Column(head("A", a.label), justify="right", no_wrap=True),
              Column(head("B", b.label), justify="right", no_wrap=True),
              Column("B - A" if n == 1 else "B - A (95%)", justify="right", no_wrap=True),
              title=f"B: {escape(b.label)} against A: {escape(a.label)}\n{spec.periods} weeks, "
              f"{spec.customers:,} customers, {seeds}")  # fmt: skip
    rows = comparison.headline()
    for (level, who), firm in rows.groupby(["level", "id"], sort=False):
        t.add_section()
        t.add_row(f"[bold]{escape(who if level == 'market' else f'{level} {who}')}[/]")
        for r in firm.itertuples():
            diff = signed(r.difference, r.unit)
            if n > 1 and r.ci_low == r.ci_low:
                diff += " ± " + signed((r.ci_high - r.ci_low) / 2, r.unit, sign=False)
            t.add_row("  " + KPI_LABELS.get(r.kpi, r.kpi), value(r.a, r.unit),
                      value(r.b, r.unit), diff)  # fmt: skip
    paired = ("same seeds: B - A is the effect of what differs"
              if comparison.paired else "different seeds: B - A includes chance")
    interval = "; ± half-width of the 95% interval" if n > 1 else ""
    t.caption = (f"{paired}{interval}; money: run totals; shares in percentage points (pp); "
                 "retention per week")  # fmt: skip
    console.print(t)
    for note in comparison.notes:
        console.print(f"note: {escape(note)}", highlight=False)


def write_comparison(comparison, folder: Path) -> list[Path]:
    """comparison.csv (every KPI of every level), comparison.json and comparison.png, atomically."""
    from linkages_sim.files import atomic_write_text, json_text
    from linkages_sim.plots.compare_figures import comparison_figure

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "comparison.csv", folder / "comparison.json", folder / "comparison.png"]
    atomic_write_text(paths[0], comparison.table.to_csv(index=False))
    atomic_write_text(paths[1], json_text(comparison.as_dict()))
    comparison_figure(comparison, paths[2])
    return paths
