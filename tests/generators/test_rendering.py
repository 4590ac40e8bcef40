"""Templates: the first phrasing reproduces the published wording; errors name the file and line."""

from __future__ import annotations

import random

import pytest

from ladderdata.errors import TemplateError
from ladderdata.generators.rendering import TemplateRenderer, or_list
from ladderdata.generators.settings import FAMILY_QUESTION_TYPES, GenerationSettings
from ladderdata.records import Family, QuestionType

QT = QuestionType

VARIABLES = {
    QT.absolute_distance: {"object_a": "bed", "object_b": "sofa"},
    QT.object_size: {"object": "chair"},
    QT.object_count: {"category": "chair"},
    QT.room_size: {},
    QT.relative_distance: {
        "primary": "tv",
        "choices": ["sofa", "lamp", "bed", "table"],
        "multi_instance": False,
    },
    QT.appearance_order: {"categories": ["sofa", "lamp", "bed", "table"]},
}

# VSI-Bench / SpatialLadder wording, written out by hand
PUBLISHED = {
    QT.absolute_distance: "Measuring from the closest point of each object, what is the direct distance "
    "between the bed and the sofa (in meters)?",
    QT.object_size: "What is the length of the longest dimension (length, width, or height) of the chair, "
    "measured in centimeters?",
    QT.object_count: "How many chair(s) are in this room?",
    QT.room_size: "What is the size of this room (in square meters)? If multiple rooms are shown, estimate "
    "the size of the combined space.",
    QT.relative_distance: "Measuring from the closest point of each object, which of these objects "
    "(sofa, lamp, bed, table) is the closest to the tv?",
    QT.appearance_order: "What will be the first-time appearance order of the following categories in the "
    "video: sofa, lamp, bed, table?",
}

ALLOCENTRIC = {"positioning": "refrigerator", "orienting": "washer", "querying": "stove"}
PUBLISHED_ALLOCENTRIC = {
    "easy": "If I am standing by the refrigerator and facing the washer, is the stove to the left or the "
    "right of the washer?",
    "medium": "If I am standing by the refrigerator and facing the washer, is the stove to my left, right, "
    "or back? An object is to my back if I would have to turn at least 135 degrees in order to face it.",
    "hard": "If I am standing by the refrigerator and facing the washer, is the stove to my front-left, "
    "front-right, back-left, or back-right? The directions refer to the quadrants of a Cartesian plane "
    "(if I am standing at the origin and facing along the positive y-axis).",
}


@pytest.fixture(scope="module")
def renderer():
    return TemplateRenderer(GenerationSettings().resolved_templates_dir())


def test_or_list():
    assert or_list(["left"]) == "left"
    assert or_list(["left", "right"]) == "left or right"
    assert or_list(["left", "right", "front", "back"]) == "left, right, front, or back"


@pytest.mark.parametrize("family", [Family.single_image, Family.multi_view, Family.video])
def test_first_phrasing_is_published(renderer, family):
    for qt in FAMILY_QUESTION_TYPES[family]:
        if qt == QT.relative_direction:
            continue
        phrasings = renderer.phrasings(family, qt, **VARIABLES[qt])
        assert phrasings[0] == PUBLISHED[qt], (family, qt)


@pytest.mark.parametrize("family", [Family.multi_view, Family.video])
@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_allocentric_published(renderer, family, difficulty):
    phrasings = renderer.phrasings(family, QT.relative_direction, difficulty=difficulty, **ALLOCENTRIC)
    assert phrasings[0] == PUBLISHED_ALLOCENTRIC[difficulty]


def test_camera_centric_published(renderer):
    p = renderer.phrasings(
        Family.single_image,
        QT.relative_direction,
        subject="chair",
        reference="radiator",
        directions=["left", "right", "front", "back"],
        subtype="camera",
    )
    # the published opening, then what the published wording left open: whose directions they are
    assert p[0].startswith(
        "From the camera's perspective, is the chair to the radiator's left, right, front, or back? "
    )
    for phrasing in p:
        assert "camera" in phrasing and "closer to the camera" in phrasing and "front" in phrasing


def test_multi_instance_sentence(renderer):
    p = renderer.phrasings(
        Family.video, QT.relative_distance, **{**VARIABLES[QT.relative_distance], "multi_instance": True}
    )
    assert p[0].endswith(
        "is the closest to the tv? If there are multiple instances of an object category, measure to the closest."
    )


def test_every_template_has_several_distinct_one_line_phrasings(renderer):
    for family in (Family.single_image, Family.multi_view, Family.video):
        for qt in FAMILY_QUESTION_TYPES[family]:
            if qt == QT.relative_direction:
                variants = (
                    [dict(ALLOCENTRIC, difficulty=d) for d in ("easy", "medium", "hard")]
                    if family != Family.single_image
                    else [dict(subject="a", reference="b", directions=["left", "right"], subtype="camera")]
                )
            else:
                variants = [VARIABLES[qt]]
            for v in variants:
                p = renderer.phrasings(family, qt, **v)
                assert len(p) >= 2 and len(set(p)) == len(p)
                assert all("\n" not in x and x == x.strip() and "  " not in x for x in p)


def test_unknown_difficulty_fails(renderer):
    with pytest.raises(TemplateError, match=r"relative_direction\.j2:\d+"):
        renderer.phrasings(Family.video, QT.relative_direction, difficulty="extreme", **ALLOCENTRIC)


def test_phrasing_choice(renderer):
    rng = random.Random(1)
    ids = {renderer.render(Family.video, QT.object_count, rng, 1.0, category="x")[1] for _ in range(20)}
    assert ids == {"video/object_count.j2#0"}
    ids = {renderer.render(Family.video, QT.object_count, rng, 0.0, category="x")[1] for _ in range(50)}
    assert ids == {"video/object_count.j2#1", "video/object_count.j2#2"}


def _write(tmp_path, text):
    path = tmp_path / "video" / "object_count.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return TemplateRenderer(tmp_path)


def test_missing_variable_names_file_and_line(tmp_path):
    r = _write(tmp_path, "{# header #}\nHow many {{ category }}(s)?\n\nHow many {{ categroy }}(s) here?\n")
    with pytest.raises(TemplateError) as err:
        r.phrasings(Family.video, QT.object_count, category="chair")
    msg = str(err.value)
    assert "object_count.j2:4" in msg and "categroy" in msg


def test_syntax_error_names_file_and_line(tmp_path):
    r = _write(tmp_path, "ok\n\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"object_count\.j2:3"):
        r.phrasings(Family.video, QT.object_count, category="chair")


def test_sandbox_blocks_attribute_escape(tmp_path):
    r = _write(tmp_path, "{{ category.__class__.__mro__[1].__subclasses__() }}\n")
    with pytest.raises(TemplateError, match=r"object_count\.j2"):
        r.phrasings(Family.video, QT.object_count, category="chair")


def test_missing_template_file(tmp_path):
    with pytest.raises(TemplateError, match=r"video/object_count\.j2: template file is missing"):
        TemplateRenderer(tmp_path).phrasings(Family.video, QT.object_count, category="chair")
