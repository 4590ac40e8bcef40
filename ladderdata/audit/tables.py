"""Balance tables computed from the rows: counts vs quotas, letter/label shares, numeric answers, scans.

Every function takes the normalised rows of `ladderdata.audit.load` and returns plain dataclasses that
serialise to JSON (`dataclasses.asdict`); rendering lives in `terminal.py`, `plots.py` and `html.py`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ladderdata.answer_format import answer_letter, parse_number, parse_options
from ladderdata.records import FAMILY_ORDER, QuestionType

FAMILY_NAMES = [f.value for f in FAMILY_ORDER]
"""Family names in the one family order (`records.FAMILY_ORDER`)."""
TYPE_ORDER = [qt.value for qt in QuestionType]


def canonical_order(values: Iterable[str], order: list[str]) -> list[str]:
    """Known values in canonical order, then unknown ones alphabetically."""
    values = set(values)
    return [v for v in order if v in values] + sorted(values - set(order))


def is_mcq_row(row: dict[str, Any]) -> bool:
    """A spatial row is multiple-choice when it has options (numeric-as-MCQ variants included)."""
    return bool(row.get("options"))


# --------------------------------------------------------------------------- quotas


def config_root(manifest: dict[str, Any] | None) -> dict[str, Any]:
    """The resolved build config inside meta/manifest.json (its `config` key), else the whole mapping.

    The manifest also keeps the raw recipe the user wrote; the resolved config is what the build ran
    with (CLI overrides applied), so quotas, caps and thresholds are read from there.
    """
    manifest = manifest or {}
    config = manifest.get("config")
    return config if isinstance(config, dict) else manifest


def _quota_type(key: str) -> str:
    try:
        return QuestionType.from_slug(str(key)).value
    except ValueError:
        return str(key)


def quotas_from_manifest(manifest: dict[str, Any] | None) -> dict[tuple[str, str], int]:
    """(family, question_type) -> quota from the resolved manifest.

    Accepted shapes: `quotas: {family: {question_type: n}}` at any depth, and
    `<family>: {..., quotas: {question_type: n}}` (question types as slugs or published strings).
    """
    out: dict[tuple[str, str], int] = {}
    families = set(FAMILY_NAMES)
    manifest = config_root(manifest)

    def visit(node: Any, family: str | None) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "quotas" and isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(v, dict) and k in families:
                        for qt, n in v.items():
                            if isinstance(n, int) and not isinstance(n, bool):
                                out[(k, _quota_type(qt))] = n
                    elif isinstance(v, int) and not isinstance(v, bool) and family is not None:
                        out[(family, _quota_type(k))] = v
            elif key in families and isinstance(value, dict) and value.get("enabled") is False:
                continue  # a disabled family has no quota to meet
            else:
                visit(value, key if key in families else family)

    visit(manifest or {}, None)
    return out


# --------------------------------------------------------------------------- counts


@dataclass
class CountRow:
    """Rows of one family x question type x data type, and the manifest quota for family x type."""

    family: str
    question_type: str
    data_type: str
    rows: int
    quota: int | None
    share_of_family: float


def count_table(rows: list[dict[str, Any]], quotas: dict[tuple[str, str], int]) -> list[CountRow]:
    """Counts per family x question_type x data_type, with quotas (also for cells that got no rows)."""
    counts = Counter((r["family"], r["question_type"], r["data_type"]) for r in rows)
    per_family = Counter(r["family"] for r in rows)
    seen_ft = {(f, q) for f, q, _ in counts}
    keys = list(counts)
    for family, qt in quotas:
        if (family, qt) not in seen_ft:  # a quota the build did not fill at all
            # grounding rows are single-image rows; every other family is its own data type
            keys.append((family, qt, "single_image" if family == "localization" else family))
    fam_rank = {f: i for i, f in enumerate(canonical_order({k[0] for k in keys}, FAMILY_NAMES))}
    type_rank = {t: i for i, t in enumerate(canonical_order({k[1] for k in keys}, TYPE_ORDER))}
    keys.sort(key=lambda k: (fam_rank[k[0]], type_rank[k[1]], k[2]))
    out = []
    for family, qt, dt in keys:
        n = counts.get((family, qt, dt), 0)
        total = per_family.get(family, 0)
        out.append(CountRow(family, qt, dt, n, quotas.get((family, qt)), n / total if total else 0.0))
    return out


# --------------------------------------------------------------------------- MCQ letters and labels


@dataclass
class LetterShare:
    """One answer letter: rows answered with it, their share and the share a uniform placement gives."""

    letter: str
    count: int
    share: float
    expected: float


@dataclass
class LetterRow:
    """Answer-letter shares of one MCQ question type."""

    question_type: str
    rows: int
    invalid: int  # answer is not one of the row's option letters
    letters: list[LetterShare]
    max_deviation: float


@dataclass
class LabelShare:
    """One answer label (the option text of the answer letter)."""

    label: str
    count: int
    share: float


@dataclass
class LabelRow:
    """Answer-label shares of one MCQ question type (all labels, most frequent first)."""

    question_type: str
    rows: int
    distinct: int
    labels: list[LabelShare]


def _mcq_rows_by_type(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["question_type"] != "localization" and is_mcq_row(r):
            by_type[r["question_type"]].append(r)
    return {qt: by_type[qt] for qt in canonical_order(by_type, TYPE_ORDER)}


def letter_table(rows: list[dict[str, Any]]) -> list[LetterRow]:
    """Answer-letter shares per MCQ question type.

    The uniform expectation accounts for rows with fewer options (easy/medium direction questions): a
    letter's expected share is the mean over rows of 1/len(options) where the row offers that letter.
    """
    out = []
    for qt, group in _mcq_rows_by_type(rows).items():
        counts: Counter[str] = Counter()
        parts: defaultdict[str, list[float]] = defaultdict(list)
        invalid = 0
        for r in group:
            letters = parse_options(r["options"])
            for letter in letters:
                parts[letter].append(1.0 / len(letters))
            a = answer_letter(r["answer"])
            if a in letters:
                counts[a] += 1
            else:
                invalid += 1
        n = len(group)
        # fsum: the exactly rounded sum, so the shares do not depend on the order rows were read in
        expected = {letter: math.fsum(p) for letter, p in parts.items()}
        shares = [
            LetterShare(letter, counts[letter], counts[letter] / n, expected.get(letter, 0.0) / n)
            for letter in sorted(set(expected) | set(counts))
        ]
        dev = max((abs(s.share - s.expected) for s in shares), default=0.0)
        out.append(LetterRow(qt, n, invalid, shares, dev))
    return out


@dataclass
class LetterGroup:
    """Answer-letter counts of the MCQ rows of one question type with one number of options.

    This is the group the build's balance validator balances; `subtypes` is how many difficulty
    subtypes it holds (each balanced separately may leave one extra row on a letter).
    """

    question_type: str
    options: int
    rows: int
    subtypes: int
    counts: dict[str, int]


def letter_groups(rows: list[dict[str, Any]]) -> list[LetterGroup]:
    """MCQ rows grouped by (question type, number of options), letters counted (invalid answers left out)."""
    out = []
    for qt, group in _mcq_rows_by_type(rows).items():
        by_k: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in group:
            by_k[len(r["options"])].append(r)
        for k in sorted(by_k):
            counts: Counter[str] = Counter()
            for r in by_k[k]:
                a = answer_letter(r["answer"])
                if a in parse_options(r["options"]):
                    counts[a] += 1
            subtypes = len({r.get("subtype") for r in by_k[k]})
            letters = [chr(ord("A") + i) for i in range(k)]
            out.append(LetterGroup(qt, k, len(by_k[k]), subtypes, {x: counts.get(x, 0) for x in letters}))
    return out


def answer_label(row: dict[str, Any]) -> str | None:
    """Option text of the row's answer letter (None when the answer is not an offered letter)."""
    return parse_options(row.get("options")).get(answer_letter(row["answer"]))


