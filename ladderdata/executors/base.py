"""The executor interface: map a per-scan function over tasks, stream results back to one writer.

The build's per-scan work is a pure function `fn(task) -> result` of picklable values (the task names
the scan, the source config and the settings; the result carries the generated samples as JSONL text,
the media entries and the scene record to cache). An executor only decides *where* `fn` runs; the
driver consumes `imap_unordered` and is the single process that writes files, so results may arrive in
any order and from any machine: the final output is ordered by scan id later, never by arrival.

A new backend (e.g. Ray: `ray.remote(fn)`, submit with a bounded number in flight, `ray.wait`, yield)
subclasses `Executor`, implements `imap_unordered` and `close`, and registers itself in
`ladderdata.executors.EXECUTORS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(ABC):
    """Runs `fn` over tasks and yields each result as soon as it is ready (completion order)."""

    name: ClassVar[str]

    workers: int = 1
    """Number of tasks that may run at once."""

    @abstractmethod
    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield `fn(task)` for every task, in completion order.

        An exception raised by `fn` propagates out of the iterator (remaining tasks are cancelled).
        Implementations keep a bounded number of tasks in flight so memory does not grow with the
        number of scans.
        """

    def close(self) -> None:  # noqa: B027 - optional hook: an inline executor holds nothing
        """Release workers (idempotent)."""

    def terminate(self) -> None:
        """Stop at once, abandoning running tasks (an error or interrupt left the `with` block)."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:  # do not wait for running scans after an error, Ctrl-C or SIGTERM
            self.terminate()
