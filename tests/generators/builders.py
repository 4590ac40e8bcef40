"""Hand-built SceneRecords for generator tests: objects at known positions, frames with known poses.

Visibility entries are written by hand (no projection), so each test states exactly which objects a
frame shows and how well.
"""

from __future__ import annotations

import math

from ladderdata.records import (
    Box3D,
    FrameRecord,
    ObjectRecord,
    ObjectVisibility,
    RoomRecord,
    SceneRecord,
    VideoRecord,
)

WIDTH, HEIGHT = 1296, 968
K = [[1000.0, 0.0, 648.0], [0.0, 1000.0, 484.0], [0.0, 0.0, 1.0]]
IDENTITY = [[1.0 if i == j else 0.0 for j in range(4)] for i in range(4)]


def make_box(center, size, yaw: float = 0.0) -> Box3D:
    """Box3D with min/max = axis-aligned bounds of the (possibly yawed) box."""
    c, s = math.cos(yaw), math.sin(yaw)
    hx, hy, hz = (v / 2 for v in size)
    xs = [center[0] + c * dx - s * dy for dx in (-hx, hx) for dy in (-hy, hy)]
    ys = [center[1] + s * dx + c * dy for dx in (-hx, hx) for dy in (-hy, hy)]
    return Box3D(
        center=list(center),
        size=list(size),
        yaw=yaw,
        min=[min(xs), min(ys), center[2] - hz],
        max=[max(xs), max(ys), center[2] + hz],
    )


def make_object(instance_id: int, label: str, center, size=(0.5, 0.5, 0.5), yaw: float = 0.0) -> ObjectRecord:
    return ObjectRecord(
        instance_id=instance_id,
        raw_label=label,
        label=label,
        box=make_box(center, size, yaw),
        point_count=100,
    )


def look_pose(position, yaw_deg: float) -> list[list[float]]:
    """Level camera at `position` looking along the floor direction `yaw_deg` (CCW from +x).

    Camera axes (OpenCV): x right = (sin, -cos, 0), y down = (0, 0, -1), z forward = (cos, sin, 0).
    """
    a = math.radians(yaw_deg)
    f = (math.cos(a), math.sin(a), 0.0)
    r = (math.sin(a), -math.cos(a), 0.0)
    d = (0.0, 0.0, -1.0)
    return [
        [r[0], d[0], f[0], position[0]],
        [r[1], d[1], f[1], position[1]],
        [r[2], d[2], f[2], position[2]],
        [0.0, 0.0, 0.0, 1.0],
    ]


def make_vis(
    instance_id: int,
    visibility: float = 0.9,
    bbox=(100, 100, 400, 400),
    truncated: bool = False,
    visible_points: int = 90,
) -> ObjectVisibility:
    x1, y1, x2, y2 = bbox
    return ObjectVisibility(
        instance_id=instance_id,
        visibility=visibility,
        visible_points=visible_points,
        in_frustum_points=100,
        bbox_2d=list(bbox),
        truncated=truncated,
        area_frac=(x2 - x1) * (y2 - y1) / (WIDTH * HEIGHT),
    )


def make_frame(frame_index: int, visibility=(), pose=None, sensor_fps: float = 30.0) -> FrameRecord:
    return FrameRecord(
        frame_index=frame_index,
        timestamp=frame_index / sensor_fps,
        pose=pose if pose is not None else look_pose((0.0, 0.0, 1.5), 90.0),
        intrinsics=K,
        width=WIDTH,
        height=HEIGHT,
        color_path=f"color/{frame_index}.jpg",
        visibility=list(visibility),
    )


def make_scene(
    objects, frames, area: float = 20.0, video: VideoRecord | None = None, scan_id: str = "scene0001_00"
):
    return SceneRecord(
        scan_id=scan_id,
        source="test",
        axis_alignment=IDENTITY,
        room=RoomRecord(floor_polygon=[], area_m2=area),
        objects=list(objects),
        frames=list(frames),
        video=video,
    )
