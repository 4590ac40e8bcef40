"""Per-vertex surface areas and normals, and the projected pixel area of visible patches, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from ladderdata.geometry.surface import projected_pixel_area, vertex_areas_normals


def test_unit_square_areas_and_normals():
    # two triangles (0, 1, 2) and (0, 2, 3), counter-clockwise seen from +z: each 0.5 m^2. Vertices 0
    # and 2 touch both (2 x 0.5 / 3), vertices 1 and 3 one (0.5 / 3); all normals +z.
    v = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    f = np.array([[0, 1, 2], [0, 2, 3]])
    areas, normals = vertex_areas_normals(v, f)
    np.testing.assert_allclose(areas, [1 / 3, 1 / 6, 1 / 3, 1 / 6])
    assert areas.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(normals, [[0, 0, 1]] * 4)
    # clockwise winding flips the normals; an unused vertex has no area and no normal
    areas, normals = vertex_areas_normals(np.vstack([v, [[5, 5, 5]]]), f[:, ::-1])
    np.testing.assert_allclose(normals[:4], [[0, 0, -1]] * 4)
    assert areas[4] == 0 and not normals[4].any()


def test_projected_pixel_area():
    # a 0.1 m x 0.1 m patch 2 m in front of a camera with f = 100 facing it covers (0.1 * 100 / 2)^2 =
    # 25 pixels; tilted by 60 degrees it covers half; facing away or behind the camera: none
    p = np.array([[0.0, 0.0, 2.0]] * 4 + [[0.0, 0.0, -2.0]])
    c60 = np.cos(np.radians(60.0))
    n = np.array([[0, 0, -1], [0, np.sin(np.radians(60.0)), -c60], [0, 0, 1], [1, 0, 0], [0, 0, 1]], float)
    got = projected_pixel_area(p, n, np.full(5, 0.01), 100.0, 100.0)
    np.testing.assert_allclose(got, [25.0, 12.5, 0.0, 0.0, 0.0])