def label_table(rows: list[dict[str, Any]]) -> list[LabelRow]:
    """Answer-label shares per MCQ question type."""
    out = []
    for qt, group in _mcq_rows_by_type(rows).items():
        labels = Counter(answer_label(r) for r in group)
        labels.pop(None, None)
        n = len(group)
        ordered = sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(LabelRow(qt, n, len(labels), [LabelShare(k, v, v / n) for k, v in ordered]))
    return out


# --------------------------------------------------------------------------- numeric answers


@dataclass
class NumericRow:
    """Numeric answers of one family x question type: spread, most frequent value and a histogram."""

    family: str
    question_type: str
    rows: int
    invalid: int
    min: float | None
    median: float | None
    max: float | None
    distinct: int
    top_value: float | None
    top_count: int
    top_share: float
    hist_edges: list[float] = field(default_factory=list)
    hist_counts: list[int] = field(default_factory=list)


def histogram(values: list[float], max_bins: int = 20) -> tuple[list[float], list[int]]:
    """Integer-width bins for small integer ranges (counts), else `max_bins` equal-width bins."""
    if not values:
        return [], []
    arr = np.asarray(values, dtype=np.float64)
    lo, hi = float(arr.min()), float(arr.max())
    if np.all(arr == np.round(arr)) and hi - lo <= 30:
        edges = np.arange(lo - 0.5, hi + 1.5, 1.0)
    elif lo == hi:
        edges = np.array([lo - 0.5, hi + 0.5])
    else:
        edges = np.linspace(lo, hi, max_bins + 1)
    counts, edges = np.histogram(arr, bins=edges)
    return [float(e) for e in edges], [int(c) for c in counts]


