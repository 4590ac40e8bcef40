"""Readers for the files of an ARKitScenes 3DOD scan (reference/arkitscenes-format.md).

- `lowres_wide.traj`: one pose per line, `timestamp rx ry rz tx ty tz` (axis-angle in radians and a
  translation in metres) of the world-to-camera transform; returned inverted, camera-to-world;
- `<video>_<ts>.pincam`: `width height fx fy cx cy`;
- `<video>_3dod_annotation.json`: `data[i].segments.obbAligned` {centroid, axesLengths (full lengths),
  normalizedAxes (row-major 3x3: each row one box axis in world coordinates)} and the `skipped` flag;
- `metadata.csv`: `video_id, visit_id, fold, sky_direction, ...` (header names, any column order).

Each reader raises `SourceError` with one line naming the file, what is wrong and the fix.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ladderdata.errors import SourceError
from ladderdata.sources.scannet_files import read_json, read_text

REDOWNLOAD = "re-download the video with ARKitScenes' download_data.py"
FRAME_NAME = re.compile(r"^(?P<video>[0-9A-Za-z]+)_(?P<ts>\d+(?:\.\d+)?)$")
"""Stem of a frame file: `<video_id>_<timestamp seconds, 3 decimals>`."""
POSE_TOLERANCE_S = 0.005
"""A frame without a pose at its exact (3-decimal) timestamp takes the nearest pose this close (as the
official TenFpsDataLoader does)."""


def read_traj(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(timestamps (N,), camera-to-world poses (N, 4, 4)) of a `lowres_wide.traj`, sorted by time."""
    text = read_text(path, REDOWNLOAD)
    times, poses = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            values = [float(v) for v in fields]
        except ValueError:
            values = []
        if len(values) != 7 or not all(math.isfinite(v) for v in values):
            raise SourceError.at(
                path, f"line {n} is not 7 finite numbers (timestamp rx ry rz tx ty tz)", REDOWNLOAD
            )
        rot, _ = cv2.Rodrigues(np.asarray(values[1:4], dtype=np.float64))
        world_to_camera = np.eye(4)
        world_to_camera[:3, :3] = rot
        world_to_camera[:3, 3] = values[4:7]
        # inverse of a rigid transform: [R.T | -R.T t]; exact, unlike a general inverse
        pose = np.eye(4)
        pose[:3, :3] = rot.T
        pose[:3, 3] = -rot.T @ np.asarray(values[4:7])
        times.append(values[0])
        poses.append(pose)
    if not times:
        raise SourceError.at(path, "trajectory has no poses", REDOWNLOAD)
    order = np.argsort(times, kind="stable")
    return np.asarray(times)[order], np.asarray(poses)[order]


def read_pincam(path: Path) -> tuple[int, int, np.ndarray]:
    """(width, height, K) of a `.pincam` file."""
    text = read_text(path, REDOWNLOAD)
    fields = text.split()
    try:
        values = [float(v) for v in fields]
    except ValueError:
        values = []
    if len(values) != 6 or not all(math.isfinite(v) for v in values):
        raise SourceError.at(path, "not 6 numbers (width height fx fy cx cy)", REDOWNLOAD)
    w, h, fx, fy, cx, cy = values
    if w < 1 or h < 1 or w != int(w) or h != int(h) or fx <= 0 or fy <= 0:
        raise SourceError.at(
            path, "width/height not positive integers or focal length not positive", REDOWNLOAD
        )
    return int(w), int(h), np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class AnnotatedBox:
    """One annotation entry: its oriented box, or the reason it cannot be used (`problem`)."""

    index: int
    instance_id: int
    label: str
    centroid: np.ndarray | None = None
    lengths: np.ndarray | None = None
    axes: np.ndarray | None = None
    """3x3: row i is the box's i-th axis in world coordinates."""
    problem: str | None = None

    def contains(self, points: np.ndarray, margin: float) -> np.ndarray:
        """Mask of the (N, 3) points inside the box grown by `margin` metres on every side."""
        local = (np.asarray(points) - self.centroid) @ self.axes.T  # type: ignore[operator]
        return np.all(np.abs(local) <= self.lengths / 2 + margin, axis=1)  # type: ignore[operator]


