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


def _run_pickled(payload: bytes) -> bytes:
    """Run a job as a worker receives it, pickled with cloudpickle.

    Cloudpickle both ways: results may be of types defined in the caller's `__main__` too.
    """
    return cloudpickle.dumps(_run(cloudpickle.loads(payload)))


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
    results: list[T] = []
    if workers <= 1:
        for k, task in enumerate(tasks, 1):
            results.append(_run(task))
            if progress:
                progress(k, len(tasks))
        return results
    context = get_context("spawn")  # not fork: the parent holds numba's worker threads
    payloads = [cloudpickle.dumps(task) for task in tasks]
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_one_thread) as pool:
        for k, result in enumerate(pool.map(_run_pickled, payloads), 1):
            results.append(cloudpickle.loads(result))
            if progress:
                progress(k, len(tasks))
    return results
