"""Multi-view generator: 8 views spread over the trajectory that show every needed object."""

from __future__ import annotations

import math
import re

import pytest

from ladderdata.answer_format import parse_options
from ladderdata.generators import GenerationSettings
from ladderdata.generators.multi_view import MultiViewGenerator
from ladderdata.records import DataType, QuestionType
from ladderdata.validators.recheck import recheck
from tests.generators.builders import make_frame, make_object, make_scene, make_vis

QT = QuestionType


def _answer_text(s):
    return parse_options(s.options, strict=True)[s.answer]


def _of(samples, qt):
    return [s for s in samples if s.question_type == qt]


def _scene(objects, shows: dict[int, list[int]], n_frames=12, area=20.0):
    """Frames 0, 10, ...; `shows[instance_id]` = frame positions where the object is well seen."""
    frames = [
        make_frame(10 * k, [make_vis(i) for i, positions in shows.items() if k in positions])
        for k in range(n_frames)
    ]
    return make_scene(objects, frames, area=area)


def test_object_count_views_cover_every_instance():
    chairs = [make_object(i, "chair", (i, 0.0, 0.5)) for i in (1, 2, 3)]
    scene = _scene(chairs, {1: [0], 2: [5], 3: [11]})
    gen = MultiViewGenerator(GenerationSettings(published_wording_share=1.0))
    (s,) = _of(gen.generate(scene, seed=0), QT.object_count)
    assert s.question == "How many chair(s) are in this room?"
    assert s.answer == "3" and s.options is None and s.data_type == DataType.multi_view
    assert len(s.image) == 8 and len(set(s.frame_ids)) == 8 and s.frame_ids == sorted(s.frame_ids)
    assert {0, 50, 110} <= set(s.frame_ids)
    assert all(p == f"scene0001_00/{i}.jpg" for p, i in zip(s.image, s.frame_ids, strict=True))
    assert recheck(s) is None


def test_views_spread_over_the_trajectory():
    chairs = [make_object(i, "chair", (i, 0.0, 0.5)) for i in (1, 2)]
    scene = _scene(chairs, {1: [0], 2: [1]}, n_frames=40)
    (s,) = _of(MultiViewGenerator().generate(scene, seed=3), QT.object_count)
    ids = s.frame_ids
    assert {0, 10} <= set(ids) and max(ids) == 390  # the cover frames, then the far end of the trajectory
    gaps = [b - a for a, b in zip(ids, ids[1:], strict=False)]
    # 40 frames, 8 views: a fair share is 39 / 7 = 5.6 positions; farthest-point filling keeps every gap
    # within two shares (11 positions = 110 frame indices)
    assert max(gaps) <= 110


def test_count_refused_when_an_instance_is_never_shown():
    cups = [make_object(i, "cup", (i, 0.0, 0.5), (0.1, 0.1, 0.1)) for i in (1, 2)]
    scene = _scene(cups, {1: [0]})  # cup 2 never seen
    gen = MultiViewGenerator()
    assert _of(gen.generate(scene, seed=0), QT.object_count) == []
    assert gen.counts[("object count", "objects_not_jointly_visible")] == 1


def test_too_few_frames():
    chairs = [make_object(i, "chair", (i, 0.0, 0.5)) for i in (1, 2)]
    scene = _scene(chairs, {1: [0], 2: [1]}, n_frames=5)
    gen = MultiViewGenerator()
    assert gen.generate(scene, seed=0) == []
    assert gen.counts[("object count", "too_few_frames")] == 1


def test_no_categories_to_count_or_name():
    scene = _scene([make_object(1, "wall", (0, 0, 1.5), (5, 0.1, 3))], {1: [0]})
    gen = MultiViewGenerator()
    assert gen.generate(scene, seed=0) == []
    assert gen.counts[("object count", "too_few_categories")] == 1
    assert gen.counts[("relative direction", "too_few_unique_objects")] == 1


# A = (0, 0), B = (0, 2), C = (-1, 1): every role assignment, by hand (angle CCW from P->O to P->Q)
TRIANGLE = {"bed": (0.0, 0.0), "desk": (0.0, 2.0), "sofa": (-1.0, 1.0)}
EXPECTED = {
    ("bed", "desk", "sofa"): {"hard": "front-left", "medium": "left", "easy": "left"},  # 45
    ("bed", "sofa", "desk"): {"hard": "front-right", "medium": "right", "easy": "right"},  # 315
    ("desk", "bed", "sofa"): {"hard": "front-right", "medium": "right", "easy": "right"},  # 315
    ("desk", "sofa", "bed"): {"hard": "front-left", "medium": "left", "easy": "left"},  # 45
    # 90 and 270 are boundaries of hard and of easy (whose refused back half is [90, 270))
    ("sofa", "bed", "desk"): {"hard": None, "medium": "left", "easy": None},  # 90
    ("sofa", "desk", "bed"): {"hard": None, "medium": "right", "easy": None},  # 270
}
ALLO = re.compile(r"If I am standing by the (\w+) and facing the (\w+), is the (\w+) to ")


