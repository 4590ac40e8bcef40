"""Typed records that flow between pipeline stages.

SceneRecord (+ ObjectRecord, FrameRecord, VideoRecord) is what source adapters emit; QASample is what
generators emit and validators/writers consume. Every record round-trips through JSON without loss
(`model_dump_json` / `model_validate_json`); numpy arrays are stored as nested lists of floats so the
JSON form is the canonical one (Parquet stores the JSON text, see writers).

Conventions (DESIGN.md section 3): world = scan's axis-aligned frame (z up, metres); camera = OpenCV
(x right, y down, z forward); poses are camera-to-world 4x4; pixel boxes are integer [x1, y1, x2, y2]
in the colour image resolution (x2/y2 exclusive-free: the last covered pixel index + 1 clipped to size).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer

SCHEMA_VERSION = "1.1"
"""Version of the output schema (tag pushed with builds; bump on any column change).

1.1: object sizes from yaw-oriented boxes, point-set distances, visible-pixel appearance; references
record the oriented box (`size_m`, `yaw`) of every sized object."""

RECORD_VERSION = 2
"""Version of SceneRecord's layout (cached scene records of another version are rebuilt).

2: ObjectRecord.obox (yaw-oriented box beside the axis-aligned `box`), SceneRecord.object_distances
(point-set distances), ObjectVisibility.pixel_frac (visible pixel share)."""


class Family(StrEnum):
    """Task families; the value is the snake_case name used everywhere (module, template dir, CLI)."""

    localization = "localization"
    single_image = "single_image"
    multi_view = "multi_view"
    video = "video"


FAMILY_ORDER: tuple[Family, ...] = (
    Family.single_image,
    Family.multi_view,
    Family.video,
    Family.localization,
)
"""The one order of families everywhere (generation, writing, card, info, audit tables): question ids
run over single-image, multi-view, video; localization rows reuse their linked single-image row's id,
so they come last."""


class DataType(StrEnum):
    """Published `data_type` values."""

    single_image = "single_image"
    multi_view = "multi_view"
    video = "video"


class QuestionType(StrEnum):
    """Published `question_type` strings (exactly these seven), plus `localization` for grounding rows.

    `localization` never appears in the published spatial file; it tags grounding rows in our own
    provenance columns and quotas.
    """

    object_count = "object count"
    absolute_distance = "absolute distance"
    object_size = "object size"
    room_size = "room size"
    relative_distance = "relative distance"
    relative_direction = "relative direction"
    appearance_order = "appearance order"
    localization = "localization"

    @property
    def is_mcq(self) -> bool:
        """True for multiple-choice types (answer is a letter)."""
        return self in MCQ_TYPES

    @property
    def slug(self) -> str:
        """snake_case form used for template file names and manifest keys."""
        return self.value.replace(" ", "_")

    @classmethod
    def from_slug(cls, slug: str) -> QuestionType:
        """Parse `object_count` or `object count`; raises ValueError listing valid values."""
        for qt in cls:
            if slug in (qt.value, qt.slug):
                return qt
        valid = ", ".join(qt.slug for qt in cls)
        raise ValueError(f"unknown question type {slug!r}; valid: {valid}")


MCQ_TYPES = frozenset(
    {QuestionType.relative_distance, QuestionType.relative_direction, QuestionType.appearance_order}
)
NUMERIC_TYPES = frozenset(
    {
        QuestionType.object_count,
        QuestionType.absolute_distance,
        QuestionType.object_size,
        QuestionType.room_size,
    }
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def _as_matrix(value: Any, shape: tuple[int, int]) -> list[list[float]]:
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"expected a {shape[0]}x{shape[1]} matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("matrix has non-finite entries")
    return arr.tolist()


class Box3D(_Record):
    """Gravity-aligned 3D box in the aligned world frame (metres).

    `yaw` is the rotation about +z of the box's local x axis (radians); 0 means axis-aligned, and then
    `min`/`max` are the exact extents. For a yawed box `min`/`max` are the axis-aligned bounds of its
    corners.
    """

    center: list[float] = Field(min_length=3, max_length=3)
    size: list[float] = Field(min_length=3, max_length=3)
    yaw: float = 0.0
    min: list[float] = Field(min_length=3, max_length=3)
    max: list[float] = Field(min_length=3, max_length=3)

    @property
    def longest_side(self) -> float:
        """Longest side in metres (the object-size answer before conversion to cm)."""
        return float(max(self.size))


class ObjectRecord(_Record):
    """One annotated instance (a ScanNet segGroup).

    `box` is the axis-aligned box of the instance points; `obox` the gravity-aligned oriented box (yaw
    about z from the minimum-area rectangle of the footprint, z extent from the points). Answers use
    the oriented box (`shape`): an axis-aligned box overstates rotated objects.
    """

    instance_id: int
    raw_label: str
    label: str
    box: Box3D
    obox: Box3D | None = Field(default=None, description="yaw-only oriented box (None: same as box)")
    point_count: int = Field(ge=1)
    points: list[list[float]] = Field(
        default_factory=list, description="bounded, seeded sample of instance points (aligned frame)"
    )

    def points_array(self) -> np.ndarray:
        """Sampled points as an (N, 3) float64 array."""
        return np.asarray(self.points, dtype=np.float64).reshape(-1, 3)

    @property
    def shape(self) -> Box3D:
        """The box answers are measured on: the oriented box when there is one, else the AABB."""
        return self.obox if self.obox is not None else self.box


class ObjectVisibility(_Record):
    """Visibility of one object in one frame (only objects with >= 1 projected point are listed)."""

    instance_id: int
    visibility: float = Field(ge=0.0, le=1.0, description="visible / in-frustum projected points")
    visible_points: int = Field(ge=0)
    in_frustum_points: int = Field(ge=0)
    bbox_2d: list[int] | None = Field(
        default=None, description="tight [x1, y1, x2, y2] of visible points, colour pixels, clipped"
    )
    truncated: bool = False
    area_frac: float = Field(default=0.0, ge=0.0, le=1.0, description="bbox_2d area / image area")
    pixel_frac: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="share of the image's pixels the object's depth-tested visible surface covers",
    )


class FrameRecord(_Record):
    """One exported RGB-D frame with its aligned pose and per-object visibility."""

    frame_index: int = Field(ge=0)
    timestamp: float = Field(ge=0.0, description="seconds: frame_index / sensor fps")
    pose: list[list[float]] = Field(description="camera-to-world 4x4 in the aligned world frame")
    intrinsics: list[list[float]] = Field(description="3x3 colour intrinsics K")
    width: int
    height: int
    color_path: str = Field(description="path of the raw colour image (absolute or source-relative)")
    depth_path: str | None = None
    visibility: list[ObjectVisibility] = Field(default_factory=list)

    @field_validator("pose")
    @classmethod
    def _pose_4x4(cls, v: Any) -> list[list[float]]:
        return _as_matrix(v, (4, 4))

    @field_validator("intrinsics")
    @classmethod
    def _k_3x3(cls, v: Any) -> list[list[float]]:
        return _as_matrix(v, (3, 3))

    def pose_array(self) -> np.ndarray:
        """Camera-to-world pose as a (4, 4) array."""
        return np.asarray(self.pose, dtype=np.float64)

    def intrinsics_array(self) -> np.ndarray:
        """K as a (3, 3) array."""
        return np.asarray(self.intrinsics, dtype=np.float64)

    def visibility_of(self, instance_id: int) -> ObjectVisibility | None:
        """Visibility entry for one instance, or None when it does not project into this frame."""
        for vis in self.visibility:
            if vis.instance_id == instance_id:
                return vis
        return None


class VideoRecord(_Record):
    """A video made from the colour frames: an mp4 path and/or the frame list it plays."""

    path: str | None = Field(default=None, description="mp4 file, when one exists")
    fps: float = Field(gt=0, description="playback rate of `frame_indices`")
    frame_indices: list[int] = Field(description="source frame index of each video frame, in order")
    sensor_fps: float = Field(default=30.0, gt=0, description="capture rate of the source frames")
    frames_from_video: bool = Field(
        default=False,
        description="video rows show frames decoded from `path` (the source's `video` option), not the "
        "colour images",
    )

    @model_serializer(mode="wrap")
    def _omit_default_flag(self, handler: Any) -> dict[str, Any]:
        # records without the option keep their exact JSON (scene caches, published builds)
        data = handler(self)
        if not self.frames_from_video:
            data.pop("frames_from_video", None)
        return data


class RoomRecord(_Record):
    """Floor polygon (aligned frame, xy, metres) and its area in square metres."""

    floor_polygon: list[list[float]] = Field(default_factory=list)
    area_m2: float = Field(ge=0.0)


class SceneRecord(_Record):
    """Everything generators need about one scan; produced by a source adapter."""

    scan_id: str
    source: str
    axis_alignment: list[list[float]] = Field(description="4x4 applied to mesh and poses (row-major)")
    room: RoomRecord
    objects: list[ObjectRecord]
    frames: list[FrameRecord]
    video: VideoRecord | None = None
    color_size: tuple[int, int] = Field(default=(1296, 968), description="(width, height)")
    stats: dict[str, int] = Field(default_factory=dict, description="frames kept/skipped per reason")
    object_distances: list[tuple[int, int, float]] = Field(
        default_factory=list,
        description="(instance a, instance b, metres) minimum distance between the objects' surface points",
    )
    record_version: int = RECORD_VERSION

    @field_validator("axis_alignment")
    @classmethod
    def _align_4x4(cls, v: Any) -> list[list[float]]:
        return _as_matrix(v, (4, 4))

    def object_by_id(self, instance_id: int) -> ObjectRecord:
        """Object with this instance id (KeyError when absent)."""
        for obj in self.objects:
            if obj.instance_id == instance_id:
                return obj
        raise KeyError(instance_id)


class GroundingAnswer(_Record):
    """One published grounding answer entry."""

    bbox_2d: list[int] = Field(min_length=4, max_length=4)
    label: str


def image_relpath(scan_id: str, frame_index: int) -> str:
    """Published relative image path of a frame, e.g. `scene0055_00/1070.jpg` (QASample.image)."""
    return f"{scan_id}/{int(frame_index)}.jpg"


def video_frame_relpath(scan_id: str, frame_index: int) -> str:
    """Published path of a frame decoded from the scan's video, e.g. `scene0055_00/video/1070.jpg`
    (apart from the colour image of the same frame, whose bytes differ)."""
    return f"{scan_id}/video/{int(frame_index)}.jpg"


class QASample(_Record):
    """One generated question with published columns first and provenance after.

    `question_id` is assigned by the writer in the final deterministic order; a localization sample
    carries `linked_sample_id` = the single-image sample it grounds and receives that row's id.
    `reference` holds the values the answer was computed from (e.g. each option's distance) so the
    answer validator can re-check it without geometry.
    """

    # published columns
    question_id: int | None = None
    question: str
    options: list[str] | None = None
    answer: str | list[GroundingAnswer]
    image: list[str] = Field(min_length=1)
    question_type: QuestionType
    data_type: DataType
    # provenance
    sample_id: str
    family: Family
    source: str
    scene_id: str
    frame_ids: list[int]
    template_id: str
    seed: int
    generator_version: str
    subtype: str | None = Field(default=None, description="e.g. easy/medium/hard, camera/diagonal")
    linked_sample_id: str | None = None
    reference: dict[str, Any] = Field(default_factory=dict)
