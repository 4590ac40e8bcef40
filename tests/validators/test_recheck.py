"""Answer re-check: hand-written samples, tampered samples, and every generated type."""

from __future__ import annotations

import math

import pytest

from ladderdata.generators import GENERATORS, GenerationSettings, LetterBalancer, reletter
from ladderdata.records import DataType, Family, GroundingAnswer, QASample, QuestionType
from ladderdata.validators.recheck import recheck

QT = QuestionType


def _sample(qt, answer, reference, options=None, subtype=None, family=Family.video):
    return QASample(
        question="q?",
        options=options,
        answer=answer,
        image=["s/0.jpg"],
        question_type=qt,
        data_type=DataType.video if family != Family.localization else DataType.single_image,
        sample_id="x",
        family=family,
        source="test",
        scene_id="s",
        frame_ids=[0],
        template_id="t#0",
        seed=0,
        generator_version="1",
        subtype=subtype,
        reference=reference,
    )


RD_REF = {
    "primary": "tv",
    "distances_m": {"chair": 1.0, "table": 1.5, "sofa": 2.0, "lamp": 2.5},
    "room_area_m2": 20.0,
    "margin_rule": {"margin_m": 0.15, "large_room_margin_m": 0.30, "large_room_area_m2": 40.0},
    "min_closest_m": 0.15,
}
RD_OPTIONS = ["A. table", "B. chair", "C. sofa", "D. lamp"]


def test_relative_distance_hand_sample():
    assert recheck(_sample(QT.relative_distance, "B", RD_REF, RD_OPTIONS)) is None
    assert recheck(_sample(QT.relative_distance, "A", RD_REF, RD_OPTIONS)) == "option_letter_mismatch"
    assert recheck(_sample(QT.relative_distance, "E", RD_REF, RD_OPTIONS)) == "option_letter_mismatch"
    bad_opts = ["A. table", "B. chair", "C. sofa", "D. bed"]
    assert recheck(_sample(QT.relative_distance, "B", RD_REF, bad_opts)) == "options_mismatch"
    assert (
        recheck(_sample(QT.relative_distance, "B", RD_REF, ["table", "chair", "sofa", "lamp"]))
        == "bad_options"
    )
    close = {**RD_REF, "distances_m": {**RD_REF["distances_m"], "table": 1.1}}
    assert recheck(_sample(QT.relative_distance, "B", close, RD_OPTIONS)) == "margin_too_small"
    # 1.0 vs 1.2 passes in a 20 m2 room, but not in a 45 m2 room (30 cm margin)
    medium = {**RD_REF, "distances_m": {**RD_REF["distances_m"], "table": 1.2}}
    assert recheck(_sample(QT.relative_distance, "B", medium, RD_OPTIONS)) is None
    big_room = {**medium, "room_area_m2": 45.0}
    assert recheck(_sample(QT.relative_distance, "B", big_room, RD_OPTIONS)) == "margin_too_small"
    missing = {k: v for k, v in RD_REF.items() if k != "margin_rule"}
    assert recheck(_sample(QT.relative_distance, "B", missing, RD_OPTIONS)) == "missing_reference"


def test_numeric_hand_samples():
    size = {"size_m": [0.4, 1.234, 0.8], "longest_side_m": 1.234, "decimals": 0}
    assert recheck(_sample(QT.object_size, "123", size)) is None
    assert recheck(_sample(QT.object_size, "124", size)) == "answer_mismatch"
    assert (
        recheck(_sample(QT.object_size, "123", {**size, "longest_side_m": 0.8})) == "reference_inconsistent"
    )
    assert recheck(_sample(QT.object_size, "123", size, options=["A. 123"])) == "bad_options"
    dist = {"distance_m": 1.349, "min_distance_m": 0.2, "decimals": 1}
    assert recheck(_sample(QT.absolute_distance, "1.3", dist)) is None
    assert recheck(_sample(QT.absolute_distance, "1.35", dist)) == "answer_mismatch"
    assert recheck(_sample(QT.absolute_distance, "0.1", {**dist, "distance_m": 0.1})) == "below_min_distance"
    assert recheck(_sample(QT.room_size, "23.5", {"area_m2": 23.456, "decimals": 1})) is None
    count = {"category": "chair", "instance_ids": [3, 5, 9], "count": 3}
    assert recheck(_sample(QT.object_count, "3", count)) is None
    assert recheck(_sample(QT.object_count, "4", count)) == "answer_mismatch"
    assert recheck(_sample(QT.object_count, "3", {**count, "count": 4})) == "reference_inconsistent"


def _allo_ref(q):
    return {
        "difficulty": "hard",
        "positioning_xy": [0.0, 0.0],
        "orienting_xy": [0.0, 2.0],
        "querying_xy": list(q),
        "querying_corners_xy": [list(q)] * 8,
        "angle_deg": math.degrees(math.atan2(-q[0], q[1])) % 360.0,
        "margin_deg": 10.0,
        "pair_distance_range_m": [0.3, 5.0],
        "max_corners_off": 2,
    }


