"""python -m experiments.market_dilemma [--out DIR] [--customers N] [--replications K]
[--seeds S] [--seed N] [--workers W] [--publish]: --publish copies the figures beside the
README (the committed copies)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from experiments.common import publish
from experiments.market_dilemma.experiment import run_experiment

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.market_dilemma", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=Path("runs/experiments/market_dilemma"))
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--publish", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    headline = run_experiment(
        args.out, args.customers, args.replications, args.seeds, args.seed, args.workers
    )
    shown = {k: v for k, v in headline.items() if k != "payoff_matrix"}
    print(json.dumps(shown, indent=2, default=float))
    print(f"results in {args.out} ({time.perf_counter() - started:.0f} s)")
    if args.publish:
        publish(args.out, HERE)


if __name__ == "__main__":
    main()
