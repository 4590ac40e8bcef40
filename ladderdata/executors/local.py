"""Local executor: the current process (`workers=1`) or a pool of processes on this machine."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import TypeVar

from ladderdata import threads
from ladderdata.executors.base import Executor
from ladderdata.lifetime import tie_to_parent

T = TypeVar("T")
R = TypeVar("R")


def _init_worker(parent_pid: int, workers: int) -> None:
    """Pool worker start-up: end with the driver, and use this worker's share of the cores for threads
    (two workers on two cores each run single-threaded instead of contending with 4 threads)."""
    tie_to_parent(parent_pid)
    threads.set_default(threads.core_share(workers))


class LocalExecutor(Executor):
    """`workers=1` runs tasks inline (easy to debug, no pickling); more uses a spawn-started pool.

    Spawn, not fork: the parent may hold threads (rich's progress refresh, open3d/BLAS pools) whose locks
    a forked child would inherit in a held state. At most `2 * workers` tasks are in flight, so results
    waiting to be written never pile up. Workers end with the driver (`lifetime.tie_to_parent`), and
    an exception or signal leaving the `with` block terminates them at once (`terminate`).
    """

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(), self.workers),
            )
        return self._pool

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        if self.workers == 1:
            for task in tasks:
                yield fn(task)
            return
        pool = self._get_pool()
        pending: set[Future[R]] = set()
        it = iter(tasks)
        limit = 2 * self.workers
        try:
            while True:
                pending.update(pool.submit(fn, task) for task in islice(it, limit - len(pending)))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop the workers now (running scans are lost; their scans rerun on --resume)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Python 3.11 has no public way to stop running workers (3.14 adds terminate_workers)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for proc in processes:
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
