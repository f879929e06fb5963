"""The figure helpers draw the same files as drawing in-process, and a lost helper's figures are
drawn in-process. The helpers fork only in a process without numba or threads, so these tests
start them in a fresh interpreter."""

import subprocess
import sys

import pytest

from linkages_sim.api import run
from linkages_sim.figure_worker import FigureWorker
from linkages_sim.plots import figure_names, write_plots

SCRIPT = """
import sys
from pathlib import Path
from linkages_sim.figure_worker import FigureWorker
series, folder, helpers, kill = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with FigureWorker.start(helpers) as worker:
    assert worker.helpers == helpers, worker.helpers
    import pandas as pd  # only now: the helpers are forked before numpy starts its threads
    if kill == "kill":
        worker._process.kill()
        worker._process.join()
    worker.submit(pd.read_parquet(series), folder)
    print("\\n".join(p.name for p in worker.paths()))
"""


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    path = tmp_path_factory.mktemp("series") / "timeseries.parquet"
    ts = run(periods=6, customers=2_000).timeseries
    ts.to_parquet(path)
    return ts, path


@pytest.mark.parametrize(("helpers", "kill"), [(1, "no"), (2, "no"), (2, "kill")])
def test_helpers_draw_what_this_process_draws(series, tmp_path, helpers, kill):
    ts, path = series
    here = write_plots(ts, tmp_path / "here")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(tmp_path / "helped"),
                           str(helpers), kill], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [p.name for p in here] == figure_names()
    for p in here:
        assert (tmp_path / "helped" / p.name).read_bytes() == p.read_bytes(), p.name


def test_no_helper_in_a_process_with_numba(series, tmp_path):
    ts, _ = series
    with FigureWorker.start() as worker:  # pytest has loaded numba: drawn in this process
        assert worker.helpers == 0
        worker.submit(ts, tmp_path)
        assert [p.name for p in worker.paths()] == figure_names()
