"""Sweeps: every design point x every replication, run on workers, streamed to disk, resumable.

The folder of a sweep holds
    design.json      the resolved design and its fingerprint (a folder belongs to one design)
    runs.parquet     the plan: run, point, replication, seed and each parameter's value
    status.jsonl     one line per finished run (done or failed, error text, wall time),
                     appended as runs finish, so an interrupted sweep knows what is left
    outputs/         one Parquet file per run of its scalar outputs (run, output, value)
    metrics/metric=NAME/   one Parquet file per run of a long-table metric
                     (run, period, level, id, value): reading one metric reads only its folder

Workers write their own run's files (atomically) and return a few numbers, so the driver's
memory stays flat however many runs there are. Each file depends only on its run (scenario,
seed), so a sweep gives the same files run in one go or resumed, on 1 or N workers, locally or
on Dask. One code path for every executor (`concurrent.futures.Executor`): in-process for one
worker, a spawn-based process pool (never fork: the driver holds numba's threads), or Dask
distributed's executor (Rocklin 2015) for a cluster. Tasks travel with cloudpickle, so an output
function defined in a notebook reaches the workers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import cloudpickle
import pandas as pd

from linkages_sim.config.errors import ScenarioError
from linkages_sim.config.schema import Scenario
from linkages_sim.files import atomic_write, atomic_write_text
from linkages_sim.research.design import (
    Design,
    DesignError,
    check_design,
    point_scenario,
    read_design,
)

OutputFunction = Callable[[Any], dict[str, float]]
"""A custom output: from a finished MarketModel to named numbers."""
ToyModel = Callable[[dict[str, Any], int], dict[str, float]]
"""A model that is not the market (e.g. a test function): (point, seed) -> named numbers."""
Measure = Callable[[Scenario, int], dict[str, float]]
"""A measurement of the point's scenario in place of one run of it: (scenario, seed) -> named
numbers. For what needs several runs of each point on the same random numbers, such as the
stage game a contract's four fixed action profiles make (`analysis.payoff_matrix.StageGame`)."""


class SweepFolderError(DesignError):
    """The output folder holds another design's results."""


@dataclass
class RunTask:
    """One run, as a worker receives it: everything it needs, and where to write."""

    run: int
    seed: int
    folder: str
    scenario: Scenario | None
    point: dict[str, Any]
    metrics: list[str]
    kpis: bool
    summary: bool
    output: OutputFunction | None = None
    toy: ToyModel | None = None
    measure: Measure | None = None

    def __call__(self) -> dict[str, Any]:
        """Run, write the run's files, and report (never raises: a failure is a result)."""
        started = time.perf_counter()
        self._simulated_s = math.nan
        try:
            _one_numba_thread()
            outputs, metrics = self._simulate()
            folder = Path(self.folder)
            for name, frame in metrics.items():
                target = folder / "metrics" / f"metric={name}" / f"run-{self.run:06d}.parquet"
                atomic_write(target, lambda p, f=frame: f.to_parquet(p, index=False))
            frame = pd.DataFrame({"run": self.run, "output": list(outputs),
                                  "value": [float(v) for v in outputs.values()]})  # fmt: skip
            target = folder / "outputs" / f"run-{self.run:06d}.parquet"
            atomic_write(target, lambda p: frame.to_parquet(p, index=False))
            status, error = "done", None
        except Exception as err:
            status = "failed"
            error = f"{type(err).__name__}: {err}"
            tb = traceback.format_exc(limit=-3)
            error += "\n" + tb if os.environ.get("LINKAGES_SWEEP_TRACEBACKS") else ""
        return {"run": self.run, "status": status, "error": error, "worker": os.getpid(),
                "wall_s": round(time.perf_counter() - started, 4),
                "simulation_s": None if math.isnan(self._simulated_s)
                else round(self._simulated_s, 4)}  # fmt: skip

    def _simulate(self) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
        if self.toy is not None:
            return dict(self.toy(self.point, self.seed)), {}
        if self.measure is not None:
            loop = time.perf_counter()
            numbers = self.measure(self.scenario, self.seed)
            self._simulated_s = time.perf_counter() - loop
            return {f"measure/{k}": float(v) for k, v in numbers.items()}, {}
        from linkages_sim.analysis.kpis import kpis
        from linkages_sim.analysis.summary import summarise
        from linkages_sim.analysis.tables import MetricTables
        from linkages_sim.market.model import MarketModel

        model = MarketModel(self.scenario, seed=self.seed)
        loop = time.perf_counter()
        model.run()
        self._simulated_s = time.perf_counter() - loop
        ts = model.timeseries()
        outputs: dict[str, float] = {}
        tables = MetricTables(ts)  # read once, by the KPIs and the summary
        frame = kpis(ts, model.spec, tables=tables)
        if self.kpis:
            for level, who, kpi, value in zip(frame["level"], frame["id"], frame["kpi"],
                                              frame["value"], strict=True):  # fmt: skip
                outputs[f"kpi/{level}/{who}/{kpi}"] = value
        if self.summary:
            outputs.update(_flatten("summary", summarise(model, ts, frame, tables)))
        if self.output is not None:
            outputs.update({f"custom/{k}": v for k, v in self.output(model).items()})
        metrics = {}
        for name in self.metrics:
            rows = ts[ts["metric"] == name][["period", "level", "id", "value"]]
            metrics[name] = rows.assign(run=self.run)[["run", "period", "level", "id", "value"]]
        return outputs, metrics


