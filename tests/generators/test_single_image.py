"""Single-image generator on hand-built scenes with hand-computed answers."""

from __future__ import annotations

import re

import pytest

from ladderdata.answer_format import parse_options
from ladderdata.generators import GenerationSettings
from ladderdata.generators.localization import LocalizationGenerator
from ladderdata.generators.single_image import SingleImageGenerator
from ladderdata.records import DataType, Family, QuestionType
from ladderdata.validators.recheck import recheck
from tests.generators.builders import look_pose, make_frame, make_object, make_scene, make_vis

QT = QuestionType
PUBLISHED = GenerationSettings(published_wording_share=1.0)
# one frame shows the pair well, and a family asks one question per (object set, image): keep the
# distance question out of the way of the direction one
DIRECTION_ONLY = GenerationSettings(published_wording_share=1.0, enabled={"absolute_distance": False})


def _answer_text(sample):
    return parse_options(sample.options, strict=True)[sample.answer]


def _of(samples, qt):
    return [s for s in samples if s.question_type == qt]


@pytest.fixture
def chair_radiator():
    """Camera at the origin looking along +y (camera x = world x, depth = world y).

    chair: centre (-1, 3, 0.5), size 0.5 x 0.5 x 1.0 -> x in [-1.25, -0.75], y in [2.75, 3.25]
    radiator: centre (1, 3, 0.4), size 0.8 x 0.2 x 0.6 -> x in [0.6, 1.4], y in [2.9, 3.1]
    Frame 10 shows the radiator poorly (visibility 0.1); frame 20 shows both well.
    """
    chair = make_object(1, "chair", (-1.0, 3.0, 0.5), (0.5, 0.5, 1.0))
    radiator = make_object(2, "radiator", (1.0, 3.0, 0.4), (0.8, 0.2, 0.6))
    wall = make_object(3, "wall", (0.0, 4.0, 1.5), (6.0, 0.1, 3.0))
    pose = look_pose((0.0, 0.0, 1.0), 90.0)
    frames = [
        make_frame(
            10, [make_vis(1, bbox=(10, 100, 300, 700)), make_vis(2, 0.1, bbox=(900, 500, 1200, 700))], pose
        ),
        make_frame(
            20,
            [make_vis(1, bbox=(20, 100, 310, 700)), make_vis(2, bbox=(910, 500, 1210, 700)), make_vis(3)],
            pose,
        ),
    ]
    return make_scene([chair, radiator, wall], frames)


def test_relative_direction_camera_centric(chair_radiator):
    gen = SingleImageGenerator(DIRECTION_ONLY)
    samples = _of(gen.generate(chair_radiator, seed=0), QT.relative_direction)
    assert len(samples) == 1
    s = samples[0]
    assert s.image == ["scene0001_00/20.jpg"] and s.frame_ids == [20]
    assert s.data_type == DataType.single_image and s.family == Family.single_image
    assert s.subtype == "camera"
    assert sorted(parse_options(s.options, strict=True).values()) == ["back", "front", "left", "right"]
    m = re.fullmatch(
        r"From the camera's perspective, is the (\w+) to the (\w+)'s left, right, front, or back\? "
        r"Directions are as seen from the camera, not the \2's own: left and right are the image's, and "
        r"front means closer to the camera\.",
        s.question,
    )
    assert m, s.question
    # the chair's x interval [-1.25, -0.75] is left of the radiator's [0.6, 1.4]; their depths overlap
    expected = {("chair", "radiator"): "left", ("radiator", "chair"): "right"}[m.groups()]
    assert _answer_text(s) == expected
    assert recheck(s) is None


def test_relative_direction_depends_on_the_camera(chair_radiator):
    # camera at (0, 6) looking along -y: camera right = world -x, so the chair (x = -1) is on the right
    pose = look_pose((0.0, 6.0, 1.0), 270.0)
    frames = [f.model_copy(update={"pose": pose}) for f in chair_radiator.frames]
    scene = chair_radiator.model_copy(update={"frames": frames})
    s = _of(SingleImageGenerator(DIRECTION_ONLY).generate(scene, seed=0), QT.relative_direction)[0]
    subject, reference = re.match(r".* is the (\w+) to the (\w+)'s", s.question).groups()
    assert _answer_text(s) == {"chair": "right", "radiator": "left"}[subject]
    assert {subject, reference} == {"chair", "radiator"}


