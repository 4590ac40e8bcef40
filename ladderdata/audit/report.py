"""The audit as one object: load the input, compute every table, the blind check and the violations.

`run_audit(path)` is what the CLI calls; `AuditReport.to_json()` is the `--json` document (every table's
numbers, the thresholds with their source, and the violations).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.audit.blind import BlindResult, blind_baseline, category_vocabulary
from ladderdata.audit.checks import Violation, check_skew, per_scan_caps
from ladderdata.audit.load import AuditInput, load_audit_input
from ladderdata.audit.meanings import (
    MeaningPrior,
    MeaningRow,
    check_meanings,
    meaning_prior,
    meaning_table,
    prior_violations,
)
from ladderdata.audit.sources import SourceRow, source_table
from ladderdata.audit.tables import (
    CountRow,
    DropRow,
    KeptRow,
    LabelRow,
    LetterRow,
    NumericRow,
    ScanRow,
    ShortfallRow,
    count_table,
    label_table,
    letter_groups,
    letter_table,
    numeric_table,
    quotas_from_manifest,
    scan_table,
    stats_tables,
)
from ladderdata.audit.thresholds import Threshold, blind_margins, resolve_thresholds


@dataclass
class AuditReport:
    """All numbers of one audit."""

    data: AuditInput
    thresholds: dict[str, Threshold]
    counts: list[CountRow]
    letters: list[LetterRow]
    labels: list[LabelRow]
    numeric: list[NumericRow]
    scans: list[ScanRow]
    kept: list[KeptRow]
    dropped: list[DropRow]
    shortfalls: list[ShortfallRow]
    blind: list[BlindResult] | None
    violations: list[Violation] = field(default_factory=list)
    caps: dict[str, int] = field(default_factory=dict)
    meanings: list[MeaningRow] = field(default_factory=list)
    """Answer-meaning shares of fixed-option types (audit/meanings.py)."""
    meaning_prior: list[MeaningPrior] | None = None
    """The blind answer-meaning prior (None when the blind check is off)."""
    sources: list[SourceRow] = field(default_factory=list)
    """Rows per source and licence (audit/sources.py; shown for builds from more than one source)."""

    def violated(self, threshold: str) -> set[str]:
        """Subjects of one threshold's violations, plus their leading parts (`relative direction/4/A`
        also yields `relative direction`), so a table row can tell whether it broke the threshold."""
        out: set[str] = set()
        for v in self.violations:
            if v.threshold == threshold:
                parts = v.subject.split("/")
                out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (NaN becomes null)."""
        doc = {
            "input": {
                "path": str(self.data.path),
                "kind": self.data.kind,
                "media_policy": self.data.media_policy,
                "files": [str(p) for p in self.data.files],
                "grounding_rows": len(self.data.grounding),
                "spatial_rows": len(self.data.spatial),
            },
            "thresholds": {k: asdict(v) for k, v in self.thresholds.items()},
            "per_scan_caps": self.caps,
            "counts": [asdict(r) for r in self.counts],
            "letters": [asdict(r) for r in self.letters],
            "labels": [asdict(r) for r in self.labels],
            "numeric": [asdict(r) for r in self.numeric],
            "scans": [asdict(r) for r in self.scans],
            "kept": [asdict(r) for r in self.kept],
            "dropped": [asdict(r) for r in self.dropped],
            "shortfalls": [asdict(r) for r in self.shortfalls],
            "blind": None if self.blind is None else [asdict(r) for r in self.blind],
            "meanings": [asdict(r) for r in self.meanings],
            "meaning_prior": None if self.meaning_prior is None else [asdict(r) for r in self.meaning_prior],
            "violations": [{**asdict(v), "line": v.line} for v in self.violations],
        }
        if len(self.sources) > 1:
            doc["sources"] = [asdict(r) for r in self.sources]
        return _nan_to_none(doc)


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_to_none(v) for v in obj]
    return obj


def run_audit(
    path: str | Path,
    *,
    blind: bool = True,
    blind_min_rows: int = 30,
    blind_max_rows: int = 3000,
    seed: int = 0,
) -> AuditReport:
    """Audit a build directory or a published JSONL file."""
    data = load_audit_input(path)
    return audit_input(
        data, blind=blind, blind_min_rows=blind_min_rows, blind_max_rows=blind_max_rows, seed=seed
    )


def audit_input(
    data: AuditInput,
    *,
    blind: bool = True,
    blind_min_rows: int = 30,
    blind_max_rows: int = 3000,
    seed: int = 0,
) -> AuditReport:
    """Compute every table of an already-loaded input."""
    thresholds = resolve_thresholds(data.manifest)
    rows = data.rows
    counts = count_table(rows, quotas_from_manifest(data.manifest))
    letters = letter_table(data.spatial)
    labels = label_table(data.spatial)
    numeric = numeric_table(data.spatial)
    scans = scan_table(rows)
    kept, dropped, shortfalls = stats_tables(data.stats)
    blind_results = (
        blind_baseline(
            data.spatial,
            thresholds["blind_margin"].value,
            margins=blind_margins(data.manifest),
            categories=category_vocabulary(rows),
            min_rows=blind_min_rows,
            max_rows=blind_max_rows,
            seed=seed,
        )
        if blind
        else None
    )
    caps = per_scan_caps(data.manifest)
    tolerance = thresholds["letter_tolerance"].value
    meanings = meaning_table(data.spatial, tolerance)
    prior = (
        meaning_prior(data.spatial, thresholds["blind_margin"].value, min_rows=blind_min_rows, seed=seed)
        if blind
        else None
    )
    violations = check_skew(
        thresholds=thresholds,
        letters=letter_groups(data.spatial),
        numeric=numeric,
        scans=scans,
        blind=blind_results,
        rows=rows,
        caps=caps,
    )
    violations += check_meanings(meanings, tolerance) + prior_violations(prior or [])
    return AuditReport(
        data=data,
        thresholds=thresholds,
        counts=counts,
        letters=letters,
        labels=labels,
        numeric=numeric,
        scans=scans,
        kept=kept,
        dropped=dropped,
        shortfalls=shortfalls,
        blind=blind_results,
        violations=violations,
        caps=caps,
        meanings=meanings,
        meaning_prior=prior,
        sources=source_table(rows, data.manifest),
    )
