"""Digests of the shipped scenarios' results, to show a refactor changed nothing.

Runs the built-in default and every shipped scenario at a small size with a fixed seed and
prints one sha256 per scenario of its long table (every metric of every period, as float64
bytes in a canonical order) and of its ledger. Compare the output before and after a change:
`python scripts/digests.py > before.txt`, change, `python scripts/digests.py | diff before.txt -`.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from linkages_sim import load_scenario, run

CUSTOMERS, PERIODS, SEED = 20_000, 52, 11


def digest(frame, columns) -> str:
    """sha256 of a frame's columns in a canonical row order (floats as their exact bytes)."""
    frame = frame.sort_values(columns[:-1], kind="stable").reset_index(drop=True)
    h = hashlib.sha256()
    for column in columns:
        values = frame[column].to_numpy()
        if values.dtype.kind == "f":
            h.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
        else:
            h.update("\x1f".join(map(str, values)).encode())
    return h.hexdigest()[:16]


def main(names: list[str]) -> None:
    """Print `name timeseries-digest ledger-digest` for each scenario."""
    shipped = Path(__file__).resolve().parents[1] / "scenarios"
    names = names or ["default", *sorted(p.stem for p in shipped.glob("*.yaml"))]
    for name in names:
        result = run(load_scenario(name), seed=SEED, customers=CUSTOMERS, periods=PERIODS)
        ts = digest(result.timeseries, ["level", "id", "metric", "period", "value"])
        ledger = result.ledger
        lg = digest(ledger, [*ledger.columns[:-1], ledger.columns[-1]])
        print(name, ts, lg, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
