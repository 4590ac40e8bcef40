"""Room floor: seeded sampling of floor-level surfaces and the alpha-shape floor polygon and area.

Rule (reference/question-rules.md, room size): area in m^2 of the 2D alpha shape (alpha about 5, i.e.
disc radius 1 / alpha = 0.2 m) of the scan's floor-level points. The floor mesh is first sampled
densely and reproducibly (vertices, points along long edges, area-weighted points inside large
triangles, all from a seeded generator), so a coarse floor of a few big triangles and a dense ScanNet
floor give the same shape. The alpha shape is the union of the Delaunay triangles whose circumradius is
below the radius; holes (unscanned floor under furniture) are filled and the largest connected part is
the room, because floor seen through a doorway is not part of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import Delaunay, QhullError
from shapely.geometry import MultiPolygon, Polygon

DEFAULT_ALPHA = 5.0
"""Alpha of the floor alpha shape (1 / metres); triangles with circumradius >= 1 / alpha are dropped."""
DEFAULT_SPACING = 0.05
"""Target spacing (metres) of sampled floor points; must stay well below 1 / alpha."""
DEFAULT_MAX_POINTS = 60_000
"""Cap on sampled points (seeded subsample beyond it); 60k covers 150 m^2 at the default spacing."""

SIMPLIFY_TOLERANCE = 1e-4
"""Metres; polygon vertices closer than this to the line through their neighbours are dropped."""


@dataclass(frozen=True)
class FloorShape:
    """Floor polygon (exterior ring, xy metres, counter-clockwise, not closed) and its area in m^2."""

    polygon: np.ndarray
    area_m2: float


def sample_floor_points(
    vertices: np.ndarray,
    faces: np.ndarray | None,
    rng: np.random.Generator,
    spacing: float = DEFAULT_SPACING,
    max_points: int = DEFAULT_MAX_POINTS,
) -> np.ndarray:
    """Seeded xy samples (M, 2) of a floor surface given as vertices (V, 3) and triangles (F, 3).

    Returns the vertices, points every `spacing` along triangle edges longer than it, and
    area-weighted uniform points (one per spacing^2 on average) inside triangles larger than
    spacing^2, thinned to one point per spacing^2 cell; when more than `max_points` remain, a
    seeded subset is kept. Without faces, the vertices
    alone are returned (then they must already be dense).
    """
    xy = np.asarray(vertices, dtype=np.float64)[:, :2]
    parts = [xy]
    if faces is not None and len(faces):
        tri = xy[np.asarray(faces, dtype=np.int64)]  # (F, 3, 2)
        # edges: points at fractions k / n of every edge longer than `spacing` (k = 1..n-1)
        a = tri.reshape(-1, 2)
        b = tri[:, [1, 2, 0], :].reshape(-1, 2)
        n_seg = np.ceil(np.linalg.norm(b - a, axis=1) / spacing).astype(np.int64)
        long_edge = n_seg > 1
        if np.any(long_edge):
            a, b, n_seg = a[long_edge], b[long_edge], n_seg[long_edge]
            counts = n_seg - 1
            owner = np.repeat(np.arange(len(a)), counts)
            k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1
            frac = (k / n_seg[owner])[:, None]
            parts.append(a[owner] + frac * (b[owner] - a[owner]))
        # interiors: Poisson-like count per triangle (floor(area/s^2) + Bernoulli(remainder))
        e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
        area = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
        expected = area / spacing**2
        counts = np.floor(expected).astype(np.int64)
        counts += rng.random(len(counts)) < (expected - counts)
        if counts.sum():
            owner = np.repeat(np.arange(len(tri)), counts)
            r1, r2 = rng.random(len(owner)), rng.random(len(owner))
            flip = r1 + r2 > 1.0  # fold the unit square onto the triangle: uniform barycentrics
            r1, r2 = np.where(flip, 1.0 - r1, r1), np.where(flip, 1.0 - r2, r2)
            inner = tri[owner, 0] + r1[:, None] * e1[owner] + r2[:, None] * e2[owner]
            # Drop samples within spacing/4 of an edge: a point almost on a boundary edge makes a
            # sliver triangle with huge circumradius there, and the alpha shape would get a dent.
            # Distance to edge i = barycentric_i * 2 * area / |edge_i|.
            bary = np.column_stack([1.0 - r1 - r2, r1, r2])
            edge_len = np.linalg.norm(tri[:, [1, 2, 0]] - tri[:, [2, 0, 1]], axis=2)  # opposite
            dist = bary * (2.0 * area[owner])[:, None] / np.maximum(edge_len[owner], 1e-12)
            parts.append(inner[np.all(dist >= spacing / 4.0, axis=1)])
    points = np.concatenate(parts)
    # Thin to one point per spacing^2 cell: dense scanned floors carry 10x more vertices than the
    # alpha shape needs, and Delaunay dominates its cost (on the sample, cells of spacing/2 took 3.5x
    # longer for areas within 0.01 m^2 of these). np.unique keeps each cell's first point, and the mesh
    # vertices come first, so polygon corners survive; rows are re-sorted into their original order
    # for determinism.
    cells = np.floor(points / spacing).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    points = points[np.sort(first)]
    if len(points) > max_points:
        keep = np.sort(rng.choice(len(points), size=max_points, replace=False))
        points = points[keep]
    return points


def alpha_shape(
    points_xy: np.ndarray, alpha: float = DEFAULT_ALPHA, boundary: np.ndarray | None = None
) -> Polygon | MultiPolygon:
    """Union of the Delaunay triangles of the points whose circumradius is below 1 / alpha.

    `boundary` (optional (N,) bool) marks points that may bound the shape but add no area on their
    own: a triangle whose three corners are all boundary points is dropped. Wall bases are such points:
    they carry the floor up to the walls, but two walls meeting at a reflex corner of an L-shaped room
    would otherwise fill the corner's outside. A point given twice is a boundary point only when its
    first occurrence is one.
    Returns an empty Polygon when fewer than 3 non-collinear points exist.
    """
    raw = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    p, first = np.unique(raw, axis=0, return_index=True)
    only_boundary = None if boundary is None else np.asarray(boundary, dtype=bool).reshape(-1)[first]
    if len(p) < 3:
        return Polygon()
    try:
        tri = Delaunay(p)
    except QhullError:  # all points collinear
        return Polygon()
    corners = p[tri.simplices]  # (T, 3, 2)
    la = np.linalg.norm(corners[:, 1] - corners[:, 2], axis=1)
    lb = np.linalg.norm(corners[:, 0] - corners[:, 2], axis=1)
    lc = np.linalg.norm(corners[:, 0] - corners[:, 1], axis=1)
    e1, e2 = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    area = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        radius = la * lb * lc / (4.0 * area)
    keep = (area > 0) & (radius < 1.0 / alpha)
    if only_boundary is not None:
        keep &= ~np.all(only_boundary[tri.simplices], axis=1)
    if not np.any(keep):
        return Polygon()
    rings = np.concatenate([corners[keep], corners[keep][:, :1]], axis=1)  # closed (K, 4, 2)
    # Delaunay triangles never overlap, so they form a valid coverage and coverage_union is exact.
    return shapely.coverage_union_all(shapely.polygons(rings))


def largest_filled_part(shape: Polygon | MultiPolygon) -> Polygon:
    """Largest connected part of a (multi)polygon with its holes filled."""
    if shape.is_empty:
        return Polygon()
    parts = list(shape.geoms) if isinstance(shape, MultiPolygon) else [shape]
    filled = [Polygon(part.exterior) for part in parts if isinstance(part, Polygon)]
    return max(filled, key=lambda poly: poly.area) if filled else Polygon()


def floor_shape(
    points_xy: np.ndarray, alpha: float = DEFAULT_ALPHA, boundary: np.ndarray | None = None
) -> FloorShape:
    """Room floor polygon and area (m^2) from floor-level xy points (see module docstring);
    `boundary` marks points that only bound the floor (`alpha_shape`)."""
    room = largest_filled_part(alpha_shape(points_xy, alpha, boundary))
    if room.is_empty:
        return FloorShape(polygon=np.zeros((0, 2)), area_m2=0.0)
    # Drop (near-)collinear vertices left by float32 mesh noise, and fix the ring's start vertex.
    room = shapely.normalize(shapely.simplify(room, SIMPLIFY_TOLERANCE))
    coords = np.asarray(room.exterior.coords)[:-1]
    if _signed_area(coords) < 0:  # counter-clockwise exterior
        coords = coords[::-1]
    return FloorShape(polygon=coords, area_m2=float(room.area))


def rectangle_points(corners_xy: np.ndarray, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """Points (M, 2) on a grid of at most `spacing` covering the parallelogram of 4 corners (in
    order), its edges included: a footprint as floor-level points for the alpha shape."""
    c = np.asarray(corners_xy, dtype=np.float64).reshape(4, 2)
    a, b = c[1] - c[0], c[3] - c[0]
    nu = max(1, int(np.ceil(np.linalg.norm(a) / spacing)))
    nv = max(1, int(np.ceil(np.linalg.norm(b) / spacing)))
    s, t = np.meshgrid(np.linspace(0.0, 1.0, nu + 1), np.linspace(0.0, 1.0, nv + 1), indexing="ij")
    return c[0] + s.reshape(-1, 1) * a + t.reshape(-1, 1) * b


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
