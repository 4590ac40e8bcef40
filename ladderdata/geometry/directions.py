"""Direction helpers: floor-plane angles (allocentric questions) and camera-frame offsets.

Allocentric rule (reference/question-rules.md): standing at the centre of P facing the centre of O,
the direction of Q is the counter-clockwise angle in the floor (xy) plane from forward = O - P to Q - P,
in degrees [0, 360). Camera-centric rule: left/right from camera x (x right), front/back from camera z.
"""

from __future__ import annotations

import numpy as np

from ladderdata.geometry.transforms import world_to_camera


def ccw_angle_deg(origin: np.ndarray, facing: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Counter-clockwise floor-plane angle in [0, 360) from (facing - origin) to (target - origin).

    Inputs are (..., 2) or (..., 3) points (z ignored); broadcasts over leading dimensions.
    """
    o = np.asarray(origin, dtype=np.float64)[..., :2]
    f = np.asarray(facing, dtype=np.float64)[..., :2] - o
    t = np.asarray(target, dtype=np.float64)[..., :2] - o
    cross = f[..., 0] * t[..., 1] - f[..., 1] * t[..., 0]
    dot = f[..., 0] * t[..., 0] + f[..., 1] * t[..., 1]
    return np.mod(np.degrees(np.arctan2(cross, dot)), 360.0)


def camera_offsets(points_world: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """World points -> camera coordinates (x right, y down, z forward) for a camera-to-world pose.

    Camera-centric direction questions compare these: x decides left/right, z decides front/back.
    """
    return world_to_camera(points_world, pose)
