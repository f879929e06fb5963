"""python -m experiments.ipd_tournament [--out DIR] [--turns N] [--repetitions K] [--seed S]
[--publish]: --publish also copies the figures beside the README (the committed copies)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from experiments.common import publish
from experiments.ipd_tournament.experiment import run_experiment

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.ipd_tournament", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=Path("runs/experiments/ipd_tournament"))
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--publish", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    headline = run_experiment(args.out, args.turns, args.repetitions, args.seed)
    print(json.dumps(headline, indent=2))
    print(f"results in {args.out} ({time.perf_counter() - started:.1f} s)")
    if args.publish:
        publish(args.out, HERE)


if __name__ == "__main__":
    main()