def test_absolute_distance_and_size(chair_radiator):
    samples = SingleImageGenerator(PUBLISHED).generate(chair_radiator, seed=0)
    (dist,) = _of(samples, QT.absolute_distance)
    # x gap 0.6 - (-0.75) = 1.35 m; y and z intervals overlap; single image keeps 2 decimals
    assert dist.answer == "1.35" and dist.options is None
    sizes = {s.reference["objects"][0]["label"]: s.answer for s in _of(samples, QT.object_size)}
    assert sizes == {"chair": "100", "radiator": "80"}
    # the wall is excluded, and every sample uses the frame where both objects are well visible
    assert all("wall" not in s.question for s in samples)
    assert {tuple(s.frame_ids) for s in samples} == {(20,)}
    assert all(recheck(s) is None for s in samples)


def test_one_question_per_object_set_and_image(chair_radiator):
    gen = SingleImageGenerator(PUBLISHED)
    samples = gen.generate(chair_radiator, seed=0)
    assert len(_of(samples, QT.absolute_distance)) == 1
    assert _of(samples, QT.relative_direction) == []
    assert gen.counts[("relative direction", "duplicate")] == 1


def test_too_few_categories_for_relative_distance(chair_radiator):
    # chair and radiator (the wall is excluded): two categories, relative distance needs five
    gen = SingleImageGenerator()
    assert _of(gen.generate(chair_radiator, seed=0), QT.relative_distance) == []
    assert gen.counts[("relative distance", "too_few_categories")] == 1


def test_truncated_and_poorly_visible_objects_are_not_asked(chair_radiator):
    frames = [
        f.model_copy(update={"visibility": [v.model_copy(update={"truncated": True}) for v in f.visibility]})
        for f in chair_radiator.frames
    ]
    scene = chair_radiator.model_copy(update={"frames": frames})
    gen = SingleImageGenerator()
    assert gen.generate(scene, seed=0) == []
    assert gen.counts[("object size", "no_frame_with_all_visible")] == 1
    assert SingleImageGenerator(GenerationSettings(allow_truncated=True)).generate(scene, 0)


def test_duplicate_category_is_never_named(chair_radiator):
    second_chair = make_object(9, "chair", (2.0, 1.0, 0.5))
    scene = chair_radiator.model_copy(update={"objects": [*chair_radiator.objects, second_chair]})
    samples = SingleImageGenerator().generate(scene, seed=0)
    assert samples and all("chair" not in s.question for s in samples)


def test_overlapping_objects_refused():
    # a lamp standing on the table: overlapping on camera x and depth -> no camera-centric question
    table = make_object(1, "table", (0.0, 3.0, 0.4), (1.2, 0.8, 0.8))
    lamp = make_object(2, "lamp", (0.1, 3.1, 1.0), (0.3, 0.3, 0.4))
    scene = make_scene([table, lamp], [make_frame(0, [make_vis(1), make_vis(2)])])
    gen = SingleImageGenerator()
    assert _of(gen.generate(scene, seed=0), QT.relative_direction) == []
    assert gen.counts[("relative direction", "separation_too_small")] == 1
    # they touch, so the absolute distance (0 m) is refused too
    assert gen.counts[("absolute distance", "below_min_distance")] == 1


# five 0.2 m cubes on a line at x = 0, 1, 3, 5.1, 10: box distance = |dx| - 0.2
LINE = {"bed": 0.0, "chair": 1.0, "desk": 3.0, "lamp": 5.1, "sofa": 10.0}
NEAREST = {  # by hand from the box distances
    "bed": "chair",  # chair 0.8, desk 2.8, lamp 4.9, sofa 9.8
    "chair": "bed",  # bed 0.8, desk 1.8, lamp 3.9, sofa 8.8
    "desk": None,  # chair 1.8 vs lamp 1.9: 10 cm apart -> refused
    "lamp": "desk",  # desk 1.9, chair 3.9, sofa 4.7, bed 4.9
    "sofa": "lamp",  # lamp 4.7, desk 6.8, chair 8.8, bed 9.8
}


