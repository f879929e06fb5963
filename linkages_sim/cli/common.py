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