def numeric_table(rows: list[dict[str, Any]]) -> list[NumericRow]:
    """Per family x numeric question type (rows without options): spread and the largest value share.

    Grouped like the build's balance validator caps values (per family and type): a single-image
    distance rounded to 0.01 m and a video distance rounded to 0.1 m are different distributions.
    """
    by_type: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["question_type"] != "localization" and not is_mcq_row(r):
            by_type[(r["family"], r["question_type"])].append(r)
    fam_rank = {f: i for i, f in enumerate(canonical_order({k[0] for k in by_type}, FAMILY_NAMES))}
    type_rank = {t: i for i, t in enumerate(canonical_order({k[1] for k in by_type}, TYPE_ORDER))}
    out = []
    for family, qt in sorted(by_type, key=lambda k: (fam_rank[k[0]], type_rank[k[1]])):
        group = by_type[(family, qt)]
        values = [v for v in (parse_number(r["answer"]) for r in group) if v is not None]
        n = len(group)
        freq = Counter(values)
        top_value, top_count = (None, 0)
        if freq:
            top_value, top_count = min(freq.items(), key=lambda kv: (-kv[1], kv[0]))
        edges, counts = histogram(values)
        out.append(
            NumericRow(
                family=family,
                question_type=qt,
                rows=n,
                invalid=n - len(values),
                min=min(values) if values else None,
                median=float(np.median(values)) if values else None,
                max=max(values) if values else None,
                distinct=len(freq),
                top_value=top_value,
                top_count=top_count,
                top_share=top_count / n if n else 0.0,
                hist_edges=edges,
                hist_counts=counts,
            )
        )
    return out


# --------------------------------------------------------------------------- scans


@dataclass
class ScanShare:
    """One scan's rows within a family."""

    scan_id: str
    rows: int
    share: float


@dataclass
class ScanRow:
    """Per-scan concentration of one family (and of all rows, family `all`)."""

    family: str
    rows: int
    scans: int
    top5_share: float
    max_share: float
    top: list[ScanShare]  # the 5 largest scans
    shares: list[float] = field(default_factory=list)  # every scan's share, largest first (plots)


def scan_table(rows: list[dict[str, Any]], top_k: int = 5) -> list[ScanRow]:
    """Share of the top `top_k` scans and number of scans per family, plus `all` families together."""
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_family[r["family"]].append(r)
    groups = [(f, by_family[f]) for f in canonical_order(by_family, FAMILY_NAMES)]
    if len(groups) > 1:
        groups.append(("all", rows))
    out = []
    for family, group in groups:
        counts = Counter(r["scene_id"] for r in group)
        n = len(group)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        top = [ScanShare(s, c, c / n) for s, c in ordered[:top_k]]
        out.append(
            ScanRow(
                family=family,
                rows=n,
                scans=len(counts),
                top5_share=sum(t.rows for t in top) / n if n else 0.0,
                max_share=top[0].share if top else 0.0,
                top=top,
                shares=[c / n for _, c in ordered],
            )
        )
    return out


# --------------------------------------------------------------------------- meta/stats.json


