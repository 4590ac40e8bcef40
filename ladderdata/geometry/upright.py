"""Turning a frame upright: one rotation of the image by a multiple of 90 degrees, applied to the image,
its intrinsics and its camera pose together.

ARKitScenes stores every frame in the sensor's fixed landscape orientation and says, per video, where the
sky is in the stored image (`sky_direction`: Up, Left, Right, Down; reference/arkitscenes-format.md §5).
Rotating the image clockwise by 0, 90, 180 or 270 degrees makes it upright. A pixel (u, v) of the stored
W x H image moves to `A @ (u, v, 1)` (pixel centres at integer coordinates, as numpy indexing has them),
and the camera turns about its optical axis with the same 2x2 linear part R, so that

    K_upright = A @ K @ R.T        camera_to_world_upright = camera_to_world @ [[R.T, 0], [0, 1]]

project every world point to the rotated pixel of its stored projection (tests/geometry/test_upright.py
checks this on random points and on a real image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKY_ROTATION_CW: dict[str, int] = {"Up": 0, "Left": 90, "Down": 180, "Right": 270}
"""Clockwise degrees that make a frame upright, by ARKitScenes `sky_direction` (Left -> ROTATE_90_CLOCKWISE,
Right -> ROTATE_90_COUNTERCLOCKWISE, Down -> ROTATE_180)."""


@dataclass(frozen=True)
class Upright:
    """The clockwise rotation (0, 90, 180, 270 degrees) that makes a `width` x `height` frame upright."""

    rotation_cw: int
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.rotation_cw not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270 degrees clockwise; got {self.rotation_cw}")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the upright image."""
        if self.rotation_cw in (90, 270):
            return self.height, self.width
        return self.width, self.height

    @property
    def pixel_map(self) -> np.ndarray:
        """3x3 affine A: stored pixel (u, v, 1) -> upright pixel."""
        w1, h1 = self.width - 1, self.height - 1
        return {
            0: np.eye(3),
            90: np.array([[0.0, -1.0, h1], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
            180: np.array([[-1.0, 0.0, w1], [0.0, -1.0, h1], [0.0, 0.0, 1.0]]),
            270: np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w1], [0.0, 0.0, 1.0]]),
        }[self.rotation_cw]

    @property
    def camera_rotation(self) -> np.ndarray:
        """3x3 R: stored camera coordinates -> upright camera coordinates (a turn about the optical axis)."""
        r = np.eye(3)
        r[:2, :2] = self.pixel_map[:2, :2]
        return r

    def intrinsics(self, k: np.ndarray) -> np.ndarray:
        """Upright 3x3 intrinsics of a stored frame's `k`."""
        return self.pixel_map @ np.asarray(k, dtype=np.float64) @ self.camera_rotation.T

    def pose(self, camera_to_world: np.ndarray) -> np.ndarray:
        """Upright camera-to-world 4x4 of a stored frame's camera-to-world pose."""
        turn = np.eye(4)
        turn[:3, :3] = self.camera_rotation.T
        return np.asarray(camera_to_world, dtype=np.float64) @ turn

    def image(self, array: np.ndarray) -> np.ndarray:
        """The stored image (H, W[, C]) rotated upright (np.rot90 turns counter-clockwise for k > 0)."""
        if self.rotation_cw == 0:
            return array
        return np.ascontiguousarray(np.rot90(array, k=-self.rotation_cw // 90))

    def inverse_image(self, array: np.ndarray) -> np.ndarray:
        """An upright image turned back to the stored orientation (what a sensor held that way writes)."""
        if self.rotation_cw == 0:
            return array
        return np.ascontiguousarray(np.rot90(array, k=self.rotation_cw // 90))


def upright_for_sky(sky_direction: str, width: int, height: int) -> Upright:
    """The rotation of an ARKitScenes `sky_direction` (Up, Left, Right, Down) for a width x height frame."""
    if sky_direction not in SKY_ROTATION_CW:
        raise ValueError(f"sky_direction must be one of {', '.join(SKY_ROTATION_CW)}; got {sky_direction!r}")
    return Upright(SKY_ROTATION_CW[sky_direction], int(width), int(height))
