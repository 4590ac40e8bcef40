"""Room layouts of the procedural sample: floor polygon, walls and furnished, collision-free objects.

Everything here is in the gravity-aligned ("aligned") frame: z up, floor at z = 0, metres, origin at
the centre of the floor's bounding box. A room is a rectilinear polygon (a rectangle, or an L-shape
cut from one) with vertical walls, furnished by a per-room-type program: items against walls, in
corners, mounted on walls, in front of / beside / around / on other items, or free-standing. Objects
never intersect (footprints, padded by a few centimetres, may only overlap where heights do not), and
the camera walks a loop about 1.1 m inside the walls that no object taller than the camera's lowest
height may enter, so the camera never sits inside furniture.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from shapely import affinity
from shapely.geometry import Point, Polygon
from shapely.geometry.polygon import orient

from ladderdata.errors import LadderDataError
from ladderdata.sample.furniture import CATALOGUE, Furniture

CAMERA_INSET = 1.1
"""Distance (m) from the walls of the loop the camera walks along."""
CAMERA_CORNER_RADIUS = 0.4
"""Radius (m) of the loop's rounded corners (a person turns smoothly)."""
CORRIDOR_HALF_WIDTH = 0.35
"""Half width (m) of the band around the loop that tall objects must stay out of."""
TALL = 1.15
"""Objects whose top is above this (m) are tall: the camera (never below ~1.28 m) cannot pass above."""
CLEARANCE = 0.03
"""Padding (m) between footprints of objects whose heights overlap."""
WALL_GAP = 0.02
"""Gap (m) between a wall and the back of furniture standing against it."""
MOUNT_GAP = 0.005
"""Gap (m) between a wall and the back of a wall-mounted object."""


@dataclass(frozen=True)
class Item:
    """One line of a room program: `count` objects of catalogue `key` placed by `how`.

    `how` is `wall`, `corner`, `mount` (on a wall at height `z`), `door`, `free`, or `<rel>:<key>`
    with rel in front_of, beside, around, on (relative to the placed objects of that key).
    Counts below `count[0]` that cannot be placed make the layout attempt fail (and retry).
    """

    key: str
    count: tuple[int, int]
    how: str
    z: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class RoomType:
    """A kind of room: ScanNet `sceneType`, size ranges (m), L-shape or not, wall height, program."""

    scene_type: str
    width: tuple[float, float]
    depth: tuple[float, float]
    l_shape: bool
    program: tuple[Item, ...]
    wall_height: tuple[float, float] = (2.5, 2.8)


def _i(key: str, lo: int, hi: int, how: str, z: tuple[float, float] = (0.0, 0.0)) -> Item:
    return Item(key, (lo, hi), how, z)


