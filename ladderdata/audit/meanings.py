"""Answer meanings in the audit: shares beside the letter shares, their check, and a blind meaning prior.

For every row whose options are a fixed set of meanings (`ladderdata.generators.meanings`: relative
direction easy/medium/hard, camera, diagonal) the meaning is the option text of its answer letter.

- `meaning_table`: meaning shares per (family, question type, subtype) -- the group the build's balance
  stage balances. Rows without a subtype (published JSONL) are grouped by the option set they offer.
- `check_meanings`: one `letter_tolerance` violation per meaning off uniform by more than tolerance x
  rows, or one row when that is larger (the letter check's allowance), so `--fail-on-skew` fails on it.
- `meaning_prior`: a blind baseline that never reads the question: per meaning group it answers the
  most frequent meaning of the training folds (5 seeded folds) and picks whichever letter holds that
  meaning in the test row. Letter re-balancing cannot hide this prior (the letter moves, the meaning
  does not); it is flagged like the other blind baselines when it beats chance by more than
  `blind_margin` on at least `min_rows` rows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ladderdata.audit.checks import Violation
from ladderdata.audit.tables import FAMILY_NAMES, TYPE_ORDER, canonical_order
from ladderdata.generators.meanings import row_meaning


@dataclass
class MeaningShare:
    """One meaning of a fixed option set: rows that answer it, their share and the uniform share."""

    meaning: str
    count: int
    share: float
    expected: float


@dataclass
class MeaningRow:
    """Answer-meaning shares of one (family, question type, subtype)."""

    family: str
    question_type: str
    subtype: str
    rows: int
    meanings: list[MeaningShare]
    max_deviation: float
    allowed_rows: float
    """How far (rows) a meaning may be off uniform: max(tolerance x rows, 1)."""


def _meaning_rows(
    rows: list[dict[str, Any]],
) -> dict[tuple[str, str, str], list[tuple[dict[str, Any], Any, str]]]:
    groups: dict[tuple[str, str, str], list[tuple[dict[str, Any], Any, str]]] = defaultdict(list)
    for r in rows:
        if r.get("question_type") == "localization":
            continue
        found = row_meaning(
            r["question_type"], r.get("subtype"), r.get("family"), r.get("options"), r["answer"]
        )
        if found is not None:
            group, meaning = found
            groups[(r["family"], r["question_type"], group.subtype)].append((r, group, meaning))
    return groups


def _sorted_keys(keys: Any) -> list[tuple[str, str, str]]:
    keys = list(keys)
    fam = {f: i for i, f in enumerate(canonical_order({k[0] for k in keys}, FAMILY_NAMES))}
    qts = {t: i for i, t in enumerate(canonical_order({k[1] for k in keys}, TYPE_ORDER))}
    return sorted(keys, key=lambda k: (fam[k[0]], qts[k[1]], k[2]))


def meaning_table(rows: list[dict[str, Any]], tolerance: float) -> list[MeaningRow]:
    """Meaning shares per (family, question type, subtype) of the rows with a fixed option set."""
    groups = _meaning_rows(rows)
    out = []
    for key in _sorted_keys(groups):
        members = groups[key]
        group = members[0][1]
        counts = Counter(m for _, _, m in members)
        n = len(members)
        k = len(group.meanings)
        shares = [MeaningShare(m, counts.get(m, 0), counts.get(m, 0) / n, 1.0 / k) for m in group.meanings]
        dev = max(abs(s.share - s.expected) for s in shares)
        out.append(MeaningRow(*key, n, shares, dev, max(tolerance * n, 1.0)))
    return out


def check_meanings(table: list[MeaningRow], tolerance: float) -> list[Violation]:
    """A `letter_tolerance` violation for each meaning off uniform by more than the allowance."""
    out = []
    for r in table:
        expected = r.rows / len(r.meanings)
        for s in r.meanings:
            if abs(s.count - expected) > r.allowed_rows + 1e-9:
                out.append(
                    Violation(
                        "letter_tolerance",
                        f"{r.question_type}/meaning/{r.family}/{r.subtype}/{s.meaning}",
                        s.share,
                        tolerance,
                        f"{r.family} {r.question_type} ({r.subtype}): answer meaning '{s.meaning}' is "
                        f"{s.count}/{r.rows} = {s.share:.3f} vs uniform {s.expected:.3f} (tolerance "
                        f"{tolerance:.3f}: +-{r.allowed_rows:g} rows allowed)",
                    )
                )
    return out


@dataclass
class MeaningPrior:
    """Cross-validated accuracy of always answering the most frequent meaning, per question type."""

    question_type: str
    rows: int
    chance: float
    prior: float
    over_chance: float
    margin: float
    flagged: bool
    note: str = ""


def _fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    ids = np.empty(n, dtype=np.int64)
    for f, part in enumerate(np.array_split(np.random.default_rng(seed).permutation(n), min(folds, n))):
        ids[part] = f
    return ids


def meaning_prior(
    rows: list[dict[str, Any]], margin: float, *, min_rows: int = 30, folds: int = 5, seed: int = 0
) -> list[MeaningPrior]:
    """The blind answer-meaning prior per question type (see module docstring)."""
    by_type: dict[str, list[tuple[tuple[str, str], int, str, tuple[str, str, str]]]] = defaultdict(list)
    for (family, qt, sub), members in _meaning_rows(rows).items():
        for r, group, meaning in members:
            by_type[qt].append(((family, sub), len(group.meanings), meaning, _row_key(r)))
    out = []
    for qt in canonical_order(by_type, TYPE_ORDER):
        # a deterministic order first, so the folds do not depend on shard order
        items = sorted(by_type[qt], key=lambda x: x[3])
        n = len(items)
        chance = float(np.mean([1.0 / k for _, k, _, _ in items]))
        if n < 2:
            out.append(MeaningPrior(qt, n, chance, math.nan, math.nan, margin, False, "too few rows"))
            continue
        fold = _fold_ids(n, folds, seed)
        hits = np.zeros(n)
        for f in range(int(fold.max()) + 1):
            train: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
            for i in np.flatnonzero(fold != f):
                train[items[i][0]][items[i][2]] += 1
            for i in np.flatnonzero(fold == f):
                counts = train.get(items[i][0])
                if counts:
                    guess = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                    hits[i] = guess == items[i][2]
                else:  # group unseen in training: a guess as good as chance
                    hits[i] = 1.0 / items[i][1]
        prior = float(hits.mean())
        enough = n >= min_rows
        out.append(
            MeaningPrior(
                qt,
                n,
                chance,
                prior,
                prior - chance,
                margin,
                enough and prior - chance > margin,
                "" if enough else f"< {min_rows} rows: not flagged",
            )
        )
    return out


def _row_key(r: dict[str, Any]) -> tuple[str, str, str]:
    return (str(r.get("question_id")), r["question"], str(r["answer"]))


def prior_violations(results: list[MeaningPrior]) -> list[Violation]:
    """A `blind_margin` violation for each flagged meaning prior."""
    return [
        Violation(
            "blind_margin",
            f"{r.question_type}/meaning_prior",
            r.over_chance,
            r.margin,
            f"{r.question_type}: always answering the most frequent meaning scores {r.prior:.3f} accuracy "
            f"vs chance {r.chance:.3f} (+{r.over_chance:.3f} > margin {r.margin:.3f}, {r.rows} rows)",
        )
        for r in results
        if r.flagged
    ]
