"""Readers for the files of a ScanNet++ scene's iPhone stream (reference/scannetpp-format.md §4, §5).

- `iphone/pose_intrinsic_imu.json`: `{"frame_%06d": {"aligned_pose": 4x4 camera-to-world (aligned scan
  frame, metres), "intrinsic": 3x3 K of the RGB video, ...}}`; not every video frame has a key;
- `iphone/depth.bin`: LiDAR depth, 256x192 per frame, in one of the official decoder's two encodings:
  (1) the whole file one raw DEFLATE stream of float32 metres, or (2) per-frame blocks `uint32 size`
  (little-endian) + `size` bytes, each an LZ4 block of uint16 millimetres (current v2 releases; read with
  the `lz4` package) or a raw DEFLATE stream of float32 metres.

The mesh, `segments.json` and `segments_anno.json` share ScanNet's schema and are read with
`scannet_files` (segIndices; segGroups with objectId/id, label, segments, plus an optional `obb`).
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import lz4.block
import numpy as np

from ladderdata.errors import SourceError
from ladderdata.sources.scannet_files import read_json

REDOWNLOAD = "re-download the scene with the ScanNet++ download script"
DEPTH_SIZE = (256, 192)
"""(width, height) of the iPhone LiDAR depth."""
_FRAME_KEY = re.compile(r"^frame_(\d{6,})$")


def read_pose_intrinsics(path: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Video frame index -> (aligned camera-to-world 4x4, K 3x3) of every key of the JSON."""
    doc = read_json(path)
    if not isinstance(doc, dict) or not doc:
        raise SourceError.at(path, "not an object of frame_XXXXXX entries", REDOWNLOAD)
    out = {}
    for key, value in doc.items():
        m = _FRAME_KEY.match(str(key))
        if m is None or not isinstance(value, dict):
            raise SourceError.at(path, f"entry {key!r} is not a frame_XXXXXX object", REDOWNLOAD)
        try:
            pose = np.asarray(value["aligned_pose"], dtype=np.float64).reshape(4, 4)
            k = np.asarray(value["intrinsic"], dtype=np.float64).reshape(3, 3)
        except (KeyError, TypeError, ValueError):
            raise SourceError.at(
                path, f"{key} lacks a 4x4 'aligned_pose' or a 3x3 'intrinsic'", REDOWNLOAD
            ) from None
        out[int(m.group(1))] = (pose, k)
    return out


class DepthStream:
    """The frames of a `depth.bin`, decoded on demand (`frame(k)` -> float32 metres, 192x256)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._data = self.path.read_bytes()
        except FileNotFoundError:
            raise SourceError.at(self.path, "depth stream is missing", REDOWNLOAD) from None
        self._whole: np.ndarray | None = None
        self._blocks: list[tuple[int, int]] | None = None
        self._whole = self._whole_stream()
        if self._whole is None:
            self._blocks = self._index_blocks()

    def _whole_stream(self) -> np.ndarray | None:
        """Encoding 1, when the whole file is exactly one raw DEFLATE stream of whole float32 frames
        (a block file's size header can happen to start a valid stream: it then fails these checks)."""
        w, h = DEPTH_SIZE
        inflater = zlib.decompressobj(wbits=-15)
        try:
            raw = inflater.decompress(self._data)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unused_data or not raw or len(raw) % (w * h * 4):
            return None
        return np.frombuffer(raw, dtype="<f4").reshape(-1, h, w)

    def _index_blocks(self) -> list[tuple[int, int]]:
        blocks, pos, data = [], 0, self._data
        while pos < len(data):
            if pos + 4 > len(data):
                raise SourceError.at(self.path, f"truncated block header at byte {pos}", REDOWNLOAD)
            (size,) = struct.unpack_from("<I", data, pos)
            if pos + 4 + size > len(data):
                raise SourceError.at(
                    self.path, f"block {len(blocks)} runs past the end of the file (truncated)", REDOWNLOAD
                )
            blocks.append((pos + 4, size))
            pos += 4 + size
        return blocks

    def __len__(self) -> int:
        return len(self._whole) if self._whole is not None else len(self._blocks or [])

    def frame(self, index: int) -> np.ndarray:
        """Depth of video frame `index` in metres (0 = no reading); SourceError when absent or corrupt."""
        w, h = DEPTH_SIZE
        if not 0 <= index < len(self):
            raise SourceError.at(self.path, f"has {len(self)} frames, no frame {index}", REDOWNLOAD)
        if self._whole is not None:
            return np.asarray(self._whole[index], dtype=np.float32)
        start, size = self._blocks[index]  # type: ignore[index]
        block = self._data[start : start + size]
        # the official decoder's order: an LZ4 block of uint16 mm, else raw DEFLATE of float32 metres
        try:
            raw = lz4.block.decompress(block, uncompressed_size=w * h * 2)
        except lz4.block.LZ4BlockError:
            raw = None
        if raw is not None:
            if len(raw) != w * h * 2:
                raise SourceError.at(
                    self.path, f"frame {index} decodes to {len(raw)} bytes, not {w}x{h} uint16", REDOWNLOAD
                )
            # / 1000 in float32: bit-identical to DEFLATE float32 metres written as mm / 1000
            return np.frombuffer(raw, dtype="<u2").reshape(h, w).astype(np.float32) / np.float32(1000)
        try:
            raw = zlib.decompress(block, wbits=-15)
        except zlib.error:
            raise SourceError.at(
                self.path, f"frame {index} is neither an LZ4 uint16 nor a DEFLATE float32 block", REDOWNLOAD
            ) from None
        if len(raw) != w * h * 4:
            raise SourceError.at(
                self.path, f"frame {index} decodes to {len(raw)} bytes, not {w}x{h} float32", REDOWNLOAD
            )
        return np.frombuffer(raw, dtype="<f4").reshape(h, w).astype(np.float32)
