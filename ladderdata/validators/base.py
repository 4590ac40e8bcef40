"""Validator building blocks: per-stage counters and the row-validator interface.

A row validator looks at one sample at a time (`check` returns a drop reason or None) so the build can
stream; the balance validator works on the set of surviving candidates (see balance.py). Every stage
counts kept rows and dropped rows per reason; the build writes these counts to meta/stats.json and the
dropped rows themselves to `_dropped/<stage>.jsonl`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from ladderdata.records import QASample


@dataclass
class StageCounts:
    """Kept and dropped rows of one stage, dropped split by reason."""

    stage: str
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def keep(self, n: int = 1) -> None:
        """Count `n` kept rows."""
        self.kept += n

    def drop(self, reason: str, n: int = 1) -> None:
        """Count `n` rows dropped for `reason`."""
        self.dropped[reason] += n

    @property
    def dropped_total(self) -> int:
        """Rows dropped for any reason."""
        return sum(self.dropped.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON form for meta/stats.json (reasons sorted, so the file is byte-stable)."""
        return {
            "kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
            "dropped_total": self.dropped_total,
        }


class RowValidator(ABC):
    """A streaming validator: `check(sample)` returns None to keep the row or a short drop reason.

    Calling the validator (`validator(sample)`) runs `check` and updates `counts`.
    """

    stage: ClassVar[str]

    def __init__(self) -> None:
        self.counts = StageCounts(self.stage)

    @classmethod
    def for_build(cls, exclusions: Mapping[str, frozenset[str]]) -> Self:
        """The validator a build runs; `exclusions` (list name -> scene ids) is what decontamination needs."""
        return cls()

    @abstractmethod
    def check(self, sample: QASample) -> str | None:
        """Drop reason (snake_case, optionally `reason:detail`) or None to keep the sample."""

    def __call__(self, sample: QASample) -> str | None:
        reason = self.check(sample)
        if reason is None:
            self.counts.keep()
        else:
            self.counts.drop(reason)
        return reason
