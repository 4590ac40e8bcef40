"""Blind baseline: text-determined answers are caught, shuffled answers score near chance."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ladderdata.audit.blind import blind_baseline, mean_relative_accuracy

OBJECTS = ["chair", "table", "lamp", "sofa"]
REFS = ["bed", "desk", "sink", "door", "shelf", "tv"]
DIRECTIONS = ["left", "right", "front", "back"]
SIZES = {"chair": 80.0, "table": 150.0, "lamp": 40.0, "sofa": 210.0, "bed": 200.0, "door": 100.0}


def _mcq_rows(n: int, seed: int) -> list[dict]:
    """The answer letter is a function of the object named in the question; letters stay uniform."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        obj = OBJECTS[i % 4]
        ref = rng.choice(REFS)
        rows.append(
            {
                "question_id": i,
                "question": f"From the camera's perspective, is the {obj} to the {ref}'s left, right, front, or back?",
                "options": [f"{lt}. {d}" for lt, d in zip("ABCD", DIRECTIONS, strict=True)],
                "answer": "ABCD"[OBJECTS.index(obj)],
                "question_type": "relative direction",
                "data_type": "single_image",
            }
        )
    return rows


def _numeric_rows(n: int, seed: int) -> list[dict]:
    """Object size is the category's size within +-3 %: a blind model reads it off the category."""
    rng = random.Random(seed)
    rows = []
    names = list(SIZES)
    for i in range(n):
        obj = names[i % len(names)]
        rows.append(
            {
                "question_id": i,
                "question": f"What is the length of the longest dimension (length, width, or height) of the {obj}?",
                "options": None,
                "answer": f"{SIZES[obj] * rng.uniform(0.97, 1.03):.0f}",
                "question_type": "object size",
                "data_type": "single_image",
            }
        )
    return rows


def _shuffled(rows: list[dict], seed: int) -> list[dict]:
    answers = [r["answer"] for r in rows]
    random.Random(seed).shuffle(answers)
    return [{**r, "answer": a} for r, a in zip(rows, answers, strict=True)]


def test_mean_relative_accuracy_hand_values():
    gt = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 0.0, 0.0])
    pred = np.array([10.0, 12.0, 15.0, 16.0, 10.5, 0.0, 1.0])
    # rel error 0 -> all 10 thresholds; 0.2 -> thresholds 0.50..0.80 (7); 0.5 -> only 0.50; 0.6 -> none;
    # 0.05 -> all 10 (1 - 0.95 = 0.05 must pass); gt 0: exact -> 1, else 0
    assert mean_relative_accuracy(pred, gt).tolist() == pytest.approx([1.0, 0.7, 0.1, 0.0, 1.0, 1.0, 0.0])


def test_text_determined_mcq_is_flagged():
    (res,) = blind_baseline(_mcq_rows(200, seed=1), margin=0.10)
    assert res.kind == "mcq" and res.chance == pytest.approx(0.25)
    assert res.text_model >= 0.95
    assert res.frequency_prior == pytest.approx(0.25, abs=0.05)  # letters are uniform: the prior cannot help
    assert res.flagged


def test_shuffled_mcq_scores_near_chance():
    (res,) = blind_baseline(_shuffled(_mcq_rows(200, seed=1), seed=2), margin=0.10)
    assert abs(res.text_model - 0.25) < 0.08
    assert abs(res.best - res.chance) < 0.10
    assert not res.flagged


def test_text_determined_numeric_is_flagged():
    (res,) = blind_baseline(_numeric_rows(180, seed=3), margin=0.10)
    assert res.kind == "numeric" and res.metric == "mean relative accuracy"
    assert res.text_model >= 0.9
    assert res.chance < 0.5  # the global median misses most categories
    assert res.flagged


def test_shuffled_numeric_scores_near_chance():
    (res,) = blind_baseline(_shuffled(_numeric_rows(180, seed=3), seed=4), margin=0.10)
    assert res.best - res.chance < 0.10
    assert not res.flagged


def test_small_types_are_reported_not_flagged():
    (res,) = blind_baseline(_mcq_rows(20, seed=5), margin=0.10, min_rows=30)
    assert res.rows == 20 and res.text_model > 0.5
    assert not res.flagged and "30" in res.note


def _with_scans(rows: list[dict], scans: int) -> list[dict]:
    return [{**r, "scene_id": f"scene{i % scans:04d}_00"} for i, r in enumerate(rows)]


def test_world_category_prior_is_reported_not_flagged():
    # object size read off the category (a sofa is long) in unseen rooms: the world's prior, not a skew
    rows = _with_scans(_numeric_rows(180, seed=3), scans=9)
    (res,) = blind_baseline(rows, margin=0.10, categories=SIZES)
    assert res.folds == "by scan (5)"
    assert res.world_prior > 0.3  # the categories alone answer most rows within a few percent
    assert res.text_skew <= 0.10  # the wording adds nothing beyond the categories
    assert not res.flagged


def test_category_determined_direction_is_flagged_even_with_categories():
    # left/right/front/back has no world prior per category: the chair always "left" is a build skew
    rows = _with_scans(_mcq_rows(200, seed=1), scans=10)
    (res,) = blind_baseline(rows, margin=0.10, categories=OBJECTS + REFS)
    assert res.category_prior == res.chance  # options name no objects: no world prior to credit
    assert res.text_skew > 0.5 and res.flagged


def test_option_letter_prior_is_flagged():
    rows = _with_scans(_shuffled(_mcq_rows(200, seed=1), seed=2), scans=10)
    rows = [{**r, "answer": "A" if i % 10 < 7 else r["answer"]} for i, r in enumerate(rows)]
    (res,) = blind_baseline(rows, margin=0.10)
    assert res.frequency_prior > 0.6 and res.answer_skew > 0.3 and res.flagged


def test_repeats_of_one_scans_objects_do_not_leak_across_folds():
    # each scan's one object is asked three times (as single-image, multi-view and video rows are); a
    # blind model that memorises it would look biased under random folds but not on unseen scans
    rng = random.Random(7)
    rows = []
    for scan in range(30):
        size = f"{rng.uniform(40, 220):.0f}"
        for k in range(3):
            rows.append(
                {
                    "question_id": 3 * scan + k,
                    "question": f"What is the longest dimension of the item{scan}?",
                    "options": None,
                    "answer": size,
                    "question_type": "object size",
                    "data_type": "single_image",
                    "scene_id": f"scene{scan:04d}_00",
                }
            )
    (res,) = blind_baseline(rows, margin=0.10)
    assert res.folds == "by scan (5)"
    assert res.text_model - res.chance < 0.10 and not res.flagged


def test_per_type_margin_replaces_the_default():
    rows = _with_scans(_mcq_rows(200, seed=1), scans=10)
    (res,) = blind_baseline(rows, margin=0.10, margins={"relative_direction": 0.95})
    assert res.margin == 0.95 and not res.flagged