def read_annotation(path: Path) -> tuple[bool, list[AnnotatedBox]]:
    """(skipped flag, one AnnotatedBox per `data` entry) of a `_3dod_annotation.json`."""
    doc = read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceError.at(path, "no 'data' list", REDOWNLOAD)
    skipped = bool(doc.get("skipped", False))
    boxes = []
    for i, entry in enumerate(doc["data"]):
        if not isinstance(entry, dict):
            boxes.append(AnnotatedBox(i, i, "?", problem=f"data[{i}] is not an object"))
            continue
        label = entry.get("label")
        ident = entry.get("objectId", i)
        ident = i if isinstance(ident, bool) or not isinstance(ident, int) else ident
        where = f"data[{i}]"
        if not isinstance(label, str) or not label.strip():
            boxes.append(AnnotatedBox(i, ident, "?", problem=f"{where} has no label"))
            continue
        where = f"data[{i}] ('{label}', objectId {ident})"
        obb = (
            (entry.get("segments") or {}).get("obbAligned")
            if isinstance(entry.get("segments"), dict)
            else None
        )
        if not isinstance(obb, dict):
            boxes.append(AnnotatedBox(i, ident, label, problem=f"{where} has no segments.obbAligned box"))
            continue
        try:
            centroid = np.asarray(obb["centroid"], dtype=np.float64).reshape(3)
            lengths = np.asarray(obb["axesLengths"], dtype=np.float64).reshape(3)
            axes = np.asarray(obb["normalizedAxes"], dtype=np.float64).reshape(3, 3)
        except (KeyError, TypeError, ValueError):
            boxes.append(
                AnnotatedBox(
                    i,
                    ident,
                    label,
                    problem=f"{where} obbAligned lacks centroid[3]/axesLengths[3]/normalizedAxes[9]",
                )
            )
            continue
        if not (np.all(np.isfinite(centroid)) and np.all(np.isfinite(lengths)) and np.all(np.isfinite(axes))):
            boxes.append(AnnotatedBox(i, ident, label, problem=f"{where} obbAligned has non-finite numbers"))
            continue
        if np.any(lengths <= 0):
            boxes.append(AnnotatedBox(i, ident, label, problem=f"{where} obbAligned has a side <= 0"))
            continue
        if not np.allclose(axes @ axes.T, np.eye(3), atol=1e-3):
            boxes.append(AnnotatedBox(i, ident, label, problem=f"{where} normalizedAxes is not a rotation"))
            continue
        boxes.append(AnnotatedBox(i, ident, label, centroid, lengths, axes))
    return skipped, boxes


def read_metadata(path: Path) -> dict[str, dict[str, str]]:
    """Rows of an ARKitScenes `metadata.csv` by video id (every column kept as text)."""
    text = read_text(
        path, "download metadata.csv with download_data.py (it writes <download_dir>/3dod/metadata.csv)"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "video_id" not in rows[0] or "sky_direction" not in rows[0]:
        raise SourceError.at(
            path, "no 'video_id' and 'sky_direction' columns", "use the metadata.csv ARKitScenes ships"
        )
    return {row["video_id"].strip(): {k: (v or "").strip() for k, v in row.items() if k} for row in rows}


def frame_stems(folder: Path, video_id: str) -> dict[str, Path]:
    """`<timestamp text>` -> path of every `<video_id>_<ts>.png` in `folder` (other files ignored)."""
    out = {}
    for path in folder.glob(f"{video_id}_*.png"):
        m = FRAME_NAME.match(path.stem)
        if m and m.group("video") == video_id:
            out[m.group("ts")] = path
    return out


def match_pose(ts: float, times: np.ndarray) -> int | None:
    """Index of the pose of a frame at `ts`: same 3-decimal timestamp, else the nearest within 5 ms."""
    i = int(np.searchsorted(times, ts))
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(times) and (best is None or abs(times[j] - ts) < abs(times[best] - ts)):
            best = j
    if best is None or abs(times[best] - ts) > POSE_TOLERANCE_S:
        return None
    return best


def pincam_path(folder: Path, video_id: str, ts_text: str) -> Path | None:
    """The `.pincam` of a frame: at its timestamp, else at +-0.001 s (folders disagree by a millisecond)."""
    ts = float(ts_text)
    decimals = len(ts_text.split(".")[1]) if "." in ts_text else 3
    for candidate in (ts, ts - 0.001, ts + 0.001):
        path = folder / f"{video_id}_{candidate:.{decimals}f}.pincam"
        if path.is_file():
            return path
    return None
