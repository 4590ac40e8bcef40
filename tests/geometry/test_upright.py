"""Turning frames upright: image, intrinsics and pose together (geometry.upright)."""

from __future__ import annotations

import numpy as np
import pytest

from ladderdata.geometry.upright import Upright, upright_for_sky

W, H = 256, 192
K = np.array([[200.0, 0.0, 120.0], [0.0, 210.0, 90.0], [0.0, 0.0, 1.0]])


def _project(k: np.ndarray, c2w: np.ndarray, pts: np.ndarray) -> np.ndarray:
    cam = (pts - c2w[:3, 3]) @ c2w[:3, :3]
    uv = cam @ k.T
    return uv[:, :2] / uv[:, 2:]


def test_left_sky_turns_clockwise_with_hand_computed_intrinsics() -> None:
    turn = upright_for_sky("Left", W, H)
    assert turn.size == (H, W)
    # clockwise: u' = (H - 1) - v, v' = u, so fx' = fy, cx' = H - 1 - cy, fy' = fx, cy' = cx
    np.testing.assert_allclose(
        turn.intrinsics(K), [[210.0, 0.0, 101.0], [0.0, 200.0, 120.0], [0.0, 0.0, 1.0]]
    )
    image = np.zeros((H, W), dtype=np.uint8)
    image[20, 10] = 255  # row v = 20, column u = 10
    up = turn.image(image)
    assert up.shape == (W, H)
    assert np.argwhere(up == 255).tolist() == [[10, 171]]  # row u, column H - 1 - v
    assert np.array_equal(turn.inverse_image(up), image)


def test_right_and_down_hand_computed() -> None:
    np.testing.assert_allclose(
        upright_for_sky("Right", W, H).intrinsics(K),
        [[210.0, 0.0, 90.0], [0.0, 200.0, 135.0], [0.0, 0.0, 1.0]],
    )
    np.testing.assert_allclose(
        upright_for_sky("Down", W, H).intrinsics(K),
        [[200.0, 0.0, 135.0], [0.0, 210.0, 101.0], [0.0, 0.0, 1.0]],
    )
    assert upright_for_sky("Up", W, H).intrinsics(K).tolist() == K.tolist()


@pytest.mark.parametrize("sky", ["Up", "Left", "Down", "Right"])
def test_every_world_point_lands_on_its_rotated_pixel(sky: str) -> None:
    rng = np.random.default_rng(3)
    angle = rng.uniform(0, 2 * np.pi)
    c2w = np.eye(4)
    c2w[:3, :3] = np.array(
        [[np.cos(angle), 0.0, np.sin(angle)], [np.sin(angle), 0.0, -np.cos(angle)], [0.0, 1.0, 0.0]]
    )
    c2w[:3, 3] = [0.3, -0.2, 1.4]
    pts = c2w[:3, :3] @ np.stack([rng.uniform(-1, 1, 50), rng.uniform(-1, 1, 50), rng.uniform(1, 4, 50)])
    pts = pts.T + c2w[:3, 3]
    turn = upright_for_sky(sky, W, H)
    stored = _project(K, c2w, pts)
    moved = (np.c_[stored, np.ones(len(stored))] @ turn.pixel_map.T)[:, :2]
    np.testing.assert_allclose(_project(turn.intrinsics(K), turn.pose(c2w), pts), moved, atol=1e-9)
    # the pose stays a rotation with the same centre; the optical axis does not move
    up = turn.pose(c2w)
    np.testing.assert_allclose(up[:3, :3] @ up[:3, :3].T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(up[:3, 3], c2w[:3, 3])
    np.testing.assert_allclose(up[:3, 2], c2w[:3, 2])


def test_rotated_image_pixels_follow_the_pixel_map() -> None:
    image = np.arange(W * H).reshape(H, W)
    for cw in (0, 90, 180, 270):
        turn = Upright(cw, W, H)
        up = turn.image(image)
        for u, v in [(0, 0), (255, 0), (17, 133), (255, 191)]:
            u2, v2, _ = turn.pixel_map @ [u, v, 1]
            assert up[int(v2), int(u2)] == image[v, u]


def test_unknown_sky_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="sky_direction must be one of Up, Left, Down, Right"):
        upright_for_sky("Sideways", W, H)
