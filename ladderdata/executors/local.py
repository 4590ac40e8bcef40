"""Local executor: the current process (`workers=1`) or a pool of processes on this machine."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import TypeVar

from ladderdata.executors.base import Executor

T = TypeVar("T")
R = TypeVar("R")


class LocalExecutor(Executor):
    """`workers=1` runs tasks inline (easy to debug, no pickling); more uses a spawn-started pool.

    Spawn, not fork: the parent may hold threads (rich's progress refresh, open3d/BLAS pools) whose locks
    a forked child would inherit in a held state. At most `2 * workers` tasks are in flight, so results
    waiting to be written never pile up.
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
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
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