@dataclass
class DropRow:
    """Rows a pipeline stage dropped for one reason (from meta/stats.json).

    `scope` narrows the count when the build reports it per family and question type (the generators'
    refusals: `single_image / relative direction`); empty for the validator stages.
    """

    stage: str
    scope: str
    reason: str
    count: int


@dataclass
class KeptRow:
    """Rows a pipeline stage kept (generation: rows emitted) (from meta/stats.json)."""

    stage: str
    count: int


@dataclass
class ShortfallRow:
    """A quota the build could not fill (meta/stats.json `shortfalls`)."""

    family: str
    question_type: str
    quota: int
    selected: int
    available: int


STAGE_ORDER = ["generation", "schema", "answers", "dedup", "decontam", "balance"]
"""Pipeline order of the build's stages (stats.json sorts its keys alphabetically)."""
_CONTAINERS = {"stages", "stats", "by_stage", "per_stage"}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_leaves(node: Any, prefix: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], int]]:
    if isinstance(node, dict):
        for key in sorted(node, key=str):
            yield from _int_leaves(node[key], (*prefix, str(key)))
    elif _is_count(node):
        yield prefix, node


def _generic_stats(stats: dict[str, Any]) -> tuple[list[KeptRow], list[DropRow]]:
    """Fallback for a stats.json without `stages`: counts under any `dropped`/`kept` key."""
    kept: list[KeptRow] = []
    dropped: list[DropRow] = []
    for path, value in _int_leaves(stats):
        parts = [p for p in path if p not in _CONTAINERS]
        if "dropped" in parts:
            i = parts.index("dropped")
            above, below = parts[:i], parts[i + 1 :]
            stage = "/".join(above) or (below[0] if below else "build")
            reason = "/".join(below if above else below[1:]) or "total"
            dropped.append(DropRow(stage, "", reason, value))
        elif "kept" in parts:
            i = parts.index("kept")
            kept.append(KeptRow("/".join(parts[:i]) or "/".join(parts[i + 1 :]) or "build", value))
    return kept, dropped


def stats_tables(stats: dict[str, Any] | None) -> tuple[list[KeptRow], list[DropRow], list[ShortfallRow]]:
    """Kept rows per stage, dropped rows per stage (and family/type) and reason, and quota shortfalls.

    Reads the build's meta/stats.json: `generation.emitted` / `generation.refused` (per family, question
    type and reason), `stages.<stage>.kept` / `.dropped` (per reason, from the validators) and
    `shortfalls`. A stats.json without `stages` is read generically (counts under `dropped`/`kept`).
    """
    if not stats:
        return [], [], []
    if not isinstance(stats.get("stages"), dict):
        kept, dropped = _generic_stats(stats)
        return kept, dropped, []
    kept: list[KeptRow] = []
    dropped: list[DropRow] = []
    generation = stats.get("generation") if isinstance(stats.get("generation"), dict) else {}
    emitted = [n for _, n in _int_leaves(generation.get("emitted", {}))]
    if emitted:
        kept.append(KeptRow("generation (emitted)", sum(emitted)))
    for path, n in _int_leaves(generation.get("refused", {})):
        if n:
            dropped.append(DropRow("generation", " / ".join(path[:-1]), path[-1], n))
    stages = stats["stages"]
    rank = {name: i for i, name in enumerate(STAGE_ORDER)}
    for name in sorted(stages, key=lambda k: (rank.get(k, len(rank)), k)):
        stage = stages[name]
        if not isinstance(stage, dict):
            continue
        if _is_count(stage.get("kept")):
            kept.append(KeptRow(name, stage["kept"]))
        reasons = stage.get("dropped")
        if isinstance(reasons, dict):
            for reason, n in sorted(reasons.items()):
                if _is_count(n) and n:
                    dropped.append(DropRow(name, "", str(reason), n))
        elif _is_count(reasons) and reasons:
            dropped.append(DropRow(name, "", "total", reasons))
    shortfalls = []
    for item in stats.get("shortfalls") or []:
        if isinstance(item, dict) and {"family", "question_type", "quota", "selected"} <= item.keys():
            shortfalls.append(
                ShortfallRow(
                    str(item["family"]),
                    str(item["question_type"]),
                    int(item["quota"]),
                    int(item["selected"]),
                    int(item.get("available", item["selected"])),
                )
            )
    return kept, dropped, shortfalls
