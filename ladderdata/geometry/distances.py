"""Minimum distances between objects: exact for axis-aligned boxes, nearest pair for point sets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ladderdata.errors import GeometryError

if TYPE_CHECKING:  # scipy is imported where a KD-tree is built: generating from cached scene records never is
    from scipy.spatial import cKDTree


def aabb_distance(min_a: np.ndarray, max_a: np.ndarray, min_b: np.ndarray, max_b: np.ndarray) -> np.ndarray:
    """Exact minimum Euclidean distance between axis-aligned boxes (0 when they touch or overlap).

    Per axis the gap is max(0, min_b - max_a, min_a - max_b); the distance is the norm of the gaps.
    Broadcasts over leading dimensions: (..., 3) inputs give (...) distances.
    """
    min_a, max_a = np.asarray(min_a, dtype=np.float64), np.asarray(max_a, dtype=np.float64)
    min_b, max_b = np.asarray(min_b, dtype=np.float64), np.asarray(max_b, dtype=np.float64)
    gap = np.maximum(0.0, np.maximum(min_b - max_a, min_a - max_b))
    return np.linalg.norm(gap, axis=-1)


def pairwise_aabb_distances(mins: np.ndarray, maxs: np.ndarray) -> np.ndarray:
    """(n, n) matrix of exact AABB distances between n boxes given (n, 3) mins and maxs."""
    mins, maxs = np.asarray(mins, dtype=np.float64), np.asarray(maxs, dtype=np.float64)
    return aabb_distance(mins[:, None, :], maxs[:, None, :], mins[None, :, :], maxs[None, :, :])


def box_distance(box_a, box_b) -> float:
    """Exact distance between two `records.Box3D` boxes that are axis-aligned (yaw 0).

    Yawed boxes have no closed form here; use `point_set_distance` on their instance points instead.
    """
    if box_a.yaw != 0.0 or box_b.yaw != 0.0:
        raise GeometryError("box_distance needs axis-aligned boxes; use point_set_distance for yawed ones")
    return float(aabb_distance(box_a.min, box_a.max, box_b.min, box_b.max))


def point_set_distance(points_a: np.ndarray, points_b: np.ndarray) -> float:
    """Minimum Euclidean distance over all pairs of two point sets (cKDTree on the larger set)."""
    a = np.asarray(points_a, dtype=np.float64).reshape(-1, 3)
    b = np.asarray(points_b, dtype=np.float64).reshape(-1, 3)
    if len(a) == 0 or len(b) == 0:
        raise GeometryError("point_set_distance needs two non-empty point sets")
    if len(a) > len(b):
        a, b = b, a
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(b).query(a, k=1)
    return float(np.min(dist))


def pairwise_point_set_distances(
    point_sets: list[np.ndarray], pairs: list[tuple[int, int]] | None = None
) -> dict[tuple[int, int], float]:
    """Minimum Euclidean distance between the points of set i and set j, for every pair (i < j).

    One `cKDTree` per set (built once, on first use). For a pair, the smaller set is queried
    against the larger set's tree, but only its points that can still matter: a point's distance to
    the other set's axis-aligned bounds is a lower bound of its nearest-neighbour distance, and the
    exact distance of the point with the smallest bound is an upper bound of the answer, so points
    whose bound exceeds it are skipped. Far-apart objects then cost one query each. `pairs` restricts
    the pairs (default: all).
    """
    sets = [np.asarray(p, dtype=np.float64).reshape(-1, 3) for p in point_sets]
    if any(len(p) == 0 for p in sets):
        raise GeometryError("pairwise_point_set_distances needs non-empty point sets")
    lo = [p.min(axis=0) for p in sets]
    hi = [p.max(axis=0) for p in sets]
    trees: dict[int, cKDTree] = {}

    def tree(i: int) -> cKDTree:
        from scipy.spatial import cKDTree

        if i not in trees:
            trees[i] = cKDTree(sets[i])
        return trees[i]

    if pairs is None:
        pairs = [(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets))]
    out: dict[tuple[int, int], float] = {}
    for i, j in pairs:
        small, big = (i, j) if len(sets[i]) <= len(sets[j]) else (j, i)
        pts = sets[small]
        gap = np.maximum(0.0, np.maximum(lo[big] - pts, pts - hi[big]))
        bound = np.sqrt(np.einsum("ij,ij->i", gap, gap))
        k = int(np.argmin(bound))
        upper = float(tree(big).query(pts[k], k=1)[0])
        near = pts[bound <= upper]
        best = upper
        if len(near) > 1:
            d, _ = tree(big).query(near, k=1, distance_upper_bound=upper * (1 + 1e-9) + 1e-12)
            best = min(best, float(np.min(d)))
        out[(min(i, j), max(i, j))] = best
    return out
