"""Writing a run to disk, each file atomically.

Every file is written to a temporary name and renamed into place, so a crash or Ctrl-C never
leaves a half-written result that looks complete.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from linkages_sim.files import atomic_write, json_text

if TYPE_CHECKING:
    from linkages_sim.analysis.results import RunResult

RESULT_FILES = ("timeseries.parquet", "timeseries.csv", "summary.json", "report.md", "report.html")
MAP_SAMPLE = 20_000
"""Customers whose homes draw map.png's density (all of them in a smaller market)."""


class OutputExistsError(Exception):
    """The output folder already holds results and --force was not given."""


def default_out_dir(scenario_name: str, root: Path = Path("runs")) -> Path:
    """The default run folder: `root/<scenario>-<date>-<time>`."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{scenario_name}-{stamp}"


def prepare_out_dir(out: Path, force: bool) -> None:
    """Create `out`; refuse (OutputExistsError) if it already holds results, unless `force`."""
    existing = [name for name in RESULT_FILES if (out / name).exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{out}: already holds results ({', '.join(existing)}); "
            "use --force to overwrite, or choose another --out"
        )
    out.mkdir(parents=True, exist_ok=True)


def write_run(
    result: RunResult, out: Path, force: bool = False, plots: bool = True,
    reference: RunResult | None = None, map_figure: bool = True,
) -> dict[str, Path]:  # fmt: skip
    """Write a run into `out`, each file atomically.

    Tables, plots (unless `plots` is false; map.png unless `map_figure` is false), the scenario,
    the summary, and the report as report.md and report.html (figures inline). `reference`: a
    run of the same market that the report compares this one with.
    """
    from linkages_sim.outputs.html import render_html
    from linkages_sim.outputs.report import render_report
    from linkages_sim.plots.events import run_events
    from linkages_sim.plots.run_figures import write_plots

    prepare_out_dir(out, force)
    files: dict[str, Path] = {}
    ts = result.timeseries

    def put(name: str, write: Callable[[Path], None]) -> None:
        files[name] = out / name
        atomic_write(out / name, write)

    put("timeseries.parquet", lambda p: ts.to_parquet(p, index=False))
    put("timeseries.csv", lambda p: ts.to_csv(p, index=False))
    kpi_frame = result.kpis()
    put("kpis.csv", lambda p: kpi_frame.to_csv(p, index=False))
    put("kpis_by_period.csv", lambda p: result.kpis(by="period").to_csv(p, index=False))
    put("ledger.csv", lambda p: result.ledger.to_csv(p, index=False))
    put(
        "customers_sample.csv", lambda p: result.model.customer_sample(1_000).to_csv(p, index=False)
    )
    put("scenario.yaml", lambda p: p.write_text(scenario_yaml(result), encoding="utf-8"))
    put("summary.json", lambda p: p.write_text(json_text(result.summary), encoding="utf-8"))
    figures = []
    if plots:
        homes = None
        if map_figure:
            homes = result.model.customer_sample(min(MAP_SAMPLE, result.scenario.customers))
        figures = write_plots(ts, out / "plots", scenario=result.scenario,
                              events=run_events(result), homes=homes)  # fmt: skip
    files.update({f"plots/{p.name}": p for p in figures})
    report = render_report(result, figures, out, kpi_frame, reference=reference)
    put("report.md", lambda p: p.write_text(report, encoding="utf-8"))
    page = render_html(report, out)
    put("report.html", lambda p: p.write_text(page, encoding="utf-8"))
    return files


def scenario_yaml(result: RunResult) -> str:
    """The resolved scenario (every default filled in) with the seed actually used."""
    data = result.scenario.model_dump(mode="json")
    data["seed"] = result.seed
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
