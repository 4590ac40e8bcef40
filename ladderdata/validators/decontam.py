"""Benchmark decontamination: no sample of a training build may come from a scan on an exclusion list.

Two levels:
- scan level (before any work): `partition_scans` removes listed scans from a source discovered with
  `scans: all`, and `refuse_intersection` refuses a build whose explicit training scan list names a
  listed scan (that is a wrong recipe, not something to clean up silently);
- row level: `DecontamValidator` drops any sample whose scene is listed (a second line of defence, e.g.
  for spools produced before an exclusion list was added), and `verify_clean` is the final assertion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ladderdata.errors import ValidationError
from ladderdata.records import QASample
from ladderdata.validators.base import RowValidator


def _lists_naming(scan_id: str, exclusions: Mapping[str, frozenset[str]]) -> list[str]:
    return sorted(name for name, ids in exclusions.items() if scan_id in ids)


def partition_scans(
    scan_ids: Iterable[str], exclusions: Mapping[str, frozenset[str]]
) -> tuple[list[str], dict[str, str]]:
    """Split scans into (kept, excluded scan -> first list naming it), keeping the input order."""
    kept: list[str] = []
    excluded: dict[str, str] = {}
    for scan_id in scan_ids:
        names = _lists_naming(scan_id, exclusions)
        if names:
            excluded[scan_id] = names[0]
        else:
            kept.append(scan_id)
    return kept, excluded


def refuse_intersection(
    where: str, scan_ids: Iterable[str], exclusions: Mapping[str, frozenset[str]]
) -> None:
    """Raise when an explicit training scan list shares scans with an exclusion list."""
    scan_set = set(scan_ids)
    problems = []
    for name, ids in sorted(exclusions.items()):
        common = sorted(scan_set & ids)
        if common:
            shown = ", ".join(common[:3]) + (", ..." if len(common) > 3 else "")
            problems.append(f"{len(common)} scan(s) on exclusion list {name} ({shown})")
    if problems:
        raise ValidationError(
            f"{where}: training scans intersect benchmark exclusion lists: {'; '.join(problems)}; "
            "remove them from the scan list (benchmark scans must never be trained on)"
        )


class DecontamValidator(RowValidator):
    """Drops samples whose scene is on an exclusion list (reason `excluded:<list name>`)."""

    stage = "decontam"

    def __init__(self, exclusions: Mapping[str, frozenset[str]]) -> None:
        super().__init__()
        self.exclusions = dict(exclusions)

    @classmethod
    def for_build(cls, exclusions: Mapping[str, frozenset[str]]) -> DecontamValidator:
        return cls(exclusions)

    def check(self, sample: QASample) -> str | None:
        names = _lists_naming(sample.scene_id, self.exclusions)
        return f"excluded:{names[0]}" if names else None


def verify_clean(scene_ids: Iterable[str], exclusions: Mapping[str, frozenset[str]]) -> None:
    """Final check over the written rows' scenes; raises when any is on an exclusion list."""
    bad = sorted({s for s in scene_ids if _lists_naming(s, exclusions)})
    if bad:
        raise ValidationError(
            f"build output contains {len(bad)} excluded scan(s) ({', '.join(bad[:3])}); this is a bug: "
            "report it, and do not publish this build"
        )
