"""Answer re-check: recompute every answer from the values recorded in `QASample.reference`.

`recheck(sample)` applies the same rule functions the generators use (`ladderdata.generators.rules`:
rounding, margins, sector boundaries, appearance gaps) to the recorded numbers, then checks that the
options and the answer letter agree with the result. It returns None for a consistent sample or a
short drop reason: a rule's refusal reason (e.g. `margin_too_small`, `near_sector_boundary`) when the
recorded numbers should never have produced a question, or one of the consistency reasons below.
Validators never re-render templates or recompute geometry; they trust the recorded measurements and
verify everything derived from them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from ladderdata.answer_format import LETTERS, parse_options
from ladderdata.generators import rules
from ladderdata.records import QASample, QuestionType

ANSWER_MISMATCH = "answer_mismatch"
"""A numeric answer differs from the number the reference gives."""
OPTION_LETTER_MISMATCH = "option_letter_mismatch"
"""The answer letter points at an option other than the one the reference decides."""
OPTIONS_MISMATCH = "options_mismatch"
"""The option texts are not the ones the question type and reference allow."""
BAD_OPTIONS = "bad_options"
"""Options are malformed (not 'A. text' in order), or present on a numeric question."""
MISSING_REFERENCE = "missing_reference"
"""The reference lacks a value the answer depends on."""
REFERENCE_INCONSISTENT = "reference_inconsistent"
"""Recorded values contradict each other (e.g. the angle does not follow from the positions)."""
SUBTYPE_MISMATCH = "subtype_mismatch"
"""The recorded subtype (difficulty, camera/diagonal) is not the one the reference decides."""
BAD_BOX = "bad_box"
"""A grounding box is empty, outside the image, or differs from the reference."""

QT = QuestionType


def recheck(sample: QASample) -> str | None:
    """None when the sample's answer follows from its reference; otherwise a drop reason."""
    checker = _CHECKERS.get(sample.question_type)
    if checker is None:
        return MISSING_REFERENCE
    try:
        return checker(sample, sample.reference)
    except (KeyError, TypeError, IndexError):
        return MISSING_REFERENCE


# --- numeric --------------------------------------------------------------------------------------


def _numeric(sample: QASample, decision: rules.Decision) -> str | None:
    if sample.options is not None:
        return BAD_OPTIONS
    if not decision.ok:
        return decision.reason
    return None if sample.answer == decision.answer else ANSWER_MISMATCH


def _object_count(sample: QASample, ref: dict[str, Any]) -> str | None:
    if int(ref["count"]) != len(ref["instance_ids"]) or len(set(ref["instance_ids"])) != len(
        ref["instance_ids"]
    ):
        return REFERENCE_INCONSISTENT
    return _numeric(sample, rules.object_count_answer(int(ref["count"])))


def _object_size(sample: QASample, ref: dict[str, Any]) -> str | None:
    longest = float(ref["longest_side_m"])
    if not math.isclose(longest, max(float(x) for x in ref["size_m"]), rel_tol=0, abs_tol=1e-9):
        return REFERENCE_INCONSISTENT
    return _numeric(sample, rules.object_size_answer(longest, int(ref["decimals"])))


def _absolute_distance(sample: QASample, ref: dict[str, Any]) -> str | None:
    decision = rules.absolute_distance_answer(
        float(ref["distance_m"]), float(ref["min_distance_m"]), int(ref["decimals"])
    )
    return _numeric(sample, decision)


def _room_size(sample: QASample, ref: dict[str, Any]) -> str | None:
    return _numeric(sample, rules.room_size_answer(float(ref["area_m2"]), int(ref["decimals"])))


# --- multiple choice ------------------------------------------------------------------------------


def _mcq(sample: QASample, decision: rules.Decision, allowed: Callable[[list[str]], bool]) -> str | None:
    """Shared MCQ tail: the rule's refusal, option format and allowed texts, then the letter."""
    if not decision.ok:
        return decision.reason
    if sample.options is None:
        return BAD_OPTIONS
    try:
        texts = list(parse_options(sample.options, strict=True).values())
    except ValueError:
        return BAD_OPTIONS
    if len(set(texts)) != len(texts) or not allowed(texts):
        return OPTIONS_MISMATCH
    answer = str(sample.answer)
    if answer not in LETTERS[: len(texts)] or texts[LETTERS.index(answer)] != decision.answer:
        return OPTION_LETTER_MISMATCH
    return None


