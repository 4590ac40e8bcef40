"""GenerationSettings defaults follow reference/question-rules.md; bad keys are refused with the valid list."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ladderdata.generators import GENERATORS, GenerationSettings, get_generator
from ladderdata.generators.localization import LocalizationGenerator
from ladderdata.generators.multi_view import MultiViewGenerator
from ladderdata.generators.single_image import SingleImageGenerator
from ladderdata.generators.video import VideoGenerator
from ladderdata.records import Family, QuestionType

QT = QuestionType


def test_defaults_from_question_rules():
    s = GenerationSettings()
    assert (s.relative_distance_margin_m, s.relative_distance_margin_large_room_m, s.large_room_area_m2) == (
        0.15,
        0.30,
        40.0,
    )
    assert s.relative_distance_min_closest_m == 0.15
    assert s.direction_boundary_margin_deg == 10.0
    assert (s.direction_min_pair_distance_m, s.direction_max_pair_distance_m) == (0.3, 5.0)
    assert s.direction_max_corners_off == 2
    assert (s.appearance_min_gap_s, s.appearance_pixel_frac) == (1.0, 0.01)
    assert s.min_absolute_distance_m == 0.2
    assert (s.video_num_frames, s.video_fps, s.multi_view_views) == (16, 24.0, 8)
    assert (s.min_visibility, s.min_bbox_area_frac) == (0.3, 0.01)
    assert (s.candidate_min_visibility, s.candidate_min_bbox_area_frac) == (0.3, 0.01)
    assert s.candidate_allow_truncated and s.multi_instance_candidates and not s.allow_truncated
    assert {"wall", "floor", "ceiling", "otherstructure", "otherfurniture", "otherprop"} <= set(
        s.excluded_categories
    )
    assert s.distance_decimals == {"single_image": 2, "multi_view": 1, "video": 1}
    assert (s.size_decimals, s.area_decimals) == (0, 1)
    assert s.relative_distance_margin(39.9) == 0.15 and s.relative_distance_margin(40.1) == 0.30


def test_extra_keys_forbidden():
    with pytest.raises(ValidationError, match="min_visibilty"):
        GenerationSettings(min_visibilty=0.5)


def test_unknown_type_key_lists_valid_ones():
    with pytest.raises(ValidationError, match="unknown question type key 'route_plan'.*appearance_order"):
        GenerationSettings(enabled={"route_plan": True})


def test_enable_flags_and_caps():
    s = GenerationSettings(
        enabled={"room_size": False, "video/object_count": False, "object_count": True},
        max_per_scan_per_type=4,
        max_per_scan_overrides={"relative_direction": 9, "video/relative_direction": 2},
    )
    assert not s.is_enabled(Family.video, QT.room_size)
    assert not s.is_enabled(Family.video, QT.object_count)  # family/type beats type
    assert s.is_enabled(Family.multi_view, QT.object_count)
    assert not s.is_enabled(Family.single_image, QT.object_count)  # not a single-image type
    assert s.max_per_scan(Family.multi_view, QT.relative_direction) == 9
    assert s.max_per_scan(Family.video, QT.relative_direction) == 2
    assert s.max_per_scan(Family.video, QT.object_size) == 4
    assert [qt.slug for qt in VideoGenerator(s).question_types] == [
        "absolute_distance",
        "object_size",
        "relative_distance",
        "relative_direction",
        "appearance_order",
    ]


def test_settings_round_trip_through_json():
    s = GenerationSettings(direction_difficulties=("hard",), excluded_categories=("Wall", "box"))
    again = GenerationSettings.model_validate(s.model_dump(mode="json"))
    assert again == s and again.excluded_categories == ("box", "wall")


def test_registry():
    assert GENERATORS == {
        "localization": LocalizationGenerator,
        "single_image": SingleImageGenerator,
        "multi_view": MultiViewGenerator,
        "video": VideoGenerator,
    }
    assert isinstance(get_generator("video"), VideoGenerator)
    with pytest.raises(ValueError, match="unknown family 'panorama'; valid: localization, single_image"):
        get_generator("panorama")
