"""Readers for the individual files of a ScanNet scan and its SensReader export.

Each reader validates what it returns and raises `SourceError` with one line naming the file, what is
wrong and how to fix it. Layout and quirks: reference/scannet-format.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from ladderdata.errors import SourceError

REEXPORT = "re-export the scan with SensReader"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
"""The last 8 bytes of every complete PNG: the IEND chunk type and its (constant) CRC."""
REDOWNLOAD = "re-download the scan"


def read_text(path: Path, fix: str = REDOWNLOAD) -> str:
    """UTF-8 text of a file; SourceError when missing or not UTF-8."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise SourceError.at(path, "file is missing", fix) from err
    except OSError as err:
        raise SourceError.at(path, f"cannot read file ({err.strerror})", fix) from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceError.at(path, f"not UTF-8 text (byte {err.start})", fix) from err


def read_json(path: Path) -> Any:
    """Parsed JSON (tabs, any pretty-printing); SourceError with line/column on a syntax error."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise SourceError.at(
            path, f"invalid JSON at line {err.lineno} column {err.colno} ({err.msg})", REDOWNLOAD
        ) from err


def read_segs(path: Path, n_vertices: int) -> np.ndarray:
    """Per-vertex segment ids (V,) int64 from `*.segs.json`; must have one entry per mesh vertex."""
    data = read_json(path)
    seg = data.get("segIndices") if isinstance(data, dict) else None
    if not isinstance(seg, list):
        raise SourceError.at(path, "no 'segIndices' list", REDOWNLOAD)
    try:
        arr = np.asarray(seg, dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as err:
        raise SourceError.at(path, "'segIndices' holds non-integer values", REDOWNLOAD) from err
    if arr.ndim != 1:
        raise SourceError.at(path, "'segIndices' must be a flat list of integers", REDOWNLOAD)
    if len(arr) != n_vertices:
        what = "point outside the mesh" if len(arr) > n_vertices else "leave vertices unsegmented"
        raise SourceError.at(
            path,
            f"{len(arr)} segIndices for a mesh of {n_vertices} vertices (segments {what})",
            "use the segs.json that belongs to this _vh_clean_2.ply",
        )
    return arr


def read_aggregation(path: Path) -> list[dict[str, Any]]:
    """The `segGroups` of an aggregation file (Aggregator.v1 or v2), each validated.

    Every group must have an integer `id` or `objectId`, a string `label` and a list of integer
    `segments` (possibly empty: the adapter decides what an empty group means).
    """
    data = read_json(path)
    groups = data.get("segGroups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise SourceError.at(path, "no 'segGroups' list", REDOWNLOAD)
    out = []
    for i, group in enumerate(groups):
        if not isinstance(group, dict):
            raise SourceError.at(path, f"segGroups[{i}] is not an object", REDOWNLOAD)
        ident = group.get("objectId", group.get("id"))
        if isinstance(ident, bool) or not isinstance(ident, int):
            raise SourceError.at(path, f"segGroups[{i}] has no integer objectId/id", REDOWNLOAD)
        label = group.get("label")
        if not isinstance(label, str) or not label.strip():
            raise SourceError.at(path, f"segGroups[{i}] has no label", REDOWNLOAD)
        segments = group.get("segments")
        if not isinstance(segments, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in segments
        ):
            raise SourceError.at(
                path, f"segGroups[{i}] ('{label}') has no integer 'segments' list", REDOWNLOAD
            )
        out.append({"index": i, "instance_id": int(ident), "label": label, "segments": segments})
    return out


def read_segments_file_name(path: Path) -> str | None:
    """The aggregation's `segmentsFile` (e.g. `scannet.scene0000_00_vh_clean_2.0.010000.segs.json`),
    None when it has none; SourceError when it is not a string."""
    data = read_json(path)
    name = data.get("segmentsFile") if isinstance(data, dict) else None
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise SourceError.at(path, "'segmentsFile' is not a file name", REDOWNLOAD)
    return name.strip()


def read_scene_meta(path: Path) -> dict[str, str]:
    """`key = value` lines of `<scan>.txt` (empty dict when the file is absent)."""
    if not path.is_file():
        return {}
    meta = {}
    for line in read_text(path).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            meta[key.strip()] = value.strip()
    return meta


def parse_floats(text: str, count: int, path: Path, what: str, fix: str = REDOWNLOAD) -> np.ndarray:
    """Exactly `count` whitespace-separated floats (inf/nan allowed: callers judge finiteness)."""
    try:
        values = np.array([float(tok) for tok in text.split()], dtype=np.float64)
    except ValueError as err:
        raise SourceError.at(path, f"{what} holds a non-number ({err})", fix) from err
    if values.size != count:
        raise SourceError.at(path, f"{what} has {values.size} numbers, expected {count}", fix)
    return values


def read_matrix4(path: Path, what: str, fix: str = REEXPORT) -> np.ndarray:
    """A 4x4 matrix written as 16 whitespace-separated numbers (pose, intrinsic_*.txt)."""
    return parse_floats(read_text(path, fix), 16, path, what, fix).reshape(4, 4)


def meta_int(meta: dict[str, str], key: str, path: Path) -> int | None:
    """Integer value of `key` in the scene meta, None when absent."""
    if key not in meta:
        return None
    try:
        return int(float(meta[key]))
    except ValueError as err:
        raise SourceError.at(path, f"'{key}' is not a number ({meta[key]!r})", REDOWNLOAD) from err


def meta_intrinsics(meta: dict[str, str], kind: str, path: Path) -> np.ndarray | None:
    """K from `fx_<kind> fy_<kind> mx_<kind> my_<kind>` in the scene meta, None when absent."""
    keys = [f"fx_{kind}", f"fy_{kind}", f"mx_{kind}", f"my_{kind}"]
    if not all(k in meta for k in keys):
        return None
    fx, fy, mx, my = (parse_floats(meta[k], 1, path, k)[0] for k in keys)
    return np.array([[fx, 0.0, mx], [0.0, fy, my], [0.0, 0.0, 1.0]])


def check_intrinsics(k: np.ndarray, path: Path) -> np.ndarray:
    """K (3x3) with finite positive focal lengths and [0 0 1] bottom row."""
    if not np.all(np.isfinite(k)) or k[0, 0] <= 0 or k[1, 1] <= 0 or not np.allclose(k[2], [0, 0, 1]):
        raise SourceError.at(path, "intrinsics are not a pinhole K (fx, fy > 0, last row 0 0 1)", REEXPORT)
    return k


def read_depth(path: Path, size: tuple[int, int]) -> np.ndarray:
    """16-bit depth PNG (millimetres) of exactly `size` = (width, height) as uint16 (H, W)."""
    if not path.is_file():
        raise SourceError.at(path, "depth image is missing", REEXPORT)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError.at(path, f"cannot read depth PNG ({err.strerror})", REEXPORT) from err
    # A PNG ends with its IEND chunk: a truncated file is refused here, before libpng would print
    # "libpng error: Read Error" on the console (it writes to stderr itself, whatever we catch).
    if not data.startswith(PNG_SIGNATURE) or not data.endswith(PNG_END):
        raise SourceError.at(path, "depth PNG is truncated or not a PNG", REEXPORT)
    depth = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if depth is None:
        raise SourceError.at(path, "cannot decode depth PNG (truncated or not a PNG)", REEXPORT)
    if depth.dtype != np.uint16 or depth.ndim != 2:
        channels = 1 if depth.ndim == 2 else depth.shape[2]
        raise SourceError.at(
            path,
            f"depth PNG is {depth.dtype} with {channels} channel(s), expected 16-bit single-channel millimetres",
            REEXPORT,
        )
    if (depth.shape[1], depth.shape[0]) != tuple(size):
        raise SourceError.at(
            path,
            f"depth PNG is {depth.shape[1]}x{depth.shape[0]}, expected {size[0]}x{size[1]}",
            REEXPORT,
        )
    return depth


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image from its header only (Pillow opens lazily; no pixel decoding)."""
    if not path.is_file():
        raise SourceError.at(path, "colour image is missing", REEXPORT)
    try:
        with Image.open(path) as img:
            return img.size
    except (UnidentifiedImageError, OSError) as err:
        raise SourceError.at(path, "cannot read colour image header (not an image)", REEXPORT) from err
