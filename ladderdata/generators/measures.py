"""The measurements generators take from SceneRecords, built on `ladderdata.geometry`.

Boxes are gravity-aligned (z up) with a yaw about z (records.Box3D). Answers use each object's oriented
box (`ObjectRecord.shape`: yaw from the minimum-area rectangle of the footprint) for sizes, centres,
corners and footprints, and point-set distances between objects (`point_distance`; adapters store the
full-mesh ones in `SceneRecord.object_distances`). Box distances remain for objects without points; an
axis-aligned pair is measured by `geometry.distances.box_distance`, and a yawed box is still exact: each box is its floor footprint (a rectangle) times a z interval, and for such
product sets the squared distance is the squared footprint distance (shapely polygons) plus the squared
z-interval gap.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ladderdata.geometry import boxes, distances, transforms
from ladderdata.records import Box3D


def box_corners(box: Box3D) -> np.ndarray:
    """The 8 corners of a gravity-aligned box, shape (8, 3)."""
    return boxes.box_corners(np.asarray(box.center), np.asarray(box.size), box.yaw)


def box_distance(a: Box3D, b: Box3D) -> float:
    """Minimum Euclidean distance between two gravity-aligned boxes (0 when they touch or overlap)."""
    if a.yaw == 0.0 and b.yaw == 0.0:
        return distances.box_distance(a, b)
    pa, pb = (shapely.convex_hull(shapely.MultiPoint(box_corners(x)[:, :2])) for x in (a, b))
    dz = max(0.0, a.min[2] - b.max[2], b.min[2] - a.max[2])
    return math.hypot(float(shapely.distance(pa, pb)), dz)


def point_distance(a, b) -> float:
    """Minimum Euclidean distance between two ObjectRecords' stored surface points (KD-tree)."""
    return distances.point_set_distance(a.points_array(), b.points_array())


def footprint(box: Box3D) -> shapely.Polygon:
    """The box's floor footprint (a rectangle in the xy plane)."""
    return shapely.convex_hull(shapely.MultiPoint(box_corners(box)[:4, :2]))


def footprint_gap(a: Box3D, b: Box3D) -> float:
    """Floor-plane distance between two boxes' footprints (0 when they overlap: one stands on the other)."""
    return float(shapely.distance(footprint(a), footprint(b)))


def floor_xy(box: Box3D) -> tuple[float, float]:
    """Box centre in the floor plane."""
    return float(box.center[0]), float(box.center[1])


def camera_extents(
    box: Box3D, pose: np.ndarray, corners: np.ndarray | None = None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(min, max) of the box corners along camera x (right) and z (depth) for a camera-to-world pose
    (`corners`: the box's `box_corners`, when the caller keeps them)."""
    cam = transforms.world_to_camera(box_corners(box) if corners is None else corners, pose)
    return (float(cam[:, 0].min()), float(cam[:, 0].max())), (float(cam[:, 2].min()), float(cam[:, 2].max()))
