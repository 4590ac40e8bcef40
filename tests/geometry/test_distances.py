"""Box-to-box and point-set distances against hand-computed values."""

import math

import numpy as np
import pytest

from ladderdata.errors import GeometryError
from ladderdata.geometry.boxes import box3d_from_points
from ladderdata.geometry.distances import (
    aabb_distance,
    box_distance,
    pairwise_aabb_distances,
    pairwise_point_set_distances,
    point_set_distance,
)


def test_aabb_distance_cases():
    a = ([0, 0, 0], [1, 1, 1])
    assert aabb_distance(*a, [3, 0, 0], [4, 1, 1]) == 2.0  # gap along x only
    assert aabb_distance(*a, [2, 3, 0], [3, 4, 1]) == pytest.approx(math.sqrt(1 + 4))  # corner to corner
    assert aabb_distance(*a, [2, 3, 3], [3, 4, 4]) == pytest.approx(3.0)  # sqrt(1 + 4 + 4)
    assert aabb_distance(*a, [0.5, 0.5, 0.5], [2, 2, 2]) == 0.0  # overlap
    assert aabb_distance(*a, [1, 0, 0], [2, 1, 1]) == 0.0  # touching


def test_pairwise_matrix():
    mins = np.array([[0, 0, 0], [3, 0, 0], [0, 4, 0]], float)
    maxs = mins + 1
    d = pairwise_aabb_distances(mins, maxs)
    # boxes 1 and 2: gaps x = 3 - 1 = 2, y = 4 - 1 = 3 -> sqrt(13)
    np.testing.assert_allclose(d, [[0, 2, 3], [2, 0, math.sqrt(13)], [3, math.sqrt(13), 0]])


def test_box_distance_from_records():
    cabinet = box3d_from_points(np.array([[1.5, 1.0, 0.5], [2.5, 1.5, 1.5]]))
    table = box3d_from_points(np.array([[0.3, 0.2, 0.0], [1.1, 0.8, 0.72]]))
    # gaps x = 1.5 - 1.1 = 0.4, y = 1.0 - 0.8 = 0.2, z overlaps -> sqrt(0.2)
    assert box_distance(cabinet, table) == pytest.approx(math.sqrt(0.2))
    yawed = box3d_from_points(np.array([[0, 0, 0], [1, 1, 0], [2, 0, 1], [1, -1, 1]], float), oriented=True)
    with pytest.raises(GeometryError):
        box_distance(cabinet, yawed)


def test_point_set_distance():
    a = np.array([[0, 0, 0], [1, 0, 0], [5, 5, 5]], float)
    b = np.array([[4, 0, 0], [1, 3, 4], [9, 9, 9]], float)
    # closest pair: (1,0,0)-(1,3,4) = 5 vs (1,0,0)-(4,0,0) = 3 -> 3
    assert point_set_distance(a, b) == 3.0
    assert point_set_distance(b, a) == 3.0
    with pytest.raises(GeometryError):
        point_set_distance(a, np.zeros((0, 3)))


def test_pairwise_point_set_distances_match_brute_force():
    # seeded point clouds: near, interleaved and far apart; the pruned KD-tree search must be exact
    rng = np.random.default_rng(7)
    sets = [
        rng.uniform(0, 1, (300, 3)),
        rng.uniform(0, 1, (50, 3)) + [0.5, 0.5, 0.0],  # overlaps the first
        rng.uniform(0, 1, (200, 3)) + [3.0, 0.0, 0.0],  # 2 m away
        np.array([[10.0, 10.0, 10.0], [10.0, 10.0, 11.0]]),
    ]
    got = pairwise_point_set_distances(sets)
    assert sorted(got) == [(i, j) for i in range(4) for j in range(i + 1, 4)]
    for (i, j), d in got.items():
        brute = np.sqrt(((sets[i][:, None, :] - sets[j][None, :, :]) ** 2).sum(-1).min())
        assert d == pytest.approx(brute, abs=1e-12)


def test_pairwise_point_set_distance_by_hand():
    # two unit squares' corners 3 m apart along x, one raised by 4 m: sqrt(3^2 + 4^2) = 5
    a = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], float)
    b = a + [4.0, 0.0, 4.0]
    assert pairwise_point_set_distances([a, b], [(0, 1)]) == {(0, 1): pytest.approx(5.0)}
