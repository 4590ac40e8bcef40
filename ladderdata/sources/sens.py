"""Streaming reader of ScanNet's `<scan>.sens` files (SensorData version 4; reference/scannet-sens.md).

`SensFile(path)` reads the header (sensor name, colour and depth intrinsics and extrinsics, compression
types, image sizes, depth shift, frame count), then builds an index of frame offsets in one pass: it
reads each frame's fixed 96-byte header (pose, timestamps, payload sizes) and seeks over its payloads.
Nothing else is read until asked for: `color_bytes(i)` returns a frame's JPEG exactly as stored (no
re-encode), `depth(i)` inflates one frame's zlib depth into uint16 (H, W), `pose(i)` is the camera-to-world
matrix (`-inf` where tracking was lost).

Bad input raises `SensError` (a `SourceError`, one line naming the file and the fix): a header cut short,
a version other than 4, a compression other than JPEG colour with zlib or raw uint16 depth, a file that
ends cleanly after fewer frames than its header says. A file cut in the middle of a frame (an interrupted
download or copy) keeps the frames before the cut: `lost_frames` counts the ones the header promised
beyond it.

A frame with no colour bytes is a dropped sensor frame (no image: `has_image(i)` is False). ScanNet's
files have none; the procedural sample writes the sensor frames it did not render that way, so that a
frame's position in its `.sens` is its frame number in the export beside it.

Frames of a `.sens` are named by virtual paths `<file>.sens#color/<i>.jpg` (and `#depth/<i>`), which
`read_color_bytes` resolves, so media code that copies or hashes colour files takes them like files.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ladderdata.errors import SourceError

SENS_VERSION = 4
COLOR_COMPRESSION = {-1: "unknown", 0: "raw", 1: "png", 2: "jpeg"}
DEPTH_COMPRESSION = {-1: "unknown", 0: "raw_ushort", 1: "zlib_ushort", 2: "occi_ushort"}
COLOR_JPEG = 2
DEPTH_RAW_USHORT = 0
DEPTH_ZLIB_USHORT = 1
SENSOR_NAME_MAX = 1 << 16
"""A sensor name longer than this is a corrupt length field, not a name."""

_PREFIX = struct.Struct("<IQ")  # version, sensor-name length
_CALIBRATION = struct.Struct("<64f2i4IfQ")  # 4 matrices, 2 compressions, 4 sizes, depth shift, frames
_FRAME_DTYPE = np.dtype(  # a frame header: camera-to-world, timestamps (µs), payload sizes
    [
        ("pose", "<f4", (16,)),
        ("timestamp_color", "<u8"),
        ("timestamp_depth", "<u8"),
        ("color_size", "<u8"),
        ("depth_size", "<u8"),
    ]
)
FRAME_HEADER_BYTES = _FRAME_DTYPE.itemsize  # 96
_SIZES = struct.Struct("<QQ")
_SIZES_AT = 80  # offset of the colour and depth payload sizes in a frame header


def _pread(fd: int, n: int, offset: int) -> bytes:
    """`n` bytes at `offset` (fewer at the end of the file) in one system call where the OS has one."""
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows: no pread
    return os.read(fd, n)


REDOWNLOAD = "re-download the scan"
_MEMBER = re.compile(r"^(?P<file>.+\.sens)#(?P<kind>color|depth)/(?P<index>\d+)(?:\.jpg)?$")


class SensError(SourceError):
    """A `.sens` file is truncated, of another version or compression, or holds fewer frames than it says."""


@dataclass(frozen=True)
class SensHeader:
    """The header of a `.sens` file (matrices are 4x4 float64 holding the stored float32 values)."""

    version: int
    sensor_name: str
    intrinsic_color: np.ndarray
    extrinsic_color: np.ndarray
    intrinsic_depth: np.ndarray
    extrinsic_depth: np.ndarray
    color_compression: str
    depth_compression: str
    color_size: tuple[int, int]
    """(width, height)"""
    depth_size: tuple[int, int]
    """(width, height)"""
    depth_shift: float
    """Stored depth units per metre (1000: millimetres)."""
    num_frames: int
    """Frames the header announces (`SensIndex.frames` holds the ones present)."""
    header_bytes: int
    """Offset of the first frame (304 + sensor name length)."""


@dataclass(frozen=True)
class SensIndex:
    """Where every present frame lies, with its pose, timestamps and payload sizes (one pass over the file)."""

    header: SensHeader
    offsets: np.ndarray
    """(N,) int64 offset of each frame's 96-byte header."""
    poses: np.ndarray
    """(N, 4, 4) float64 camera-to-world (the stored float32 values; -inf = lost tracking)."""
    timestamps_color: np.ndarray
    """(N,) uint64 microseconds (ScanNet's files often hold 0)."""
    timestamps_depth: np.ndarray
    color_sizes: np.ndarray
    """(N,) int64 bytes of each frame's JPEG (0: a dropped frame without image)."""
    depth_sizes: np.ndarray
    file_size: int
    lost_frames: int
    """Frames the header announces beyond a mid-frame cut (0 for a complete file)."""
    fingerprint: str
    """sha256 of the header and every frame header (poses, timestamps, payload sizes)."""

    @property
    def frames(self) -> int:
        """Frames present in the file."""
        return len(self.offsets)


