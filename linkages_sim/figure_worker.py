"""The run's figures drawn in helper processes while the main process writes tables and KPIs.

Importing matplotlib and drawing the figures is most of what a warm `linkages run` does outside
its simulation loop, and it needs none of the model. Helper processes forked when the command
starts import matplotlib and lay the figures out while the main process imports the model and
simulates; when the run ends each draws its share of the figures while the main process
computes KPIs and writes the other files.

Helpers are forked only while the process is single-threaded and has not loaded numba (forking
a process with running threads is unsafe); otherwise, or if a helper fails, the figures are
drawn in the main process: the same functions, the same files.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


HELPER_TIMEOUT_S = 120  # drawing takes about a second, whatever the number of customers


def _can_fork() -> bool:
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and "numba" not in sys.modules
    )


def _share(names: list, helper: int, helpers: int) -> list:
    return names[helper::helpers]


def _serve(conn, helper: int, helpers: int, later: list | None = None) -> None:
    """A helper's loop: draw its share of the figures for each (timeseries, folder) received,
    answering with (position in the report's order, path); None or end of file ends it.

    The first helper starts the `later` ones (their connections) once matplotlib is imported,
    so they share its imports instead of competing with the main process for the cores."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # no BLAS threads: the helper stays forkable
    siblings = []
    try:
        from linkages_sim.plots import figure_names, finish, prepare  # while the parent simulates

        for i, sibling_conn in enumerate(later or [], start=helper + 1):
            pid = os.fork()  # not multiprocessing: the first helper is a daemon
            if pid == 0:
                conn.close()
                try:
                    _serve(sibling_conn, i, helpers)
                finally:
                    os._exit(0)
            sibling_conn.close()
            siblings.append(pid)
        names = _share(figure_names(), helper, helpers)
        positions = _share(list(range(len(figure_names()))), helper, helpers)
        canvases = prepare(names)  # the layout does not need the data
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            if job is None:
                return
            try:
                paths = finish(canvases or prepare(names), *job)
                conn.send(("ok", list(zip(positions, paths, strict=True))))
            except Exception as err:  # reported back; the parent redraws and raises it there
                conn.send(("error", repr(err)))
            canvases = None
    finally:
        conn.close()
        for pid in siblings:  # they end when the main process sends None or exits
            os.waitpid(pid, 0)


class FigureWorker:
    """Start early with `start()`; `submit()` the time series when the run is done; `paths()`
    waits for the figures; `close()` ends the helpers. Not started, it draws in-process."""

    def __init__(self) -> None:
        self._conns: list = []  # one per helper
        self._process = None  # the first helper (it waits for the others)
        self._job: tuple[pd.DataFrame, Path] | None = None

    @classmethod
    def start(cls, helpers: int | None = None) -> FigureWorker:
        """Fork `helpers` processes, each drawing a share of the figures; this process forks
        the first, which forks the others. By default one per core beyond the one this process
        uses, at most two (on two cores a second helper only competes with this process)."""
        worker = cls()
        if not _can_fork():
            return worker
        cores = os.cpu_count() or 1
        count = max(1, min(2, cores - 1) if helpers is None else helpers)
        context = multiprocessing.get_context("fork")
        pipes = [context.Pipe() for _ in range(count)]
        later = [child for _, child in pipes[1:]]
        first = context.Process(target=_serve, args=(pipes[0][1], 0, count, later),
                                name="linkages-figures", daemon=True)  # fmt: skip
        first.start()
        for _, child in pipes:
            child.close()
        worker._conns = [parent for parent, _ in pipes]
        worker._process = first
        return worker

    @property
    def helpers(self) -> int:
        """How many helper processes draw (0: the figures are drawn in this process)."""
        return len(self._conns)

    def submit(self, timeseries: pd.DataFrame, folder: Path) -> None:
        self._job = (timeseries, folder)
        for conn in self._conns:
            with contextlib.suppress(OSError):  # a lost helper's figures are drawn by paths()
                conn.send(self._job)

    def paths(self) -> list[Path]:
        """The figures' paths in the report's order, once written (drawn here where a helper
        could not)."""
        if self._job is None:
            raise RuntimeError("submit() the time series first")
        drawn: dict[int, Path] = {}
        lost = []
        for i, conn in enumerate(self._conns):
            try:  # a helper that does not answer in time is treated as lost
                status, payload = conn.recv() if conn.poll(HELPER_TIMEOUT_S) else ("lost", None)
            except (EOFError, OSError):
                status, payload = "lost", None
            if status == "ok":
                drawn.update(payload)
            else:
                lost.append(i)
        if lost or not self._conns:
            from linkages_sim.plots import figure_names, finish, prepare

            names = figure_names()
            count = len(self._conns) or 1
            for i in lost or [0]:
                share = _share(list(range(len(names))), i, count)
                paths = finish(prepare([names[p] for p in share]), *self._job)
                drawn.update(zip(share, paths, strict=True))
        return [drawn[p] for p in sorted(drawn)]

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        self._conns = []
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()
            self._process = None

    def __enter__(self) -> FigureWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

