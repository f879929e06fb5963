"""Reading a sweep: outputs per design point, paired differences and sensitivity indices.

Outputs per design point come with intervals over replications; paired differences are taken
against a reference point.

Only what a question needs is read: one output is a filtered scan of the runs' small output
files (pyarrow datasets), one metric is one partition folder. Intervals are Student-t over
replications (`linkages_sim.stats`); paired differences use the replications' shared seeds
(common random numbers). Sobol' first-order and total indices come from SALib's estimator of
Saltelli et al. (2010) / Jansen (1999), with bootstrap confidence intervals; Morris's mu* and
sigma from Campolongo, Cariboni & Saltelli (2007).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from linkages_sim.research.design import Design, DesignError
from linkages_sim.research.sweep import read_status
from linkages_sim.stats import CONFIDENCE, t_interval


@dataclass
class SweepResults:
    """A finished (or partly finished) sweep folder."""

    folder: Path
    design: Design
    runs: pd.DataFrame  # the plan, with each run's status, error and wall time

    @classmethod
    def open(cls, folder: str | Path) -> SweepResults:
        """Open a sweep folder written by `sweep`."""
        folder = Path(folder)
        meta = folder / "design.json"
        if not meta.exists():
            raise DesignError(f"{folder}: not a sweep folder (no design.json)")
        design = Design.model_validate(json.loads(meta.read_text(encoding="utf-8"))["design"])
        runs = pd.read_parquet(folder / "runs.parquet")
        status = read_status(folder)
        runs["status"] = [status.get(r, {}).get("status", "pending") for r in runs["run"]]
        runs["error"] = [status.get(r, {}).get("error") for r in runs["run"]]
        runs["wall_s"] = [status.get(r, {}).get("wall_s", np.nan) for r in runs["run"]]
        return cls(folder, design, runs)

    @property
    def parameters(self) -> list[str]:
        """The parameters' column names."""
        return [p.label for p in self.design.parameters]

    def output_names(self) -> list[str]:
        """Every scalar output recorded (read from one run's file)."""
        files = sorted((self.folder / "outputs").glob("run-*.parquet"))
        if not files:
            return []
        return sorted(pd.read_parquet(files[0], columns=["output"])["output"])

    def outputs(self, names: str | list[str]) -> pd.DataFrame:
        """The chosen outputs of every finished run, as a long table.

        Columns: run, point, replication, parameters, output, value.
        """
        names = [names] if isinstance(names, str) else list(names)
        known = set(self.output_names())
        unknown = [n for n in names if n not in known]
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.4)
            hint = f" (close: {', '.join(close)})" if close else ""
            raise DesignError(f"{self.folder}: no output '{unknown[0]}'{hint}")
        dataset = ds.dataset(self.folder / "outputs", format="parquet")
        table = dataset.to_table(filter=ds.field("output").isin(names)).to_pandas()
        columns = ["run", "point", "replication", "seed", *self.parameters]
        return table.merge(self.runs[columns], on="run").sort_values(["output", "run"],
                                                                     ignore_index=True)

    def metric(self, name: str) -> pd.DataFrame:
        """One long-table metric of every run (run, period, level, id, value) and its point."""
        folder = self.folder / "metrics" / f"metric={name}"
        if not folder.is_dir():
            kept = sorted(p.name.removeprefix("metric=") for p in
                          (self.folder / "metrics").glob("metric=*"))  # fmt: skip
            raise DesignError(f"{self.folder}: metric '{name}' was not kept "
                              f"(kept: {', '.join(kept) or 'none'})")  # fmt: skip
        frame = ds.dataset(folder, format="parquet").to_table().to_pandas()
        return frame.merge(self.runs[["run", "point", "replication"]], on="run")

    def by_point(self, output: str) -> pd.DataFrame:
        """Per design point: the parameters, the mean over replications and its interval."""
        frame = self.outputs(output)
        rows = []
        for point, g in frame.groupby("point", sort=True):
            mean, low, high = t_interval(g["value"].dropna())
            rows.append({"point": point, **g.iloc[0][self.parameters].to_dict(), "mean": mean,
                         "low": low, "high": high, "n": int(g["value"].notna().sum())})  # fmt: skip
        return pd.DataFrame(rows)

    def paired(self, output: str, reference: int = 0) -> pd.DataFrame:
        """Each point minus the reference point, replication by replication (the same seeds).

        With the mean difference and its interval.
        """
        frame = self.outputs(output)
        wide = frame.pivot(index="replication", columns="point", values="value")
        if reference not in wide.columns:
            raise DesignError(f"reference point {reference} has no finished runs")
        rows = []
        for point in wide.columns:
            diff = (wide[point] - wide[reference]).dropna()
            mean, low, high = t_interval(diff)
            rows.append({"point": point, "difference": mean, "low": low, "high": high,
                         "n": len(diff)})  # fmt: skip
        params = frame.drop_duplicates("point").set_index("point")[self.parameters]
        return pd.DataFrame(rows).join(params, on="point")

    def _mean_by_point(self, output: str) -> np.ndarray:
        frame = self.outputs(output)
        means = frame.groupby("point")["value"].mean()
        expected = int(self.runs["point"].max()) + 1
        if len(means) != expected or means.isna().any():
            missing = expected - int(means.notna().sum())
            raise DesignError(f"{missing} design point(s) have no finished run: sensitivity "
                              "indices need every point (finish the sweep first)")  # fmt: skip
        return means.sort_index().to_numpy()

    def sobol(self, output: str, seed: int = 1) -> pd.DataFrame:
        """Sobol' first-order (S1) and total (ST) indices of `output`, with confidence intervals.

        The indices are of the mean over replications; the design must be a sobol design. The
        intervals are bootstrap intervals drawn with `seed`, which must not be 0: SALib's Sobol
        analysis takes a seed of 0 for no seed at all, and the intervals would then change from
        one call to the next.
        """
        from SALib.analyze import sobol

        if not seed:
            raise ValueError("seed must be a non-zero integer (SALib reads 0 as no seed)")
        if self.design.sampling.kind != "sobol":
            raise DesignError(f"Sobol indices need a sobol design, not {self.design.sampling.kind}")
        y = self._mean_by_point(output)
        result = sobol.analyze(self.design.problem(), y,
                               calc_second_order=self.design.sampling.second_order,
                               conf_level=CONFIDENCE, seed=seed)  # fmt: skip
        return pd.DataFrame({"parameter": self.parameters, "S1": result["S1"],
                             "S1_conf": result["S1_conf"], "ST": result["ST"],
                             "ST_conf": result["ST_conf"]})  # fmt: skip

    def morris(self, output: str, seed: int = 1) -> pd.DataFrame:
        """Morris elementary effects of `output`: mu*, its interval, and sigma."""
        from SALib.analyze import morris

        if self.design.sampling.kind != "morris":
            raise DesignError(f"Morris effects need a morris design, not "
                              f"{self.design.sampling.kind}")  # fmt: skip
        y = self._mean_by_point(output)
        problem = {k: v for k, v in self.design.problem().items() if k != "dists"}
        x = self.design.sample_matrix()
        result = morris.analyze(problem, x, y, conf_level=CONFIDENCE,
                                num_levels=self.design.sampling.levels, seed=seed)  # fmt: skip
        return pd.DataFrame({"parameter": self.parameters, "mu_star": result["mu_star"],
                             "mu_star_conf": result["mu_star_conf"],
                             "sigma": result["sigma"]})  # fmt: skip
