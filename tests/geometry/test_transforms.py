"""Rigid transforms and pose validity against hand-computed values."""

import math

import numpy as np
import pytest

from ladderdata.geometry.transforms import (
    apply_transform,
    camera_to_world,
    invert_rigid,
    is_valid_pose,
    pose_problem,
    world_to_camera,
)

# camera at (2, -3, 1) looking along +y: camera x = world x, camera y = world -z, camera z = world y
POSE = np.array([[1.0, 0, 0, 2], [0, 0, 1, -3], [0, -1, 0, 1], [0, 0, 0, 1]])


def test_world_to_camera_hand_values():
    cam = world_to_camera(np.array([[1.0, 0.5, 0.75], [2.0, -3.0, 1.0]]), POSE)
    # (1, 0.5, 0.75): x_c = 1 - 2 = -1, y_c = 1 - 0.75 = 0.25, z_c = 0.5 + 3 = 3.5
    np.testing.assert_allclose(cam, [[-1.0, 0.25, 3.5], [0.0, 0.0, 0.0]], atol=1e-12)


def test_camera_to_world_inverts_world_to_camera():
    pts = np.array([[0.3, -1.2, 4.0], [5.0, 2.0, -1.0]])
    np.testing.assert_allclose(camera_to_world(world_to_camera(pts, POSE), POSE), pts, atol=1e-12)


def test_apply_and_invert_rigid():
    c, s = math.cos(math.pi / 2), math.sin(math.pi / 2)
    t = np.array([[c, -s, 0, 1.0], [s, c, 0, 0.0], [0, 0, 1, 2.0], [0, 0, 0, 1]])
    # rotate (1, 0, 0) by 90 deg about z -> (0, 1, 0), then translate by (1, 0, 2)
    np.testing.assert_allclose(apply_transform(t, [[1.0, 0.0, 0.0]]), [[1.0, 1.0, 2.0]], atol=1e-12)
    np.testing.assert_allclose(invert_rigid(t) @ t, np.eye(4), atol=1e-12)


@pytest.mark.parametrize(
    ("matrix", "problem"),
    [
        (POSE, None),
        (np.full((4, 4), -np.inf), "non_finite"),
        (np.diag([2.0, 1.0, 1.0, 1.0]), "not_orthonormal"),  # scaled
        (np.diag([-1.0, 1.0, 1.0, 1.0]), "not_orthonormal"),  # reflection, det -1
        (np.vstack([np.eye(4)[:3], [0, 0, 1, 1]]), "bad_last_row"),
        (np.eye(3), "bad_shape"),
    ],
)
def test_pose_problem(matrix, problem):
    assert pose_problem(matrix) == problem
    assert is_valid_pose(matrix) is (problem is None)


def test_pose_rounded_to_six_digits_is_valid():
    c, s = round(math.cos(0.3), 6), round(math.sin(0.3), 6)
    assert is_valid_pose(np.array([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))
