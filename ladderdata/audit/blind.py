"""Blind-bias check: how well does a model that never sees the images answer each question type?

Per question type, two text-only baselines are cross-validated (5 folds, seeded) and compared with chance:

- MCQ types (answer = letter), metric accuracy. Chance = mean over rows of 1/len(options). Frequency
  prior = the most frequent answer letter of the training folds. Text model = a random forest classifier
  on a binary bag of words and word pairs of the question plus the options, where each option's words
  are also emitted prefixed by their letter (`optB_left`), so answer-label bias (e.g. "left" is usually
  right) is learnable as well as wording bias.
- Numeric types, metric mean relative accuracy (MRA: mean over thresholds 0.50, 0.55, ..., 0.95 of
  [|pred - gt| / gt <= 1 - threshold], as in reference/question-rules.md). Chance = predicting the
  median answer of the training folds (the "global median" of that question type). Frequency prior =
  the most frequent training answer. Text model = a random forest regressor on the same features,
  fitted on log(answer) when every answer is positive (MRA is a relative error, so errors on large
  values should not dominate the fit).

A type is flagged when the better blind baseline beats chance by more than the manifest's
`blind_margin` and it has at least `min_rows` rows (fewer rows make the cross-validated score too noisy
to call a bias). Types above `max_rows` rows are evaluated on a seeded subsample of that size.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ladderdata.audit.tables import (
    TYPE_ORDER,
    answer_letter,
    canonical_order,
    is_mcq_row,
    parse_number,
    parse_options,
)

MRA_THRESHOLDS = np.round(np.arange(0.50, 0.951, 0.05), 2)
MAX_FEATURES = 2000


@dataclass
class BlindResult:
    """Cross-validated blind scores of one question type."""

    question_type: str
    kind: str  # "mcq" or "numeric"
    metric: str  # "accuracy" or "mean relative accuracy"
    rows: int  # rows evaluated (after the subsample)
    total_rows: int
    chance: float
    frequency_prior: float
    text_model: float
    best: float
    over_chance: float  # best - chance
    margin: float
    flagged: bool
    note: str = ""


def mean_relative_accuracy(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-row MRA: the share of thresholds 0.50..0.95 with |pred - gt| / |gt| <= 1 - threshold."""
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(pred - gt) / np.abs(gt)
    rel = np.where(gt == 0, np.where(pred == 0, 0.0, np.inf), rel)
    rel = np.where(np.isfinite(pred), rel, np.inf)
    # small epsilon: 1 - 0.95 is 0.04999... in floating point, and a 5% error must pass that threshold
    return (rel[:, None] <= (1.0 - MRA_THRESHOLDS)[None, :] + 1e-9).mean(axis=1)


def blind_text(row: dict[str, Any]) -> str:
    """The text a blind model sees: the question, the options, and letter-tagged option words."""
    parts = [row["question"]]
    for letter, text in parse_options(row.get("options")).items():
        parts.append(text)
        parts.extend(f"opt{letter}_{tok}" for tok in text.lower().replace(",", " ").split())
    return " ".join(parts)


def _features(texts: list[str]) -> np.ndarray:
    """Binary bag of words and word pairs seen in at least 2 texts (at most MAX_FEATURES, most frequent).

    The vocabulary is fitted on the texts of the whole type: it never sees an answer, so it leaks nothing
    across folds, and a dense matrix of the words actually used keeps the forests fast (hashing into a
    mostly empty 2^k space makes every split draw many constant features).
    """
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(
        binary=True,
        ngram_range=(1, 2),
        min_df=min(2, len(texts)),
        max_features=MAX_FEATURES,
        dtype=np.float32,
    )
    try:
        return vec.fit_transform(texts).toarray()
    except ValueError:  # every text empty of words: a constant feature, the model can only learn the prior
        return np.zeros((len(texts), 1), dtype=np.float32)


def _folds(n: int, labels: list[str] | None, folds: int, seed: int):
    from sklearn.model_selection import KFold, StratifiedKFold

    k = min(folds, n)
    if labels is not None and min(Counter(labels).values()) >= k:
        return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n), labels))
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n)))


