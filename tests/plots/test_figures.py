"""Figures are drawn without pyplot: importing the package (and drawing) never switches the
backend a notebook chose, and a run's figures are real PNG files."""

from __future__ import annotations

import subprocess
import sys

from linkages_sim.api import run
from linkages_sim.plots.run_figures import figure_names, write_plots
from tests.support import small

SCRIPT = """
import matplotlib
matplotlib.use("svg")                       # what a notebook or a user chose
import linkages_sim, linkages_sim.plots.run_figures, linkages_sim.plots.game_figures
import linkages_sim.plots.payoff_figures, linkages_sim.plots.research_figures
import linkages_sim.cli, linkages_sim.outputs.run_folder
from linkages_sim.api import run
from linkages_sim.outputs.run_folder import write_run
result = run(customers=500, periods=2)
write_run(result, __import__("pathlib").Path(sys.argv[1]))
import matplotlib.pyplot as plt
print(matplotlib.get_backend(), len(plt.get_fignums()))
"""


def test_importing_and_drawing_keep_the_users_backend(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import sys\n" + SCRIPT, str(tmp_path / "r")],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    backend, open_figures = out.split()[-2:]
    assert backend == "svg"
    assert open_figures == "0"  # nothing left open in pyplot's registry
    assert (tmp_path / "r" / "plots" / "revenue.png").stat().st_size > 10_000


def test_every_run_figure_is_a_png(tmp_path):
    result = run(small(customers=800, periods=3))
    paths = write_plots(result.timeseries, tmp_path, scenario=result.scenario,
                        homes=result.model.customer_sample(500))
    assert [p.name for p in paths] == figure_names()
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
