"""Progress reporting of a build: a tiny interface the CLI implements with rich, and a silent default."""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    """Receives stage progress; `total` may be 0 when a stage has nothing to count."""

    def start(self, stage: str, total: int) -> None:
        """A stage begins with `total` units of work."""

    def advance(self, stage: str, n: int = 1) -> None:
        """`n` units of a stage are done."""

    def finish(self, stage: str) -> None:
        """A stage is complete."""

    def note(self, message: str) -> None:
        """A one-line remark (e.g. a skipped scan)."""


class NullReporter:
    """Reports nothing (library use, tests)."""

    def start(self, stage: str, total: int) -> None:
        del stage, total

    def advance(self, stage: str, n: int = 1) -> None:
        del stage, n

    def finish(self, stage: str) -> None:
        del stage

    def note(self, message: str) -> None:
        del message
