"""Schema validator: well-formed rows pass; each kind of malformed row is dropped with its own reason."""

from __future__ import annotations

import pytest

from ladderdata.records import DataType, GroundingAnswer
from ladderdata.validators.schema import SchemaValidator
from tests.fixtures.build import make_qa


@pytest.mark.parametrize(
    ("family", "qtype"),
    [
        ("single_image", "relative direction"),
        ("single_image", "object size"),
        ("multi_view", "object count"),
        ("video", "appearance order"),
        ("video", "room size"),
        ("localization", "localization"),
    ],
)
def test_well_formed_rows_pass(family: str, qtype: str) -> None:
    v = SchemaValidator()
    assert v(make_qa(family, qtype)) is None
    assert v.counts.kept == 1 and v.counts.dropped_total == 0


def _reason(sample) -> str | None:
    return SchemaValidator().check(sample)


def test_mcq_rules() -> None:
    assert _reason(make_qa(options=["A) left", "B) right"])) == "bad_option_format"
    assert _reason(make_qa(options=["A. left", "C. right"])) == "option_letters_not_sequential"
    assert _reason(make_qa(options=["A. left", "B. Left"])) == "repeated_option"
    assert _reason(make_qa(options=["A. left", "B. right"], answer="C")) == "answer_not_an_option"
    assert _reason(make_qa(options=None)) == "mcq_without_options"
    assert _reason(make_qa(options=["A. left"], answer="A")) == "mcq_without_options"


def test_numeric_rules() -> None:
    assert _reason(make_qa(question_type="object size", answer="193")) is None
    assert _reason(make_qa(question_type="object size", answer="1.35")) is None
    assert _reason(make_qa(question_type="object size", answer="about 2")) == "answer_not_a_number"
    assert _reason(make_qa(question_type="object size", answer="-3")) == "answer_not_a_number"
    assert _reason(make_qa(question_type="object size", answer="nan")) == "answer_not_a_number"
    # a numeric question asked as multiple choice is checked like an MCQ
    mcq = make_qa(question_type="object size", options=["A. 10", "B. 20"], answer="B")
    assert _reason(mcq) is None


def test_family_and_type_consistency() -> None:
    # room size is a video-only question type
    assert _reason(make_qa("single_image", "room size")) == "question_type_not_in_family"
    # appearance order is not a multi-view type
    assert _reason(make_qa("multi_view", "appearance order")) == "question_type_not_in_family"
    wrong = make_qa("multi_view", "object count").model_copy(update={"data_type": DataType.video})
    assert _reason(wrong) == "data_type_mismatch"


def test_images() -> None:
    assert _reason(make_qa(frames=[10, 20])) == "image_count"  # single image with two images
    assert _reason(make_qa("multi_view", "object count", frames=[10])) == "image_count"
    assert _reason(make_qa("video", "object count", frames=[10, 10, 20])) == "repeated_image"
    other_scan = make_qa().model_copy(update={"image": ["scene0999_00/10.jpg"]})
    assert _reason(other_scan) == "bad_image_path"
    absolute = make_qa().model_copy(update={"image": ["/data/scene0001_00/10.jpg"]})
    assert _reason(absolute) == "bad_image_path"


def test_grounding_rules() -> None:
    def box(b):
        return make_qa("localization", answer=[GroundingAnswer(bbox_2d=b, label="chair")])

    assert _reason(box([10, 10, 5, 50])) == "bad_bbox"  # x2 < x1
    assert _reason(box([-1, 10, 5, 50])) == "bad_bbox"
    assert _reason(make_qa("localization", answer=[])) == "empty_grounding_answer"
    outside = make_qa(
        "localization",
        answer=[GroundingAnswer(bbox_2d=[0, 0, 1297, 968], label="chair")],
        reference={"image_size": [1296, 968]},
    )
    assert _reason(outside) == "bbox_outside_image"
    inside = outside.model_copy(
        update={"answer": [GroundingAnswer(bbox_2d=[0, 0, 1296, 968], label="chair")]}
    )
    assert _reason(inside) is None
    unlinked = make_qa("localization").model_copy(update={"linked_sample_id": None})
    assert _reason(unlinked) == "missing_linked_sample"
    assert (
        _reason(make_qa("localization", answer=[GroundingAnswer(bbox_2d=[0, 0, 5, 5], label=" ")]))
        == "empty_label"
    )


def test_counts_per_reason() -> None:
    v = SchemaValidator()
    for s in [make_qa(), make_qa(frames=[1, 2]), make_qa(frames=[3, 4]), make_qa(options=["A. x", "C. y"])]:
        v(s)
    assert v.counts.to_dict() == {
        "kept": 1,
        "dropped": {"image_count": 2, "option_letters_not_sequential": 1},
        "dropped_total": 3,
    }
