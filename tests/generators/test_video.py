"""Video generator: uniform frame sampling, appearance order over the whole clip, room size."""

from __future__ import annotations

import itertools

from ladderdata.answer_format import parse_options
from ladderdata.generators import GenerationSettings
from ladderdata.generators.video import VideoGenerator
from ladderdata.records import DataType, QuestionType, VideoRecord
from ladderdata.validators.recheck import recheck
from tests.generators.builders import make_frame, make_object, make_scene, make_vis

QT = QuestionType

# the clip plays its frames at 2 fps, so on the clip's own clock each step is 0.5 s (the sensor index,
# 12 apart, plays no part); the position at which each category first appears:
STRIDE = 12
FIRST_POSITION = {"bed": 0, "tv": 3, "sofa": 6, "lamp": 10, "desk": 11, "chair": 16}
FIRST_TIME = {lab: pos / 2 for lab, pos in FIRST_POSITION.items()}  # bed 0, tv 1.5, ..., desk 5.5
SAMPLED = [0, 6, 13, 19]  # round(linspace(0, 19, 4)) = 0, 6.33, 12.67, 19


def _objects():
    return [
        make_object(1, "bed", (0.0, 0.0, 0.3), (2.0, 1.6, 0.6)),
        make_object(2, "sofa", (3.0, 0.0, 0.4), (2.0, 0.9, 0.8)),
        make_object(3, "tv", (0.0, 3.0, 1.0), (1.0, 0.1, 0.6)),
        make_object(4, "lamp", (-2.0, 2.0, 0.8), (0.3, 0.3, 1.6)),
        make_object(5, "desk", (2.5, 3.0, 0.4), (1.2, 0.6, 0.8)),
        make_object(6, "chair", (2.5, 2.2, 0.5), (0.5, 0.5, 1.0)),
        make_object(7, "chair", (-1.0, -2.0, 0.5), (0.5, 0.5, 1.0)),
    ]


def _visible(label: str, pos: int) -> bool:
    if label == "tv":  # seen only between sampled frames: positions 3, 4, 5
        return 3 <= pos <= 5
    return pos >= FIRST_POSITION[label]


def _scene(area=23.456, video=True):
    objs = _objects()
    frames = [
        make_frame(STRIDE * pos, [make_vis(o.instance_id) for o in objs if _visible(o.label, pos)])
        for pos in range(20)
    ]
    # the video record plays every frame at 2 fps: times are position / 2
    rec = VideoRecord(fps=2.0, frame_indices=[STRIDE * p for p in range(20)]) if video else None
    return make_scene(objs, frames, area=area, video=rec)


SETTINGS = GenerationSettings(video_num_frames=4, max_per_scan_per_type=50, published_wording_share=1.0)
ALL_SHOWN = SETTINGS.model_copy(update={"video_num_frames": 20})
"""Every frame of the clip is shown: only the time gap rule refuses appearance orders."""


def _of(samples, qt):
    return [s for s in samples if s.question_type == qt]


def test_media_are_the_uniformly_sampled_frames():
    samples = VideoGenerator(SETTINGS).generate(_scene(), seed=0)
    assert samples
    for s in samples:
        assert s.data_type == DataType.video
        assert s.image == [f"scene0001_00/{STRIDE * p}.jpg" for p in SAMPLED]
        assert s.frame_ids == [STRIDE * p for p in SAMPLED]
        assert recheck(s) is None


def test_appearance_order_uses_every_frame_and_refuses_half_second_gaps():
    gen = VideoGenerator(ALL_SHOWN)
    samples = _of(gen.generate(_scene(), seed=0), QT.appearance_order)
    # 6 categories -> 15 sets of 4; the 6 holding both lamp (5.0 s) and desk (5.5 s) are refused
    assert gen.counts[("appearance order", "appearance_gap_too_small")] == 6
    assert len(samples) == 9
    for s in samples:
        listed = s.question.split("in the video: ")[1].rstrip("?").split(", ")
        assert not {"lamp", "desk"} <= set(listed)
        expected = ", ".join(sorted(listed, key=FIRST_TIME.__getitem__))
        options = list(parse_options(s.options, strict=True).values())
        assert options[ord(s.answer) - ord("A")] == expected
        assert len(set(options)) == 4
        assert all(sorted(o.split(", ")) == sorted(listed) for o in options)
        assert s.reference["first_appearance_s"] == {lab: FIRST_TIME[lab] for lab in listed}


