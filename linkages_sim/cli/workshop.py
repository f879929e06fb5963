"""`linkages workshop`: the browser workshop, a facilitator page and phones joining by code.

Registered on the shared `app` (`cli/common.py`). The web stack (Starlette, uvicorn) is
imported only when the command runs, so the rest of the command line starts as fast without it.
Sessions are saved to a SQLite file (``--db``); ``--resume CODE`` serves a stored session again
after a restart and ``--export CODE`` writes its data without serving (options of the one
command rather than subcommands, so ``linkages workshop`` alone still starts the server).
The optional SCENARIO is the market the channel game plays (default: the built-in default).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from linkages_sim.cli.common import ScenarioArg, app, errors, fail


@app.command("workshop")
def workshop_command(
    scenario: ScenarioArg = None,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on: 127.0.0.1 (this computer only) or 0.0.0.0 (phones on "
            "the network can join)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8000,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The address phones open, for the join link and QR code (default: this "
            "computer's network address with --host 0.0.0.0, else the host)."
        ),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="SQLite file the sessions are saved to, and resumed or exported from "
            "(default: runs/workshop.sqlite; it holds the tokens, keep it private).",
        ),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="SESSION",
            help="Serve stored session SESSION again (its join code) after a restart, with "
            "the same facilitator link and seats; an open round comes back paused.",
        ),
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            metavar="SESSION",
            help="Write stored session SESSION's moves, rounds, event log and debrief into "
            "--out, and exit (no server).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for --export (default: runs/workshop-SESSION)."),
    ] = None,
) -> None:
    """Run the browser workshop: the classic dilemma in pairs, or the channel game in teams.

    SCENARIO is the market the channel game plays (a file or a built-in name).
    """
    if not 0 <= port <= 65535:
        raise fail(f"port must be from 0 to 65535, got {port}")
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise fail(f"--public-url must start with http:// or https://, got '{public_url}'")
    if export is not None and resume is not None:
        raise fail("--export and --resume do not go together: export, then resume")
    if out is not None and export is None:
        raise fail("--out goes with --export SESSION")
    try:
        from linkages_sim.workshop.serve import export_session, serve
        from linkages_sim.workshop.store import DEFAULT_DB, StoreError
    except ImportError as err:  # pragma: no cover - the web extras are missing
        raise fail(f"the workshop needs its web packages ({err.name}): pip install it") from None
    db = db if db is not None else DEFAULT_DB
    spec = None
    if scenario is not None:
        from linkages_sim.config.loading import ScenarioError, load_scenario

        try:
            spec = load_scenario(scenario)
        except ScenarioError as err:
            raise fail(str(err)) from None
    if export is not None:
        try:
            written = export_session(db, export, out)
        except (StoreError, OSError) as err:
            raise fail(str(err)) from None
        for path in written:
            errors.print(f"wrote {path}", highlight=False)
        return
    try:
        serve(host, port, public_url, say=lambda line: print(line, flush=True), db=db,
              resume=resume, scenario=spec)  # fmt: skip
    except StoreError as err:
        raise fail(str(err)) from None
    except OSError as err:
        reason = err.strerror or str(err)
        raise fail(f"cannot listen on {host}:{port}: {reason}; try another --port") from None
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles Ctrl+C itself
        sys.exit(0)
