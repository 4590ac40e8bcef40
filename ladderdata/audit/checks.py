"""Skew checks: compare the audit tables with the thresholds; one violation per broken threshold cell.

Each violation names its threshold first (`letter_tolerance: relative direction (4 options): answer letter
A is 24/24 = 1.000 vs uniform 0.250 (...)`), which is the line `ladderdata audit --fail-on-skew` prints.
Letter and value checks use the groups and integer slack of the build's balance validator
(ladderdata/validators/balance.py), so a build that passed its own verification passes them here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from ladderdata.audit.blind import BlindResult
from ladderdata.audit.tables import TYPE_ORDER, LetterGroup, NumericRow, ScanRow, canonical_order, config_root
from ladderdata.audit.thresholds import Threshold


@dataclass
class Violation:
    """One threshold broken by one question type, family or scan."""

    threshold: str
    subject: str
    value: float
    limit: float
    message: str

    @property
    def line(self) -> str:
        """`<threshold>: <message>` (one line)."""
        return f"{self.threshold}: {self.message}"


def per_scan_caps(manifest: dict[str, Any] | None) -> dict[str, int]:
    """family -> `families.<family>.per_scan_cap` of the resolved manifest (rows per scan per type)."""
    out: dict[str, int] = {}

    def visit(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "families" and isinstance(value, dict):
                for family, cfg in value.items():
                    if isinstance(cfg, dict) and cfg.get("enabled", True) is not False:
                        cap = cfg.get("per_scan_cap")
                        if isinstance(cap, int) and not isinstance(cap, bool):
                            out[family] = cap
            else:
                visit(value)

    visit(config_root(manifest))
    return out


def check_skew(
    *,
    thresholds: dict[str, Threshold],
    letters: list[LetterGroup],
    numeric: list[NumericRow],
    scans: list[ScanRow],
    blind: list[BlindResult] | None,
    rows: list[dict[str, Any]],
    caps: dict[str, int],
) -> list[Violation]:
    """Every violated threshold, in a stable order (letters, values, scans, caps, blind)."""
    out: list[Violation] = []
    tol = thresholds["letter_tolerance"].value
    for g in letters:
        # as the build's balance validator: off uniform by at most tolerance x rows, or by one row per
        # subtype when that is larger (integer counts of a small group cannot do better)
        allowed = max(tol * g.rows, float(max(1, g.subtypes)))
        expected = g.rows / g.options
        for letter, c in g.counts.items():
            if abs(c - expected) > allowed + 1e-9:
                out.append(
                    Violation(
                        "letter_tolerance",
                        f"{g.question_type}/{g.options}/{letter}",
                        c / g.rows,
                        tol,
                        f"{g.question_type} ({g.options} options): answer letter {letter} is {c}/{g.rows} = "
                        f"{c / g.rows:.3f} vs uniform {1 / g.options:.3f} (tolerance {tol:.3f}: "
                        f"+-{allowed:g} rows allowed)",
                    )
                )
    max_value = thresholds["max_numeric_value_share"].value
    for row in numeric:
        # as the balance validator: a value may hold floor(share x rows) rows, at least one
        limit = max(1, math.floor(max_value * row.rows + 1e-9))
        if row.rows and row.top_count > limit:
            out.append(
                Violation(
                    "max_numeric_value_share",
                    f"{row.family}/{row.question_type}",
                    row.top_share,
                    max_value,
                    f"{row.family} {row.question_type}: answer {row.top_value:g} is {row.top_count}/{row.rows} "
                    f"= {row.top_share:.3f} (limit {max_value:.3f}: at most {limit} rows)",
                )
            )
    max_scan = thresholds["max_scan_share"].value
    for row in scans:
        if row.family != "all" and row.rows and row.max_share > max_scan + 1e-12:
            top = row.top[0]
            out.append(
                Violation(
                    "max_scan_share",
                    row.family,
                    row.max_share,
                    max_scan,
                    f"{row.family}: scan {top.scan_id} holds {row.max_share:.3f} of {row.rows} rows "
                    f"(limit {max_scan:.3f}; {row.scans} scans)",
                )
            )
    if caps:
        per_cell: Counter[tuple[str, str, str]] = Counter(
            (r["family"], r["question_type"], r["scene_id"]) for r in rows
        )
        worst: dict[tuple[str, str], tuple[int, str]] = defaultdict(lambda: (0, ""))
        for (family, qt, scan), n in per_cell.items():
            if n > worst[(family, qt)][0] or (n == worst[(family, qt)][0] and scan < worst[(family, qt)][1]):
                worst[(family, qt)] = (n, scan)
        types = canonical_order({qt for _, qt in worst}, TYPE_ORDER)
        for family, qt in sorted(worst, key=lambda k: (k[0], types.index(k[1]))):
            n, scan = worst[(family, qt)]
            cap = caps.get(family)
            if cap is not None and n > cap:
                out.append(
                    Violation(
                        "per_scan_cap",
                        f"{family}/{qt}",
                        n,
                        cap,
                        f"{family} {qt}: scan {scan} has {n} rows (manifest cap {cap} per scan and type)",
                    )
                )
    for res in blind or []:
        if res.flagged:
            if res.answer_skew >= res.text_skew:
                what = (
                    f"the answer prior (most frequent {'letter' if res.kind == 'mcq' else 'value'}) "
                    f"scores {res.frequency_prior:.3f} {res.metric} vs chance {res.chance:.3f}"
                )
            else:
                what = (
                    f"{res.text_model:.3f} {res.metric} vs {max(res.chance, res.category_prior):.3f} for "
                    f"chance or the named categories alone (world prior {res.category_prior:.3f})"
                )
            out.append(
                Violation(
                    "blind_margin",
                    res.question_type,
                    res.skew,
                    res.margin,
                    f"{res.question_type}: a blind text-only baseline scores {what} "
                    f"(+{res.skew:.3f} > margin {res.margin:.3f}, {res.rows} rows, folds {res.folds})",
                )
            )
    return out
