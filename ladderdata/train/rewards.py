"""Verifiable rewards for GRPO and the metrics `ladderdata eval` reports: one implementation for both.

Scores (pure functions of strings; no torch):
- `format_score`: 1.0 when the text is exactly one `<think>..</think>` block followed by exactly one
  `<answer>..</answer>` block (whitespace allowed around and between them, nothing else), else 0.0.
- `mcq_score`: case-insensitive exact match of the option letter after stripping whitespace and one
  trailing period ("b." matches "B"; "B. left" does not).
- `mra_score`: mean relative accuracy, the mean over thresholds 0.50, 0.55, ..., 0.95 of
  `|pred - gt| / gt <= 1 - threshold`; an unparsable prediction scores 0.
- `boxes_score`: localization reward, IoU of each ground-truth box with the predicted box of the same
  label, summed and divided by max(#ground truth, #predicted) so missing and extra boxes both cost.

The answer is taken from the last `<answer>..</answer>` block when there is one, else the whole text
(direct-answer prompts of stage 2 have no tags).

TRL reward functions (`format_reward`, `accuracy_reward`, `iou_reward`) take `completions` plus dataset
columns as keyword lists (`answer`, `metric`) and return one float per completion; `metric_for` picks a
row's metric from its question type and options.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ladderdata.answer_format import parse_number

MRA_THRESHOLDS: tuple[float, ...] = tuple(round(0.50 + 0.05 * i, 2) for i in range(10))
"""0.50, 0.55, ..., 0.95."""

MCQ_QUESTION_TYPES = frozenset({"relative distance", "relative direction", "appearance order"})
NUMERIC_QUESTION_TYPES = frozenset({"object count", "absolute distance", "object size", "room size"})
LOCALIZATION = "localization"

# Relative error is compared with a tolerance so that e.g. 10.5 vs 10 (error exactly 0.05) passes the
# 0.95 threshold despite binary floating point (1 - 0.95 = 0.050000000000000044).
_MRA_EPS = 1e-9

_FORMAT_RE = re.compile(r"\s*<think>(.*?)</think>\s*<answer>(.*?)</answer>\s*", re.DOTALL)
_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_FENCE_RE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def completion_text(completion: Any) -> str:
    """Text of one completion as TRL passes it: a string, or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        parts = []
        for message in completion:
            content = message.get("content") if isinstance(message, dict) else message
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(p.get("text") or "" for p in content if isinstance(p, dict))
        return "".join(parts)
    if isinstance(completion, dict):
        return completion_text([completion])
    raise TypeError(f"unsupported completion type {type(completion).__name__}")


def extract_answer(text: str) -> str:
    """Content of the last <answer> block, or the whole text when there is none; stripped."""
    matches = _ANSWER_RE.findall(text)
    return (matches[-1] if matches else text).strip()


def format_score(text: str) -> float:
    """1.0 for exactly one <think> block followed by exactly one <answer> block, else 0.0."""
    if _FORMAT_RE.fullmatch(text) is None:
        return 0.0
    tags = ("<think>", "</think>", "<answer>", "</answer>")
    return 1.0 if all(text.count(tag) == 1 for tag in tags) else 0.0


def _normalise_letter(text: str) -> str:
    text = text.strip()
    if text.endswith("."):
        text = text[:-1]
    return text.strip().lower()


def mcq_score(prediction: str, answer: str) -> float:
    """1.0 when the predicted letter equals the answer letter (case-insensitive, trailing period ok)."""
    pred = _normalise_letter(extract_answer(prediction))
    return 1.0 if pred and pred == _normalise_letter(answer) else 0.0