def _triangle_scene(points):
    objs = [
        make_object(i + 1, lab, (x, y, 0.5), (0.2, 0.2, 0.2))
        for i, (lab, (x, y)) in enumerate(points.items())
    ]
    return _scene(objs, {1: [0, 3], 2: [4, 7], 3: [8, 11]})


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_allocentric_direction_by_hand(difficulty):
    settings = GenerationSettings(published_wording_share=1.0, direction_difficulties=(difficulty,))
    gen = MultiViewGenerator(settings)
    seen = 0
    for seed in range(10):
        for s in _of(gen.generate(_triangle_scene(TRIANGLE), seed), QT.relative_direction):
            roles = ALLO.match(s.question).groups()
            assert EXPECTED[roles][difficulty] is not None
            assert s.subtype == difficulty
            assert _answer_text(s) == EXPECTED[roles][difficulty]
            assert sorted(parse_options(s.options, strict=True).values()) == sorted(
                {"easy": ["left", "right"], "medium": ["left", "right", "back"]}.get(
                    difficulty, ["front-left", "front-right", "back-left", "back-right"]
                )
            )
            assert recheck(s) is None
            seen += 1
    assert seen >= 5


def test_direction_5_degrees_from_a_boundary_is_refused():
    # right triangle with angles 90 (at bed), 85 (at desk) and 5 (at sofa): from every vertex the other
    # two lie within 5 degrees of a quadrant boundary, so no hard question exists
    leg = 4.0 * math.tan(math.radians(5.0))
    points = {"bed": (0.0, 0.0), "desk": (0.0, leg), "sofa": (4.0, 0.0)}
    gen = MultiViewGenerator(GenerationSettings(direction_difficulties=("hard",)))
    for seed in range(4):
        assert _of(gen.generate(_triangle_scene(points), seed), QT.relative_direction) == []
    assert gen.counts[("relative direction", "near_sector_boundary")] == 4


def test_difficulties_alternate():
    gen = MultiViewGenerator(GenerationSettings(max_per_scan_per_type=3))
    (sample,) = _of(gen.generate(_triangle_scene(TRIANGLE), 1), QT.relative_direction)
    # one object set -> one question, at the first difficulty in the order easy, medium, hard that the
    # drawn role order allows: the draw picks a role order whose easy answer holds (not the 90/270 ones)
    roles = tuple(o["label"] for o in sample.reference["objects"])  # stand by, face, locate
    assert sample.subtype == "easy" and EXPECTED[roles]["easy"] is not None
    assert _answer_text(sample) == EXPECTED[roles]["easy"]


def test_relative_distance_refuses_candidates_10cm_apart():
    # the tv is the only unique category, so it is always the primary; cup and plant are 10 cm apart
    tv = make_object(1, "tv", (0.0, 0.0, 1.0), (0.2, 0.2, 0.2))
    objs = [tv]
    # box distance to the tv = centre distance - 0.2 (0.2 m cubes on the x axis)
    for i, (lab, x) in enumerate([("cup", 1.2), ("plant", 1.3), ("book", 2.2), ("shoe", 3.2)]):
        objs.append(make_object(10 + i, lab, (x, 0.0, 1.0), (0.2, 0.2, 0.2)))
        objs.append(make_object(20 + i, lab, (-x - 3.0, 0.0, 1.0), (0.2, 0.2, 0.2)))  # a farther twin
    shows = {o.instance_id: [0] for o in objs}
    gen = MultiViewGenerator()
    assert _of(gen.generate(_scene(objs, shows), 0), QT.relative_distance) == []
    assert gen.counts[("relative distance", "margin_too_small")] == 1

    # move the plant 25 cm farther: plant 1.35, cup 1.0, book 2.0, shoe 3.0 m -> the cup
    objs = [
        o if o.instance_id != 11 else make_object(11, "plant", (1.55, 0.0, 1.0), (0.2, 0.2, 0.2))
        for o in objs
    ]
    (s,) = _of(
        MultiViewGenerator(GenerationSettings(published_wording_share=1.0)).generate(_scene(objs, shows), 0),
        QT.relative_distance,
    )
    assert _answer_text(s) == "cup"
    assert s.reference["distances_m"] == pytest.approx({"cup": 1.0, "plant": 1.35, "book": 2.0, "shoe": 3.0})
    assert s.question.endswith(
        "If there are multiple instances of an object category, measure to the closest."
    )
    assert recheck(s) is None
