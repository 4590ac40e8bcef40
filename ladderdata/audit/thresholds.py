"""Balance thresholds the audit checks, read from the build's manifest with documented defaults.

| threshold | default | meaning |
|---|---|---|
| `letter_tolerance` | 0.03 | each MCQ answer letter's share within +-0.03 of uniform, per question type |
| `max_numeric_value_share` | 0.20 | no single numeric answer value above 20% of its question type |
| `max_scan_share` | 0.05 | no scan above 5% of a family's rows |
| `blind_margin` | 0.10 | the answer prior may beat chance, and the text model the category (world) prior, by at most 0.10 (accuracy, or mean relative accuracy for numeric types); `audit.blind_margins` sets it per question type |

The defaults are those of `reference/question-rules.md` (letters +-3%, value share 20%); the per-scan and
blind margins are ours. A value in the manifest's resolved config (`config` of meta/manifest.json) wins
wherever it sits (e.g. `balance.letter_tolerance`; accepted names in `MANIFEST_KEYS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderdata.audit.tables import config_root

DEFAULTS: dict[str, float] = {
    "letter_tolerance": 0.03,
    "max_numeric_value_share": 0.20,
    "max_scan_share": 0.05,
    "blind_margin": 0.10,
}

MANIFEST_KEYS: dict[str, tuple[str, ...]] = {
    "letter_tolerance": ("letter_tolerance", "letter_share_tolerance", "mcq_letter_tolerance"),
    "max_numeric_value_share": ("max_numeric_value_share", "max_value_share", "numeric_max_value_share"),
    "max_scan_share": ("max_scan_share", "max_per_scan_share", "per_scan_share"),
    "blind_margin": ("blind_margin", "blind_baseline_margin"),
}
"""Manifest key names accepted for each threshold (searched anywhere in the resolved manifest)."""


@dataclass(frozen=True)
class Threshold:
    """One threshold value and where it came from (`manifest:<key path>` or `default`)."""

    name: str
    value: float
    source: str


def _find(obj: Any, names: tuple[str, ...], path: str = "") -> tuple[str, float] | None:
    """Breadth-first search for the first numeric value stored under one of `names`."""
    queue: list[tuple[str, Any]] = [(path, obj)]
    while queue:
        prefix, node = queue.pop(0)
        if isinstance(node, dict):
            for key in sorted(node, key=str):
                value = node[key]
                here = f"{prefix}.{key}" if prefix else str(key)
                if key in names and isinstance(value, int | float) and not isinstance(value, bool):
                    return here, float(value)
                if isinstance(value, dict):
                    queue.append((here, value))
    return None


def resolve_thresholds(manifest: dict[str, Any] | None) -> dict[str, Threshold]:
    """Thresholds for the audit: the manifest's values where present, else the documented defaults."""
    out: dict[str, Threshold] = {}
    for name, default in DEFAULTS.items():
        found = _find(config_root(manifest), MANIFEST_KEYS[name])
        if found is None:
            out[name] = Threshold(name, default, "default")
        else:
            out[name] = Threshold(name, found[1], f"manifest:{found[0]}")
    return out


def blind_margins(manifest: dict[str, Any] | None) -> dict[str, float]:
    """Per-type blind margins: `audit.blind_margins` of the resolved manifest (question type -> margin)."""
    audit = config_root(manifest).get("audit")
    found = audit.get("blind_margins") if isinstance(audit, dict) else None
    if not isinstance(found, dict):
        return {}
    return {
        str(k): float(v) for k, v in found.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