def _matrix(values: tuple[float, ...]) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(np.float64).reshape(4, 4)


def read_header(fh, path: Path, file_size: int) -> SensHeader:
    """Parse the header from the start of `fh` (a binary file); SensError when it is bad."""
    prefix = fh.read(_PREFIX.size)
    if len(prefix) < _PREFIX.size:
        raise SensError.at(
            path, f"truncated header (file is {file_size} bytes, a header needs at least 304)", REDOWNLOAD
        )
    version, name_len = _PREFIX.unpack(prefix)
    if version != SENS_VERSION:
        raise SensError.at(
            path,
            f"SensorData version {version}, expected {SENS_VERSION} (ScanNet v2 .sens)",
            "re-download the scan, or re-save it with ScanNet's current SensReader",
        )
    need = _PREFIX.size + name_len + _CALIBRATION.size
    if name_len > SENSOR_NAME_MAX or file_size < need:
        raise SensError.at(
            path,
            f"truncated header (file is {file_size} bytes, its header needs {need})",
            REDOWNLOAD,
        )
    name = fh.read(name_len).decode("utf-8", "replace")
    fields = _CALIBRATION.unpack(fh.read(_CALIBRATION.size))
    mats = [_matrix(fields[16 * k : 16 * (k + 1)]) for k in range(4)]
    color_type, depth_type, cw, ch, dw, dh, shift, frames = fields[64:]
    color_name = COLOR_COMPRESSION.get(color_type, f"unknown ({color_type})")
    depth_name = DEPTH_COMPRESSION.get(depth_type, f"unknown ({depth_type})")
    if color_type != COLOR_JPEG:
        raise SensError.at(
            path,
            f"colour compression {color_name} (type {color_type}) is not supported, only jpeg (2)",
            "use ScanNet's .sens (JPEG colour) or re-save it with SensReader with JPEG colour",
        )
    if depth_type not in (DEPTH_ZLIB_USHORT, DEPTH_RAW_USHORT):
        raise SensError.at(
            path,
            f"depth compression {depth_name} (type {depth_type}) is not supported, "
            "only zlib_ushort (1) or raw_ushort (0)",
            "use ScanNet's .sens (zlib depth) or re-save it with SensReader with zlib depth",
        )
    if min(cw, ch, dw, dh) == 0 or not np.isfinite(shift) or shift <= 0:
        raise SensError.at(
            path,
            f"header gives colour {cw}x{ch}, depth {dw}x{dh}, depth shift {shift}",
            REDOWNLOAD,
        )
    return SensHeader(
        version=version,
        sensor_name=name,
        intrinsic_color=mats[0],
        extrinsic_color=mats[1],
        intrinsic_depth=mats[2],
        extrinsic_depth=mats[3],
        color_compression=color_name,
        depth_compression=depth_name,
        color_size=(cw, ch),
        depth_size=(dw, dh),
        depth_shift=float(shift),
        num_frames=int(frames),
        header_bytes=need,
    )