def mra_score(prediction: str, answer: str | float) -> float:
    """Mean relative accuracy of a numeric prediction over thresholds 0.50..0.95 (unparsable -> 0)."""
    pred = parse_number(extract_answer(prediction).replace(",", ""))  # "1,250" reads as 1250
    gt = float(answer)
    if pred is None:
        return 0.0
    if gt == 0.0:
        # No relative error is defined; only an exact zero is right.
        return 1.0 if pred == 0.0 else 0.0
    rel = abs(pred - gt) / abs(gt)
    hits = sum(1 for t in MRA_THRESHOLDS if rel <= 1.0 - t + _MRA_EPS)
    return hits / len(MRA_THRESHOLDS)


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two [x1, y1, x2, y2] boxes (x2/y2 exclusive: area = (x2 - x1) * (y2 - y1))."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def parse_boxes(text: str) -> list[dict[str, Any]] | None:
    """Grounding entries `{bbox_2d, label}` from a completion (fenced JSON or a bare JSON list)."""
    body = extract_answer(text)
    fenced = _FENCE_RE.search(body)
    if fenced:
        body = fenced.group(1)
    else:
        start, end = body.find("["), body.rfind("]")
        if start < 0 or end < start:
            return None
        body = body[start : end + 1]
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return None
    entries = []
    for item in data:
        if not isinstance(item, dict):
            return None
        box = item.get("bbox_2d")
        if (
            not isinstance(box, list)
            or len(box) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
        ):
            return None
        entries.append({"bbox_2d": [float(v) for v in box], "label": str(item.get("label", ""))})
    return entries


def boxes_score(prediction: str, answer: str | list[dict[str, Any]]) -> float:
    """Label-matched IoU summed over ground-truth boxes / max(#gt, #pred); unparsable -> 0."""
    gt = json.loads(answer) if isinstance(answer, str) else answer
    pred = parse_boxes(prediction)
    if not pred or not gt:
        return 0.0
    unused = list(pred)
    total = 0.0
    for entry in gt:
        label = str(entry["label"]).strip().lower()
        match = next((p for p in unused if p["label"].strip().lower() == label), None)
        if match is not None:
            unused.remove(match)
            total += box_iou(entry["bbox_2d"], match["bbox_2d"])
    return total / max(len(gt), len(pred))


METRICS = ("mcq", "mra", "iou")
"""Metric keys: option-letter match, mean relative accuracy, label-matched box IoU."""

METRIC_NAMES = {"mcq": "accuracy", "mra": "mean relative accuracy", "iou": "mean IoU"}


def metric_for(question_type: str, options: Sequence[str] | None = None) -> str:
    """The metric of a row: `iou` for localization, `mcq` when it has options, else `mra`.

    Options decide rather than the type, so a numeric question asked as multiple choice (a manifest
    option of the build) is scored by its letter.
    """
    if question_type == LOCALIZATION:
        return "iou"
    if options:
        return "mcq"
    if question_type in MCQ_QUESTION_TYPES:
        raise ValueError(f"{question_type!r} row has no options; a multiple-choice row needs its options")
    return "mra"


def score(prediction: str, answer: Any, metric: str) -> float:
    """Score one prediction with a metric from `METRICS`."""
    if metric == "mcq":
        return mcq_score(prediction, str(answer))
    if metric == "mra":
        return mra_score(prediction, answer)
    if metric == "iou":
        return boxes_score(prediction, answer)
    raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")


# --- TRL reward functions: (completions, **dataset columns) -> list[float] -----------------------


def format_reward(completions: list[Any], **kwargs: Any) -> list[float]:
    """GRPO format reward: exactly one think block then one answer block."""
    del kwargs
    return [format_score(completion_text(c)) for c in completions]


def accuracy_reward(
    completions: list[Any], answer: list[Any], metric: list[str], **kwargs: Any
) -> list[float]:
    """GRPO accuracy reward: letter match, MRA or IoU per row, as the row's `metric` column says."""
    del kwargs
    return [score(completion_text(c), a, m) for c, a, m in zip(completions, answer, metric, strict=True)]


def iou_reward(completions: list[Any], answer: list[Any], **kwargs: Any) -> list[float]:
    """GRPO localization reward: label-matched box IoU against the (rescaled) ground truth."""
    del kwargs
    return [boxes_score(completion_text(c), a) for c, a in zip(completions, answer, strict=True)]
