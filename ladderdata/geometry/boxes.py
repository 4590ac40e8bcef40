"""Gravity-aligned 3D boxes of point sets: axis-aligned and yaw-only oriented, and their corners.

Convention used by the whole project (reference/question-rules.md, "Object box"): answers use the
axis-aligned box (AABB) of the instance points in the aligned world frame (`yaw = 0`). The yaw-only
oriented box (minimum-area rectangle of the xy points, z extent from min/max z) is available for
adapters that want it and stores its yaw in `Box3D.yaw`; boxes are never tilted out of the z axis.
"""

from __future__ import annotations

import math

import numpy as np

from ladderdata.errors import GeometryError
from ladderdata.records import Box3D

# Unit-cube corner signs: bottom face (z-) counter-clockwise seen from above starting at (-x, -y),
# then the top face (z+) in the same order, so corner i and i + 4 are vertically aligned.
_CORNER_SIGNS = np.array(
    [
        [-1, -1, -1],
        [1, -1, -1],
        [1, 1, -1],
        [-1, 1, -1],
        [-1, -1, 1],
        [1, -1, 1],
        [1, 1, 1],
        [-1, 1, 1],
    ],
    dtype=np.float64,
)


def yaw_matrix(yaw: float) -> np.ndarray:
    """3x3 rotation about +z by `yaw` radians (counter-clockwise seen from above)."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def box_corners(center: np.ndarray, size: np.ndarray, yaw: float = 0.0) -> np.ndarray:
    """The 8 corners (8, 3) of a box: bottom face counter-clockwise from (-x, -y) local, then top."""
    local = _CORNER_SIGNS * (np.asarray(size, dtype=np.float64) / 2.0)
    return local @ yaw_matrix(yaw).T + np.asarray(center, dtype=np.float64)


def aabb(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axis-aligned bounds (min (3,), max (3,)) of (N, 3) points; GeometryError on an empty set."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(p) == 0:
        raise GeometryError("cannot box an empty point set")
    return p.min(axis=0), p.max(axis=0)


def yaw_box(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Yaw-only oriented box (center (3,), size (3,), yaw) from the min-area rectangle of xy.

    Uses `cv2.minAreaRect` (rotating calipers on the convex hull). The yaw is normalised to
    [-pi/4, pi/4) by swapping the x/y sizes, so a box and its 90-degree-rotated twin agree.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(p) == 0:
        raise GeometryError("cannot box an empty point set")
    # minAreaRect works in float32; subtracting the centroid keeps its precision at the mm level.
    origin = p[:, :2].mean(axis=0)
    import cv2  # here, not at the top: generators use this module's corners and never need OpenCV

    (cx, cy), (w, h), angle = cv2.minAreaRect((p[:, :2] - origin).astype(np.float32))
    yaw = math.radians(angle)
    sx, sy = float(w), float(h)
    while yaw >= math.pi / 4:
        yaw -= math.pi / 2
        sx, sy = sy, sx
    while yaw < -math.pi / 4:
        yaw += math.pi / 2
        sx, sy = sy, sx
    zmin, zmax = float(p[:, 2].min()), float(p[:, 2].max())
    center = np.array([cx + origin[0], cy + origin[1], (zmin + zmax) / 2.0])
    return center, np.array([sx, sy, zmax - zmin]), yaw


def box3d_from_points(points: np.ndarray, *, oriented: bool = False) -> Box3D:
    """A `records.Box3D` of the points: the AABB (default, used for answers) or the yaw-only box.

    For the oriented box, `min`/`max` are the axis-aligned bounds of its corners (records.Box3D).
    """
    if oriented:
        center, size, yaw = yaw_box(points)
        corners = box_corners(center, size, yaw)
        lo, hi = corners.min(axis=0), corners.max(axis=0)
    else:
        lo, hi = aabb(points)
        center, size, yaw = (lo + hi) / 2.0, hi - lo, 0.0
    return Box3D(
        center=[float(x) for x in center],
        size=[float(x) for x in size],
        yaw=float(yaw),
        min=[float(x) for x in lo],
        max=[float(x) for x in hi],
    )


def degenerate_axes(size: np.ndarray, eps: float = 1e-6) -> int:
    """Number of box axes with (near) zero extent: 3 = a single point, 2 = a segment, 1 = flat."""
    return int(np.sum(np.asarray(size, dtype=np.float64) <= eps))
