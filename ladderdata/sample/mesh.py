"""Triangle mesh of a procedural room, dense like a ScanNet reconstruction, with segments and instances.

Every planar rectangle (a box face, a wall, a floor cell) is tessellated as a regular grid with a vertex
every `step` metres (5 cm by default), so an instance's vertices sample its surfaces densely, as the
vertices of `*_vh_clean_2.ply` do. Vertices are not shared between rectangles. Each rectangle is cut
into tiles of at most `segment_size` metres and each tile is one segment of the over-segmentation
(`*.segs.json`); a segment's id is the smallest vertex index in it, as in ScanNet's files. An instance
(an object, a wall, the floor) is a set of segments, i.e. one segGroup of the aggregation file.

The floor is left out under every furniture part that stands on it (a bed's base, a cabinet's plinth,
a table's legs), as in real reconstructions: nothing there was ever seen by the sensor. Only grid cells
wholly under a part go, so no hole is ever in sight. Room-size answers must then add the footprints of
floor-standing objects back (question-rules.md, room size).

Colours are per vertex (RGB): the part's colour with a little per-vertex noise, wooden planks or tiles
on the floor and a slight mottling on walls, so the mesh and the rendered images look alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from ladderdata.sample.room import PlacedObject, Room

DEFAULT_STEP = 0.05
"""Vertex spacing (m) of the tessellation."""

_FACE_AXES = {
    # face -> (normal axis, sign, u axis, v axis) with u x v = sign * normal (outward)
    "+x": (0, 1.0, 1, 2),
    "-x": (0, -1.0, 2, 1),
    "+y": (1, 1.0, 2, 0),
    "-y": (1, -1.0, 0, 2),
    "+z": (2, 1.0, 0, 1),
    "-z": (2, -1.0, 1, 0),
}

FLOOR_STYLES = ("planks", "tiles", "carpet")
WALL_COLOURS = ((226, 222, 212), (214, 220, 226), (230, 224, 206), (208, 214, 200), (236, 232, 228))
FLOOR_COLOURS = {
    "planks": ((168, 124, 84), (140, 100, 66), (190, 152, 110)),
    "tiles": ((200, 200, 196), (180, 176, 170), (150, 154, 160)),
    "carpet": ((120, 110, 100), (96, 104, 120), (140, 124, 108)),
}


@dataclass(frozen=True)
class Instance:
    """One annotated instance: segGroup id (= objectId), raw label and kind."""

    id: int
    label: str
    kind: str
    """`object`, `wall` or `floor`."""
    object_index: int | None = None
    """Index into Room.objects for kind `object`."""


@dataclass
class SceneMesh:
    """The room's mesh in the aligned frame, with per-vertex segments and per-face instance ids."""

    vertices: np.ndarray
    """(N, 3) float64, aligned frame."""
    colours: np.ndarray
    """(N, 3) uint8 RGB."""
    faces: np.ndarray
    """(M, 3) int32, counter-clockwise seen from outside (normal = outward)."""
    segments: np.ndarray
    """(N,) int64 segment id of each vertex."""
    face_instance: np.ndarray
    """(M,) int32 instance id of each face."""
    instances: list[Instance]
    instance_segments: list[list[int]] = field(default_factory=list)
    """Sorted segment ids of each instance (index = instance id)."""
    vertex_instance: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(N,) instance id of each vertex."""
    normals: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    """(N, 3) unit normal of each vertex's rectangle (the side a camera in the room sees)."""


