"""Scans that cannot support a question type produce no samples of it and say why, never crash."""

from __future__ import annotations

import pytest

from ladderdata.generators import GENERATORS, GenerationSettings
from tests.generators.builders import make_frame, make_object, make_scene, make_vis


@pytest.mark.parametrize("family", list(GENERATORS))
def test_empty_scan(family):
    gen = GENERATORS[family](GenerationSettings())
    assert gen.generate(make_scene([], []), seed=0) == []
    if family != "localization":  # localization grounds single-image rows, of which there are none
        assert gen.counts and sum(gen.counts.values()) >= len(gen.question_types)


def test_scan_with_objects_but_no_frames():
    objs = [
        make_object(i, lab, (i, 0, 0.5)) for i, lab in enumerate(["bed", "sofa", "tv", "lamp", "desk"], 1)
    ]
    scene = make_scene(objs, [])
    for cls in GENERATORS.values():
        assert cls(GenerationSettings()).generate(scene, seed=0) == []
    video = GENERATORS["video"](GenerationSettings())
    video.generate(scene, seed=0)
    assert video.counts[("room size", "too_few_frames")] == 1
    assert video.counts[("appearance order", "too_few_categories")] == 1


def test_only_structure_and_duplicates():
    objs = [
        make_object(1, "wall", (0, 0, 1.5), (4, 0.1, 3)),
        make_object(2, "floor", (0, 0, 0), (4, 4, 0.01)),
        make_object(3, "chair", (1, 1, 0.5)),
        make_object(4, "chair", (2, 1, 0.5)),
    ]
    frames = [make_frame(10 * k, [make_vis(i) for i in range(1, 5)]) for k in range(10)]
    scene = make_scene(objs, frames)
    single = GENERATORS["single_image"](GenerationSettings())
    assert single.generate(scene, seed=0) == []
    assert single.counts[("object size", "too_few_unique_objects")] == 1
    multi = GENERATORS["multi_view"](GenerationSettings())
    samples = multi.generate(scene, seed=0)
    # the only question: how many chairs (walls and floors are never asked about)
    assert [(s.question_type.value, s.answer) for s in samples] == [("object count", "2")]


def test_visibility_of_unknown_instances_is_ignored():
    objs = [make_object(1, "bed", (0, 3, 0.3), (2, 1.6, 0.6))]
    scene = make_scene(objs, [make_frame(0, [make_vis(1), make_vis(99)])])
    samples = GENERATORS["single_image"](GenerationSettings()).generate(scene, seed=0)
    assert [s.answer for s in samples] == ["200"]