def _line_scene(area):
    objs = [
        make_object(i + 1, lab, (x, 5.0, 0.5), (0.2, 0.2, 0.2)) for i, (lab, x) in enumerate(LINE.items())
    ]
    frames = [make_frame(10 * k, [make_vis(i + 1) for i in range(5)]) for k in range(6)]
    return make_scene(objs, frames, area=area)


def test_relative_distance_against_hand_table():
    gen = SingleImageGenerator(PUBLISHED)
    primaries = set()
    for seed in range(12):
        for s in _of(gen.generate(_line_scene(20.0), seed), QT.relative_distance):
            primary = re.search(r"is the closest to the (\w+)\?", s.question).group(1)
            primaries.add(primary)
            assert NEAREST[primary] is not None
            assert _answer_text(s) == NEAREST[primary]
            assert s.reference["distances_m"][NEAREST[primary]] == pytest.approx(
                abs(LINE[primary] - LINE[NEAREST[primary]]) - 0.2
            )
            assert recheck(s) is None
    assert len(primaries) >= 3 and "desk" not in primaries
    assert gen.counts[("relative distance", "margin_too_small")] >= 1  # the desk's 10 cm case


def test_relative_distance_large_room_margin():
    # over 40 m2 the margin is 30 cm: the lamp's 4.7 vs 4.9 m (20 cm) is refused as well
    gen = SingleImageGenerator(PUBLISHED)
    primaries = set()
    for seed in range(12):
        for s in _of(gen.generate(_line_scene(45.0), seed), QT.relative_distance):
            primary = re.search(r"is the closest to the (\w+)\?", s.question).group(1)
            primaries.add(primary)
            assert primary in {"bed", "chair", "sofa"}
            assert s.reference["margin_rule"]["large_room_margin_m"] == 0.30
    assert primaries == {"bed", "chair", "sofa"}  # the loop saw every primary the margin allows
    assert gen.counts[("relative distance", "margin_too_small")] >= 1  # ... and refused some


def test_letters_balanced_within_a_scene():
    gen = SingleImageGenerator(GenerationSettings(max_per_scan_per_type=50))
    samples = _of(gen.generate(_line_scene(20.0), 0), QT.relative_direction)
    letters = [s.answer for s in samples if s.subtype == "camera"]
    assert len(letters) >= 4
    assert letters == ["ABCD"[i % 4] for i in range(len(letters))]


# --- relative distance: candidate visibility and multi-instance candidates ------------------------
#
# 0.2 m cubes on the line y = 5 (box distance = |dx| - 0.2). The bed is the only object shown whole in
# frame 10, so it is the only possible primary; the other objects touch the image border (truncated),
# which candidates may and the primary may not. The chair has two instances: chair 5 near the bed and
# chair 6 far from it. By hand, from the bed: chair 5 0.6 - 0.2 = 0.4, chair 6 4.0 - 0.2 = 3.8,
# desk 0.8, lamp 1.8, sofa 2.8 -> the closest category is the chair (0.4, 0.4 m ahead of the desk).
BED_LINE = {
    1: ("bed", 0.0),
    2: ("desk", 1.0),
    3: ("lamp", 2.0),
    4: ("sofa", 3.0),
    5: ("chair", -0.6),
    6: ("chair", 4.0),
}
BED_DISTANCES = {"chair": 0.4, "desk": 0.8, "lamp": 1.8, "sofa": 2.8}
BOXES = {1: (500, 400, 700, 600), 2: (800, 400, 1000, 600), 3: (1000, 100, 1296, 300), 4: (0, 700, 200, 968)}
BOXES |= {5: (300, 400, 480, 600), 6: (100, 100, 300, 300)}


def _bed_scene(shown=(1, 2, 3, 4, 5), truncated=(2, 3, 4, 5, 6), x=None, boxes=None):
    """Frame 10 shows the instances in `shown` (visibility 0.8, the boxes above)."""
    x = {**{i: pos for i, (_, pos) in BED_LINE.items()}, **(x or {})}
    boxes = {**BOXES, **(boxes or {})}
    objs = [make_object(i, lab, (x[i], 5.0, 0.5), (0.2, 0.2, 0.2)) for i, (lab, _) in BED_LINE.items()]
    vis = [make_vis(i, 0.8, bbox=boxes[i], truncated=i in truncated) for i in shown]
    return make_scene(objs, [make_frame(10, vis)], area=20.0)