def test_appearance_order_answerable_from_the_shown_frames():
    # shown: positions 0, 6, 13, 19. The tv (3..5) is never in them; lamp (10) and desk (11) first show
    # in the same frame (13). Of the 15 sets, 6 hold lamp and desk (0.5 s apart: gap rule first), the 7
    # others with the tv never appear in the shown frames, and 2 are answerable from what they show.
    gen = VideoGenerator(SETTINGS)
    samples = _of(gen.generate(_scene(), seed=0), QT.appearance_order)
    assert gen.counts[("appearance order", "appearance_gap_too_small")] == 6
    assert gen.counts[("appearance order", "never_appears")] == 7
    listed = sorted(tuple(sorted(s.reference["first_appearance_s"])) for s in samples)
    assert listed == [("bed", "chair", "desk", "sofa"), ("bed", "chair", "lamp", "sofa")]
    for s in samples:
        assert sorted(s.reference["first_shown_frame"].values()) == [0, 1, 2, 3]
        assert recheck(s) is None


def test_times_without_video_record_use_the_settings_rate():
    # no video record: the clip is every frame, played at `video_fps` (here 4 fps: 0.25 s a step)
    settings = ALL_SHOWN.model_copy(update={"video_fps": 4.0})
    samples = _of(VideoGenerator(settings).generate(_scene(video=False), seed=0), QT.appearance_order)
    assert samples
    for s in samples:
        times = s.reference["first_appearance_s"]
        assert times == {lab: FIRST_POSITION[lab] / 4.0 for lab in times}


def test_video_record_limits_the_clip():
    scene = _scene()
    short = scene.video.model_copy(update={"frame_indices": [STRIDE * p for p in range(18)]})
    samples = VideoGenerator(SETTINGS).generate(scene.model_copy(update={"video": short}), seed=0)
    # round(linspace(0, 17, 4)) = 0, 6, 11, 17
    assert samples and all(s.frame_ids == [STRIDE * p for p in (0, 6, 11, 17)] for s in samples)


def test_room_size_count_size_distance():
    gen = VideoGenerator(SETTINGS)
    samples = gen.generate(_scene(), seed=0)
    (room,) = _of(samples, QT.room_size)
    assert room.answer == "23.5" and room.options is None
    assert room.question == (
        "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of "
        "the combined space."
    )
    (count,) = _of(samples, QT.object_count)
    assert count.question == "How many chair(s) are in this room?" and count.answer == "2"
    sizes = {s.reference["objects"][0]["label"]: s.answer for s in _of(samples, QT.object_size)}
    # the tv is never shown in a sampled frame, so it is not asked about
    assert sizes == {"bed": "200", "sofa": "200", "lamp": "160", "desk": "120"}
    assert gen.counts[("object size", "object_not_shown")] == 1
    dist = {
        frozenset(o["label"] for o in s.reference["objects"]): s.answer
        for s in _of(samples, QT.absolute_distance)
    }
    # bed x in [-1, 1], sofa x in [2, 4]: 1 m apart (y and z overlap); video rounds to 0.1 m
    assert dist[frozenset({"bed", "sofa"})] == "1"
    # desk [1.9, 3.1] x [2.7, 3.3] x [0, 0.8]; sofa [2, 4] x [-0.45, 0.45] x [0, 0.8]: 2.25 m in y
    assert dist[frozenset({"desk", "sofa"})] == "2.3"


def test_room_size_refused_without_area():
    gen = VideoGenerator(SETTINGS)
    assert _of(gen.generate(_scene(area=0.0), seed=0), QT.room_size) == []
    assert gen.counts[("room size", "no_room_area")] == 1


def test_every_sample_distinct():
    samples = VideoGenerator(SETTINGS).generate(_scene(), seed=0)
    ids = [s.sample_id for s in samples]
    assert len(ids) == len(set(ids))
    keys = [(s.question_type, frozenset(o["label"] for o in s.reference.get("objects", []))) for s in samples]
    non_order = [k for k, s in zip(keys, samples, strict=True) if s.question_type != QT.appearance_order]
    assert len(non_order) == len(set(non_order))


def test_permutation_distractors_cover_choices():
    # the three distractors are other orders of the same four categories
    samples = _of(VideoGenerator(SETTINGS).generate(_scene(), seed=4), QT.appearance_order)
    assert samples  # the scene has enough categories for the question
    for s in samples:
        options = list(parse_options(s.options, strict=True).values())
        cats = sorted(options[0].split(", "))
        assert len(cats) == 4
        perms = {", ".join(p) for p in itertools.permutations(cats)}
        assert len(set(options)) == 4  # four distinct orders: the answer and three distractors
        assert set(options) <= perms
