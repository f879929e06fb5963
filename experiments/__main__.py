"""python -m experiments publish [--only NAME[,NAME]] [--list] [--quick] [--into DIR]
[--workers N]

Regenerates every committed figure that README.md and docs/ show (docs/figures/*.png and
experiments/*/*.png) and the generated calibration table of docs/calibration.md, from the code:
each experiment at the size its command documents, then the README's run figures and the
workshop's figures (experiments/publish.py says how each is made). `--list` prints the
generators, what each runs and the figures it writes; `--quick` runs everything small, into a
temporary folder (for the test that every referenced figure has a generator; not for
committing). A single experiment: `python -m experiments.NAME --publish`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from experiments.publish import generators, missing_generators, publish, referenced_figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["publish"])
    parser.add_argument("--only", help="comma-separated generators (see --list)")
    parser.add_argument("--list", action="store_true", help="list the generators and exit")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, into a temporary folder (a test, not for committing)")
    parser.add_argument("--into", type=Path, help="root folder to write into (default: the "
                        "repository; with --quick a new temporary folder)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the "
                        "experiments' replications (results do not change)")
    args = parser.parse_args(argv)
    table = generators()
    if args.list:
        shown = referenced_figures()
        for g in table.values():
            print(f"{g.name}\n  runs: {g.what}")
            for figure in g.figures:
                where = ", ".join(shown.get(figure, []))
                print(f"  writes {figure} " + (f"(shown in {where})" if where else
                                               "(not shown in README/docs)"))  # fmt: skip
            for document in g.documents:
                print(f"  rewrites the generated block of {document}")
        missing = missing_generators()
        print("every figure shown in README/docs has a generator" if not missing else
              "NO GENERATOR for: " + ", ".join(missing))  # fmt: skip
        return 0 if not missing else 1
    names = args.only.split(",") if args.only else None
    started = time.perf_counter()
    try:
        root, _ = publish(names, quick=args.quick, into=args.into, workers=args.workers)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"figures written under {root} in {time.perf_counter() - started:.0f} s")
    missing = missing_generators()
    if missing:
        print("NO GENERATOR for: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