def test_relative_distance_truncated_and_multi_instance_candidates():
    scene = _bed_scene()
    (s,) = _of(SingleImageGenerator(PUBLISHED).generate(scene, seed=0), QT.relative_distance)
    assert s.frame_ids == [10]
    m = re.fullmatch(
        r"Measuring from the closest point of each object, which of these objects \((.+)\) is the closest "
        r"to the bed\? If there are multiple instances of an object category, measure to the closest\.",
        s.question,
    )
    assert m, s.question
    choices = m.group(1).split(", ")
    assert (
        sorted(choices)
        == ["chair", "desk", "lamp", "sofa"]
        == sorted(parse_options(s.options, strict=True).values())
    )
    assert _answer_text(s) == "chair"
    assert s.reference["distances_m"] == pytest.approx(BED_DISTANCES)
    assert s.reference["instance_counts"] == {"chair": 2, "desk": 1, "lamp": 1, "sofa": 1}
    # mention order: the choices, then the primary; the chair is instance 5, the one in the image
    ids = {"bed": 1, "desk": 2, "lamp": 3, "sofa": 4, "chair": 5}
    assert s.reference["objects"] == [{"instance_id": ids[c], "label": c} for c in [*choices, "bed"]]
    assert recheck(s) is None
    # the grounding row boxes the one chair the image shows
    (row,) = LocalizationGenerator(PUBLISHED).ground(scene, [s], seed=0)
    assert row.linked_sample_id == s.sample_id
    assert [(a.label, a.bbox_2d) for a in row.answer] == [(c, list(BOXES[ids[c]])) for c in [*choices, "bed"]]


@pytest.mark.parametrize(
    ("scene_kwargs", "settings"),
    [
        # the far chair shows in the image too: "the chair" would be ambiguous in it
        ({"shown": (1, 2, 3, 4, 5, 6)}, {}),
        # only the far chair shows: the answer measures to the near one, which the image does not show
        # (measuring to the shown one would make the desk the answer)
        ({"shown": (1, 2, 3, 4, 6)}, {}),
        ({}, {"multi_instance_candidates": False}),
        # candidates must meet the primary's truncation rule when told so
        ({}, {"candidate_allow_truncated": False}),
        # the primary never may be truncated: with the bed cut by the border nothing can be primary
        ({"truncated": (1, 2, 3, 4, 5, 6)}, {}),
        # a candidate below the candidate box area (50 x 50 px = 0.2 % of the image)
        ({"boxes": {5: (300, 400, 350, 450)}}, {}),
    ],
)
def test_relative_distance_candidate_refusals(scene_kwargs, settings):
    gen = SingleImageGenerator(GenerationSettings(**settings))
    assert _of(gen.generate(_bed_scene(**scene_kwargs), seed=0), QT.relative_distance) == []
    assert gen.counts[("relative distance", "no_frame_with_all_visible")] == 1


def test_relative_distance_candidate_area_is_its_own_setting():
    scene = _bed_scene(boxes={5: (300, 400, 350, 450)})  # the chair's box covers 0.2 % of the image
    (s,) = _of(
        SingleImageGenerator(GenerationSettings(candidate_min_bbox_area_frac=0.001)).generate(scene, 0),
        QT.relative_distance,
    )
    assert _answer_text(s) == "chair"


def test_relative_distance_multi_instance_keeps_the_margins():
    # the near chair at x = -0.9: 0.7 m from the bed, 10 cm from the desk's 0.8 -> refused (15 cm rule)
    gen = SingleImageGenerator()
    assert _of(gen.generate(_bed_scene(x={5: -0.9}), seed=0), QT.relative_distance) == []
    assert gen.counts[("relative distance", "margin_too_small")] == 1
    # at x = -0.3 it is 0.1 m from the bed: under the 0.15 m closest rule
    gen = SingleImageGenerator()
    assert _of(gen.generate(_bed_scene(x={5: -0.3}), seed=0), QT.relative_distance) == []
    assert gen.counts[("relative distance", "closest_too_near")] == 1
