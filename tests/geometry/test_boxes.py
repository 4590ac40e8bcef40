"""Gravity-aligned boxes, yaw boxes and corners against hand-computed values."""

import math

import numpy as np
import pytest

from ladderdata.geometry.boxes import aabb, box3d_from_points, box_corners, degenerate_axes, yaw_box


def test_aabb_and_box3d():
    pts = np.array([[0.0, 1.0, 0.0], [2.0, 3.0, 0.5], [1.0, 2.0, 1.0]])
    lo, hi = aabb(pts)
    assert lo.tolist() == [0.0, 1.0, 0.0] and hi.tolist() == [2.0, 3.0, 1.0]
    box = box3d_from_points(pts)
    assert box.center == [1.0, 2.0, 0.5] and box.size == [2.0, 2.0, 1.0] and box.yaw == 0.0
    assert box.longest_side == 2.0


def test_corners_order_and_yaw():
    c = box_corners([0, 0, 0], [2, 4, 6], 0.0)
    assert c[0].tolist() == [-1, -2, -3] and c[2].tolist() == [1, 2, -3] and c[6].tolist() == [1, 2, 3]
    # yaw 90 deg: local x (half-length 1) now points along world y
    c90 = box_corners([1, 1, 0], [2, 4, 6], math.pi / 2)
    np.testing.assert_allclose(c90[1], [1 + 2, 1 + 1, -3], atol=1e-12)  # local (+1, -2) -> world (+2, +1)


def test_yaw_box_recovers_rotated_rectangle():
    # 2 m x 1 m rectangle rotated by 30 deg about (1, 1), z from 0 to 0.5
    yaw = math.radians(30)
    local = np.array([[x, y, z] for x in (-1, 1) for y in (-0.5, 0.5) for z in (0, 0.5)], float)
    rot = np.array([[math.cos(yaw), -math.sin(yaw), 0], [math.sin(yaw), math.cos(yaw), 0], [0, 0, 1]])
    pts = local @ rot.T + [1.0, 1.0, 0.0]
    center, size, got_yaw = yaw_box(pts)
    np.testing.assert_allclose(center, [1.0, 1.0, 0.25], atol=1e-5)
    np.testing.assert_allclose(size, [2.0, 1.0, 0.5], atol=1e-5)
    assert got_yaw == pytest.approx(yaw, abs=1e-5)
    box = box3d_from_points(pts, oriented=True)
    # AABB of the rotated corners: half-extent x = cos30 + 0.5 sin30 = 1.1160, y = sin30 + 0.5 cos30 = 0.9330
    np.testing.assert_allclose(box.max[:2], [1 + 1.1160254, 1 + 0.9330127], atol=1e-5)


def test_yaw_normalised_to_quarter_turn():
    # the same axis-aligned 1 x 3 rectangle must come back with yaw 0 and size (1, 3)
    pts = np.array([[0, 0, 0], [1, 0, 0], [1, 3, 0], [0, 3, 1]], float)
    _, size, yaw = yaw_box(pts)
    assert yaw == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(size, [1, 3, 1], atol=1e-5)


def test_degenerate_axes():
    assert degenerate_axes([0.0, 0.0, 0.0]) == 3
    assert degenerate_axes([1.0, 0.0, 0.0]) == 2
    assert degenerate_axes([1.0, 2.0, 0.0]) == 1
    assert degenerate_axes([1.0, 2.0, 3.0]) == 0
