"""GenerationSettings: every threshold of the question rules, with its published default.

The defaults are those of `reference/question-rules.md` (VSI-Bench / VLM-3R / SpatialLadder practice).
A build manifest holds a `generation:` mapping validated by this model (unknown keys are refused), so
each number below is a manifest setting. The question types each family offers are listed in
`FAMILY_QUESTION_TYPES`; per-type enable flags and per-scan caps are keyed by the type's snake_case slug
(`relative_direction`) or by `family/slug` (`video/relative_direction`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ladderdata.generators.rules import relative_distance_margin
from ladderdata.records import Family, QuestionType

Difficulty = Literal["easy", "medium", "hard"]
"""Allocentric relative-direction difficulty (VSI-Bench): easy = left/right, medium = left/right/back,
hard = the four quadrants."""

QT = QuestionType
FAMILY_QUESTION_TYPES: dict[Family, tuple[QuestionType, ...]] = {
    Family.localization: (QT.localization,),
    Family.single_image: (
        QT.absolute_distance,
        QT.object_size,
        QT.relative_distance,
        QT.relative_direction,
    ),
    Family.multi_view: (
        QT.object_count,
        QT.absolute_distance,
        QT.relative_distance,
        QT.object_size,
        QT.relative_direction,
    ),
    Family.video: (
        QT.object_count,
        QT.absolute_distance,
        QT.object_size,
        QT.room_size,
        QT.relative_distance,
        QT.relative_direction,
        QT.appearance_order,
    ),
}
"""Question types per family, in generation order (the order also decides which type claims an
(object set, media set) first when two types could ask about the same objects in the same media)."""

DEFAULT_EXCLUDED_CATEGORIES = (
    "wall",
    "floor",
    "ceiling",
    "otherstructure",
    "otherfurniture",
    "otherprop",
    "object",
    "objects",
    "unknown",
    "remove",
    "clutter",
)


def valid_type_keys() -> list[str]:
    """Every accepted key of `enabled` / `max_per_scan_overrides`: slugs and `family/slug` pairs."""
    slugs = sorted({qt.slug for types in FAMILY_QUESTION_TYPES.values() for qt in types})
    pairs = [f"{fam.value}/{qt.slug}" for fam, types in FAMILY_QUESTION_TYPES.items() for qt in types]
    return slugs + pairs


def parse_family(name: str) -> Family:
    """Family from its snake_case name; ValueError lists the valid ones."""
    try:
        return Family(name)
    except ValueError:
        valid = ", ".join(f.value for f in Family)
        raise ValueError(f"unknown family {name!r}; valid: {valid}") from None


def _check_type_key(key: str) -> str:
    if key not in valid_type_keys():
        raise ValueError(f"unknown question type key {key!r}; valid: {', '.join(valid_type_keys())}")
    return key


class GenerationSettings(BaseModel):
    """Thresholds and switches of the QA generators (defaults = reference/question-rules.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- vocabulary -------------------------------------------------------------------------------
    excluded_categories: tuple[str, ...] = Field(
        default=DEFAULT_EXCLUDED_CATEGORIES,
        description="labels never asked about (compared lower-case); structure and catch-all classes",
    )
    min_object_size_m: float = Field(
        default=0.05, ge=0, description="objects whose longest side is below this are never named"
    )

    # --- single-image frame choice ----------------------------------------------------------------
    min_visibility: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="visible / in-frustum points of every named object (not the candidate_* ones)",
    )
    min_bbox_area_frac: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="2D box area / image area of every named object (not the candidate_* ones)",
    )
    allow_truncated: bool = Field(
        default=False, description="single image: accept objects cut by the image border"
    )
    # Relative distance names a primary and four candidates in one frame. Holding all five to the
    # primary's standard (above) leaves no frame at all in the bundled sample: ~70% of an object's
    # in-image sightings touch the border (`truncated` is set by a single point outside the image), so
    # no frame shows five untruncated nameable objects. Candidates only have to be recognisable in the
    # image, so they have their own standard; by default it differs from the primary's only in
    # accepting objects cut by the border (lowering visibility or area added nothing on the sample).
    candidate_min_visibility: float = Field(
        default=0.3, ge=0, le=1, description="single-image relative distance: visibility of each candidate"
    )
    candidate_min_bbox_area_frac: float = Field(
        default=0.01, ge=0, le=1, description="single-image relative distance: 2D box area of each candidate"
    )
    candidate_allow_truncated: bool = Field(
        default=True, description="single-image relative distance: accept candidates cut by the border"
    )
    multi_instance_candidates: bool = Field(
        default=True,
        description=(
            "single-image relative distance: a candidate category may have several instances in the scan "
            "when exactly one of them shows in the frame and it is the one closest to the primary"
        ),
    )

    # --- multi-view / video: an object is 'shown' in a view ----------------------------------------
    view_min_visibility: float = Field(default=0.2, ge=0, le=1)
    view_min_bbox_area_frac: float = Field(default=0.002, ge=0, le=1)

    # --- distances --------------------------------------------------------------------------------
    min_absolute_distance_m: float = Field(default=0.2, ge=0, description="absolute distance refused below")
    relative_distance_margin_m: float = Field(
        default=0.15, ge=0, description="refuse when two candidate distances are closer than this"
    )
    relative_distance_margin_large_room_m: float = Field(
        default=0.30, ge=0, description="the margin in rooms larger than large_room_area_m2"
    )
    large_room_area_m2: float = Field(default=40.0, ge=0)
    relative_distance_min_closest_m: float = Field(
        default=0.15, ge=0, description="refuse when the closest candidate is nearer than this"
    )

    # --- allocentric relative direction (multi-view, video) ---------------------------------------
    direction_boundary_margin_deg: float = Field(default=10.0, ge=0, lt=45)
    direction_min_pair_distance_m: float = Field(default=0.3, ge=0)
    direction_max_pair_distance_m: float = Field(default=5.0, gt=0)
    direction_max_corners_off: int = Field(
        default=2, ge=0, le=8, description="max of Q's 8 box corners in another sector than its centre"
    )
    direction_min_footprint_gap_m: float = Field(
        default=0.3,
        ge=0,
        description="refuse when Q stands on, or this close to, the footprint of P or O (floor plane)",
    )
    direction_difficulties: tuple[Difficulty, ...] = ("easy", "medium", "hard")

    # --- camera-centric relative direction (single image) -----------------------------------------
    camera_direction_min_separation_m: float = Field(
        default=0.15, ge=0, description="deciding centre difference in the camera frame"
    )
    camera_direction_clear_gap_m: float = Field(
        default=0.05,
        ge=0,
        description=(
            "a deciding axis needs the extents this far apart, the other axis (four-way variant) this "
            "much overlap: exactly one option holds"
        ),
    )
    camera_direction_diagonal: bool = Field(
        default=True, description="emit the diagonal variant (front-left, ...) when both axes decide"
    )

    # --- appearance order (video) -----------------------------------------------------------------
    appearance_min_gap_s: float = Field(default=1.0, ge=0)
    appearance_pixel_frac: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="an object 'appears' once its depth-tested visible pixels cover this share of the image",
    )

    appearance_shown_margin: float = Field(
        default=1.25,
        ge=1,
        description=(
            "in the frames a question shows, a category's first appearance must be clear: its share "
            "passes appearance_pixel_frac x this, and stays below appearance_pixel_frac / this before"
        ),
    )

    # --- media ------------------------------------------------------------------------------------
    video_num_frames: int = Field(default=16, ge=2, description="frames sampled uniformly (16 or 32)")
    video_fps: float = Field(
        default=24.0, gt=0, description="video time = frame index / video_fps (VSI-Bench plays ScanNet at 24)"
    )
    multi_view_views: int = Field(default=8, ge=2)

    # --- volume -----------------------------------------------------------------------------------
    enabled: dict[str, bool] = Field(
        default_factory=dict,
        description="per-type enable flags, e.g. {'room_size': false, 'video/appearance_order': true}",
    )
    max_per_scan_per_type: int = Field(default=4, ge=0)
    max_per_scan_overrides: dict[str, int] = Field(default_factory=dict)
    max_candidates_per_type: int = Field(
        default=300, ge=1, description="candidate object sets examined per scan and type"
    )

    # --- numbers ----------------------------------------------------------------------------------
    distance_decimals: dict[str, int] = Field(
        default_factory=lambda: {"single_image": 2, "multi_view": 1, "video": 1},
        description="decimals of distance answers (metres) per family",
    )
    size_decimals: int = Field(default=0, ge=0, le=3, description="object size in centimetres")
    area_decimals: int = Field(default=1, ge=0, le=3, description="room size in square metres")

    # --- wording ----------------------------------------------------------------------------------
    published_wording_share: float = Field(
        default=0.5, ge=0, le=1, description="probability of the first (published) phrasing"
    )
    templates_dir: Path | None = Field(default=None, description="default: the repository's templates/")

    @field_validator("excluded_categories")
    @classmethod
    def _lower(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({c.strip().lower() for c in v}))

    @field_validator("enabled", "max_per_scan_overrides")
    @classmethod
    def _known_keys(cls, v: dict) -> dict:
        for key in v:
            _check_type_key(key)
        return v

    @field_validator("distance_decimals")
    @classmethod
    def _families(cls, v: dict[str, int]) -> dict[str, int]:
        for fam in (Family.single_image, Family.multi_view, Family.video):
            if fam.value not in v:
                raise ValueError(f"distance_decimals needs an entry for {fam.value}")
        for key, dec in v.items():
            parse_family(key)
            if not 0 <= dec <= 4:
                raise ValueError(f"distance_decimals[{key}] must be within 0..4")
        return v

    @model_validator(mode="after")
    def _ranges(self) -> GenerationSettings:
        if self.direction_min_pair_distance_m >= self.direction_max_pair_distance_m:
            raise ValueError("direction_min_pair_distance_m must be below direction_max_pair_distance_m")
        if not self.direction_difficulties:
            raise ValueError("direction_difficulties needs at least one of easy, medium, hard")
        return self

    def is_enabled(self, family: Family | str, qt: QuestionType) -> bool:
        """Whether a family generates a question type (`family/slug` beats `slug`; default on)."""
        family = Family(family)
        if qt not in FAMILY_QUESTION_TYPES[family]:
            return False
        key = f"{family.value}/{qt.slug}"
        if key in self.enabled:
            return self.enabled[key]
        return self.enabled.get(qt.slug, True)

    def max_per_scan(self, family: Family | str, qt: QuestionType) -> int:
        """Cap of samples per scan for one (family, question type)."""
        key = f"{Family(family).value}/{qt.slug}"
        if key in self.max_per_scan_overrides:
            return self.max_per_scan_overrides[key]
        return self.max_per_scan_overrides.get(qt.slug, self.max_per_scan_per_type)

    def relative_distance_margin(self, room_area_m2: float) -> float:
        """Margin between candidate distances: larger in rooms over `large_room_area_m2`."""
        return relative_distance_margin(
            room_area_m2,
            self.relative_distance_margin_m,
            self.relative_distance_margin_large_room_m,
            self.large_room_area_m2,
        )

    def relative_margin_rule(self) -> dict[str, float]:
        """The margin rule as recorded in relative-distance references (re-applied by the re-check)."""
        return {
            "margin_m": self.relative_distance_margin_m,
            "large_room_margin_m": self.relative_distance_margin_large_room_m,
            "large_room_area_m2": self.large_room_area_m2,
        }

    def resolved_templates_dir(self) -> Path:
        """Folder holding `<family>/<question_type>.j2`."""
        if self.templates_dir is not None:
            return Path(self.templates_dir)
        return Path(__file__).resolve().parents[2] / "templates"
