"""Furniture catalogue of the procedural sample: each category is a seeded set of boxes ("parts").

An object's local frame: origin at the centre of its footprint on the surface it stands on, +x along
its width, +y towards its front (a sofa's seat side, a cabinet's doors), +z up. Parts are boxes given
by the footprint centre (x, y), the bottom height z0 and the size (sx, sy, sz) in that frame; the
generator places the object with a yaw about +z. Faces listed in `skip` are not meshed: faces resting
on the floor or on another part, which a real scan never captures either, and which would otherwise
lie coplanar with another surface (ray hits on coplanar faces are ambiguous).

Labels are raw ScanNet category names, so the sample reads exactly like a ScanNet aggregation file.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

Colour = tuple[int, int, int]
"""RGB 0-255."""

FACES = ("-x", "+x", "-y", "+y", "-z", "+z")
BOTTOM = frozenset({"-z"})
CAPS = frozenset({"-z", "+z"})


@dataclass(frozen=True)
class Part:
    """One box of an object, in the object's local frame (metres)."""

    x: float
    y: float
    z0: float
    sx: float
    sy: float
    sz: float
    colour: Colour
    skip: frozenset[str] = field(default=frozenset())

    def bounds(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Local (min, max) corners."""
        lo = (self.x - self.sx / 2, self.y - self.sy / 2, self.z0)
        hi = (self.x + self.sx / 2, self.y + self.sy / 2, self.z0 + self.sz)
        return lo, hi


@dataclass(frozen=True)
class Furniture:
    """A built object: its label and parts (local frame), and where it may carry other objects."""

    label: str
    parts: tuple[Part, ...]
    top_part: int | None = None
    """Index of the part whose top face can carry other objects (desk top, bed mattress), if any."""

    def extent(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Local (min, max) over all parts."""
        los, his = zip(*(p.bounds() for p in self.parts), strict=True)
        lo = tuple(min(v[i] for v in los) for i in range(3))
        hi = tuple(max(v[i] for v in his) for i in range(3))
        return lo, hi  # type: ignore[return-value]

    @property
    def height(self) -> float:
        """Top of the highest part above the base."""
        return self.extent()[1][2]


# --- palettes (RGB) --------------------------------------------------------------------------------

WOODS: tuple[Colour, ...] = ((156, 111, 72), (181, 139, 96), (120, 84, 56), (201, 170, 128), (92, 64, 45))
FABRICS: tuple[Colour, ...] = (
    (70, 92, 140),
    (150, 60, 55),
    (96, 120, 90),
    (180, 170, 150),
    (110, 110, 118),
    (200, 150, 80),
)
WHITES: tuple[Colour, ...] = ((232, 232, 226), (222, 224, 228), (240, 236, 228))
METALS: tuple[Colour, ...] = ((150, 152, 158), (90, 92, 98), (185, 188, 192))
DARKS: tuple[Colour, ...] = ((34, 34, 38), (48, 46, 44), (28, 30, 36))
PLASTICS: tuple[Colour, ...] = ((60, 110, 170), (200, 200, 200), (70, 70, 70), (90, 150, 90), (190, 80, 60))
GREENS: tuple[Colour, ...] = ((58, 120, 52), (76, 140, 60), (44, 100, 48), (92, 150, 70))
POTS: tuple[Colour, ...] = ((170, 90, 60), (210, 205, 195), (60, 60, 64), (150, 120, 90))
BOOKS: tuple[Colour, ...] = (
    (170, 40, 40),
    (40, 80, 150),
    (220, 190, 60),
    (40, 120, 80),
    (230, 230, 220),
    (90, 50, 120),
    (30, 30, 30),
    (200, 110, 40),
)
GLASS: Colour = (170, 200, 215)
SCREEN: Colour = (22, 26, 34)


def _u(rng: random.Random, lo: float, hi: float) -> float:
    # rounded to the millimetre so sizes print cleanly in the ground truth
    return round(rng.uniform(lo, hi), 3)


def _legs(w: float, d: float, h: float, t: float, colour: Colour, inset: float = 0.0) -> list[Part]:
    xs = (-w / 2 + t / 2 + inset, w / 2 - t / 2 - inset)
    ys = (-d / 2 + t / 2 + inset, d / 2 - t / 2 - inset)
    return [Part(x, y, 0.0, t, t, h, colour, CAPS) for x in xs for y in ys]


# --- categories ------------------------------------------------------------------------------------


def chair(rng: random.Random) -> Furniture:
    """Four legs, a seat and a backrest at the back (-y)."""
    w, d = _u(rng, 0.42, 0.5), _u(rng, 0.44, 0.52)
    seat_h, h = _u(rng, 0.43, 0.48), _u(rng, 0.82, 0.95)
    frame, fabric = rng.choice(WOODS + METALS), rng.choice(FABRICS)
    seat_t = 0.05
    parts = _legs(w, d, seat_h - seat_t, 0.04, frame)
    parts.append(Part(0.0, 0.0, seat_h - seat_t, w, d, seat_t, fabric))
    parts.append(Part(0.0, -d / 2 + 0.025, seat_h, w, 0.05, h - seat_h, fabric, BOTTOM))
    return Furniture("chair", tuple(parts), top_part=None)


def table(rng: random.Random, *, label: str = "table", low: bool = False) -> Furniture:
    """A top on four legs; `low` makes a coffee table."""
    if low:
        w, d, h = _u(rng, 0.9, 1.2), _u(rng, 0.5, 0.62), _u(rng, 0.4, 0.46)
    else:
        w, d, h = _u(rng, 1.1, 1.6), _u(rng, 0.75, 0.9), _u(rng, 0.72, 0.78)
    wood = rng.choice(WOODS)
    t = 0.04
    parts = _legs(w, d, h - t, 0.06, wood, inset=0.04)
    parts.append(Part(0.0, 0.0, h - t, w, d, t, wood))
    return Furniture(label, tuple(parts), top_part=len(parts) - 1)


def coffee_table(rng: random.Random) -> Furniture:
    """Low table in front of a sofa."""
    return table(rng, label="coffee table", low=True)


def desk(rng: random.Random) -> Furniture:
    """Top, a side panel and a drawer pedestal with three drawer fronts (front = +y)."""
    w, d, h = _u(rng, 1.1, 1.5), _u(rng, 0.6, 0.72), _u(rng, 0.72, 0.76)
    wood, handle = rng.choice(WOODS + WHITES), rng.choice(METALS)
    t = 0.03
    ped_w = 0.4
    parts = [
        Part(-w / 2 + 0.015, 0.0, 0.0, 0.03, d - 0.02, h - t, wood, CAPS),
        Part(w / 2 - ped_w / 2, -0.02, 0.0, ped_w, d - 0.06, h - t, wood, CAPS),
    ]
    drawer_h = (h - t - 0.04) / 3
    for k in range(3):
        z0 = 0.02 + k * drawer_h
        parts.append(
            Part(w / 2 - ped_w / 2, d / 2 - 0.04, z0 + 0.005, ped_w - 0.02, 0.02, drawer_h - 0.01, wood)
        )
        parts.append(Part(w / 2 - ped_w / 2, d / 2 - 0.02, z0 + drawer_h / 2, 0.12, 0.02, 0.02, handle))
    parts.append(Part(0.0, 0.0, h - t, w, d, t, wood))
    return Furniture("desk", tuple(parts), top_part=len(parts) - 1)


def sofa(rng: random.Random) -> Furniture:
    """Seat base, seat cushions, backrest (-y) and two arms."""
    w, d, h = _u(rng, 1.7, 2.2), _u(rng, 0.85, 0.95), _u(rng, 0.78, 0.88)
    fabric = rng.choice(FABRICS)
    cushion: Colour = (min(255, fabric[0] + 18), min(255, fabric[1] + 18), min(255, fabric[2] + 18))
    arm, back_t, seat_h = 0.18, 0.2, 0.34
    inner = w - 2 * arm
    parts = [
        Part(0.0, back_t / 2, 0.0, inner, d - back_t, seat_h, fabric, BOTTOM),
        Part(0.0, -d / 2 + back_t / 2, 0.0, inner, back_t, h, fabric, BOTTOM),
        Part(-w / 2 + arm / 2, 0.0, 0.0, arm, d, 0.62, fabric, BOTTOM),
        Part(w / 2 - arm / 2, 0.0, 0.0, arm, d, 0.62, fabric, BOTTOM),
    ]
    n = 2 if inner < 1.5 else 3
    cw = inner / n
    for k in range(n):
        x = -inner / 2 + cw * (k + 0.5)
        parts.append(Part(x, back_t / 2 + 0.01, seat_h, cw - 0.02, d - back_t - 0.04, 0.1, cushion, BOTTOM))
    return Furniture("sofa", tuple(parts))


def bed(rng: random.Random) -> Furniture:
    """Frame, mattress and headboard at the back (-y); pillows are separate objects on the mattress."""
    w, length, hb = _u(rng, 1.4, 1.8), _u(rng, 1.95, 2.1), _u(rng, 0.9, 1.1)
    wood, sheet = rng.choice(WOODS), rng.choice(WHITES + FABRICS)
    parts = [
        Part(0.0, 0.03, 0.0, w, length - 0.06, 0.3, wood, BOTTOM),
        Part(0.0, 0.04, 0.3, w - 0.06, length - 0.14, 0.22, sheet, BOTTOM),
        Part(0.0, -length / 2 + 0.03, 0.0, w, 0.06, hb, wood, BOTTOM),
    ]
    return Furniture("bed", tuple(parts), top_part=1)


def pillow(rng: random.Random) -> Furniture:
    """A single soft block."""
    w, d, h = _u(rng, 0.5, 0.62), _u(rng, 0.32, 0.38), _u(rng, 0.1, 0.14)
    return Furniture("pillow", (Part(0.0, 0.0, 0.0, w, d, h, rng.choice(WHITES + FABRICS), BOTTOM),))


def nightstand(rng: random.Random) -> Furniture:
    """Body, overhanging top and a drawer front."""
    w, d, h = _u(rng, 0.4, 0.5), _u(rng, 0.35, 0.42), _u(rng, 0.5, 0.6)
    wood = rng.choice(WOODS + WHITES)
    parts = [
        Part(0.0, 0.0, 0.0, w - 0.02, d - 0.02, h - 0.03, wood, CAPS),
        Part(0.0, d / 2 - 0.02, h * 0.55, w - 0.06, 0.02, h * 0.3, rng.choice(WOODS)),
        Part(0.0, 0.0, h - 0.03, w, d, 0.03, wood),
    ]
    return Furniture("nightstand", tuple(parts), top_part=2)


def cabinet(rng: random.Random, *, tall: bool | None = None, counter: bool = False) -> Furniture:
    """Body with two doors and handles; `tall` makes a wardrobe, `counter` a kitchen base cabinet."""
    if tall is None:
        tall = rng.random() < 0.4
    w = _u(rng, 0.8, 1.1)
    d = _u(rng, 0.55, 0.6) if tall or counter else _u(rng, 0.42, 0.55)
    h = _u(rng, 1.8, 1.95) if tall else (0.86 if counter else _u(rng, 0.75, 0.95))
    body = rng.choice(WHITES + WOODS)
    handle = rng.choice(METALS)
    body_h = h - 0.04 if counter else h
    parts = [Part(0.0, -0.01, 0.0, w, d - 0.02, body_h, body, BOTTOM)]
    for sign in (-1, 1):
        parts.append(Part(sign * w / 4, d / 2 - 0.01, 0.03, w / 2 - 0.01, 0.02, body_h - 0.06, body))
        parts.append(Part(sign * 0.05, d / 2 + 0.01, body_h * 0.6, 0.02, 0.02, 0.14, handle))
    top = None
    if counter:
        parts.append(Part(0.0, 0.0, body_h, w, d, 0.04, rng.choice(DARKS + ((190, 185, 175),))))
        top = len(parts) - 1
    elif not tall:
        top = 0
    return Furniture("cabinet", tuple(parts), top_part=top)


def kitchen_cabinet(rng: random.Random) -> Furniture:
    """Base cabinet with a counter top."""
    return cabinet(rng, tall=False, counter=True)


def wardrobe(rng: random.Random) -> Furniture:
    """Tall cabinet (labelled `cabinet`, as ScanNet does for most wardrobes)."""
    return cabinet(rng, tall=True)


def bookshelf(rng: random.Random) -> Furniture:
    """Sides, back, boards and rows of books."""
    w, d, h = _u(rng, 0.7, 1.0), _u(rng, 0.28, 0.34), _u(rng, 1.6, 1.9)
    wood = rng.choice(WOODS + WHITES)
    t = 0.02
    parts = [
        Part(-w / 2 + t / 2, 0.0, 0.0, t, d, h, wood, BOTTOM),
        Part(w / 2 - t / 2, 0.0, 0.0, t, d, h, wood, BOTTOM),
        Part(0.0, -d / 2 + 0.005, 0.0, w - 2 * t, 0.01, h, wood, BOTTOM),
        Part(0.0, 0.005, 0.0, w - 2 * t, d - 0.01, 0.06, wood, BOTTOM),
        Part(0.0, 0.005, h - t, w - 2 * t, d - 0.01, t, wood),
    ]
    n_shelves = 4
    gap = (h - 0.06 - t) / (n_shelves + 1)
    for k in range(1, n_shelves + 1):
        parts.append(Part(0.0, 0.005, 0.06 + k * gap - t / 2, w - 2 * t, d - 0.01, t, wood))
    inner_w = w - 2 * t
    for k in range(n_shelves + 1):
        base = 0.06 if k == 0 else 0.06 + k * gap + t / 2
        x = -inner_w / 2 + 0.01
        while True:
            bw = _u(rng, 0.06, 0.16)
            if x + bw > inner_w / 2 - 0.01:
                break
            if rng.random() < 0.8:
                bh = min(gap - 0.04, _u(rng, 0.17, 0.26))
                bd = _u(rng, 0.17, min(0.24, d - 0.04))
                parts.append(
                    Part(x + bw / 2, -d / 2 + 0.012 + bd / 2, base, bw, bd, bh, rng.choice(BOOKS), BOTTOM)
                )
            x += bw + 0.005
    return Furniture("bookshelf", tuple(parts))


def tv(rng: random.Random, *, stand: bool = False) -> Furniture:
    """Bezel and screen; with `stand` a foot and neck to stand on furniture, else wall-mounted."""
    w, h = _u(rng, 0.9, 1.25), _u(rng, 0.55, 0.72)
    dark = rng.choice(DARKS)
    parts: list[Part] = []
    z = 0.0
    if stand:
        parts.append(Part(0.0, 0.0, 0.0, 0.32, 0.2, 0.02, dark, BOTTOM))
        parts.append(Part(0.0, -0.02, 0.02, 0.07, 0.04, 0.08, dark, CAPS))
        z = 0.1
    parts.append(Part(0.0, -0.02, z, w, 0.05, h, dark))
    parts.append(Part(0.0, 0.01, z + 0.025, w - 0.05, 0.01, h - 0.05, SCREEN))
    return Furniture("tv", tuple(parts))


def floor_lamp(rng: random.Random) -> Furniture:
    """Base, pole and shade, about 1.6 m tall."""
    h = _u(rng, 1.5, 1.7)
    metal, shade = rng.choice(METALS + DARKS), rng.choice(WHITES + ((230, 210, 170),))
    parts = [
        Part(0.0, 0.0, 0.0, 0.3, 0.3, 0.03, metal, BOTTOM),
        Part(0.0, 0.0, 0.03, 0.035, 0.035, h - 0.33, metal, CAPS),
        Part(0.0, 0.0, h - 0.3, 0.4, 0.4, 0.3, shade),
    ]
    return Furniture("lamp", tuple(parts))


def table_lamp(rng: random.Random) -> Furniture:
    """Small lamp for nightstands and desks."""
    metal, shade = rng.choice(METALS + DARKS), rng.choice(WHITES + ((230, 210, 170),))
    pole = _u(rng, 0.2, 0.28)
    parts = [
        Part(0.0, 0.0, 0.0, 0.14, 0.14, 0.02, metal, BOTTOM),
        Part(0.0, 0.0, 0.02, 0.025, 0.025, pole, metal, CAPS),
        Part(0.0, 0.0, 0.02 + pole, 0.26, 0.26, 0.18, shade),
    ]
    return Furniture("lamp", tuple(parts))


def refrigerator(rng: random.Random) -> Furniture:
    """Body, freezer and fridge doors with handles."""
    w, d, h = _u(rng, 0.6, 0.78), _u(rng, 0.65, 0.72), _u(rng, 1.72, 1.9)
    body, handle = rng.choice(WHITES + METALS[:1] + METALS[2:]), rng.choice(METALS)
    parts = [
        Part(0.0, -0.015, 0.0, w, d - 0.03, h, body, BOTTOM),
        Part(0.0, d / 2 - 0.015, 0.02, w - 0.01, 0.03, h - 0.64, body),
        Part(0.0, d / 2 - 0.015, h - 0.6, w - 0.01, 0.03, 0.58, body),
        Part(w / 2 - 0.06, d / 2 + 0.015, 0.75, 0.025, 0.03, 0.35, handle),
        Part(w / 2 - 0.06, d / 2 + 0.015, h - 0.45, 0.025, 0.03, 0.25, handle),
    ]
    return Furniture("refrigerator", tuple(parts))


def toilet(rng: random.Random) -> Furniture:
    """Pedestal, seat and tank (back, -y)."""
    w, d, h = _u(rng, 0.36, 0.42), _u(rng, 0.66, 0.72), _u(rng, 0.74, 0.8)
    white = rng.choice(WHITES)
    parts = [
        Part(0.0, 0.1, 0.0, w * 0.7, d - 0.24, 0.36, white, BOTTOM),
        Part(0.0, 0.1, 0.36, w, d - 0.2, 0.05, white),
        Part(0.0, -d / 2 + 0.1, 0.0, w, 0.2, h, white, BOTTOM),
    ]
    return Furniture("toilet", tuple(parts))


def sink(rng: random.Random, *, kitchen: bool = False) -> Furniture:
    """Vanity (or kitchen base) with a counter, a basin and a faucet at the back."""
    w = _u(rng, 0.8, 1.0) if kitchen else _u(rng, 0.5, 0.7)
    d = _u(rng, 0.55, 0.6) if kitchen else _u(rng, 0.45, 0.52)
    body_h = 0.82 if kitchen else 0.78
    body = rng.choice(WHITES + WOODS)
    counter = rng.choice(DARKS + ((190, 185, 175),)) if kitchen else rng.choice(WHITES)
    parts = [
        Part(0.0, -0.01, 0.0, w, d - 0.02, body_h, body, BOTTOM),
        Part(0.0, 0.0, body_h, w, d, 0.04, counter),
    ]
    top = body_h + 0.04
    if kitchen:
        parts.append(Part(0.0, 0.04, top, 0.5, 0.38, 0.02, METALS[0], BOTTOM))
    else:
        parts.append(Part(0.0, 0.03, top, 0.4, 0.3, 0.12, WHITES[0], BOTTOM))
    parts.append(Part(0.0, -d / 2 + 0.06, top, 0.04, 0.04, 0.22, METALS[2], BOTTOM))
    parts.append(Part(0.0, -d / 2 + 0.12, top + 0.18, 0.03, 0.1, 0.03, METALS[2]))
    return Furniture("sink", tuple(parts))


def kitchen_sink(rng: random.Random) -> Furniture:
    """Sink in a kitchen base cabinet."""
    return sink(rng, kitchen=True)


def trash_can(rng: random.Random) -> Furniture:
    """Body with a rim."""
    w, h = _u(rng, 0.24, 0.34), _u(rng, 0.35, 0.6)
    c = rng.choice(PLASTICS + METALS)
    parts = [
        Part(0.0, 0.0, 0.0, w, w, h - 0.03, c, BOTTOM),
        Part(0.0, 0.0, h - 0.03, w + 0.02, w + 0.02, 0.03, c),
    ]
    return Furniture("trash can", tuple(parts))


def monitor(rng: random.Random) -> Furniture:
    """Foot, neck, screen body and screen (front = +y)."""
    w, sh = _u(rng, 0.48, 0.62), _u(rng, 0.3, 0.36)
    dark = rng.choice(DARKS)
    parts = [
        Part(0.0, 0.0, 0.0, 0.22, 0.18, 0.02, dark, BOTTOM),
        Part(0.0, -0.05, 0.02, 0.05, 0.03, 0.1, dark, CAPS),
        Part(0.0, -0.03, 0.1, w, 0.03, sh, dark),
        Part(0.0, -0.01, 0.115, w - 0.03, 0.01, sh - 0.03, SCREEN),
    ]
    return Furniture("monitor", tuple(parts))


def plant(rng: random.Random, *, small: bool = False) -> Furniture:
    """Pot and two or three foliage blocks."""
    pw = _u(rng, 0.14, 0.2) if small else _u(rng, 0.24, 0.34)
    ph = _u(rng, 0.12, 0.16) if small else _u(rng, 0.22, 0.32)
    parts = [Part(0.0, 0.0, 0.0, pw, pw, ph, rng.choice(POTS), BOTTOM)]
    scale = pw * 1.6
    top = _u(rng, 0.2, 0.3) if small else _u(rng, 0.35, 0.8)
    parts.append(Part(0.0, 0.0, ph, scale, scale, top, rng.choice(GREENS), BOTTOM))
    for _ in range(rng.randint(1, 2)):
        s = scale * _u(rng, 0.5, 0.7)
        ox, oy = _u(rng, -0.25, 0.25) * scale, _u(rng, -0.25, 0.25) * scale
        parts.append(Part(ox, oy, ph + top * _u(rng, 0.6, 0.9), s, s, top * 0.5, rng.choice(GREENS)))
    return Furniture("plant", tuple(parts))


def small_plant(rng: random.Random) -> Furniture:
    """Potted plant small enough for a table."""
    return plant(rng, small=True)


def microwave(rng: random.Random) -> Furniture:
    """Body with a dark door window and a control panel."""
    w, d, h = _u(rng, 0.45, 0.5), _u(rng, 0.34, 0.38), _u(rng, 0.26, 0.3)
    body = rng.choice(WHITES + METALS)
    parts = [
        Part(0.0, -0.01, 0.0, w, d - 0.02, h, body, BOTTOM),
        Part(-0.06, d / 2 - 0.005, 0.03, w - 0.18, 0.01, h - 0.06, SCREEN),
        Part(w / 2 - 0.06, d / 2 - 0.005, 0.03, 0.08, 0.01, h - 0.06, rng.choice(DARKS)),
    ]
    return Furniture("microwave", tuple(parts))


def stove(rng: random.Random) -> Furniture:
    """Body, cooktop with four burners and an oven door."""
    w = _u(rng, 0.58, 0.62)
    body = rng.choice(WHITES + METALS)
    parts = [
        Part(0.0, -0.01, 0.0, w, 0.58, 0.88, body, BOTTOM),
        Part(0.0, 0.0, 0.88, w, 0.6, 0.02, DARKS[0]),
        Part(0.0, 0.29, 0.15, w - 0.08, 0.02, 0.5, SCREEN),
    ]
    for bx in (-w / 4, w / 4):
        for by in (-0.14, 0.14):
            parts.append(Part(bx, by, 0.9, 0.16, 0.16, 0.01, METALS[1], BOTTOM))
    return Furniture("stove", tuple(parts))


def bathtub(rng: random.Random) -> Furniture:
    """Hollow tub: bottom and four rims (long side along x, so it stands along a wall)."""
    w, d, h = _u(rng, 1.5, 1.7), _u(rng, 0.7, 0.8), _u(rng, 0.52, 0.58)
    white = rng.choice(WHITES)
    t = 0.08
    parts = [
        Part(0.0, 0.0, 0.0, w - 2 * t, d - 2 * t, 0.12, white, BOTTOM),
        Part(-w / 2 + t / 2, 0.0, 0.0, t, d, h, white, BOTTOM),
        Part(w / 2 - t / 2, 0.0, 0.0, t, d, h, white, BOTTOM),
        Part(0.0, -d / 2 + t / 2, 0.0, w - 2 * t, t, h, white, BOTTOM),
        Part(0.0, d / 2 - t / 2, 0.0, w - 2 * t, t, h, white, BOTTOM),
    ]
    return Furniture("bathtub", tuple(parts))


def door(rng: random.Random) -> Furniture:
    """Panel and handle (mounted on a wall at floor level)."""
    w, h = _u(rng, 0.82, 0.92), _u(rng, 2.0, 2.08)
    panel = rng.choice(WHITES + WOODS)
    parts = [
        Part(0.0, 0.0, 0.0, w, 0.04, h, panel, BOTTOM),
        Part(w / 2 - 0.1, 0.035, 1.0, 0.12, 0.03, 0.03, rng.choice(METALS)),
    ]
    return Furniture("door", tuple(parts))


def window(rng: random.Random) -> Furniture:
    """Glass pane in a frame with a sill (mounted on a wall)."""
    w, h = _u(rng, 0.8, 1.4), _u(rng, 1.0, 1.3)
    frame = rng.choice(WHITES + WOODS)
    f = 0.05
    parts = [
        Part(0.0, -0.01, f, w - 2 * f, 0.01, h - 2 * f, GLASS),
        Part(-w / 2 + f / 2, 0.0, 0.0, f, 0.04, h, frame),
        Part(w / 2 - f / 2, 0.0, 0.0, f, 0.04, h, frame),
        Part(0.0, 0.0, 0.0, w - 2 * f, 0.04, f, frame),
        Part(0.0, 0.0, h - f, w - 2 * f, 0.04, f, frame),
        Part(0.0, 0.04, 0.0, w + 0.1, 0.08, 0.03, frame),
    ]
    return Furniture("window", tuple(parts))


def picture(rng: random.Random) -> Furniture:
    """Frame and canvas (mounted on a wall)."""
    w, h = _u(rng, 0.4, 0.8), _u(rng, 0.3, 0.6)
    parts = [
        Part(0.0, 0.0, 0.0, w, 0.025, h, rng.choice(DARKS + WOODS)),
        Part(0.0, 0.015, 0.03, w - 0.06, 0.005, h - 0.06, rng.choice(BOOKS + FABRICS)),
    ]
    return Furniture("picture", tuple(parts))


def mirror(rng: random.Random) -> Furniture:
    """Frame and glass (mounted on a wall, e.g. above a sink)."""
    w, h = _u(rng, 0.5, 0.8), _u(rng, 0.6, 0.9)
    parts = [
        Part(0.0, 0.0, 0.0, w, 0.02, h, rng.choice(METALS + WHITES)),
        Part(0.0, 0.012, 0.02, w - 0.04, 0.005, h - 0.04, (196, 210, 214)),
    ]
    return Furniture("mirror", tuple(parts))


def towel(rng: random.Random) -> Furniture:
    """Towel hanging from a wall bar (mounted on a wall)."""
    w, h = _u(rng, 0.4, 0.6), _u(rng, 0.5, 0.7)
    parts = [
        Part(0.0, 0.03, 0.0, w, 0.04, h, rng.choice(FABRICS + WHITES)),
        Part(0.0, 0.03, h, w + 0.1, 0.04, 0.03, METALS[2]),
    ]
    return Furniture("towel", tuple(parts))


def whiteboard(rng: random.Random) -> Furniture:
    """Board and marker tray (mounted on a wall)."""
    w, h = _u(rng, 1.2, 1.8), _u(rng, 0.9, 1.2)
    parts = [
        Part(0.0, 0.0, 0.0, w, 0.03, h, (245, 245, 245)),
        Part(0.0, 0.04, 0.0, w * 0.6, 0.06, 0.02, METALS[0]),
    ]
    return Furniture("whiteboard", tuple(parts))


CATALOGUE: dict[str, Callable[[random.Random], Furniture]] = {
    "chair": chair,
    "table": table,
    "coffee table": coffee_table,
    "desk": desk,
    "sofa": sofa,
    "bed": bed,
    "pillow": pillow,
    "nightstand": nightstand,
    "cabinet": cabinet,
    "kitchen cabinet": kitchen_cabinet,
    "wardrobe": wardrobe,
    "low cabinet": lambda rng: cabinet(rng, tall=False),
    "bookshelf": bookshelf,
    "tv": tv,
    "tv on stand": lambda rng: tv(rng, stand=True),
    "floor lamp": floor_lamp,
    "table lamp": table_lamp,
    "refrigerator": refrigerator,
    "toilet": toilet,
    "sink": sink,
    "kitchen sink": kitchen_sink,
    "trash can": trash_can,
    "monitor": monitor,
    "plant": plant,
    "small plant": small_plant,
    "microwave": microwave,
    "stove": stove,
    "bathtub": bathtub,
    "door": door,
    "window": window,
    "picture": picture,
    "whiteboard": whiteboard,
    "mirror": mirror,
    "towel": towel,
}
"""Builder per catalogue key; several keys share a ScanNet label (`wardrobe` -> `cabinet`)."""
