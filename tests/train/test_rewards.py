"""Rewards and metrics against hand-computed values."""

from __future__ import annotations

import json

import pytest

from ladderdata.train import rewards


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>a</think><answer>B</answer>", 1.0),
        ("  <think>let me think\nabout it</think>\n<answer>B</answer>\n", 1.0),
        ("<think>a</think>", 0.0),
        ("<answer>B</answer>", 0.0),
        ("<answer>B</answer><think>a</think>", 0.0),
        ("<think>a</think><answer>B</answer><answer>C</answer>", 0.0),
        ("<think><think>a</think><answer>B</answer>", 0.0),
        ("<think>a</think><think>b</think><answer>B</answer>", 0.0),
        ("x<think>a</think><answer>B</answer>", 0.0),
        ("<think>a</think> so <answer>B</answer>", 0.0),
        ("<think>a</think><answer>B</answer> done", 0.0),
        ("", 0.0),
    ],
)
def test_format_score(text: str, expected: float) -> None:
    assert rewards.format_score(text) == expected


@pytest.mark.parametrize(
    ("prediction", "answer", "expected"),
    [
        ("B", "B", 1.0),
        ("b", "B", 1.0),
        ("B.", "B", 1.0),
        (" c. \n", "C", 1.0),
        ("<think>it is on the right</think><answer>d.</answer>", "D", 1.0),
        ("<think>A?</think><answer>B</answer>", "A", 0.0),
        ("B. right", "B", 0.0),
        ("A", "B", 0.0),
        ("", "A", 0.0),
        ("AB", "A", 0.0),
    ],
)
def test_mcq_score(prediction: str, answer: str, expected: float) -> None:
    assert rewards.mcq_score(prediction, answer) == expected


@pytest.mark.parametrize(
    ("prediction", "answer", "expected"),
    [
        ("10", "10", 1.0),
        ("10.5", "10", 1.0),  # error 0.05 passes every threshold up to 0.95
        ("12", "10", 0.7),  # error 0.2: thresholds 0.50..0.80 pass (7 of 10)
        ("7", "10", 0.5),  # error 0.3: 0.50..0.70 (5 of 10)
        ("<answer>9</answer>", "10", 0.9),  # error 0.1: 0.50..0.90
        ("15", "10", 0.1),  # error 0.5: only 0.50
        ("16", "10", 0.0),
        ("180", "193.1", 0.9),  # error 13.1 / 193.1 = 0.0678: 0.50..0.90
        ("1,200", "1200", 1.0),
        ("about 10", "10", 0.0),
        ("nan", "10", 0.0),
        ("", "10", 0.0),
        ("0", "0", 1.0),
        ("1", "0", 0.0),
    ],
)
def test_mra_score(prediction: str, answer: str, expected: float) -> None:
    assert rewards.mra_score(prediction, answer) == pytest.approx(expected)


def test_mra_thresholds_are_the_ten_published_ones() -> None:
    assert rewards.MRA_THRESHOLDS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_box_iou() -> None:
    assert rewards.box_iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert rewards.box_iou([0, 0, 10, 10], [5, 5, 15, 15]) == pytest.approx(25 / 175)
    assert rewards.box_iou([0, 0, 10, 10], [10, 0, 20, 10]) == 0.0  # touching edges share no area
    assert rewards.box_iou([0, 0, 0, 10], [0, 0, 0, 10]) == 0.0  # degenerate


GT = [{"bbox_2d": [0, 0, 10, 10], "label": "chair"}, {"bbox_2d": [20, 0, 30, 10], "label": "table"}]


def _fenced(entries: list[dict]) -> str:
    return "```json\n" + json.dumps(entries, indent=4) + "\n```"


def test_boxes_score_hand_values() -> None:
    shifted_table = {"bbox_2d": [25, 0, 35, 10], "label": "Table"}  # IoU with gt table = 50 / 150
    chair = {"bbox_2d": [0, 0, 10, 10], "label": "chair"}
    sofa = {"bbox_2d": [0, 0, 5, 5], "label": "sofa"}
    assert rewards.boxes_score(_fenced(GT), GT) == 1.0
    assert rewards.boxes_score(_fenced([chair, shifted_table]), GT) == pytest.approx((1 + 1 / 3) / 2)
    assert rewards.boxes_score(_fenced([chair, shifted_table, sofa]), GT) == pytest.approx((1 + 1 / 3) / 3)
    assert rewards.boxes_score(_fenced([chair]), GT) == pytest.approx(0.5)
    # answer as the JSON text the GRPO/eval datasets carry, prediction as a bare list in <answer>
    assert rewards.boxes_score("<answer>" + json.dumps([chair]) + "</answer>", json.dumps(GT)) == 0.5
    assert rewards.boxes_score("no boxes here", GT) == 0.0
    assert rewards.boxes_score('```json\n[{"bbox_2d": [1, 2], "label": "chair"}]\n```', GT) == 0.0


@pytest.mark.parametrize(
    ("question_type", "options", "metric"),
    [
        ("relative direction", ["A. left", "B. right"], "mcq"),
        ("appearance order", ["A. x", "B. y"], "mcq"),
        ("object count", None, "mra"),
        ("room size", None, "mra"),
        ("object size", ["A. 10", "B. 20"], "mcq"),  # numeric asked as multiple choice
        ("localization", None, "iou"),
    ],
)
def test_metric_for(question_type: str, options: list[str] | None, metric: str) -> None:
    assert rewards.metric_for(question_type, options) == metric


def test_metric_for_rejects_mcq_without_options() -> None:
    with pytest.raises(ValueError, match="relative distance"):
        rewards.metric_for("relative distance", None)


def test_trl_reward_functions_on_conversational_completions() -> None:
    def chat(text: str) -> list[dict]:
        return [{"role": "assistant", "content": text}]

    completions = [
        chat("<think>right side</think><answer>B</answer>"),
        chat("B"),
        chat("<think>about</think><answer>12</answer>"),
        chat(_fenced(GT)),
    ]
    answers = ["B", "A", "10", json.dumps(GT)]
    metrics = ["mcq", "mcq", "mra", "iou"]
    assert rewards.format_reward(completions, answer=answers, metric=metrics) == [1.0, 0.0, 1.0, 0.0]
    assert rewards.accuracy_reward(completions, answer=answers, metric=metrics, trainer_state=None) == [
        1.0,
        0.0,
        pytest.approx(0.7),
        1.0,
    ]
    assert rewards.iou_reward([chat(_fenced(GT[:1]))], answer=[GT]) == [0.5]
    # plain-string completions (non-conversational datasets) work the same
    assert rewards.format_reward(["<think>a</think><answer>B</answer>"]) == [1.0]
