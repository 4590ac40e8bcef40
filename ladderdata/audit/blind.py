"""Blind-bias check: how well does a model that never sees the images answer each question type?

Per question type, text-only baselines are cross-validated against chance. Folds are grouped by scan
(GroupKFold on `scene_id`; plain seeded 5-fold when rows carry one scan or none), so a baseline is
always judged on rooms it has not seen, as a benchmark on held-out scans would judge a model; the same
object asked in several families (one bed's size in single-image, multi-view and video rows) cannot leak
its answer from a training fold into a test fold.

- chance: MCQ mean 1/#options; numeric: predicting the training folds' median (mean relative accuracy,
  MRA: mean over thresholds 0.50..0.95 of [|pred - gt| / gt <= 1 - threshold], as the GRPO reward).
- answer prior: the most frequent training answer (letter, or value). What it gains over chance is an
  option-letter prior or a concentrated answer value: the build can and should remove it (re-lettering,
  value caps). Checked.
- category prior: a random forest that sees only the object categories a row names (and, for MCQ, which
  letter holds which category). This is the world's own prior - a refrigerator is tall, a nightstand is
  next to the bed - measured on unseen rooms. Reported as information, never a violation: no sampling
  of real rooms removes it. MCQ types whose options name no objects (left/right/front/back) have no
  such prior: categories carry no world information about a viewpoint-dependent label, so their
  category prior is chance. (Appearance-order options list the same objects in every option, so the
  category model has nothing to tell them apart by.)
- text model: a random forest on a binary bag of words and word pairs of the whole question and options
  (option words also tagged with their letter). What it gains over the better of chance and the category
  prior is a skew in wording or answer labels - including priors within a category that balancing could
  flatten (the chair is always "left") - which the build can fix. Checked.

A type of at least `min_rows` rows is flagged when the answer prior or the text model's gain beyond the
category prior exceeds its margin (`blind_margin`, or the type's entry in `audit.blind_margins`). Types
above `max_rows` rows are evaluated on a seeded subsample of that size.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ladderdata.answer_format import answer_letter, parse_number, parse_options
from ladderdata.audit.tables import TYPE_ORDER, canonical_order, is_mcq_row

MRA_THRESHOLDS = np.round(np.arange(0.50, 0.951, 0.05), 2)
MAX_FEATURES = 2000


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


def _folds(n: int, groups: list[str] | None, labels: list[str] | None, folds: int, seed: int):
    """Scan-grouped folds when rows come from 2+ scans, else seeded (stratified) k-fold."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    if groups is not None and len(set(groups)) >= 2:
        k = min(folds, len(set(groups)))
        return list(GroupKFold(n_splits=k).split(np.zeros(n), groups=groups))
    k = min(folds, n)
    if labels is not None and min(Counter(labels).values()) >= k:
        return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n), labels))
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n)))


def _mode(values: list[Any]) -> Any:
    counts = Counter(values)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


# --------------------------------------------------------------------------- categories


def _labels_in(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "label" and isinstance(value, str):
                out.add(value)
            else:
                _labels_in(value, out)
    elif isinstance(node, list):
        for value in node:
            _labels_in(value, out)


def category_vocabulary(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Object categories named by the rows: every `label` in a build row's `reference` JSON, and every
    `label` of a grounding row's answer boxes (which the published JSONL also has)."""
    out: set[str] = set()
    for r in rows:
        ref = r.get("reference")
        if isinstance(ref, str) and ref:
            try:
                ref = json.loads(ref)
            except ValueError:
                ref = None
        _labels_in(ref, out)
        if r.get("question_type") == "localization":
            _labels_in(r.get("answer"), out)
    return {" ".join(label.lower().split()) for label in out if label.strip()}


class CategoryMatcher:
    """Finds vocabulary categories in text (whole words, longest name first: `coffee table` before
    `table`)."""

    def __init__(self, vocabulary: Iterable[str]):
        names = sorted({v for v in vocabulary if v}, key=lambda v: (-len(v), v))
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")s?\b") if names else None
        )

    def find(self, text: str) -> list[str]:
        """Categories named in `text`, in order of appearance."""
        if self._pattern is None:
            return []
        return [m.group(1) for m in self._pattern.finditer(text.lower())]


def category_text(row: dict[str, Any], matcher: CategoryMatcher) -> tuple[str, bool]:
    """(tokens a category-only model sees, whether any option names a category).

    Question categories become `cat_<name>`; an option naming a category adds `cat_<name>` and
    `opt<L>_cat_<name>`, so the model can tell which letter holds which object.
    """

    def token(name: str) -> str:
        return "cat_" + name.replace(" ", "_")

    tokens = [token(c) for c in matcher.find(row["question"])]
    option_categories = False
    for letter, text in parse_options(row.get("options")).items():
        for c in matcher.find(text):
            option_categories = True
            tokens += [token(c), f"opt{letter}_{token(c)}"]
    return " ".join(tokens), option_categories


# --------------------------------------------------------------------------- baselines


@dataclass
class BlindResult:
    """Cross-validated blind scores of one question type."""

    question_type: str
    kind: str  # "mcq" or "numeric"
    metric: str  # "accuracy" or "mean relative accuracy"
    rows: int  # rows evaluated (after the subsample)
    total_rows: int
    chance: float
    frequency_prior: float  # the answer prior: most frequent training letter / value
    category_prior: float  # world prior: a model that sees only the named categories
    text_model: float
    best: float
    over_chance: float  # best - chance (information)
    answer_skew: float  # frequency_prior - chance (checked)
    text_skew: float  # text_model - max(chance, category_prior) (checked)
    world_prior: float  # category_prior - chance (information)
    margin: float
    flagged: bool
    folds: str = ""  # "by scan (k)" or "random (k)"
    note: str = ""

    @property
    def skew(self) -> float:
        """The checked gain: the larger of the answer prior's and the wording's."""
        return max(self.answer_skew, self.text_skew)


