"""Per-vertex surface attributes of a triangle mesh: area share and normal, for pixel-area estimates.

A vertex stands for a third of the area of every triangle around it; its normal is the area-weighted
sum of those triangles' normals (meshes written by ScanNet and the sample wind triangles
counter-clockwise seen from the observed side, so the normal points toward where a camera can be).

`projected_pixel_area` turns visible vertices into an image-area estimate: a small surface patch of
area A and unit normal n at camera-frame point X covers A * |n . X| / z^3 of the normalised image
plane, i.e. that times fx * fy pixels. Summing over an object's depth-tested visible vertices gives its
visible pixel count without rasterising (exact in the limit of a fine mesh; patches facing away from
the camera count zero).
"""

from __future__ import annotations

import numpy as np


def vertex_areas_normals(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V,) area share (m^2) and (V, 3) unit normal (zeros where undefined) of every vertex."""
    v = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    f = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    areas = np.zeros(len(v))
    normals = np.zeros((len(v), 3))
    if len(f) == 0:
        return areas, normals
    cross = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])  # length = 2 * area
    tri_area = 0.5 * np.linalg.norm(cross, axis=1)
    flat = f.reshape(-1)
    areas = np.bincount(flat, weights=np.repeat(tri_area / 3.0, 3), minlength=len(v))
    for axis in range(3):
        normals[:, axis] = np.bincount(flat, weights=np.repeat(cross[:, axis], 3), minlength=len(v))
    norm = np.linalg.norm(normals, axis=1)
    normals = np.divide(normals, norm[:, None], out=np.zeros_like(normals), where=norm[:, None] > 0)
    return areas, normals


def projected_pixel_area(
    points_cam: np.ndarray, normals_cam: np.ndarray, areas: np.ndarray, fx: float, fy: float
) -> np.ndarray:
    """(N,) pixels covered by each patch (camera-frame point, camera-frame normal, area); 0 when the
    patch faces away from the camera or lies behind it."""
    p = np.asarray(points_cam, dtype=np.float64).reshape(-1, 3)
    n = np.asarray(normals_cam, dtype=np.float64).reshape(-1, 3)
    z = p[:, 2]
    facing = -np.einsum("ij,ij->i", n, p)  # > 0 when the normal points toward the camera
    ok = (z > 1e-6) & (facing > 0)
    out = np.zeros(len(p))
    out[ok] = np.asarray(areas, dtype=np.float64)[ok] * facing[ok] / z[ok] ** 3 * fx * fy
    return out