ROOM_TYPES: tuple[RoomType, ...] = (
    RoomType(
        "Living room / Lounge",
        (5.6, 7.2),
        (4.8, 6.0),
        True,
        (
            _i("door", 1, 1, "door"),
            _i("window", 1, 2, "mount", (0.85, 1.0)),
            _i("sofa", 1, 1, "wall"),
            _i("coffee table", 1, 1, "front_of:sofa"),
            _i("low cabinet", 1, 1, "wall"),
            _i("tv on stand", 1, 1, "on:low cabinet"),
            _i("bookshelf", 1, 2, "wall"),
            _i("desk", 1, 1, "wall"),
            _i("monitor", 1, 1, "on:desk"),
            _i("chair", 1, 1, "front_of:desk"),
            _i("table", 1, 1, "free"),
            _i("chair", 2, 4, "around:table"),
            _i("floor lamp", 1, 1, "corner"),
            _i("plant", 1, 2, "corner"),
            _i("trash can", 1, 1, "corner"),
            _i("picture", 1, 2, "mount", (1.25, 1.5)),
            _i("small plant", 0, 1, "on:table"),
        ),
    ),
    RoomType(
        "Bedroom / Hotel",
        (4.6, 5.6),
        (4.2, 5.2),
        False,
        (
            _i("door", 1, 1, "door"),
            _i("window", 1, 2, "mount", (0.85, 1.0)),
            _i("bed", 1, 1, "wall"),
            _i("pillow", 2, 2, "on:bed"),
            _i("nightstand", 2, 2, "beside:bed"),
            _i("table lamp", 1, 2, "on:nightstand"),
            _i("wardrobe", 1, 1, "wall"),
            _i("desk", 1, 1, "wall"),
            _i("monitor", 1, 1, "on:desk"),
            _i("chair", 1, 1, "front_of:desk"),
            _i("bookshelf", 0, 1, "wall"),
            _i("tv", 1, 1, "mount", (0.95, 1.15)),
            _i("plant", 1, 1, "corner"),
            _i("trash can", 1, 1, "corner"),
            _i("picture", 1, 2, "mount", (1.25, 1.5)),
        ),
    ),
    RoomType(
        "Kitchen",
        (5.0, 6.4),
        (4.6, 5.6),
        True,
        (
            _i("door", 1, 1, "door"),
            _i("window", 1, 1, "mount", (0.95, 1.05)),
            _i("refrigerator", 1, 1, "wall"),
            _i("stove", 1, 1, "wall"),
            _i("kitchen sink", 1, 1, "wall"),
            _i("kitchen cabinet", 2, 3, "wall"),
            _i("microwave", 1, 1, "on:kitchen cabinet"),
            _i("table", 1, 1, "free"),
            _i("chair", 3, 4, "around:table"),
            _i("trash can", 1, 2, "corner"),
            _i("plant", 1, 1, "corner"),
            _i("floor lamp", 0, 1, "corner"),
            _i("picture", 1, 1, "mount", (1.3, 1.5)),
            _i("small plant", 0, 1, "on:table"),
        ),
    ),
    RoomType(
        "Office",
        (5.8, 7.2),
        (5.0, 6.2),
        True,
        (
            _i("door", 1, 1, "door"),
            _i("window", 1, 2, "mount", (0.85, 1.0)),
            _i("desk", 2, 3, "wall"),
            _i("monitor", 2, 4, "on:desk"),
            _i("chair", 2, 3, "front_of:desk"),
            _i("bookshelf", 1, 2, "wall"),
            _i("low cabinet", 1, 1, "wall"),
            _i("whiteboard", 1, 1, "mount", (0.85, 0.95)),
            _i("table", 1, 1, "free"),
            _i("chair", 2, 3, "around:table"),
            _i("sofa", 0, 1, "wall"),
            _i("trash can", 1, 2, "corner"),
            _i("plant", 1, 2, "corner"),
            _i("floor lamp", 0, 1, "corner"),
        ),
    ),
    RoomType(
        "Bathroom",
        (3.4, 3.9),
        (3.4, 4.0),
        False,
        (
            _i("door", 1, 1, "door"),
            _i("window", 1, 1, "mount", (1.1, 1.2)),
            _i("bathtub", 1, 1, "wall"),
            _i("toilet", 1, 1, "wall"),
            _i("sink", 1, 1, "wall"),
            _i("mirror", 1, 1, "mount", (1.2, 1.3)),
            _i("low cabinet", 1, 1, "wall"),
            _i("towel", 1, 2, "mount", (0.9, 1.1)),
            _i("trash can", 1, 1, "corner"),
            _i("plant", 0, 1, "corner"),
            _i("picture", 0, 1, "mount", (1.3, 1.5)),
        ),
        wall_height=(2.4, 2.6),
    ),
)
"""Cycled by scan index: scan 0 is a living room (L-shaped), scan 1 a bedroom (rectangular), ..."""

_BACK_ALIGNED = {"monitor", "pillow", "tv on stand", "microwave"}
"""Keys placed near the back of the surface they stand on (screens face the room)."""


