"""`linkages workshop`: the browser workshop, a facilitator page and phones joining by code.

Registered on the shared `app` (`cli/common.py`). The web stack (Starlette, uvicorn) is
imported only when the command runs, so the rest of the command line starts as fast without it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from linkages_sim.cli.common import app, fail


@app.command("workshop")
def workshop_command(
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
) -> None:
    """Run the browser workshop: the classic prisoner's dilemma, played in pairs on phones."""
    if not 0 <= port <= 65535:
        raise fail(f"port must be from 0 to 65535, got {port}")
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise fail(f"--public-url must start with http:// or https://, got '{public_url}'")
    try:
        from linkages_sim.workshop.serve import serve
    except ImportError as err:  # pragma: no cover - the web extras are missing
        raise fail(f"the workshop needs its web packages ({err.name}): pip install it") from None
    try:
        serve(host, port, public_url, say=lambda line: print(line, flush=True))
    except OSError as err:
        reason = err.strerror or str(err)
        raise fail(f"cannot listen on {host}:{port}: {reason}; try another --port") from None
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles Ctrl+C itself
        sys.exit(0)
