"""Ray-cast rendering of the sample's mesh with open3d's tensor RaycastingScene (CPU, no display).

One ray per pixel centre: pixel (u, v) looks along K^-1 [u, v, 1] (OpenCV convention, principal point
in pixel coordinates), rotated into the world by the pose. The camera-frame direction has z = 1, so the
hit parameter t is the depth along the optical axis, exactly what a depth sensor reports. The triangle
hit gives the instance id (face -> segGroup), so depth, occlusion and instance masks are exact.

The scene holds the mesh exactly as written to the PLY (float32 vertices in the mesh frame) and the
poses exactly as written to the pose files, so what the images show is what a reader of the files
reconstructs. Colour: vertex colours lit once per vertex by a ceiling light (Lambert, mild distance
falloff), flat-shaded per triangle (the mean of its corners; with ~5 cm triangles and per-vertex colour
noise this reads as a fine surface texture), a slight vignette and seeded sensor noise; rays that leave the room (there is no ceiling in the mesh, as in most ScanNet
reconstructions) see a flat ceiling colour and give no depth reading.
"""

from __future__ import annotations

import cv2
import numpy as np
import open3d as o3d

INVALID = np.uint32(0xFFFFFFFF)
"""open3d's primitive id for a ray that hits nothing."""
CEILING_BGR = np.array([226.0, 230.0, 232.0], dtype=np.float32)


def pixel_directions(k: np.ndarray, width: int, height: int) -> np.ndarray:
    """(height, width, 3) float32 camera-frame ray directions with z = 1 for every pixel centre."""
    u, v = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    d = np.stack([(u - k[0, 2]) / k[0, 0], (v - k[1, 2]) / k[1, 1], np.ones_like(u)], axis=-1)
    return d.astype(np.float32)


def vertex_lighting(
    colours_rgb: np.ndarray, vertices: np.ndarray, normals: np.ndarray, light: np.ndarray
) -> np.ndarray:
    """(N, 3) float32 BGR vertex colours lit by a point light (Lambert, mild distance falloff).

    Lighting depends only on the surface, not on the camera, so it is computed once per vertex; any
    frame (mesh or aligned) works as long as vertices, normals and light share it. Normals point to the
    side the camera sees (outwards of objects, into the room for walls and floor).
    """
    to_light = np.asarray(light, dtype=np.float64) - np.asarray(vertices, dtype=np.float64)
    dist2 = np.einsum("ij,ij->i", to_light, to_light)
    lambert = np.clip(np.einsum("ij,ij->i", normals, to_light) / np.sqrt(dist2), 0.0, None)
    shade = 0.42 + 0.55 * lambert / (1.0 + 0.04 * dist2)
    bgr = np.asarray(colours_rgb, dtype=np.float64)[:, ::-1]
    return (bgr * shade[:, None]).astype(np.float32)


class Renderer:
    """Casts colour and depth images of one mesh (mesh-frame float32 vertices, int32 faces)."""

    def __init__(
        self,
        vertices: np.ndarray,
        faces: np.ndarray,
        lit_bgr: np.ndarray,
        face_instance: np.ndarray,
        noise_seed: int,
        nthreads: int = 0,
    ):
        self.scene = o3d.t.geometry.RaycastingScene(nthreads=nthreads)
        self.scene.add_triangles(
            o3d.core.Tensor(np.ascontiguousarray(vertices, dtype=np.float32)),
            o3d.core.Tensor(np.ascontiguousarray(faces, dtype=np.uint32)),
        )
        faces = np.asarray(faces, dtype=np.int64)
        lit = np.asarray(lit_bgr, dtype=np.float32)
        # flat shading: one colour per triangle (mean of its lit corners); the last row is the
        # ceiling colour, taken by rays that hit nothing
        self.face_colours = np.vstack([lit[faces].mean(axis=1), CEILING_BGR[None, :]]).astype(np.float32)
        self.face_mask = np.append(np.asarray(face_instance, dtype=np.int64) + 1, 0).astype(np.uint16)
        self.n_faces = len(faces)
        self.nthreads = nthreads
        self.noise_seed = noise_seed
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _camera(self, k: np.ndarray, width: int, height: int):
        key = (width, height, tuple(np.round(np.asarray(k, dtype=np.float64).reshape(-1), 9)))
        if key not in self._cache:
            # homogeneous (d, 1) so one affine cv2.transform yields whole rays
            dirs = np.concatenate(
                [pixel_directions(k, width, height), np.ones((height, width, 1), np.float32)], -1
            )
            u = (np.arange(width) - width / 2) / (width / 2)
            v = (np.arange(height) - height / 2) / (height / 2)
            vignette = (1.0 - 0.12 * (u[None, :] ** 2 + v[:, None] ** 2)).astype(np.float32)
            rng = np.random.default_rng(self.noise_seed)
            noise = rng.normal(0.0, 2.2, size=(height + 16, width + 16, 3)).astype(np.float32)
            self._cache[key] = (dirs, vignette.reshape(-1, 1), noise)
        return self._cache[key]

    def _cast(self, pose: np.ndarray, k: np.ndarray, width: int, height: int):
        dirs_cam = self._camera(k, width, height)[0]
        # ray = [origin, R @ d_cam]: one cv2.transform (R plus a zero column for the origin part)
        m = np.zeros((6, 4), dtype=np.float64)
        m[:3, 3] = pose[:3, 3]
        m[3:, :3] = pose[:3, :3]
        rays = cv2.transform(dirs_cam, m.astype(np.float32))
        out = self.scene.cast_rays(o3d.core.Tensor(rays), nthreads=self.nthreads)
        return rays.reshape(-1, 6), out

    def depth(self, pose: np.ndarray, k: np.ndarray, width: int, height: int, max_depth: float) -> np.ndarray:
        """uint16 depth in millimetres along the optical axis; 0 = no surface or beyond `max_depth`."""
        _, out = self._cast(pose, k, width, height)
        t = out["t_hit"].numpy()
        ok = np.isfinite(t) & (t <= max_depth)
        mm = np.zeros(t.shape, dtype=np.uint16)
        mm[ok] = np.rint(t[ok] * 1000.0).astype(np.uint16)
        return mm

    def colour(
        self, pose: np.ndarray, k: np.ndarray, width: int, height: int, frame_seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(BGR uint8 image, uint16 instance mask = instance id + 1, 0 where no surface)."""
        _, out = self._cast(pose, k, width, height)
        _, vignette, noise = self._camera(k, width, height)
        prim = out["primitive_ids"].numpy().reshape(-1)
        fid = np.where(prim == INVALID, self.n_faces, prim).astype(np.int64)  # misses -> sentinel row
        # np.take is several times faster than fancy indexing on arrays this size
        mask = np.take(self.face_mask, fid).reshape(height, width)
        colour = np.take(self.face_colours, fid, axis=0)
        colour *= vignette
        rng = np.random.default_rng(frame_seed)
        oy, ox = (int(v) for v in rng.integers(0, 16, size=2))
        img = colour.reshape(height, width, 3)
        img += noise[oy : oy + height, ox : ox + width]
        return np.clip(img, 0, 255).astype(np.uint8), mask
