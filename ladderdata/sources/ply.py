"""Reading ScanNet meshes (binary PLY: vertex x y z red green blue [alpha], face vertex_indices)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plyfile

from ladderdata.errors import SourceError

_FIX = "re-download or re-export the scan"


@dataclass(frozen=True)
class Mesh:
    """A triangle mesh in its file's frame: vertices (V, 3) float64, colors (V, 3) uint8 or None,
    faces (F, 3) int64 (empty when the file has no faces)."""

    vertices: np.ndarray
    colors: np.ndarray | None
    faces: np.ndarray


def read_mesh(path: Path) -> Mesh:
    """Read a PLY mesh; SourceError naming the file for a missing, truncated or malformed one.

    Triangle faces are read through plyfile's fixed-length-list fast path (memory-mapped, ~100x faster
    than its generic list parser on ScanNet's 300k-face meshes); every row's list length is then checked
    to be 3, and anything else falls back to the generic parser and keeps the triangles only.
    """
    if not path.is_file():
        raise SourceError.at(path, "mesh file is missing", _FIX)
    try:
        ply = plyfile.PlyData.read(str(path), known_list_len={"face": {"vertex_indices": 3}})
    except (plyfile.PlyParseError, ValueError, OSError):
        ply = None  # maybe not triangles (the fast path's size arithmetic fails): parse generically
    if ply is None:
        try:
            ply = plyfile.PlyData.read(str(path))
        except (plyfile.PlyParseError, ValueError, OSError) as err:
            raise SourceError.at(path, f"truncated or malformed PLY ({err})", _FIX) from err
    names = [el.name for el in ply.elements]
    if "vertex" not in names:
        raise SourceError.at(path, "PLY has no 'vertex' element", _FIX)
    vdata = ply["vertex"].data
    fields = vdata.dtype.names or ()
    if not {"x", "y", "z"} <= set(fields):
        raise SourceError.at(path, f"PLY vertices lack x/y/z (have {', '.join(fields)})", _FIX)
    vertices = np.column_stack([vdata["x"], vdata["y"], vdata["z"]]).astype(np.float64)
    if len(vertices) == 0:
        raise SourceError.at(path, "PLY has no vertices", _FIX)
    if not np.all(np.isfinite(vertices)):
        raise SourceError.at(path, "PLY has non-finite vertex coordinates", _FIX)
    colors = None
    if {"red", "green", "blue"} <= set(fields):
        colors = np.column_stack([vdata["red"], vdata["green"], vdata["blue"]]).astype(np.uint8)
    faces = np.zeros((0, 3), dtype=np.int64)
    if "face" in names:
        faces = _triangles(path, ply["face"].data)
        if len(faces) and (faces.min() < 0 or faces.max() >= len(vertices)):
            raise SourceError.at(
                path,
                f"face indices outside the {len(vertices)} vertices ({faces.min()}..{faces.max()})",
                _FIX,
            )
    return Mesh(vertices=vertices, colors=colors, faces=faces)


def _triangles(path: Path, fdata: np.ndarray) -> np.ndarray:
    names = fdata.dtype.names or ()
    key = (
        "vertex_indices" if "vertex_indices" in names else "vertex_index" if "vertex_index" in names else None
    )
    if key is None:
        raise SourceError.at(path, "PLY faces lack vertex_indices", _FIX)
    column = fdata[key]
    if column.dtype != object:
        # fast path: verify the list-length byte of every row (plyfile skips it) before trusting it
        offset = fdata.dtype.fields[key][1]
        count_dtype = np.dtype(
            {"names": ["n"], "formats": ["u1"], "offsets": [offset - 1], "itemsize": fdata.dtype.itemsize}
        )
        if offset >= 1 and np.all(fdata.view(count_dtype)["n"] == 3):
            return np.asarray(column, dtype=np.int64).reshape(-1, 3)
        try:
            column = plyfile.PlyData.read(str(path))["face"].data[key]
        except (plyfile.PlyParseError, ValueError, OSError) as err:
            raise SourceError.at(path, f"truncated or malformed PLY ({err})", _FIX) from err
    triangles = [np.asarray(row) for row in column if len(row) == 3]
    if not triangles:
        return np.zeros((0, 3), dtype=np.int64)
    return np.vstack(triangles).astype(np.int64)
