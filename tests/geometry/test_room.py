"""Floor alpha shape and area against hand-computed areas."""

import numpy as np
import pytest

from ladderdata.geometry.room import alpha_shape, floor_shape, sample_floor_points

# L-shaped floor [0,4]x[0,2] u [0,2]x[2,5]: 8 + 6 = 14 m^2, as 5 coarse triangles
L_VERTS = np.array([[0, 0, 0], [4, 0, 0], [4, 2, 0], [2, 2, 0], [2, 5, 0], [0, 5, 0], [0, 2, 0]], float)
L_FACES = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 6], [6, 3, 4], [6, 4, 5]])


def test_l_shaped_floor_area():
    pts = sample_floor_points(L_VERTS, L_FACES, np.random.default_rng(0))
    shape = floor_shape(pts)
    # the alpha shape (disc radius 0.2 m) rounds the reflex corner at (2, 2) by at most
    # R^2 (1 - pi/4) ~ 0.009 m^2 plus one sampling step: well inside 0.05 m^2, so 14.0 after rounding
    assert shape.area_m2 == pytest.approx(14.0, abs=0.05)
    assert round(shape.area_m2, 1) == 14.0
    corners = {tuple(np.round(p, 3)) for p in shape.polygon}
    assert {(0, 0), (4, 0), (4, 2), (2, 5), (0, 5)} <= corners
    assert len(shape.polygon) <= 8  # collinear boundary samples are simplified away


def test_floor_is_seeded():
    a = sample_floor_points(L_VERTS, L_FACES, np.random.default_rng(7))
    b = sample_floor_points(L_VERTS, L_FACES, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_holes_filled_and_largest_part_kept():
    # 3 x 3 m floor with a 1 x 1 m unscanned hole in the middle, plus a far 0.5 x 0.5 m patch
    xs, ys = np.meshgrid(np.arange(0, 3.001, 0.05), np.arange(0, 3.001, 0.05))
    room = np.column_stack([xs.ravel(), ys.ravel()])
    hole = (room[:, 0] > 1.0) & (room[:, 0] < 2.0) & (room[:, 1] > 1.0) & (room[:, 1] < 2.0)
    xs, ys = np.meshgrid(np.arange(10, 10.501, 0.05), np.arange(0, 0.501, 0.05))
    patch = np.column_stack([xs.ravel(), ys.ravel()])
    shape = floor_shape(np.concatenate([room[~hole], patch]))
    assert shape.area_m2 == pytest.approx(9.0, abs=1e-6)


def test_degenerate_inputs():
    assert floor_shape(np.array([[0.0, 0.0], [1.0, 1.0]])).area_m2 == 0.0
    assert floor_shape(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])).area_m2 == 0.0  # collinear
    assert alpha_shape(np.array([[0, 0], [5, 0], [0, 5]], float)).is_empty  # one huge triangle


def _l_room(step=0.05):
    """Grid points of the L [0, 4] x [0, 2] + [0, 2] x [2, 4] (12 m^2) and which lie on its outline."""
    xs = np.arange(0.0, 4.0 + 1e-9, step)
    gx, gy = np.meshgrid(xs, xs, indexing="ij")
    p = np.column_stack([gx.ravel(), gy.ravel()])
    p = p[(p[:, 1] <= 2.0 + 1e-9) | (p[:, 0] <= 2.0 + 1e-9)]
    x, y = p[:, 0], p[:, 1]
    on = np.isclose(x, 0) | np.isclose(y, 0) | np.isclose(x, 4) | np.isclose(y, 4)
    on |= (np.isclose(y, 2) & (x >= 2 - 1e-9)) | (np.isclose(x, 2) & (y >= 2 - 1e-9))
    return p, on


def test_boundary_points_do_not_fill_a_reflex_corner():
    # walls meeting at the L's inner corner (2, 2): triangles made only of outline points would fill
    # the outside of that corner (~0.02 m^2 for a 0.2 m alpha radius); marked as boundary they bound
    # the floor without adding area (only the half-cell triangles at the 5 convex corners go)
    p, on = _l_room()
    filled = floor_shape(p).area_m2
    bounded = floor_shape(p, boundary=on).area_m2
    assert filled > 12.01
    assert 12.0 - 5 * 0.05**2 / 2 - 1e-9 <= bounded <= 12.0 + 1e-9
