"""meta/stats.json: what a build planned, generated, kept and dropped, and why.

Built from typed parts: the scans' done markers (`ScanMarker`, merged by `ScanTotals`), each
validator stage's `StageCounts`, the balance plan's shortfalls and meaning notes, and the shards the
writers made. Every mapping is sorted and the file is written with sorted keys, so it is byte-stable.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ladderdata.config import FamiliesConfig
from ladderdata.pipeline.plan import ScanPlan
from ladderdata.pipeline.state import ScanMarker
from ladderdata.records import Family
from ladderdata.validators.balance import BalancePlan
from ladderdata.validators.base import StageCounts
from ladderdata.writers.info import SPATIAL_FAMILIES
from ladderdata.writers.parquet import ShardInfo

FAULT_UNITS = {"scans": "scans_skipped_", "frames": "frames_skipped_", "objects": "objects_skipped_"}
"""Fault unit -> prefix of its scene-stats keys (`frames_skipped_bad_depth` -> frames / bad_depth)."""


@dataclass
class ScanTotals:
    """The done markers of a build's planned scans, merged."""

    generated: int = 0
    skipped: int = 0
    reused: int = 0
    """Finished scans whose cached scene record was reused."""
    emitted: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    refused: defaultdict[str, defaultdict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    scene_stats: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    """Skipped scans per problem (`scan_reason` of their error)."""

    @classmethod
    def merge(cls, markers: Iterable[ScanMarker]) -> ScanTotals:
        """Add up the generators' counts of every finished scan and the reasons of the skipped ones."""
        totals = cls()
        for marker in markers:
            if not marker.ok:
                totals.skipped += 1
                totals.skip_reasons[scan_reason(marker.error or "")] += 1
                continue
            totals.generated += 1
            totals.reused += marker.scene_reused
            for fam, per_type in marker.emitted.items():
                totals.emitted[fam].update(per_type)
            for fam, per_type in marker.refused.items():
                for qt, reasons in per_type.items():
                    totals.refused[fam][qt].update(reasons)
            totals.scene_stats.update(marker.scene_stats)
        return totals

    def generation(self) -> dict[str, Any]:
        """The `generation` section: samples emitted and candidates refused per family and type."""
        return {
            "emitted": {f: dict(sorted(c.items())) for f, c in sorted(self.emitted.items())},
            "refused": {
                f: {qt: dict(sorted(r.items())) for qt, r in sorted(per.items())}
                for f, per in sorted(self.refused.items())
            },
            "scene_stats": dict(sorted(self.scene_stats.items())),
        }

    def faults(self) -> dict[str, dict[str, int]]:
        """What the inputs' faults cost, per unit and reason: frames and objects from the scene stats,
        scans from the skipped scans' errors."""
        out: dict[str, dict[str, int]] = {}
        for unit, prefix in FAULT_UNITS.items():
            reasons = {
                k.removeprefix(prefix): n for k, n in self.scene_stats.items() if k.startswith(prefix) and n
            }
            if reasons:
                out[unit] = dict(sorted(reasons.items()))
        if self.skip_reasons:
            out["scans"] = dict(sorted(self.skip_reasons.items()))
        return out


def scan_reason(error: str) -> str:
    """`<path>: <problem>; <fix>` -> `<problem>` without counts in parentheses (groups alike errors)."""
    problem = error.split(": ", 1)[-1].split(";", 1)[0]
    return problem.split(" (", 1)[0].split(": ", 1)[0].strip() or "source error"


@dataclass
class BuildStats:
    """Everything meta/stats.json records; `to_json()` is the file's content."""

    plan: ScanPlan
    scans: ScanTotals
    stages: dict[str, StageCounts]
    """Stage name -> counts, in build order (the row stages, then balance)."""
    balance: BalancePlan
    families: FamiliesConfig
    written: list[Family]
    kept: dict[Family, dict[str, int]]
    """Rows written per family and question type."""
    shards: dict[Family, list[ShardInfo]]
    dropped_files: dict[str, int]
    """`_dropped/<stage>.jsonl` -> rows."""
    letters: dict[str, dict[str, int]]
    meanings: dict[str, Any]
    media: dict[str, Any]
    """What `write_media` reports (policy, images, bytes, ...)."""
    rows_per_shard: int
    max_buffered_rows: int
    coldstart: dict[str, Any] | None = None

    def excluded(self) -> dict[str, int]:
        """Scans left out per exclusion list."""
        return dict(sorted(Counter(name for _src, name in self.plan.excluded.values()).items()))

    def stage_json(self) -> dict[str, dict[str, Any]]:
        """Per stage: kept, dropped per reason; decontamination also counts the scans it excluded."""
        out = {name: counts.to_dict() for name, counts in self.stages.items()}
        if "decontam" in out:
            out["decontam"]["scans_dropped"] = self.excluded()
        return out

    def rows(self) -> dict[str, int]:
        """Rows written: the grounding and spatial totals, then per family."""
        per_family = {f.value: sum(s.rows for s in self.shards.get(f, [])) for f in self.written}
        return {
            "grounding": per_family.get(Family.localization.value, 0),
            "spatial": sum(per_family.get(f.value, 0) for f in SPATIAL_FAMILIES),
            **per_family,
        }

    def to_json(self) -> dict[str, Any]:
        """The content of meta/stats.json."""
        plan = self.plan
        stats: dict[str, Any] = {
            "scans": {
                "listed": dict(sorted(plan.listed.items())),
                "excluded": self.excluded(),
                "limited_out": plan.limited_out,
                "unlisted": len(plan.unlisted),
                "planned": len(plan.scans),
                "generated": self.scans.generated,
                "skipped": self.scans.skipped,
            },
            "generation": self.scans.generation(),
            "faults": self.scans.faults(),
            "stages": self.stage_json(),
            "dropped_files": dict(sorted(self.dropped_files.items())),
            "quotas": {
                f.value: {qt.value: n for qt, n in self.families.get(f).quotas.items()} for f in self.written
            },
            "kept": {f.value: self.kept.get(f, {}) for f in self.written},
            "shortfalls": [s.to_dict() for s in self.balance.shortfalls],
            "rows": self.rows(),
            "letters": self.letters,
            "meanings": self.meanings,
            "meaning_notes": [n.to_dict() for n in self.balance.meaning_notes],
            "media": {k: self.media[k] for k in ("policy", "images", "bytes")},
            "writer": {"rows_per_shard": self.rows_per_shard, "max_buffered_rows": self.max_buffered_rows},
        }
        if self.coldstart is not None:
            stats["coldstart"] = self.coldstart
        return stats