def _mcq_scores(
    rows: list[dict[str, Any]], splits, seed: int, trees: int, category: list[str] | None
) -> tuple[float, float, float, float]:
    from sklearn.ensemble import RandomForestClassifier

    y = np.asarray([answer_letter(r["answer"]) for r in rows])
    chance = float(np.mean([1.0 / max(1, len(parse_options(r["options"]))) for r in rows]))
    prior_hits = np.zeros(len(rows))
    for train, test in splits:
        prior_hits[test] = y[test] == _mode(list(y[train]))

    def forest(x: np.ndarray) -> float:
        hits = np.zeros(len(rows))
        for train, test in splits:
            if len(set(y[train])) == 1:
                hits[test] = y[test] == y[train][0]
                continue
            clf = RandomForestClassifier(n_estimators=trees, random_state=seed, n_jobs=1)
            clf.fit(x[train], y[train])
            hits[test] = clf.predict(x[test]) == y[test]
        return float(hits.mean())

    text = forest(_features([blind_text(r) for r in rows]))
    cat = chance if category is None else forest(_features(category))
    return chance, float(prior_hits.mean()), cat, text


def _numeric_scores(
    rows: list[dict[str, Any]], splits, seed: int, trees: int, category: list[str] | None
) -> tuple[float, float, float, float]:
    from sklearn.ensemble import RandomForestRegressor

    y = np.asarray([parse_number(r["answer"]) for r in rows], dtype=np.float64)
    use_log = bool(np.all(y > 0))
    target = np.log(y) if use_log else y
    chance = np.zeros(len(rows))
    prior = np.zeros(len(rows))
    for train, test in splits:
        chance[test] = mean_relative_accuracy(np.full(len(test), np.median(y[train])), y[test])
        prior[test] = mean_relative_accuracy(np.full(len(test), _mode(list(y[train]))), y[test])

    def forest(x: np.ndarray) -> float:
        score = np.zeros(len(rows))
        for train, test in splits:
            reg = RandomForestRegressor(n_estimators=trees, random_state=seed, n_jobs=1)
            reg.fit(x[train], target[train])
            pred = reg.predict(x[test])
            score[test] = mean_relative_accuracy(np.exp(pred) if use_log else pred, y[test])
        return float(score.mean())

    text = forest(_features([blind_text(r) for r in rows]))
    cat = float(chance.mean()) if category is None else forest(_features(category))
    return float(chance.mean()), float(prior.mean()), cat, text


def blind_baseline(
    rows: list[dict[str, Any]],
    margin: float,
    *,
    margins: dict[str, float] | None = None,
    categories: Iterable[str] | None = None,
    min_rows: int = 30,
    max_rows: int = 3000,
    folds: int = 5,
    trees: int = 50,
    seed: int = 0,
) -> list[BlindResult]:
    """Blind scores per question type of the spatial rows (grounding rows have no text-only answer).

    `margins`: per-type margins (question type name or slug -> margin) over the default `margin`.
    `categories`: the object category vocabulary; default `category_vocabulary(rows)`.
    """
    matcher = CategoryMatcher(category_vocabulary(rows) if categories is None else categories)
    per_type = {k.replace("_", " "): v for k, v in (margins or {}).items()}
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
        type_margin = float(per_type.get(qt, margin))
        # a deterministic order first, so the subsample and folds do not depend on shard order
        group = sorted(group, key=lambda r: (str(r.get("question_id")), r["question"], r["answer"]))
        if total > max_rows:
            keep = np.sort(np.random.default_rng(seed).choice(total, size=max_rows, replace=False))
            group = [group[i] for i in keep]
        metric = "accuracy" if kind == "mcq" else "mean relative accuracy"
        if len(group) < 2:
            nan = math.nan
            results.append(
                BlindResult(
                    qt, kind, metric, len(group), total, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                    type_margin, False, "", "too few rows to cross-validate",
                )
            )  # fmt: skip
            continue
        scans = [str(r.get("scene_id") or "") for r in group]
        grouped = all(scans) and len(set(scans)) >= 2
        labels = [answer_letter(r["answer"]) for r in group] if kind == "mcq" else None
        splits = _folds(len(group), scans if grouped else None, labels, folds, seed)
        cats = [category_text(r, matcher) for r in group]
        # MCQ: categories are a world prior only when the options name objects (see the module doc)
        has_categories = any(c[0] for c in cats) and (kind == "numeric" or any(c[1] for c in cats))
        category = [c[0] for c in cats] if has_categories else None
        scores = _mcq_scores if kind == "mcq" else _numeric_scores
        chance, prior, cat, model = scores(group, splits, seed, trees, category)
        best = max(prior, cat, model)
        answer_skew = prior - chance
        text_skew = model - max(chance, cat)
        enough = len(group) >= min_rows
        note = "" if enough else f"< {min_rows} rows: not flagged"
        results.append(
            BlindResult(
                question_type=qt,
                kind=kind,
                metric=metric,
                rows=len(group),
                total_rows=total,
                chance=chance,
                frequency_prior=prior,
                category_prior=cat,
                text_model=model,
                best=best,
                over_chance=best - chance,
                answer_skew=answer_skew,
                text_skew=text_skew,
                world_prior=cat - chance,
                margin=type_margin,
                flagged=enough and max(answer_skew, text_skew) > type_margin + 1e-12,
                folds=f"{'by scan' if grouped else 'random'} ({len(splits)})",
                note=note,
            )
        )
    return results