@dataclass
class PlacedObject:
    """A catalogue object placed in the room (aligned frame)."""

    key: str
    furniture: Furniture
    x: float
    y: float
    z: float
    yaw: float
    support: int | None = None
    """Index (in Room.objects) of the object this one stands on."""
    against_wall: bool = False
    """Back (-y) faces touch a wall: they are not meshed, as a scan never sees them."""

    @property
    def label(self) -> str:
        """ScanNet raw category."""
        return self.furniture.label

    def local_to_world(self, pts: np.ndarray) -> np.ndarray:
        """(N, 3) local points -> aligned-frame points."""
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        return np.asarray(pts, dtype=np.float64) @ rot.T + np.array([self.x, self.y, self.z])

    def corners(self) -> np.ndarray:
        """All part corners in the aligned frame, (8 * parts, 3)."""
        pts = []
        for part in self.furniture.parts:
            lo, hi = part.bounds()
            for cx in (lo[0], hi[0]):
                for cy in (lo[1], hi[1]):
                    for cz in (lo[2], hi[2]):
                        pts.append((cx, cy, cz))
        return self.local_to_world(np.array(pts))

    def aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned box (min, max) of the geometry in the aligned frame."""
        c = self.corners()
        return c.min(axis=0), c.max(axis=0)

    def oriented_box(self) -> tuple[np.ndarray, np.ndarray]:
        """(center, size) of the box aligned with the object's yaw."""
        lo, hi = self.furniture.extent()
        centre_local = np.array([[(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2]])
        size = np.array([hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]])
        return self.local_to_world(centre_local)[0], size

    def footprint(self) -> Polygon:
        """Oriented footprint rectangle (xy) of the whole object."""
        lo, hi = self.furniture.extent()
        rect = Polygon([(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])])
        rect = affinity.rotate(rect, self.yaw, origin=(0, 0), use_radians=True)
        return affinity.translate(rect, self.x, self.y)

    def z_range(self) -> tuple[float, float]:
        """Bottom and top heights."""
        lo, hi = self.furniture.extent()
        return self.z + lo[2], self.z + hi[2]