def _mode(values: list[Any]) -> Any:
    counts = Counter(values)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _evaluate_mcq(
    rows: list[dict[str, Any]], folds: int, seed: int, trees: int
) -> tuple[float, float, float]:
    from sklearn.ensemble import RandomForestClassifier

    y = [answer_letter(r["answer"]) for r in rows]
    x = _features([blind_text(r) for r in rows])
    chance = float(np.mean([1.0 / max(1, len(parse_options(r["options"]))) for r in rows]))
    prior_hits = np.zeros(len(rows))
    model_hits = np.zeros(len(rows))
    y_arr = np.asarray(y)
    for train, test in _folds(len(rows), y, folds, seed):
        prior = _mode([y[i] for i in train])
        prior_hits[test] = y_arr[test] == prior
        if len(set(y_arr[train])) == 1:
            model_hits[test] = y_arr[test] == y_arr[train][0]
            continue
        clf = RandomForestClassifier(n_estimators=trees, random_state=seed, n_jobs=1)
        clf.fit(x[train], y_arr[train])
        model_hits[test] = clf.predict(x[test]) == y_arr[test]
    return chance, float(prior_hits.mean()), float(model_hits.mean())


def _evaluate_numeric(
    rows: list[dict[str, Any]], folds: int, seed: int, trees: int
) -> tuple[float, float, float]:
    from sklearn.ensemble import RandomForestRegressor

    y = np.asarray([parse_number(r["answer"]) for r in rows], dtype=np.float64)
    x = _features([blind_text(r) for r in rows])
    use_log = bool(np.all(y > 0))
    target = np.log(y) if use_log else y
    chance = np.zeros(len(rows))
    prior = np.zeros(len(rows))
    model = np.zeros(len(rows))
    for train, test in _folds(len(rows), None, folds, seed):
        chance[test] = mean_relative_accuracy(np.full(len(test), np.median(y[train])), y[test])
        prior[test] = mean_relative_accuracy(np.full(len(test), _mode(list(y[train]))), y[test])
        reg = RandomForestRegressor(n_estimators=trees, random_state=seed, n_jobs=1)
        reg.fit(x[train], target[train])
        pred = reg.predict(x[test])
        model[test] = mean_relative_accuracy(np.exp(pred) if use_log else pred, y[test])
    return float(chance.mean()), float(prior.mean()), float(model.mean())


def blind_baseline(
    rows: list[dict[str, Any]],
    margin: float,
    *,
    min_rows: int = 30,
    max_rows: int = 3000,
    folds: int = 5,
    trees: int = 50,
    seed: int = 0,
) -> list[BlindResult]:
    """Blind scores per question type of the spatial rows (grounding rows have no text-only answer)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["question_type"] == "localization":
            continue
        if is_mcq_row(r):
            if answer_letter(r["answer"]) in parse_options(r["options"]):
                groups[(r["question_type"], "mcq")].append(r)
        elif parse_number(r["answer"]) is not None:
            groups[(r["question_type"], "numeric")].append(r)
    results = []
    type_rank = {t: i for i, t in enumerate(canonical_order({k[0] for k in groups}, TYPE_ORDER))}
    for qt, kind in sorted(groups, key=lambda k: (type_rank[k[0]], k[1])):
        group = groups[(qt, kind)]
        total = len(group)
        # a deterministic order first, so the subsample and folds do not depend on shard order
        group = sorted(group, key=lambda r: (str(r.get("question_id")), r["question"], r["answer"]))
        if total > max_rows:
            keep = np.sort(np.random.default_rng(seed).choice(total, size=max_rows, replace=False))
            group = [group[i] for i in keep]
        metric = "accuracy" if kind == "mcq" else "mean relative accuracy"
        if len(group) < 2:
            results.append(
                BlindResult(
                    qt,
                    kind,
                    metric,
                    len(group),
                    total,
                    math.nan,
                    math.nan,
                    math.nan,
                    math.nan,
                    math.nan,
                    margin,
                    False,
                    "too few rows to cross-validate",
                )
            )
            continue
        evaluate = _evaluate_mcq if kind == "mcq" else _evaluate_numeric
        chance, prior, model = evaluate(group, folds, seed, trees)
        best = max(prior, model)
        enough = len(group) >= min_rows
        note = "" if enough else f"< {min_rows} rows: not flagged"
        results.append(
            BlindResult(
                qt,
                kind,
                metric,
                len(group),
                total,
                chance,
                prior,
                model,
                best,
                best - chance,
                margin,
                enough and best - chance > margin,
                note,
            )
        )
    return results
