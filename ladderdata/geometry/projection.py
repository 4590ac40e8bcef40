"""Pinhole projection with OpenCV intrinsics, and colour-pixel -> depth-pixel mapping.

u = fx * x / z + cx, v = fy * y / z + cy for camera coordinates (x, y, z). Integer (u, v) are pixel
centres: a point falls in pixel (floor(u + 0.5), floor(v + 0.5)) and inside a W x H image when
-0.5 <= u < W - 0.5 and -0.5 <= v < H - 0.5.
"""

from __future__ import annotations

import numpy as np

from ladderdata.geometry.transforms import rows_times, world_to_camera

MIN_DEPTH = 1e-6
"""Points with camera z at or below this (metres) are behind the camera and never project."""


def project_columns(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, intrinsics: np.ndarray, front: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Continuous pixel coordinates (u, v) of camera coordinates given one array per coordinate: the
    projection's arithmetic, shared by every function here.

    `front`: the points in front of the camera (None: all are); the others are projected as if at
    z = 1, finite placeholders the caller masks with `front`.
    """
    k = np.asarray(intrinsics, dtype=np.float64)
    safe_z = z if front is None else np.where(front, z, 1.0)
    if k[0, 1] == 0:  # no skew (every ScanNet camera): adding 0 * y / z changes no bit of the sum
        u = k[0, 0] * x / safe_z + k[0, 2]
    else:
        u = k[0, 0] * x / safe_z + k[0, 1] * y / safe_z + k[0, 2]
    v = k[1, 1] * y / safe_z + k[1, 2]
    return u, v


def project_camera_points(points_cam: np.ndarray, intrinsics: np.ndarray) -> np.ndarray:
    """Camera-frame points (N, 3) -> continuous pixel coordinates (N, 2).

    Points with z <= MIN_DEPTH get NaN coordinates (they have no image), so callers can mask them.
    """
    p = np.asarray(points_cam, dtype=np.float64).reshape(-1, 3)
    z = p[:, 2]
    front = z > MIN_DEPTH
    uv = np.empty((p.shape[0], 2))
    uv[:, 0], uv[:, 1] = project_columns(p[:, 0], p[:, 1], z, intrinsics, front)
    uv[~front] = np.nan
    return uv


def project_points(
    points_world: np.ndarray, pose: np.ndarray, intrinsics: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """World points (N, 3) -> (pixel coordinates (N, 2), camera depth z (N,)).

    `pose` is camera-to-world; pixel coordinates are NaN for points behind the camera.
    """
    cam = world_to_camera(points_world, pose)
    return project_camera_points(cam, intrinsics), cam[:, 2]


def pixel_index(uv: np.ndarray) -> np.ndarray:
    """Continuous coordinates -> integer pixel indices (floor(u + 0.5)); NaN rows must be masked first."""
    return np.floor(np.asarray(uv) + 0.5).astype(np.int64)


def in_image(uv: np.ndarray, width: int, height: int) -> np.ndarray:
    """Boolean mask of coordinates inside a width x height image (NaN -> False)."""
    return in_image_columns(uv[:, 0], uv[:, 1], width, height)


def in_image_columns(u: np.ndarray, v: np.ndarray, width: int, height: int) -> np.ndarray:
    """`in_image` of coordinates given as one array each."""
    with np.errstate(invalid="ignore"):
        return (u >= -0.5) & (u < width - 0.5) & (v >= -0.5) & (v < height - 0.5)


def color_to_depth_pixels(uv_color: np.ndarray, k_color: np.ndarray, k_depth: np.ndarray) -> np.ndarray:
    """Map colour-image pixel coordinates to depth-image coordinates through both intrinsics.

    Colour and depth share one camera frame in ScanNet exports (identity extrinsics), so a colour pixel
    and a depth pixel see the same point when they lie on the same ray: back-project with K_color^-1,
    re-project with K_depth. This equals a naive resolution ratio only when the intrinsics agree up to
    that scale, which ScanNet's do not (different principal points and fields of view).
    """
    kc = np.asarray(k_color, dtype=np.float64)
    kd = np.asarray(k_depth, dtype=np.float64)
    uv = np.asarray(uv_color, dtype=np.float64).reshape(-1, 2)
    rays = rows_times(np.column_stack([uv, np.ones(len(uv))]), np.linalg.inv(kc).T)
    return project_camera_points(rays, kd)