def build_index(path: str | Path) -> SensIndex:
    """Header and frame index of a `.sens` file in one pass over the frame headers (payloads are skipped)."""
    path = Path(path)
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below; unbuffered: every read is a seek
    except FileNotFoundError:
        raise SensError.at(path, "file is missing", REDOWNLOAD) from None
    except OSError as err:
        raise SensError.at(path, f"cannot read file ({err.strerror})", REDOWNLOAD) from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        header = read_header(fh, path, size)
        fh.seek(0)
        digest = hashlib.sha256(fh.read(header.header_bytes))
        offsets: list[int] = []
        heads: list[bytes] = []
        offset = header.header_bytes
        cut = False
        fd = fh.fileno()
        for _ in range(header.num_frames):
            if offset == size:
                break
            # one positioned read of the 96-byte frame header; the payloads are skipped, never read
            head = _pread(fd, FRAME_HEADER_BYTES, offset)
            if len(head) < FRAME_HEADER_BYTES:
                cut = True
                break
            color, depth = _SIZES.unpack_from(head, _SIZES_AT)
            end = offset + FRAME_HEADER_BYTES + color + depth
            if end > size:
                cut = True
                break
            offsets.append(offset)
            heads.append(head)
            offset = end
        joined = b"".join(heads)
        digest.update(joined)
        table = np.frombuffer(joined, dtype=_FRAME_DTYPE)
    present = len(offsets)
    if present < header.num_frames and not cut:
        raise SensError.at(
            path,
            f"holds {present} frames, its header says {header.num_frames} (the file ends after frame "
            f"{present - 1})",
            REDOWNLOAD,
        )
    return SensIndex(
        header=header,
        offsets=np.asarray(offsets, dtype=np.int64),
        poses=table["pose"].astype(np.float64).reshape(present, 4, 4),
        timestamps_color=table["timestamp_color"].astype(np.uint64),
        timestamps_depth=table["timestamp_depth"].astype(np.uint64),
        color_sizes=table["color_size"].astype(np.int64),
        depth_sizes=table["depth_size"].astype(np.int64),
        file_size=size,
        lost_frames=header.num_frames - present,
        fingerprint=digest.hexdigest(),
    )


@functools.lru_cache(maxsize=16)
def _cached_index(path: str, size: int, mtime_ns: int) -> SensIndex:
    return build_index(path)


