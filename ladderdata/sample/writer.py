"""Writers for ScanNet's on-disk formats, byte-for-byte in the layout ScanNet distributes.

- `<scan>_vh_clean_2.ply`: binary little-endian PLY with the header ScanNet's files carry (vertex
  x y z float, red green blue alpha uchar; face `list uchar int vertex_indices`).
- `<scan>_vh_clean_2.0.010000.segs.json` and `<scan>.aggregation.json`: compact JSON with ScanNet's
  key order (Aggregator.v2 style, `sceneId` "scannet.<scan>").
- `<scan>.txt`: `key = value` lines as in ScanNet's scene files.
- SensReader export: 4x4 matrices written row by row with `%f` (what SensReader's `np.savetxt` gives,
  `-inf` for lost-tracking poses), JPEG colour, 16-bit PNG depth.

These functions write plain files; the sample generator writes everything into a private staging folder
that is renamed into place at the end, which makes the whole sample atomic.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

PLY_HEADER = (
    "ply\n"
    "format binary_little_endian 1.0\n"
    "comment VCGLIB generated\n"
    "element vertex {n_vertices}\n"
    "property float x\n"
    "property float y\n"
    "property float z\n"
    "property uchar red\n"
    "property uchar green\n"
    "property uchar blue\n"
    "property uchar alpha\n"
    "element face {n_faces}\n"
    "property list uchar int vertex_indices\n"
    "end_header\n"
)
"""Header of ScanNet's `*_vh_clean_2.ply` files (VCG library export)."""

SEGS_PARAMS = {
    "kThresh": "0.0001",
    "segMinVerts": "20",
    "minPoints": "750",
    "maxPoints": "5000",
    "thinThresh": "0.05",
    "flatThresh": "0.001",
    "minLength": "0.02",
    "maxLength": "1",
}
"""The `params` block ScanNet's segmentator writes (kept verbatim for realism)."""

JPEG_QUALITY = 90


def write_ply(path: Path, vertices: np.ndarray, colours_rgb: np.ndarray, faces: np.ndarray) -> None:
    """Binary little-endian PLY: float32 xyz, uchar rgba (alpha 255), triangles as `uchar 3, int32 x3`."""
    n = len(vertices)
    vdt = np.dtype(
        [
            ("x", "<f4"),
            ("y", "<f4"),
            ("z", "<f4"),
            ("red", "u1"),
            ("green", "u1"),
            ("blue", "u1"),
            ("alpha", "u1"),
        ]
    )
    v = np.empty(n, dtype=vdt)
    v["x"], v["y"], v["z"] = (np.asarray(vertices[:, i], dtype=np.float32) for i in range(3))
    v["red"], v["green"], v["blue"] = (colours_rgb[:, i] for i in range(3))
    v["alpha"] = 255
    fdt = np.dtype([("n", "u1"), ("v", "<i4", (3,))])
    f = np.empty(len(faces), dtype=fdt)
    f["n"] = 3
    f["v"] = faces
    header = PLY_HEADER.format(n_vertices=n, n_faces=len(faces)).encode("ascii")
    with open(path, "wb") as fh:
        fh.write(header)
        fh.write(v.tobytes())
        fh.write(f.tobytes())


def _compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def write_segs(path: Path, scan_id: str, seg_indices: np.ndarray) -> None:
    """`{"params": ..., "sceneId": scan, "segIndices": [...]}` (one segment id per vertex)."""
    doc = {"params": SEGS_PARAMS, "sceneId": scan_id, "segIndices": [int(s) for s in seg_indices]}
    path.write_text(_compact(doc), encoding="utf-8")


