"""Writer of ScanNet `.sens` files (SensorData version 4, reference/scannet-sens.md), for the sample.

`write_sens(path, header, frames)` streams frames to disk: the header, then per frame the camera-to-world
matrix, the timestamps, the colour JPEG bytes as given and the depth as a zlib stream of little-endian
uint16, then an IMU count of 0 (what ScanNet's C++ reader expects at the end).

`write_sens_from_export(export, path, ...)` turns a SensReader export (the sample writes one) into the
`.sens` it could have been exported from: frame `i` of the file is `color/<i>.jpg` (bytes unchanged),
`depth/<i>.png` (the same uint16 values) and `pose/<i>.txt`. The sample exports every 10th sensor frame
and renders no others, so the sensor frames in between are written as dropped frames (no colour, no
depth, `-inf` pose): a frame's position in the file is then its number in the export, and the header's
frame count is the scene file's `numColorFrames`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

SENS_VERSION = 4
COLOR_JPEG = 2
DEPTH_ZLIB_USHORT = 1
ZLIB_LEVEL = 6
SENSOR_NAME = "ladderdata-sample"


@dataclass(frozen=True)
class SensWriteHeader:
    """What a `.sens` header holds (intrinsics/extrinsics as 4x4, sizes as (width, height))."""

    intrinsic_color: np.ndarray
    intrinsic_depth: np.ndarray
    color_size: tuple[int, int]
    depth_size: tuple[int, int]
    num_frames: int
    extrinsic_color: np.ndarray = field(default_factory=lambda: np.eye(4))
    extrinsic_depth: np.ndarray = field(default_factory=lambda: np.eye(4))
    depth_shift: float = 1000.0
    sensor_name: str = SENSOR_NAME


@dataclass(frozen=True)
class SensWriteFrame:
    """One frame: pose, timestamps (µs), JPEG bytes and uint16 depth (both None: a dropped frame)."""

    pose: np.ndarray
    timestamp_color: int
    timestamp_depth: int
    color: bytes | None
    depth: np.ndarray | None


def _f32(matrix: np.ndarray) -> bytes:
    return np.asarray(matrix, dtype="<f4").reshape(16).tobytes()


def header_bytes(h: SensWriteHeader) -> bytes:
    """The header as ScanNet's writer lays it out (little-endian, no padding)."""
    name = h.sensor_name.encode("utf-8")
    return b"".join(
        [
            struct.pack("<IQ", SENS_VERSION, len(name)),
            name,
            _f32(h.intrinsic_color),
            _f32(h.extrinsic_color),
            _f32(h.intrinsic_depth),
            _f32(h.extrinsic_depth),
            struct.pack("<ii", COLOR_JPEG, DEPTH_ZLIB_USHORT),
            struct.pack("<4I", *h.color_size, *h.depth_size),
            struct.pack("<fQ", h.depth_shift, h.num_frames),
        ]
    )


def frame_bytes(frame: SensWriteFrame) -> bytes:
    """One frame record: pose, timestamps, payload sizes, JPEG, zlib depth."""
    color = frame.color or b""
    depth = b""
    if frame.depth is not None:
        depth = zlib.compress(np.ascontiguousarray(frame.depth, dtype="<u2").tobytes(), ZLIB_LEVEL)
    head = _f32(frame.pose) + struct.pack(
        "<4Q", frame.timestamp_color, frame.timestamp_depth, len(color), len(depth)
    )
    return head + color + depth


def write_sens(path: Path, header: SensWriteHeader, frames: Iterable[SensWriteFrame]) -> int:
    """Write `path` (frames streamed, never all in memory); returns the frames written.

    ValueError when the frames given are not `header.num_frames`.
    """
    n = 0
    with open(path, "wb") as fh:
        fh.write(header_bytes(header))
        for frame in frames:
            fh.write(frame_bytes(frame))
            n += 1
        fh.write(struct.pack("<Q", 0))  # no IMU frames
    if n != header.num_frames:
        raise ValueError(f"{path}: wrote {n} frames, the header says {header.num_frames}")
    return n


def _matrix(path: Path) -> np.ndarray:
    return np.array([float(v) for v in path.read_text(encoding="utf-8").split()]).reshape(4, 4)


def write_sens_from_export(
    export: Path,
    path: Path,
    *,
    num_frames: int | None = None,
    sensor_fps: float = 30.0,
    compact: bool = False,
) -> int:
    """Write the `.sens` of a SensReader export folder (see module docstring); returns its frame count.

    num_frames: sensor frames in the file (default: one past the last exported frame); positions
    without exported files are dropped frames. Timestamps are `position / sensor_fps` in microseconds.
    compact: the exported frames only, renumbered 0, 1, 2, ... (every frame carries an image, as in
    ScanNet's files; frame numbers then differ from the export's).
    """
    export = Path(export)
    indices = sorted(int(p.stem) for p in (export / "pose").glob("*.txt") if p.stem.isdigit())
    if not indices:
        raise ValueError(f"{export / 'pose'}: no pose files to write a .sens from")
    if compact:
        num_frames = len(indices)
    total = indices[-1] + 1 if num_frames is None else int(num_frames)
    first_depth = cv2.imread(str(export / "depth" / f"{indices[0]}.png"), cv2.IMREAD_UNCHANGED)
    first_color = cv2.imread(str(export / "color" / f"{indices[0]}.jpg"), cv2.IMREAD_UNCHANGED)
    header = SensWriteHeader(
        intrinsic_color=_matrix(export / "intrinsic" / "intrinsic_color.txt"),
        intrinsic_depth=_matrix(export / "intrinsic" / "intrinsic_depth.txt"),
        extrinsic_color=_matrix(export / "intrinsic" / "extrinsic_color.txt"),
        extrinsic_depth=_matrix(export / "intrinsic" / "extrinsic_depth.txt"),
        color_size=(first_color.shape[1], first_color.shape[0]),
        depth_size=(first_depth.shape[1], first_depth.shape[0]),
        num_frames=total,
    )
    present = set(indices)

    def frames() -> Iterable[SensWriteFrame]:
        for k in range(total):
            i = indices[k] if compact else k
            stamp = round(i * 1e6 / sensor_fps)
            if i not in present:
                yield SensWriteFrame(np.full((4, 4), -np.inf), stamp, stamp, None, None)
                continue
            depth = cv2.imread(str(export / "depth" / f"{i}.png"), cv2.IMREAD_UNCHANGED)
            color = (export / "color" / f"{i}.jpg").read_bytes()
            yield SensWriteFrame(_matrix(export / "pose" / f"{i}.txt"), stamp, stamp, color, depth)

    return write_sens(Path(path), header, frames())