def _relative_distance(sample: QASample, ref: dict[str, Any]) -> str | None:
    rule = ref["margin_rule"]
    margin = rules.relative_distance_margin(
        float(ref["room_area_m2"]),
        float(rule["margin_m"]),
        float(rule["large_room_margin_m"]),
        float(rule["large_room_area_m2"]),
    )
    distances = {str(k): float(v) for k, v in ref["distances_m"].items()}
    if ref["primary"] in distances:
        return REFERENCE_INCONSISTENT
    decision = rules.relative_distance_answer(distances, margin, float(ref["min_closest_m"]))
    return _mcq(sample, decision, lambda texts: sorted(texts) == sorted(distances))


def _relative_direction(sample: QASample, ref: dict[str, Any]) -> str | None:
    if "difficulty" in ref:
        return _allocentric(sample, ref)
    return _camera_direction(sample, ref)


def _xy(v: Any) -> tuple[float, float]:
    x, y = v
    return float(x), float(y)


def _allocentric(sample: QASample, ref: dict[str, Any]) -> str | None:
    difficulty = ref["difficulty"]
    if difficulty not in rules.DIRECTION_OPTIONS:
        return REFERENCE_INCONSISTENT
    if sample.subtype != difficulty:
        return SUBTYPE_MISMATCH
    p, o, q = _xy(ref["positioning_xy"]), _xy(ref["orienting_xy"]), _xy(ref["querying_xy"])
    if not math.isclose(rules.ccw_angle_deg(p, o, q), float(ref["angle_deg"]), abs_tol=1e-6):
        return REFERENCE_INCONSISTENT
    lo, hi = ref["pair_distance_range_m"]
    decision = rules.allocentric_direction_answer(
        p,
        o,
        q,
        [_xy(c) for c in ref["querying_corners_xy"]],
        difficulty,
        margin_deg=float(ref["margin_deg"]),
        min_pair_m=float(lo),
        max_pair_m=float(hi),
        max_corners_off=int(ref["max_corners_off"]),
        footprint_gap_m=None if ref.get("footprint_gap_m") is None else float(ref["footprint_gap_m"]),
        min_footprint_gap_m=float(ref.get("min_footprint_gap_m", 0.0)),
    )
    expected = sorted(rules.DIRECTION_OPTIONS[difficulty])
    return _mcq(sample, decision, lambda texts: sorted(texts) == expected)


def _camera_direction(sample: QASample, ref: dict[str, Any]) -> str | None:
    s, r = ref["subject_extent"], ref["reference_extent"]
    subtype, decision = rules.camera_direction_answer(
        _xy(s["x"]),
        _xy(s["z"]),
        _xy(r["x"]),
        _xy(r["z"]),
        min_separation_m=float(ref["min_separation_m"]),
        clear_gap_m=float(ref.get("clear_gap_m", 0.0)),
    )
    if decision.ok and sample.subtype != subtype:
        return SUBTYPE_MISMATCH
    expected = sorted(rules.CAMERA_OPTIONS.get(subtype or "", ()))
    return _mcq(sample, decision, lambda texts: sorted(texts) == expected)


def _appearance_order(sample: QASample, ref: dict[str, Any]) -> str | None:
    times = {str(k): (None if v is None else float(v)) for k, v in ref["first_appearance_s"].items()}
    shown = ref.get("first_shown_frame")
    if shown is not None:
        shown = {str(k): (None if v is None else int(v)) for k, v in shown.items()}
    decision = rules.appearance_order_answer(times, float(ref["min_gap_s"]), shown)
    orders = {rules.order_text(list(p)) for p in itertools.permutations(sorted(times))}
    return _mcq(sample, decision, lambda texts: all(t in orders for t in texts))


# --- grounding ------------------------------------------------------------------------------------


def _localization(sample: QASample, ref: dict[str, Any]) -> str | None:
    if not isinstance(sample.answer, list) or sample.options is not None:
        return BAD_OPTIONS
    width, height = (int(v) for v in ref["image_size"])
    objects = ref["objects"]
    if len(objects) != len(sample.answer) or not objects:
        return BAD_BOX
    for entry, obj in zip(sample.answer, objects, strict=True):
        x1, y1, x2, y2 = entry.bbox_2d
        if entry.label != obj["label"] or list(entry.bbox_2d) != [int(v) for v in obj["bbox_2d"]]:
            return BAD_BOX
        if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
            return BAD_BOX
    return None


_CHECKERS: dict[QuestionType, Callable[[QASample, dict[str, Any]], str | None]] = {
    QT.object_count: _object_count,
    QT.object_size: _object_size,
    QT.absolute_distance: _absolute_distance,
    QT.room_size: _room_size,
    QT.relative_distance: _relative_distance,
    QT.relative_direction: _relative_direction,
    QT.appearance_order: _appearance_order,
    QT.localization: _localization,
}
