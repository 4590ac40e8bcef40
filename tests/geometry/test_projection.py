"""Pinhole projection and colour -> depth pixel mapping against hand-computed values."""

import numpy as np

from ladderdata.geometry.projection import (
    color_to_depth_pixels,
    in_image,
    pixel_index,
    project_points,
)

K = np.array([[1000.0, 0, 648], [0, 1000.0, 484], [0, 0, 1]])
POSE = np.array([[1.0, 0, 0, 2], [0, 0, 1, -3], [0, -1, 0, 1], [0, 0, 0, 1]])  # at (2,-3,1) facing +y


def test_project_known_points():
    pts = np.array([[1.0, 0.5, 0.75], [2.5, 1.0, 1.5], [2.0, 1.0, 1.0], [2.0, -4.0, 1.0]])
    uv, z = project_points(pts, POSE, K)
    # (1, .5, .75): cam (-1, .25, 3.5) -> u = 648 - 1000/3.5 = 362.2857, v = 484 + 250/3.5 = 555.4286
    # (2.5, 1, 1.5): cam (.5, -.5, 4) -> (773, 359); (2, 1, 1): on the axis -> principal point
    np.testing.assert_allclose(z, [3.5, 4.0, 4.0, -1.0])
    np.testing.assert_allclose(uv[:3], [[648 - 1000 / 3.5, 484 + 250 / 3.5], [773, 359], [648, 484]])
    assert np.all(np.isnan(uv[3]))  # behind the camera


def test_pixel_index_and_image_bounds():
    uv = np.array([[-0.5, 0.0], [-0.51, 0.0], [1295.49, 967.49], [1295.5, 0.0], [np.nan, np.nan]])
    assert in_image(uv, 1296, 968).tolist() == [True, False, True, False, False]
    np.testing.assert_array_equal(pixel_index(uv[[0, 2]]), [[0, 0], [1295, 967]])


def test_color_to_depth_uses_both_intrinsics():
    kd = np.array([[490.0, 0, 319], [0, 490.0, 241], [0, 0, 1]])
    uv = np.array([[648.0, 484.0], [1148.0, 234.0]])
    # ray of (1148, 234): x/z = 0.5, y/z = -0.25 -> depth (319 + 245, 241 - 122.5)
    np.testing.assert_allclose(color_to_depth_pixels(uv, K, kd), [[319, 241], [564, 118.5]])
    # a naive resolution ratio (640/1296, 480/968) would put the centre at (320.0, 240.0) instead
