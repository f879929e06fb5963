"""Writing a run to disk: every file is written to a temporary name and renamed into place, so a
crash or Ctrl-C never leaves a half-written result that looks complete."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from linkages_sim.api import RunResult
    from linkages_sim.figure_worker import FigureWorker

RESULT_FILES = ("timeseries.parquet", "timeseries.csv", "summary.json", "report.md")


class OutputExistsError(Exception):
    """The output folder already holds results and --force was not given."""


def default_out_dir(scenario_name: str, root: Path = Path("runs")) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{scenario_name}-{stamp}"


def _file_mode() -> int:
    """The mode `open()` would give a new file: 0666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary file beside `path`, then rename it onto `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes it private (0600); results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def prepare_out_dir(out: Path, force: bool) -> None:
    existing = [name for name in RESULT_FILES if (out / name).exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{out}: already holds results ({', '.join(existing)}); "
            "use --force to overwrite, or choose another --out"
        )
    out.mkdir(parents=True, exist_ok=True)


def write_run(
    result: RunResult, out: Path, force: bool = False, figures: FigureWorker | None = None
) -> dict[str, Path]:
    """Write tables, plots, the scenario, the summary and the report into `out`. With a started
    `figures` worker the plots are drawn in its process while the rest is written here."""
    from linkages_sim.figure_worker import FigureWorker
    from linkages_sim.report import render_report

    prepare_out_dir(out, force)
    files: dict[str, Path] = {}
    ts = result.timeseries
    figures = figures or FigureWorker()  # not started: drawn here
    figures.submit(ts, out / "plots")

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
    plots = figures.paths()
    files.update({f"plots/{p.name}": p for p in plots})
    report = render_report(result, plots, out, kpi_frame)
    put("report.md", lambda p: p.write_text(report, encoding="utf-8"))
    return files


def scenario_yaml(result: RunResult) -> str:
    """The resolved scenario (every default filled in) with the seed actually used."""
    data = result.scenario.model_dump(mode="json")
    data["seed"] = result.seed
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"