def _flatten(prefix: str, data: Any) -> Iterator[tuple[str, float]]:
    """The numbers of a nested summary as (prefix/key/..., value)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _flatten(f"{prefix}/{k}", v)
    elif isinstance(data, (bool, int | float)):
        yield prefix, float(data)
    elif data is None:
        yield prefix, math.nan


def _one_numba_thread() -> None:
    """Workers share the cores: one numba thread each (results do not depend on it)."""
    import numba

    numba.set_num_threads(1)


def _execute(payload: bytes) -> dict[str, Any]:
    """What a worker runs: unpickle the task (cloudpickle), run it."""
    return cloudpickle.loads(payload)()


@dataclass
class SweepPlan:
    """Every run of a design: the table of runs, and the tasks that make them."""

    design: Design
    runs: pd.DataFrame
    fingerprint: str
    tasks: dict[int, RunTask] = field(repr=False)
    invalid: dict[int, str] = field(default_factory=dict)  # run -> why its point cannot run


def plan(
    design: Design, folder: Path, *, source: str = "design", base_folder: Path = Path("."),
    customers: int | None = None, periods: int | None = None,
    output: OutputFunction | None = None, toy: ToyModel | None = None,
    measure: Measure | None = None,
) -> SweepPlan:  # fmt: skip
    """The runs of `design`, numbered point by point then replication by replication."""
    if customers is not None or periods is not None:
        design = design.model_copy(update={k: v for k, v in
                                           (("customers", customers), ("periods", periods))
                                           if v is not None})  # fmt: skip
    base = None if toy is not None else check_design(design, base_folder, source)
    if measure is None and toy is None and (game := design.outputs.stage_game) is not None:
        from linkages_sim.analysis.payoff_matrix import StageGame

        measure = StageGame(game.contract, game.sla_penalty)
    seeds = design.replications.seed_list()
    rows, tasks, invalid = [], {}, {}
    for p, point in enumerate(design.points()):
        scenario, problem = None, None
        if base is not None:
            try:
                scenario = point_scenario(base, design, point, source=f"{source}: point {p}")
            except ScenarioError as err:
                problem = str(err)
        for r, seed in enumerate(seeds):
            run = len(rows)
            rows.append({"run": run, "point": p, "replication": r, "seed": seed, **point})
            if problem is not None:
                invalid[run] = problem
                continue
            kept = design.outputs
            tasks[run] = RunTask(run, seed, str(folder), scenario, point, kept.metrics,
                                 kept.kpis, kept.summary, output, toy, measure)  # fmt: skip
    described = design.model_dump(mode="json")
    if described["outputs"]["stage_game"] is None:  # earlier sweeps keep their fingerprints
        del described["outputs"]["stage_game"]
    identity = {"design": described,
                "base": None if base is None else base.model_dump(mode="json"),
                "output": None if output is None else _name(output),
                "toy": None if toy is None else _name(toy)}  # fmt: skip
    if measure is not None:
        identity["measure"] = f"{_name(measure)}: {measure!r}"
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    return SweepPlan(design, pd.DataFrame(rows), digest, tasks, invalid)


def _name(function: Callable) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"


@dataclass
class SweepOutcome:
    """How a sweep ended: counts, and the folder that holds its results."""

    folder: Path
    total: int
    done: int
    failed: int
    ran_now: int
    skipped: int
    wall_s: float


def read_status(folder: Path) -> dict[int, dict[str, Any]]:
    """The latest status line of every run recorded so far (a torn last line is ignored)."""
    path = folder / "status.jsonl"
    status: dict[int, dict[str, Any]] = {}
    if not path.exists():
        return status
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a killed driver: that run is simply run again
        status[int(record["run"])] = record
    return status


def run_sweep(
    sweep_plan: SweepPlan, folder: Path, *, workers: int = 1, executor: Executor | None = None,
    retry_failed: bool = False, restart: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
) -> SweepOutcome:  # fmt: skip
    """Run what the folder does not have yet; record each run as it finishes."""
    started = time.perf_counter()
    folder = Path(folder)
    _claim(folder, sweep_plan, restart)
    status = read_status(folder)
    for run, problem in sweep_plan.invalid.items():
        if run not in status:
            _append(folder, {"run": run, "status": "failed", "error": problem, "wall_s": 0.0})
    status = read_status(folder)
    done = {r for r, s in status.items() if s["status"] == "done"
            and (folder / "outputs" / f"run-{r:06d}.parquet").exists()}  # fmt: skip
    failed = {r for r, s in status.items() if s["status"] == "failed"}
    todo = [r for r in sweep_plan.tasks
            if r not in done and (retry_failed or r not in failed)]  # fmt: skip
    total = len(sweep_plan.runs)
    counts = {"done": len(done), "failed": len(failed - set(todo))}
    if progress:
        progress(counts["done"], counts["failed"], total)
    if todo:
        _warm_numba(sweep_plan)
    with _executor(executor, workers) as pool:
        pending: set[Future] = set()
        queue = iter(todo)
        limit = max(2 * max(workers, 1), 4)  # a few tasks in flight, not the whole plan

        def submit_more() -> None:
            for run in queue:
                pending.add(pool.submit(_execute, cloudpickle.dumps(sweep_plan.tasks[run])))
                if len(pending) >= limit:
                    return

        submit_more()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                pending.discard(future)
                record = future.result()
                _append(folder, record)
                counts[record["status"]] += 1
                if progress:
                    progress(counts["done"], counts["failed"], total)
            submit_more()
    return SweepOutcome(folder, total, counts["done"], counts["failed"], len(todo),
                        total - len(todo), time.perf_counter() - started)  # fmt: skip


def _claim(folder: Path, sweep_plan: SweepPlan, restart: bool) -> None:
    """Make `folder` this design's: refuse another design's folder unless `restart`."""
    meta = folder / "design.json"
    if meta.exists():
        try:
            held = json.loads(meta.read_text(encoding="utf-8")).get("fingerprint")
        except (json.JSONDecodeError, AttributeError):
            held = None
        if held != sweep_plan.fingerprint:
            if not restart:
                raise SweepFolderError(
                    f"{folder}: holds the results of another design (or other overrides); "
                    "use --restart to discard them, or choose another --out"
                )
            _clear(folder)
    elif folder.exists() and any(folder.iterdir()) and not restart:
        raise SweepFolderError(f"{folder}: is not empty and holds no sweep; choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    if not meta.exists():
        runs = sweep_plan.runs
        atomic_write(folder / "runs.parquet", lambda p: runs.to_parquet(p, index=False))
        record = {"fingerprint": sweep_plan.fingerprint,
                  "design": sweep_plan.design.model_dump(mode="json")}  # fmt: skip
        atomic_write_text(meta, json.dumps(record, indent=2) + "\n")


def _clear(folder: Path) -> None:
    import shutil

    for name in ("outputs", "metrics"):
        shutil.rmtree(folder / name, ignore_errors=True)
    for name in ("status.jsonl", "runs.parquet", "design.json"):
        (folder / name).unlink(missing_ok=True)


def _append(folder: Path, record: dict[str, Any]) -> None:
    """Append one status line, flushed to the operating system at once.

    A killed driver loses nothing already appended, at most a torn last line (that run is then
    run again).
    """
    with open(folder / "status.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def _warm_numba(sweep_plan: SweepPlan) -> None:
    """Compile the kernels once (numba's on-disk cache) before workers start.

    Then workers do not compile and write the cache concurrently.
    """
    if any(t.toy is None for t in sweep_plan.tasks.values()):
        from linkages_sim.config.editing import edit_scenario
        from linkages_sim.market.model import MarketModel

        task = next(t for t in sweep_plan.tasks.values() if t.toy is None)
        MarketModel(edit_scenario(task.scenario, customers=200, periods=1)).run()


class _InProcess(Executor):
    """One worker: run each task where it is submitted (same code path as a pool)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
        return future


@contextmanager
def _executor(executor: Executor | None, workers: int) -> Iterator[Executor]:
    if executor is not None:
        yield executor
    elif workers <= 1:
        yield _InProcess()
    else:
        context = get_context("spawn")  # not fork: the parent holds numba's OpenMP threads
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield pool


@contextmanager
def dask_executor(scheduler: str | None = None, local_workers: int | None = None,
                  timeout_s: float = 5.0) -> Iterator[Executor]:  # fmt: skip
    """Dask distributed's `concurrent.futures` executor, on a cluster or a LocalCluster.

    On the cluster at `scheduler` (tcp://host:8786; a dask-jobqueue SLURMCluster's
    `scheduler_address` works the same), or on a LocalCluster of `local_workers` processes with
    one thread each. An unreachable scheduler is a DesignError within `timeout_s`.
    """
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout=f"{timeout_s}s")
            except (OSError, TimeoutError) as err:
                raise DesignError(f"--scheduler {scheduler}: cannot reach it within "
                                  f"{timeout_s:g} s ({type(err).__name__})") from None  # fmt: skip
        else:
            cluster = LocalCluster(n_workers=local_workers or 2, threads_per_worker=1,
                                   processes=True, dashboard_address=None)  # fmt: skip
            client = Client(cluster)
        try:
            yield client.get_executor()
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def sweep(
    design: Design | str | Path, out: str | Path, *, workers: int = 1,
    scheduler: str | None = None, dask_local: int | None = None,
    customers: int | None = None, periods: int | None = None, retry_failed: bool = False,
    restart: bool = False, output: OutputFunction | None = None, toy: ToyModel | None = None,
    measure: Measure | None = None, progress: Callable[[int, int, int], None] | None = None,
) -> SweepOutcome:  # fmt: skip
    """Run a design (a Design or a design file) into the folder `out`, or finish it.

    `workers` local processes (1: in this process), or Dask: `scheduler` (an address) or
    `dask_local` (a LocalCluster of that many workers). `output(model)` adds custom numbers
    to every run (it may be defined in a notebook); `measure(scenario, seed)` replaces the one
    run of each point and its outputs (`measure/NAME`: e.g. a stage game of four runs);
    `toy(point, seed)` replaces the market
    with another model (tests of the machinery). Raises DesignError for bad input.
    """
    if isinstance(design, Design):
        source, base_folder = "design", Path(".")
    else:
        source = str(design)
        design, base_folder = read_design(design)
    out = Path(out)
    sweep_plan = plan(design, out, source=source, base_folder=base_folder, customers=customers,
                      periods=periods, output=output, toy=toy, measure=measure)  # fmt: skip
    if scheduler is not None or dask_local is not None:
        with dask_executor(scheduler, dask_local) as executor:
            return run_sweep(sweep_plan, out, executor=executor, retry_failed=retry_failed,
                             restart=restart, progress=progress,
                             workers=dask_local or 2)  # fmt: skip
    return run_sweep(sweep_plan, out, workers=workers, retry_failed=retry_failed,
                     restart=restart, progress=progress)  # fmt: skip
