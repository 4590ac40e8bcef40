"""Localization rows: the boxes and labels of the objects each single-image question names."""

from __future__ import annotations

from ladderdata.generators import GenerationSettings
from ladderdata.generators.localization import LocalizationGenerator
from ladderdata.generators.single_image import SingleImageGenerator
from ladderdata.records import DataType, Family, QuestionType
from ladderdata.validators.recheck import recheck
from tests.generators.builders import look_pose, make_frame, make_object, make_scene, make_vis

SETTINGS = GenerationSettings(published_wording_share=1.0, enabled={"absolute_distance": False})


def _scene():
    chair = make_object(1, "chair", (-1.0, 3.0, 0.5), (0.5, 0.5, 1.0))
    radiator = make_object(2, "radiator", (1.0, 3.0, 0.4), (0.8, 0.2, 0.6))
    pose = look_pose((0.0, 0.0, 1.0), 90.0)
    vis = [make_vis(1, bbox=(1048, 82, 1296, 773)), make_vis(2, bbox=(81, 536, 736, 781))]
    return make_scene([chair, radiator], [make_frame(1070, vis, pose)], scan_id="scene0055_00")


def test_one_grounding_row_per_single_image_question():
    scene = _scene()
    singles = SingleImageGenerator(SETTINGS).generate(scene, seed=5)
    rows = LocalizationGenerator(SETTINGS).generate(scene, seed=5)
    assert len(rows) == len(singles) == 3  # two object sizes and one direction
    for single, row in zip(singles, rows, strict=True):
        assert row.linked_sample_id == single.sample_id
        assert row.question == single.question and row.image == single.image == ["scene0055_00/1070.jpg"]
        assert row.family == Family.localization and row.data_type == DataType.single_image
        assert row.question_type == QuestionType.localization and row.options is None
        assert recheck(row) is None
    direction = next(r for r in rows if r.reference["linked_question_type"] == "relative direction")
    boxes = {"chair": [1048, 82, 1296, 773], "radiator": [81, 536, 736, 781]}
    subject = direction.question.split(" is the ")[1].split(" ")[0]
    other = ({"chair", "radiator"} - {subject}).pop()
    # mention order: the subject first, then the reference object (as in the published example)
    assert [a.model_dump() for a in direction.answer] == [
        {"bbox_2d": boxes[subject], "label": subject},
        {"bbox_2d": boxes[other], "label": other},
    ]


def test_missing_box_refused():
    scene = _scene()
    gen = LocalizationGenerator(SETTINGS)
    singles = SingleImageGenerator(SETTINGS).generate(scene, seed=5)
    frame = scene.frames[0]
    vis = [v.model_copy(update={"bbox_2d": None}) if v.instance_id == 2 else v for v in frame.visibility]
    stripped = scene.model_copy(update={"frames": [frame.model_copy(update={"visibility": vis})]})
    rows = gen.ground(stripped, singles, seed=5)
    assert all("radiator" not in r.question for r in rows)
    assert gen.counts[("localization", "no_2d_box")] == 2  # the radiator's size and the direction
