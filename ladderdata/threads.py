"""Threads that overlap the build's decoding with its other work inside one process.

Pillow's JPEG decode, resampling and encode, OpenCV's PNG decode, zlib and SHA-256 release the GIL, so
on a machine with a free core a few threads run them beside the main thread: a `--workers 1` build (the
default) then uses a second core for its decoding. Results are taken in input order, so the output
bytes do not depend on the thread count (`LADDERDATA_THREADS=1` runs everything in the calling thread).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from ladderdata.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

ENV_THREADS = "LADDERDATA_THREADS"
"""Environment variable: threads per process for decoding (default: the usable cores, at most MAX)."""
MAX_THREADS = 4
"""Default cap: past a few threads the main thread, not the decoding, is the bottleneck."""


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


_default: int | None = None  # set in worker processes that share the machine (set_default)


def set_default(threads: int) -> None:
    """Make `threads` this process's default thread count (a worker of a pool that shares the cores
    gets its share, a Ray task the one CPU it reserved); `LADDERDATA_THREADS` still wins."""
    global _default
    _default = max(1, int(threads))


def core_share(processes: int) -> int:
    """Each of `processes` worker processes' share of the usable cores (at least 1)."""
    return max(1, usable_cores() // max(1, processes))


def thread_count() -> int:
    """Threads for decoding in this process: `LADDERDATA_THREADS`, else the default a worker pool set
    (`set_default`), else the usable cores; at most MAX_THREADS unless the variable says more.
    ConfigError (one line, naming the variable) when the variable is not a whole number >= 1."""
    raw = os.environ.get(ENV_THREADS, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ConfigError(
                f"{ENV_THREADS}={raw!r}: set a whole number of threads, at least 1 (e.g. 2), or unset it"
            )
        return value
    return max(1, min(MAX_THREADS, usable_cores() if _default is None else _default))


def ordered_map(fn: Callable[[T], R], items: Sequence[T], threads: int | None = None) -> list[R]:
    """`[fn(x) for x in items]`, run on `threads` threads (default `thread_count()`); an exception is
    raised for the first failing item in input order, as the plain loop would raise it."""
    threads = thread_count() if threads is None else threads
    if threads <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
        return list(pool.map(fn, items))


def prefetched(
    fn: Callable[[T], R], items: Iterable[T], lookahead: int = 4, threads: int = 1
) -> Iterator[tuple[T, R]]:
    """`(x, fn(x))` for each item in order, computing up to `lookahead` items ahead on `threads`
    background threads while the caller works on the current one. `items` is drawn lazily, as the
    window allows, so memory stays bounded by the window however long the input.

    `fn` should return errors it expects as values: an exception it raises is re-raised here when its
    item's turn comes. Leaving the loop early cancels what has not started; with one thread
    (`thread_count() == 1`) everything runs in the caller's thread, one item at a time.
    """
    if thread_count() <= 1 or lookahead < 1:
        for x in items:
            yield x, fn(x)
        return
    window: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        try:
            for x in items:
                window.append((x, pool.submit(fn, x)))
                if len(window) > lookahead:
                    head, fut = window.popleft()
                    yield head, fut.result()
            while window:
                head, fut = window.popleft()
                yield head, fut.result()
        finally:
            for _, fut in window:
                fut.cancel()


def beside(first: Callable[[], R], second: Callable[[], T]) -> tuple[R, T]:
    """`(first(), second())`, with `first` on a background thread while `second` runs in the caller's.

    Errors come out as the two calls made in turn would give them: `first`'s before `second`'s (an
    `Exception` from `second` is raised only once `first` has succeeded). An interrupt (a
    BaseException that is not an Exception) in `second` is raised at once, whatever `first` does.
    """
    if thread_count() <= 1:
        got = first()
        return got, second()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(first)
        try:
            other = second()
        except Exception:
            future.result()  # first's own error wins, as when it ran first
            raise
        return future.result(), other
