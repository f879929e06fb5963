"""`linkages bench`: the benchmarks, from a checkout of the repository.

Registered on the shared `app` (`cli/common.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from linkages_sim.cli.common import app, fail


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(ctx: typer.Context) -> None:
    """Run the benchmarks: the same as `python -m benchmarks` in a checkout.

    Options are passed on (--quick, --only, --no-write). From a checkout the repository's
    `benchmarks/` runs and a full run rewrites benchmarks/RESULTS.md; from an installed wheel
    its packed copy runs and writes RESULTS.md in the working directory.
    """
    import importlib

    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "benchmarks" / "__main__.py").is_file():
        sys.path.insert(0, str(checkout))
        name = "benchmarks.__main__"
    else:
        name = "linkages_sim.benchmarks.__main__"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError:
        raise fail("the benchmarks are not installed with this copy of linkages-sim") from None
    sys.argv = ["linkages bench", *ctx.args]
    module.main()