class _Builder:
    def __init__(self, step: float, rng: np.random.Generator):
        self.step = step
        self.rng = rng
        self.verts: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.faces: list[np.ndarray] = []
        self.segs: list[np.ndarray] = []
        self.face_inst: list[np.ndarray] = []
        self.normals: list[np.ndarray] = []
        self.n = 0

    def quad(
        self,
        origin: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        instance: int,
        colour: tuple[int, int, int] | np.ndarray,
        segment_size: float,
        noise: float = 0.035,
        pattern=None,
        hidden=None,
    ) -> None:
        """Tessellate origin + s a + t b (s, t in [0, 1]); outward normal a x b.

        `hidden(xy (K, 2)) -> (K,) bool` drops the grid cells whose four corners it all marks (a cell
        wholly under something; the vertices left without a cell go too), so no hole is ever in sight."""
        la, lb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        nu, nv = max(1, math.ceil(la / self.step - 1e-9)), max(1, math.ceil(lb / self.step - 1e-9))
        s = np.linspace(0.0, 1.0, nu + 1)
        t = np.linspace(0.0, 1.0, nv + 1)
        ss, tt = np.meshgrid(s, t, indexing="ij")  # (nu+1, nv+1)
        pts = origin + ss[..., None] * a + tt[..., None] * b
        pts = pts.reshape(-1, 3)
        # segments: tiles of at most segment_size along each edge
        tu, tv = max(1, math.ceil(la / segment_size - 1e-9)), max(1, math.ceil(lb / segment_size - 1e-9))
        tile = np.minimum((ss * tu).astype(np.int64), tu - 1) * tv + np.minimum(
            (tt * tv).astype(np.int64), tv - 1
        )
        tile = tile.reshape(-1)
        # two triangles per grid cell, counter-clockwise around a x b
        idx = np.arange((nu + 1) * (nv + 1)).reshape(nu + 1, nv + 1)
        v00, v10 = idx[:-1, :-1].reshape(-1), idx[1:, :-1].reshape(-1)
        v01, v11 = idx[:-1, 1:].reshape(-1), idx[1:, 1:].reshape(-1)
        tris = np.concatenate([np.stack([v00, v10, v11], 1), np.stack([v00, v11, v01], 1)])
        if hidden is not None:
            covered = np.asarray(hidden(pts[:, :2]), dtype=bool)
            keep_cell = ~(covered[v00] & covered[v10] & covered[v01] & covered[v11])
            tris = tris[np.concatenate([keep_cell, keep_cell])]
            used = np.zeros(len(pts), dtype=bool)
            used[tris.reshape(-1)] = True
            if not np.any(used):
                return
            renumber = np.cumsum(used) - 1
            tris = renumber[tris]
            pts, tile = pts[used], tile[used]
        # segment id = smallest vertex index in the tile (ScanNet's convention)
        first = np.full(tu * tv, len(tile), dtype=np.int64)
        np.minimum.at(first, tile, np.arange(len(tile)))
        seg = first[tile] + self.n
        # colours
        base = np.asarray(colour, dtype=np.float64).reshape(1, 3)
        factor = 1.0 + self.rng.normal(0.0, noise, size=(len(pts), 1))
        if pattern is not None:
            factor = factor * pattern(pts)[:, None]
        col = np.clip(np.rint(base * factor), 0, 255).astype(np.uint8)
        normal = np.cross(a, b)
        self.normals.append(np.broadcast_to(normal / np.linalg.norm(normal), pts.shape))
        self.verts.append(pts)
        self.cols.append(col)
        self.segs.append(seg)
        self.faces.append(tris + self.n)
        self.face_inst.append(np.full(len(tris), instance, dtype=np.int32))
        self.n += len(pts)

    def finish(self, instances: list[Instance]) -> SceneMesh:
        faces = np.concatenate(self.faces).astype(np.int32)
        segments = np.concatenate(self.segs)
        face_instance = np.concatenate(self.face_inst)
        # segments of each instance: those of its faces' vertices
        vert_inst = np.full(self.n, -1, dtype=np.int64)
        vert_inst[faces.reshape(-1)] = np.repeat(face_instance, 3)
        inst_segs: list[list[int]] = []
        for inst in instances:
            inst_segs.append(sorted({int(s) for s in np.unique(segments[vert_inst == inst.id])}))
        return SceneMesh(
            vertices=np.concatenate(self.verts),
            colours=np.concatenate(self.cols),
            faces=faces,
            segments=segments,
            face_instance=face_instance,
            instances=instances,
            instance_segments=inst_segs,
            vertex_instance=vert_inst,
            normals=np.concatenate(self.normals),
        )


def _object_quads(obj: PlacedObject):
    """Yield (origin, a, b, colour) for every meshed box face of an object (aligned frame)."""
    c, s = math.cos(obj.yaw), math.sin(obj.yaw)
    axes = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])  # rows: local x, y, z in world
    back = obj.furniture.extent()[0][1]
    base = np.array([obj.x, obj.y, obj.z])
    for part in obj.furniture.parts:
        lo, hi = (np.array(v) for v in part.bounds())
        half = (hi - lo) / 2
        centre_local = (lo + hi) / 2
        centre = base + centre_local @ axes
        for face, (k, sign, ui, vi) in _FACE_AXES.items():
            if face in part.skip:
                continue
            if obj.against_wall and face == "-y" and abs(lo[1] - back) < 1e-9:
                continue  # flat against the wall: never seen by a scan
            fc = centre + sign * half[k] * axes[k]
            a = 2 * half[ui] * axes[ui]
            b = 2 * half[vi] * axes[vi]
            yield fc - a / 2 - b / 2, a, b, part.colour


