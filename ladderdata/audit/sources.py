"""Rows per source of a mixed build (ScanNet, ScanNet++, ARKitScenes, ...) with each source's licence."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ladderdata.audit.tables import config_root


@dataclass
class SourceRow:
    """One source: rows per family, scans and the licence its manifest entry names."""

    source: str
    rows: int
    scans: int
    families: dict[str, int] = field(default_factory=dict)
    licence: str = ""
    licensed: bool | None = None


def source_table(rows: list[dict[str, Any]], manifest: dict[str, Any] | None) -> list[SourceRow]:
    """One SourceRow per value of the rows' `source` column, in manifest order (none for rows without one,
    e.g. a published JSONL file)."""
    per_family: dict[str, Counter[str]] = defaultdict(Counter)
    scans: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        source = row.get("source")
        if not source:
            continue
        per_family[source][str(row.get("family", "?"))] += 1
        scans[source].add(str(row.get("scene_id", "")))
    configured = config_root(manifest).get("sources") or []
    licences: dict[str, tuple[str, bool | None]] = {}
    order: list[str] = []
    for entry in configured:
        if not isinstance(entry, dict):
            continue
        licence = entry.get("licence") or {}
        info = (str(licence.get("name", "")) if isinstance(licence, dict) else "", entry.get("licensed"))
        for key in (entry.get("kind"), entry.get("name")):  # rows carry the source kind
            if key and key not in licences:
                licences[key] = info
                order.append(key)
    ranked = sorted(per_family, key=lambda s: (order.index(s) if s in order else len(order), s))
    return [
        SourceRow(
            source=s,
            rows=sum(per_family[s].values()),
            scans=len(scans[s]),
            families=dict(sorted(per_family[s].items())),
            licence=licences.get(s, ("", None))[0],
            licensed=licences.get(s, ("", None))[1],
        )
        for s in ranked
    ]