def write_aggregation(path: Path, scan_id: str, groups: list[tuple[int, str, list[int]]]) -> None:
    """Aggregator.v2 file: segGroups `{"id", "objectId", "segments", "label"}` in id order."""
    doc = {
        "sceneId": f"scannet.{scan_id}",
        "appId": "Aggregator.v2",
        "segGroups": [
            {"id": gid, "objectId": gid, "segments": [int(s) for s in segs], "label": label}
            for gid, label, segs in groups
        ],
        "segmentsFile": f"scannet.{scan_id}_vh_clean_2.0.010000.segs.json",
    }
    path.write_text(_compact(doc), encoding="utf-8")


def _floats(values) -> str:
    return " ".join(f"{float(v):f}" for v in values)


def write_scene_txt(
    path: Path,
    *,
    axis_alignment: np.ndarray,
    k_color: np.ndarray,
    k_depth: np.ndarray,
    color_size: tuple[int, int],
    depth_size: tuple[int, int],
    n_frames: int,
    scene_type: str,
) -> None:
    """`<scan>.txt` with the keys (and order) of ScanNet's scene files."""
    lines = [
        f"axisAlignment = {_floats(np.asarray(axis_alignment).reshape(-1))} ",
        f"colorHeight = {color_size[1]}",
        f"colorToDepthExtrinsics = {_floats(np.eye(4).reshape(-1))}",
        f"colorWidth = {color_size[0]}",
        f"depthHeight = {depth_size[1]}",
        f"depthWidth = {depth_size[0]}",
        f"fx_color = {k_color[0, 0]:f}",
        f"fx_depth = {k_depth[0, 0]:f}",
        f"fy_color = {k_color[1, 1]:f}",
        f"fy_depth = {k_depth[1, 1]:f}",
        f"mx_color = {k_color[0, 2]:f}",
        f"mx_depth = {k_depth[0, 2]:f}",
        f"my_color = {k_color[1, 2]:f}",
        f"my_depth = {k_depth[1, 2]:f}",
        f"numColorFrames = {n_frames}",
        f"numDepthFrames = {n_frames}",
        f"numIMUmeasurements = {2 * n_frames + 3}",
        f"sceneType = {scene_type}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def matrix_text(matrix: np.ndarray) -> str:
    """A 4x4 matrix as SensReader writes it: one row per line, `%f` values separated by spaces."""
    return "".join(_floats(row) + "\n" for row in np.asarray(matrix, dtype=np.float64))


def write_matrix(path: Path, matrix: np.ndarray) -> None:
    """Write a 4x4 matrix file (intrinsics, extrinsics, poses)."""
    path.write_text(matrix_text(matrix), encoding="utf-8")


def parse_matrix_text(text: str) -> np.ndarray:
    """Inverse of `matrix_text` (also reads `-inf`)."""
    return np.array(
        [[float(v) for v in line.split()] for line in text.strip().splitlines()], dtype=np.float64
    )


def k4(k: np.ndarray) -> np.ndarray:
    """3x3 intrinsics as the 4x4 SensReader writes."""
    m = np.eye(4)
    m[:3, :3] = k
    return m


def encode_jpeg(image_bgr: np.ndarray) -> bytes:
    """JPEG bytes (OpenCV/libjpeg, fixed quality, deterministic for one library build)."""
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 BGR image
        raise RuntimeError("OpenCV failed to encode a JPEG")
    return buf.tobytes()


def encode_png16(image: np.ndarray) -> bytes:
    """16-bit single-channel PNG bytes."""
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image, dtype=np.uint16))
    if not ok:  # pragma: no cover
        raise RuntimeError("OpenCV failed to encode a PNG")
    return buf.tobytes()


class VideoSink:
    """mp4 (mp4v) of the colour frames at `fps`, downscaled to `size` (width, height)."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        self.size = size
        self.writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self.writer.isOpened():
            raise RuntimeError(f"{path}: OpenCV cannot open an mp4v video writer; install opencv with FFmpeg")

    def add(self, image_bgr: np.ndarray) -> None:
        """Append one frame."""
        self.writer.write(cv2.resize(image_bgr, self.size, interpolation=cv2.INTER_AREA))

    def close(self) -> None:
        """Finish the file."""
        self.writer.release()