HARD = ["A. front-left", "B. front-right", "C. back-left", "D. back-right"]


def test_allocentric_hand_sample():
    ref = _allo_ref((-1.0, 1.0))  # 45 deg: front-left
    assert recheck(_sample(QT.relative_direction, "A", ref, HARD, "hard")) is None
    assert recheck(_sample(QT.relative_direction, "B", ref, HARD, "hard")) == "option_letter_mismatch"
    assert recheck(_sample(QT.relative_direction, "A", ref, HARD, "medium")) == "subtype_mismatch"
    near = _allo_ref((-1.0, 0.0875))  # 85 deg: 5 deg from the 90 deg boundary
    assert recheck(_sample(QT.relative_direction, "A", near, HARD, "hard")) == "near_sector_boundary"
    moved = {**ref, "querying_xy": [1.0, 1.0]}  # positions no longer give the recorded angle
    assert recheck(_sample(QT.relative_direction, "A", moved, HARD, "hard")) == "reference_inconsistent"


def test_camera_direction_hand_sample():
    ref = {
        "subject_extent": {"x": [-1.25, -0.75], "z": [2.75, 3.25]},
        "reference_extent": {"x": [0.6, 1.4], "z": [2.9, 3.1]},
        "min_separation_m": 0.15,
    }
    opts = ["A. left", "B. right", "C. front", "D. back"]
    assert recheck(_sample(QT.relative_direction, "A", ref, opts, "camera", Family.single_image)) is None
    assert recheck(_sample(QT.relative_direction, "B", ref, opts, "camera", Family.single_image)) == (
        "option_letter_mismatch"
    )
    assert recheck(_sample(QT.relative_direction, "A", ref, opts, "diagonal", Family.single_image)) == (
        "subtype_mismatch"
    )


def test_appearance_order_hand_sample():
    ref = {"first_appearance_s": {"bed": 0.0, "tv": 1.5, "sofa": 3.0, "lamp": 5.0}, "min_gap_s": 1.0}
    opts = [
        "A. tv, bed, sofa, lamp",
        "B. bed, tv, sofa, lamp",
        "C. lamp, sofa, tv, bed",
        "D. bed, sofa, tv, lamp",
    ]
    assert recheck(_sample(QT.appearance_order, "B", ref, opts)) is None
    assert recheck(_sample(QT.appearance_order, "A", ref, opts)) == "option_letter_mismatch"
    half = {**ref, "first_appearance_s": {**ref["first_appearance_s"], "tv": 0.5}}
    assert recheck(_sample(QT.appearance_order, "B", half, opts)) == "appearance_gap_too_small"
    foreign = [*opts[:3], "D. bed, sofa, tv, desk"]
    assert recheck(_sample(QT.appearance_order, "B", ref, foreign)) == "options_mismatch"


def test_localization_hand_sample():
    ref = {
        "objects": [{"instance_id": 1, "label": "chair", "bbox_2d": [1048, 82, 1296, 773]}],
        "image_size": [1296, 968],
    }
    good = [GroundingAnswer(bbox_2d=[1048, 82, 1296, 773], label="chair")]
    assert recheck(_sample(QT.localization, good, ref, family=Family.localization)) is None
    moved = [GroundingAnswer(bbox_2d=[1000, 82, 1296, 773], label="chair")]
    assert recheck(_sample(QT.localization, moved, ref, family=Family.localization)) == "bad_box"
    outside = {**ref, "objects": [{**ref["objects"][0], "bbox_2d": [1048, 82, 1300, 773]}]}
    wide = [GroundingAnswer(bbox_2d=[1048, 82, 1300, 773], label="chair")]
    assert recheck(_sample(QT.localization, wide, outside, family=Family.localization)) == "bad_box"


@pytest.fixture(scope="module")
def generated():
    from tests.generators.test_video import _scene

    settings = GenerationSettings(video_num_frames=4, max_per_scan_per_type=50)
    return [s for fam in GENERATORS for s in GENERATORS[fam](settings).generate(_scene(), seed=1)]


def test_every_generated_sample_rechecks(generated):
    types = {(s.family, s.question_type) for s in generated}
    assert len(types) >= 15
    assert [s for s in generated if recheck(s) is not None] == []


def test_reletter_keeps_samples_consistent(generated):
    balancer = LetterBalancer()
    for s in generated:
        assert recheck(reletter(s, balancer)) is None


def test_tampered_generated_answers_are_caught(generated):
    for s in generated:
        if s.question_type.is_mcq:
            wrong = next(letter for letter in "ABCD"[: len(s.options)] if letter != s.answer)
            assert recheck(s.model_copy(update={"answer": wrong})) == "option_letter_mismatch"
        elif s.question_type != QT.localization:
            assert recheck(s.model_copy(update={"answer": s.answer + "1"})) == "answer_mismatch"