@dataclass
class Room:
    """A furnished room in the aligned frame."""

    scene_type: str
    floor: list[tuple[float, float]]
    """Floor polygon, counter-clockwise, not closed."""
    wall_height: float
    objects: list[PlacedObject] = field(default_factory=list)
    camera_loop: list[tuple[float, float]] = field(default_factory=list)
    """Closed loop (counter-clockwise, first point repeated) the camera walks along."""

    @property
    def polygon(self) -> Polygon:
        """Floor as a shapely polygon."""
        return Polygon(self.floor)

    def walls(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Wall segments (p, q) in counter-clockwise order; the room is on the left of p -> q."""
        pts = [np.asarray(p, dtype=np.float64) for p in self.floor]
        return [(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))]

    def light(self) -> np.ndarray:
        """Ceiling light position used for shading (the floor polygon's centroid, below the ceiling)."""
        c = self.polygon.centroid
        return np.array([c.x, c.y, self.wall_height - 0.1])


def room_type_for(index: int) -> RoomType:
    """Room type of the scan with this index (cycled)."""
    return ROOM_TYPES[index % len(ROOM_TYPES)]


def floor_polygon(rtype: RoomType, rng: random.Random) -> list[tuple[float, float]]:
    """Rectangle, or L-shape (one corner rectangle removed), centred on the origin, CCW."""
    w = round(rng.uniform(*rtype.width), 2)
    d = round(rng.uniform(*rtype.depth), 2)
    hx, hy = w / 2, d / 2
    if not rtype.l_shape:
        return [(-hx, -hy), (hx, -hy), (hx, hy), (-hx, hy)]
    # keep both arms at least 3.2 m wide so the camera loop (1.1 m inset) stays one piece
    cw = round(rng.uniform(1.2, max(1.2, min(0.45 * w, w - 3.2))), 2)
    cd = round(rng.uniform(1.2, max(1.2, min(0.45 * d, d - 3.2))), 2)
    ring = [(-hx, -hy), (hx, -hy), (hx, hy - cd), (hx - cw, hy - cd), (hx - cw, hy), (-hx, hy)]
    # rotate the notch to a random corner (multiples of 90 degrees keep the walls axis-aligned)
    k = rng.randrange(4)
    for _ in range(k):
        ring = [(-y, x) for x, y in ring]
    return [(round(x, 6) + 0.0, round(y, 6) + 0.0) for x, y in ring]


def camera_loop(floor: Polygon) -> Polygon:
    """The loop the camera walks: the floor shrunk by CAMERA_INSET, corners rounded."""
    r = CAMERA_CORNER_RADIUS
    inner = floor.buffer(-(CAMERA_INSET + r), join_style="mitre").buffer(r, join_style="round")
    if inner.is_empty or inner.geom_type != "Polygon":
        raise LadderDataError("procedural room too narrow for the camera loop; this is a generator bug")
    return orient(inner, sign=1.0)


class _Layout:
    """One attempt at furnishing a room."""

    def __init__(self, room: Room, rng: random.Random):
        self.room = room
        self.rng = rng
        self.floor = room.polygon
        self.inside = self.floor.buffer(-0.004, join_style="mitre")
        loop = camera_loop(self.floor)
        room.camera_loop = [(float(x), float(y)) for x, y in loop.exterior.coords]
        self.corridor = loop.exterior.buffer(CORRIDOR_HALF_WIDTH)
        self.keepout: list[Polygon] = []  # door swing areas (all heights)

    # -- checks -------------------------------------------------------------------------------------

    def fits(self, obj: PlacedObject, ignore: frozenset[int] = frozenset()) -> bool:
        """Inside the room, off the camera corridor if tall, clear of doors and other objects."""
        fp = obj.footprint()
        if not self.inside.contains(fp):
            return False
        z0, z1 = obj.z_range()
        if z1 > TALL and fp.intersects(self.corridor):
            return False
        if obj.key != "door" and z0 < 2.1 and any(fp.intersects(k) for k in self.keepout):
            return False
        padded = fp.buffer(CLEARANCE, join_style="mitre")
        for idx, other in enumerate(self.room.objects):
            if idx in ignore:
                continue
            o0, o1 = other.z_range()
            if o1 <= z0 or z1 <= o0:
                continue
            if padded.intersects(other.footprint()):
                return False
        return True

    # -- placements ---------------------------------------------------------------------------------

    def _wall_pose(self, furn: Furniture, wall: int, s: float, gap: float) -> tuple[float, float, float]:
        p, q = self.room.walls()[wall]
        length = float(np.linalg.norm(q - p))
        t = (q - p) / length
        n = np.array([-t[1], t[0]])  # inward (left) normal
        lo, _ = furn.extent()
        # back of the object (local y = lo[1]) at `gap` from the wall
        c = p + t * s + n * (gap - lo[1])
        yaw = math.atan2(-n[0], n[1])
        return float(c[0]), float(c[1]), yaw

    def _pick_wall(self, min_len: float) -> int | None:
        walls = self.room.walls()
        lengths = [float(np.linalg.norm(q - p)) for p, q in walls]
        ok = [i for i, ln in enumerate(lengths) if ln >= min_len]
        if not ok:
            return None
        return self.rng.choices(ok, weights=[lengths[i] for i in ok])[0]

    def place_wall(self, key: str, furn: Furniture, how: str, z: tuple[float, float]) -> PlacedObject | None:
        lo, hi = furn.extent()
        half_w = (hi[0] - lo[0]) / 2
        walls = self.room.walls()
        for _ in range(60):
            wall = self._pick_wall(2 * half_w + 0.1)
            if wall is None:
                return None
            p, q = walls[wall]
            length = float(np.linalg.norm(q - p))
            margin = 0.05 + half_w
            if how == "corner":
                # next to a convex corner: the start of this wall or its end
                at_start = self.rng.random() < 0.5
                prev_p = walls[wall - 1][0]
                nxt_q = walls[(wall + 1) % len(walls)][1]
                corner_turn = _turn(prev_p, p, q) if at_start else _turn(p, q, nxt_q)
                if corner_turn <= 0:
                    continue
                off = WALL_GAP + self.rng.uniform(0.0, 0.12) + half_w
                s = off if at_start else length - off
            else:
                s = self.rng.uniform(margin, length - margin)
            gap = MOUNT_GAP if how in ("mount", "door") else WALL_GAP
            x, y, yaw = self._wall_pose(furn, wall, s, gap)
            zb = round(self.rng.uniform(*z), 3) if how == "mount" else 0.0
            obj = PlacedObject(key, furn, x, y, zb, yaw, against_wall=True)
            if self.fits(obj):
                if how == "door":
                    swing = Polygon(
                        [(lo[0], hi[1]), (hi[0], hi[1]), (hi[0], hi[1] + 0.95), (lo[0], hi[1] + 0.95)]
                    )
                    swing = affinity.rotate(swing, yaw, origin=(0, 0), use_radians=True)
                    self.keepout.append(affinity.translate(swing, x, y))
                return obj
        return None

    def place_free(self, key: str, furn: Furniture) -> PlacedObject | None:
        lo, hi = furn.extent()
        radius = math.hypot(hi[0] - lo[0], hi[1] - lo[1]) / 2
        region = self.floor.buffer(-(radius + 0.55), join_style="mitre")
        if region.is_empty:
            return None
        minx, miny, maxx, maxy = region.bounds
        for _ in range(200):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if not region.contains(Point(x, y)):
                continue
            yaw = self.rng.randrange(4) * math.pi / 2
            if self.rng.random() < 0.5:
                yaw += self.rng.gauss(0.0, 0.15)
            obj = PlacedObject(key, furn, x, y, 0.0, yaw)
            if self.fits(obj):
                return obj
        return None

    def place_relative(self, key: str, furn: Furniture, rel: str, anchor_idx: int) -> PlacedObject | None:
        anchor = self.room.objects[anchor_idx]
        alo, ahi = anchor.furniture.extent()
        lo, hi = furn.extent()
        rng = self.rng
        for _ in range(60):
            if rel == "front_of":
                # chairs face the anchor (desk); tables face the same way as it (sofa)
                faces_anchor = furn.label == "chair"
                yaw = anchor.yaw + (math.pi + rng.gauss(0.0, 0.25) if faces_anchor else 0.0)
                depth_half = (hi[1] - lo[1]) / 2
                gap = rng.uniform(0.05, 0.3) if faces_anchor else rng.uniform(0.35, 0.5)
                lx = rng.uniform(-0.2, 0.2) * (ahi[0] - alo[0]) / 2
                ly = ahi[1] + gap + depth_half
                obj = self._at_local(key, furn, anchor, lx, ly, yaw, 0.0)
            elif rel == "beside":
                side = -1 if sum(1 for o in self.room.objects if o.key == key) % 2 == 0 else 1
                lx = side * ((ahi[0] - alo[0]) / 2 + 0.04 + (hi[0] - lo[0]) / 2)
                ly = alo[1] - lo[1]
                obj = self._at_local(key, furn, anchor, lx, ly, anchor.yaw, 0.0)
                obj.against_wall = anchor.against_wall
            elif rel == "around":
                side = rng.choices(range(4), weights=[ahi[0] - alo[0]] * 2 + [ahi[1] - alo[1]] * 2)[0]
                normals = ((0.0, -1.0), (0.0, 1.0), (-1.0, 0.0), (1.0, 0.0))
                nx, ny = normals[side]
                along = (ahi[0] - alo[0]) / 2 if nx == 0 else (ahi[1] - alo[1]) / 2
                half = (ahi[1] - alo[1]) / 2 if nx == 0 else (ahi[0] - alo[0]) / 2
                t = rng.uniform(-along + 0.2, along - 0.2) if along > 0.25 else 0.0
                dist = half + rng.uniform(0.03, 0.25) + (hi[1] - lo[1]) / 2
                lx, ly = (t, ny * dist) if nx == 0 else (nx * dist, t)
                # chair front (+y local) points back at the table: yaw_local = atan2(n_x, -n_y)
                yaw = anchor.yaw + math.atan2(nx, -ny) + rng.gauss(0.0, 0.2)
                obj = self._at_local(key, furn, anchor, lx, ly, yaw, 0.0)
            elif rel == "on":
                top = anchor.furniture.parts[anchor.furniture.top_part]  # type: ignore[index]
                tlo, thi = top.bounds()
                # the object's origin range that keeps its footprint 2 cm inside the top
                x_lo, x_hi = tlo[0] - lo[0] + 0.02, thi[0] - hi[0] - 0.02
                y_lo, y_hi = tlo[1] - lo[1] + 0.02, thi[1] - hi[1] - 0.02
                if x_lo > x_hi or y_lo > y_hi:
                    return None
                lx = rng.uniform(x_lo, x_hi)
                ly = (
                    y_lo + rng.uniform(0.0, min(0.06, y_hi - y_lo))
                    if key in _BACK_ALIGNED
                    else rng.uniform(y_lo, y_hi)
                )
                yaw = anchor.yaw + rng.gauss(0.0, 0.05)
                obj = self._at_local(key, furn, anchor, lx, ly, yaw, thi[2])
                obj.support = anchor_idx
            else:
                raise LadderDataError(f"unknown placement {rel!r}; this is a generator bug")
            ignore = frozenset({anchor_idx}) if rel == "on" else frozenset()
            if self.fits(obj, ignore):
                return obj
        return None

    def _at_local(
        self, key: str, furn: Furniture, anchor: PlacedObject, lx: float, ly: float, yaw: float, z: float
    ) -> PlacedObject:
        p = anchor.local_to_world(np.array([[lx, ly, z]]))[0]
        return PlacedObject(key, furn, float(p[0]), float(p[1]), float(p[2]), yaw)

    # -- program ------------------------------------------------------------------------------------

    def run(self, program: tuple[Item, ...]) -> bool:
        for item in program:
            count = self.rng.randint(*item.count)
            placed = 0
            for k in range(count):
                furn = CATALOGUE[item.key](self.rng)
                obj: PlacedObject | None
                if item.how in ("wall", "corner", "mount", "door"):
                    obj = self.place_wall(item.key, furn, item.how, item.z)
                elif item.how == "free":
                    obj = self.place_free(item.key, furn)
                else:
                    rel, anchor_key = item.how.split(":", 1)
                    anchors = [i for i, o in enumerate(self.room.objects) if o.key == anchor_key]
                    if not anchors:
                        obj = None
                    else:
                        obj = self.place_relative(item.key, furn, rel, anchors[k % len(anchors)])
                if obj is not None:
                    self.room.objects.append(obj)
                    placed += 1
            if placed < item.count[0]:
                return False
        return True


def _turn(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """z of (b - a) x (c - b): > 0 for a left (convex, in a CCW polygon) turn at b."""
    return float((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]))


def build_room(index: int, rng: random.Random, *, attempts: int = 60) -> Room:
    """Furnish room number `index` (its type cycles through ROOM_TYPES); deterministic for `rng`."""
    rtype = room_type_for(index)
    for _ in range(attempts):
        floor = floor_polygon(rtype, rng)
        room = Room(rtype.scene_type, floor, round(rng.uniform(*rtype.wall_height), 2))
        layout = _Layout(room, rng)
        if layout.run(rtype.program):
            return room
    raise LadderDataError(
        f"could not furnish a {rtype.scene_type!r} room in {attempts} attempts; this is a generator bug"
    )
