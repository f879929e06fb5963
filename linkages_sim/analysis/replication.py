"""Many independent market runs, serially or on worker processes.

Their seeds do not depend on how the work is split.

Each job is a (scenario, seed) pair and a function of the finished model; results come back in
job order. Jobs travel to worker processes with cloudpickle, so a function defined in a
notebook or a script's `__main__` works, and workers are started with `spawn` (a forked child
of a process that has run numba's OpenMP threads can hang). Replication seeds come from
`SeedSequence(seed)`, so replication k is the same run whatever the number of workers, and two
designs that share a seed share every random number (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import cloudpickle
import numpy as np

from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent seeds for `replications` runs, derived from one seed."""
    return [int(x) for x in np.random.SeedSequence(seed).generate_state(replications)]


def _one_thread() -> None:
    """Worker processes share the cores: one numba thread each (results do not change)."""
    import numba

    numba.set_num_threads(1)


def _run(job: tuple[Scenario, int, int | None, Callable[[MarketModel], Any]]) -> Any:
    scenario, seed, structure_seed, measure = job
    model = MarketModel(scenario, seed=seed, structure_seed=structure_seed)
    model.run()
    return measure(model)


def _call_pickled(payload: bytes) -> bytes:
    """Run `function(job)` as a worker receives it, pickled with cloudpickle.

    Cloudpickle both ways: functions and results may be defined in the caller's `__main__`.
    """
    function, job = cloudpickle.loads(payload)
    return cloudpickle.dumps(function(job))


def run_jobs[J, T](
    function: Callable[[J], T], jobs: Sequence[J], workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[T]:  # fmt: skip
    """`function(job)` for every job, in order, serially or on `workers` spawned processes."""
    results: list[T] = []
    if workers <= 1:
        for k, job in enumerate(jobs, 1):
            results.append(function(job))
            if progress:
                progress(k, len(jobs))
        return results
    context = get_context("spawn")  # not fork: the parent holds numba's worker threads
    payloads = [cloudpickle.dumps((function, job)) for job in jobs]
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_one_thread) as pool:
        for k, result in enumerate(pool.map(_call_pickled, payloads), 1):
            results.append(cloudpickle.loads(result))
            if progress:
                progress(k, len(jobs))
    return results


def run_many[T](
    jobs: Sequence[tuple[Scenario, int]],
    measure: Callable[[MarketModel], T],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    structure_seed: int | None = None,
) -> list[T]:
    """Run every (scenario, seed) to its end and return `measure(model)` for each, in order.

    With `structure_seed`, every run shares one market layout (see `rng.Streams`).
    """
    tasks = [(scenario, seed, structure_seed, measure) for scenario, seed in jobs]
    return run_jobs(_run, tasks, workers, progress)
