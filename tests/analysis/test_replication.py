"""Replications on worker processes: a measure defined in the caller's `__main__` (a notebook,
a script) reaches the workers, and the results equal a serial run's."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from linkages_sim import edit_scenario, load_scenario
from linkages_sim.analysis.replication import replication_seeds, run_many

def measure(model):  # lives in __main__: plain pickle could not send it to a spawned worker
    return model.ledger.accounts["distributor:north"].cash

jobs = [(edit_scenario(load_scenario(), customers=500, periods=2), s)
        for s in replication_seeds(1, 3)]
assert run_many(jobs, measure, workers=2) == run_many(jobs, measure, workers=1)
print("ok")
"""


def test_a_measure_defined_in_main_runs_on_two_workers():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