def sens_index(path: str | Path) -> SensIndex:
    """`build_index`, cached per (path, size, mtime): media code resolves many frames of one file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SensError.at(path, "file is missing", REDOWNLOAD) from None
    return _cached_index(str(path), st.st_size, st.st_mtime_ns)


class SensFile:
    """One open `.sens` file: its index, then frames read by seeking (see module docstring).

    Use as a context manager (or call `close()`); frame numbers are positions in the file, 0-based, as
    SensReader names its exported files.
    """

    def __init__(self, path: str | Path, index: SensIndex | None = None):
        self.path = Path(path)
        self.index = index if index is not None else sens_index(self.path)
        self.header = self.index.header
        # plain lists: a frame's lookups stay Python ints (numpy scalars cost more per frame)
        self._offsets = self.index.offsets.tolist()
        self._color_sizes = self.index.color_sizes.tolist()
        self._depth_sizes = self.index.depth_sizes.tolist()
        try:
            self._fh = open(self.path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        except OSError as err:
            raise SensError.at(self.path, f"cannot read file ({err.strerror})", REDOWNLOAD) from None
        self._fd = self._fh.fileno()

    def __enter__(self) -> SensFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file handle."""
        self._fh.close()

    @property
    def frames(self) -> int:
        """Frames present (the header's count less `lost_frames`)."""
        return self.index.frames

    @property
    def lost_frames(self) -> int:
        """Frames lost to a mid-frame cut."""
        return self.index.lost_frames

    def member(self, kind: str, i: int) -> str:
        """Virtual path of frame `i`'s colour (`<file>#color/<i>.jpg`) or depth (`<file>#depth/<i>`)."""
        return f"{self.path}#color/{i}.jpg" if kind == "color" else f"{self.path}#depth/{i}"

    def _check(self, i: int) -> int:
        if not 0 <= i < len(self._offsets):
            raise SensError.at(
                self.member("color", i), f"no frame {i} (the file holds {self.frames})", REDOWNLOAD
            )
        return self._offsets[i]

    def _read(self, offset: int, n: int) -> bytes:
        if n == 0:
            return b""
        data = _pread(self._fd, n, offset)  # one positioned read: the kernel copies, as read() does
        if len(data) != n:  # the file shrank after the index was built
            raise SensError.at(self.path, f"file ends inside a frame at byte {offset}", REDOWNLOAD)
        return data

    def pose(self, i: int) -> np.ndarray:
        """Camera-to-world 4x4 of frame `i` (`-inf` entries: tracking was lost)."""
        self._check(i)
        return self.index.poses[i].copy()

    def has_image(self, i: int) -> bool:
        """Whether frame `i` holds a colour image (False for a dropped sensor frame)."""
        self._check(i)
        return self._color_sizes[i] > 0

    def color_bytes(self, i: int) -> bytes:
        """Frame `i`'s colour JPEG exactly as stored."""
        offset = self._check(i)
        return self._read(offset + FRAME_HEADER_BYTES, self._color_sizes[i])

    def depth_bytes(self, i: int) -> bytes:
        """Frame `i`'s depth payload as stored (zlib stream or raw uint16)."""
        offset = self._check(i) + FRAME_HEADER_BYTES + self._color_sizes[i]
        return self._read(offset, self._depth_sizes[i])

    def depth(self, i: int) -> np.ndarray:
        """Frame `i`'s depth as uint16 (H, W) in stored units (metres = value / depth_shift)."""
        data = self.depth_bytes(i)
        where = self.member("depth", i)
        if self.header.depth_compression == "zlib_ushort":
            try:
                data = zlib.decompress(data)
            except zlib.error as err:
                raise SensError.at(where, f"depth is not a zlib stream ({err})", REDOWNLOAD) from None
        w, h = self.header.depth_size
        if len(data) != 2 * w * h:
            raise SensError.at(
                where, f"depth holds {len(data) // 2} values, expected {w}x{h} = {w * h}", REDOWNLOAD
            )
        return np.frombuffer(data, dtype="<u2").reshape(h, w).astype(np.uint16, copy=False)


def split_member(path: str | Path) -> tuple[Path, str, int] | None:
    """(`.sens` file, "color"|"depth", frame) of a virtual member path, None for a plain path."""
    m = _MEMBER.match(str(path))
    if m is None:
        return None
    return Path(m["file"]), m["kind"], int(m["index"])


def read_color_bytes(path: str | Path) -> bytes:
    """Bytes of a colour file, or of the JPEG a `<file>.sens#color/<i>.jpg` path names.

    Raises FileNotFoundError when the file (or the `.sens`) is missing, like `Path.read_bytes`.
    """
    member = split_member(path)
    if member is None:
        return Path(path).read_bytes()
    sens, _kind, i = member
    if not sens.is_file():
        raise FileNotFoundError(str(sens))
    with SensFile(sens) as f:
        return f.color_bytes(i)
