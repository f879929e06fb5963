"""`linkages analyze`: a sweep's tables, figures and a short report.md, for one output."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from linkages_sim.files import atomic_write_text
from linkages_sim.formatting import compact
from linkages_sim.plots.research_figures import heat_map, output_by_parameter, sensitivity_bars
from linkages_sim.research.analyze import SweepResults
from linkages_sim.stats import CONFIDENCE


def _md(frame: pd.DataFrame, digits: str = ".4g") -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.itertuples(index=False):
        cells = [compact(v, digits=digits, small=digits) if isinstance(v, float) else str(v)
                 for v in row]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def analyze(folder: str | Path, output: str | None = None, reference: int = 0,
            out: Path | None = None) -> dict:  # fmt: skip
    """Tables, figures and report.md of `output` for the sweep in `folder`; returns the tables.

    `output` defaults to the design's primary output; everything is written into `out`, default
    `folder/analysis`.
    """
    results = SweepResults.open(folder)
    output = output or results.design.outputs.primary
    out = Path(out) if out is not None else Path(folder) / "analysis"
    out.mkdir(parents=True, exist_ok=True)
    status = results.runs["status"].value_counts().to_dict()
    points = results.by_point(output)
    paired = results.paired(output, reference)
    params = results.parameters
    tables: dict = {"output": output, "points": points, "paired": paired, "status": status}
    figures = [output_by_parameter(points, output, params[0],
                                   params[1] if len(params) > 1 else None,
                                   out / "by_parameter.png")]  # fmt: skip
    kind = results.design.sampling.kind
    if kind == "grid" and len(params) == 2:
        figures.append(heat_map(points, output, params[0], params[1], out / "heat_map.png"))
    if kind in ("sobol", "morris"):
        indices = results.sobol(output) if kind == "sobol" else results.morris(output)
        tables["sensitivity"] = indices
        figures.append(sensitivity_bars(indices, output, out / "sensitivity.png"))
    points.to_csv(out / "points.csv", index=False)
    paired.to_csv(out / "paired.csv", index=False)
    d = results.design
    lines = [
        f"# Sweep {d.name}: {output}", "", d.description, "",
        f"Base scenario `{d.base}`; {kind} design of {len(points)} point(s) with "
        f"{len(d.replications.seed_list())} replication(s) each, sharing their seeds (common "
        f"random numbers). Runs: " + ", ".join(f"{v} {k}" for k, v in sorted(status.items()))
        + ".", "",
        f"## Mean over replications ({CONFIDENCE:.0%} t interval)", "", _md(points), "",
        f"## Difference from point {reference}, replication by replication", "",
        _md(paired), "",
    ]  # fmt: skip
    if "sensitivity" in tables:
        lines += ["## Sensitivity", "", _md(tables["sensitivity"], digits=".3f"), ""]
    failed = results.runs[results.runs["status"] == "failed"]
    if len(failed):
        lines += ["## Failed runs", "", _md(failed[["run", "point", "replication", "error"]]), ""]
    lines += [f"![{p.stem}]({p.name})" for p in figures]
    atomic_write_text(out / "report.md", "\n".join(lines) + "\n")
    tables["figures"] = figures
    tables["report"] = out / "report.md"
    return tables
