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
