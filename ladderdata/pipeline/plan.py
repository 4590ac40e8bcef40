"""The scans a build covers: what `run.plan_scans` decided, and what it left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScanPlan:
    """The scans of a build after exclusion and `--limit-scans`, sorted by scan id."""

    scans: list[tuple[str, str]]
    """(scan id, source name), sorted by scan id."""
    excluded: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Excluded scan -> (source name, exclusion list)."""
    listed: dict[str, int] = field(default_factory=dict)
    """Scans each source listed (before exclusion and limit)."""
    limited_out: int = 0
    unlisted: dict[str, str] = field(default_factory=dict)
    """Folders a source could not list as scans (unsafe names) -> reason."""