def _floor_cells(floor: list[tuple[float, float]]) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, y0, x1, y1) tiling a rectilinear polygon (grid on its vertex coordinates)."""
    poly = Polygon(floor)
    xs = sorted({x for x, _ in floor})
    ys = sorted({y for _, y in floor})
    cells = []
    for x0, x1 in zip(xs[:-1], xs[1:], strict=True):
        for y0, y1 in zip(ys[:-1], ys[1:], strict=True):
            if poly.contains(Point((x0 + x1) / 2, (y0 + y1) / 2)):
                cells.append((x0, y0, x1, y1))
    return cells


def build_mesh(room: Room, rng: np.random.Generator, step: float = DEFAULT_STEP) -> SceneMesh:
    """Mesh the room: objects (ids 0..n-1 in placement order), then one instance per wall, then floor."""
    builder = _Builder(step, rng)
    instances: list[Instance] = []
    for i, obj in enumerate(room.objects):
        inst = Instance(len(instances), obj.label, "object", i)
        instances.append(inst)
        for origin, a, b, colour in _object_quads(obj):
            builder.quad(origin, a, b, inst.id, colour, segment_size=0.5)

    wall_colour = WALL_COLOURS[int(rng.integers(len(WALL_COLOURS)))]
    up = np.array([0.0, 0.0, room.wall_height])
    for p, q in room.walls():
        inst = Instance(len(instances), "wall", "wall")
        instances.append(inst)
        origin = np.array([p[0], p[1], 0.0])
        b = np.array([q[0] - p[0], q[1] - p[1], 0.0])
        builder.quad(origin, up, b, inst.id, wall_colour, segment_size=1.0, noise=0.02)

    style = FLOOR_STYLES[int(rng.integers(len(FLOOR_STYLES)))]
    floor_colour = FLOOR_COLOURS[style][int(rng.integers(3))]
    pattern = _floor_pattern(style, rng)
    inst = Instance(len(instances), "floor", "floor")
    instances.append(inst)
    under = _standing_footprints(room)
    shapely.prepare(under)

    def hidden(xy: np.ndarray) -> np.ndarray:
        # covered (boundary included): a cell flush with a part's edge is under it
        return shapely.intersects_xy(under, xy[:, 0], xy[:, 1])

    for x0, y0, x1, y1 in _floor_cells(room.floor):
        origin = np.array([x0, y0, 0.0])
        builder.quad(
            origin,
            np.array([x1 - x0, 0.0, 0.0]),
            np.array([0.0, y1 - y0, 0.0]),
            inst.id,
            floor_colour,
            segment_size=1.0,
            noise=0.03,
            pattern=pattern,
            hidden=hidden,
        )
    return builder.finish(instances)


def _standing_footprints(room: Room):
    """Union of the floor footprints of every furniture part that stands on the floor."""
    rects = []
    for obj in room.objects:
        if obj.z > 1e-9 or obj.support is not None:
            continue
        for part in obj.furniture.parts:
            lo, hi = part.bounds()
            if lo[2] > 1e-9:
                continue
            local = np.array(
                [[lo[0], lo[1], 0.0], [hi[0], lo[1], 0.0], [hi[0], hi[1], 0.0], [lo[0], hi[1], 0.0]]
            )
            rects.append(Polygon(obj.local_to_world(local)[:, :2]))
    return shapely.union_all(rects) if rects else Polygon()


def _floor_pattern(style: str, rng: np.random.Generator):
    """Per-vertex brightness factor of the floor (planks, tiles with grout, or plain carpet)."""
    table = 1.0 + rng.normal(0.0, 0.07, size=997)

    def planks(pts: np.ndarray) -> np.ndarray:
        row = np.floor(pts[:, 1] / 0.16).astype(np.int64)
        board = np.floor((pts[:, 0] + (row % 5) * 0.37) / 1.2).astype(np.int64)
        return table[(row * 31 + board * 7) % len(table)]

    def tiles(pts: np.ndarray) -> np.ndarray:
        # checker of 40 cm tiles, each with its own shade
        tx = np.floor(pts[:, 0] / 0.4 + 1e-6).astype(np.int64)
        ty = np.floor(pts[:, 1] / 0.4 + 1e-6).astype(np.int64)
        return np.where((tx + ty) % 2 == 0, 1.0, 0.9) * table[(tx * 13 + ty * 17) % len(table)]

    def carpet(pts: np.ndarray) -> np.ndarray:
        return np.ones(len(pts))

    return {"planks": planks, "tiles": tiles, "carpet": carpet}[style]
