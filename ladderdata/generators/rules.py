"""Answer and refusal rules: one pure implementation of each, shared by generators and the re-check.

Every function here takes plain numbers (the values a generator records in `QASample.reference`) and
returns a `Decision`: the answer text, or a refusal reason. Generators call them on values they measure
from SceneRecords; `ladderdata.validators.recheck.recheck` calls the same functions on the recorded
values, so a sample whose numbers, options and answer disagree cannot pass.

Refusal reasons are short snake_case strings (the constants below); they key the generators' refusal
counts and the build's drop statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import numpy as np

from ladderdata.geometry import directions

# refusal reasons decided by the rules
BELOW_MIN_DISTANCE = "below_min_distance"
MARGIN_TOO_SMALL = "margin_too_small"
CLOSEST_TOO_NEAR = "closest_too_near"
NEAR_SECTOR_BOUNDARY = "near_sector_boundary"
PAIR_DISTANCE_OUT_OF_RANGE = "pair_distance_out_of_range"
CORNERS_CROSS_SECTOR = "corners_cross_sector"
BACK_SECTOR_IN_EASY = "back_sector_in_easy"
SEPARATION_TOO_SMALL = "separation_too_small"
AXIS_AMBIGUOUS = "axis_ambiguous"
APPEARANCE_GAP_TOO_SMALL = "appearance_gap_too_small"
SAME_SHOWN_FRAME = "same_shown_frame"
TARGET_ON_STANDPOINT = "target_on_standpoint"
NEVER_APPEARS = "never_appears"
COUNT_BELOW_TWO = "count_below_2"
NO_ROOM_AREA = "no_room_area"


@dataclass(frozen=True)
class Decision:
    """Outcome of a rule: `answer` (option text or number string) or a refusal `reason`."""

    answer: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def refuse(reason: str) -> Decision:
    """A refused decision."""
    return Decision(reason=reason)


# ---------------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------------


def format_number(value: float, decimals: int) -> str:
    """Plain number string, rounded half-up to `decimals`, trailing zeros dropped ('1.3', '2', '0.05').

    The value is first read at 12 significant digits, which removes binary noise from unit
    conversions (0.995 m * 100 = 99.49999999999999 reads as 99.5), then rounded half-up with Decimal
    (float `round` is half-even on binary fractions), so 99.5 cm -> '100' and 0.125 -> '0.13'.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format non-finite number {value!r}")
    quant = Decimal(1).scaleb(-decimals)
    text = format(Decimal(f"{float(value):.12g}").quantize(quant, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def object_size_answer(longest_side_m: float, decimals: int) -> Decision:
    """Object size: longest side of the box in centimetres."""
    return Decision(answer=format_number(longest_side_m * 100.0, decimals))


def absolute_distance_answer(distance_m: float, min_distance_m: float, decimals: int) -> Decision:
    """Absolute distance in metres; refused below `min_distance_m` (touching objects are ambiguous)."""
    if distance_m < min_distance_m:
        return refuse(BELOW_MIN_DISTANCE)
    return Decision(answer=format_number(distance_m, decimals))


def room_size_answer(area_m2: float, decimals: int) -> Decision:
    """Room size in square metres; refused when the scan has no floor area."""
    if not area_m2 > 0:
        return refuse(NO_ROOM_AREA)
    return Decision(answer=format_number(area_m2, decimals))


def object_count_answer(count: int) -> Decision:
    """Object count; only categories with at least two instances are asked."""
    if count < 2:
        return refuse(COUNT_BELOW_TWO)
    return Decision(answer=str(int(count)))


# ---------------------------------------------------------------------------------------------------
# relative distance
# ---------------------------------------------------------------------------------------------------


def relative_distance_margin(
    room_area_m2: float, margin_m: float, large_room_margin_m: float, large_room_area_m2: float
) -> float:
    """Required gap between candidate distances: `large_room_margin_m` in rooms over the area."""
    return large_room_margin_m if room_area_m2 > large_room_area_m2 else margin_m


def relative_distance_answer(
    distances_m: dict[str, float], margin_m: float, min_closest_m: float
) -> Decision:
    """Closest candidate category; refused when any two distances are within `margin_m` or the
    closest is nearer than `min_closest_m`."""
    ranked = sorted(distances_m.items(), key=lambda kv: (kv[1], kv[0]))
    if len(ranked) < 2:
        raise ValueError("relative distance needs at least two candidates")
    if ranked[0][1] < min_closest_m:
        return refuse(CLOSEST_TOO_NEAR)
    # sorted, so checking neighbours checks every pair
    if any(b[1] - a[1] < margin_m for a, b in pairwise(ranked)):
        return refuse(MARGIN_TOO_SMALL)
    return Decision(answer=ranked[0][0])


# ---------------------------------------------------------------------------------------------------
# allocentric relative direction (floor plane, counter-clockwise from forward)
# ---------------------------------------------------------------------------------------------------

SECTORS: dict[str, tuple[tuple[float, str], ...]] = {
    # (start angle, label): a sector runs from its start to the next start (wrapping at 360)
    "hard": ((0.0, "front-left"), (90.0, "back-left"), (180.0, "back-right"), (270.0, "front-right")),
    "medium": ((0.0, "left"), (135.0, "back"), (225.0, "right")),
    "easy": ((0.0, "left"), (90.0, "back"), (270.0, "right")),
}
"""Sector starts per difficulty. Easy (left or right) refuses the whole back half: a target behind you
is neither plainly left nor right."""

DIRECTION_OPTIONS: dict[str, tuple[str, ...]] = {
    "hard": ("front-left", "front-right", "back-left", "back-right"),
    "medium": ("left", "right", "back"),
    "easy": ("left", "right"),
}
"""Option texts per difficulty, in VSI-Bench's listing order."""


def ccw_angle_deg(
    origin: tuple[float, float], facing: tuple[float, float], query: tuple[float, float]
) -> float:
    """Angle of `query - origin` counter-clockwise from `facing - origin`, in [0, 360) degrees.

    With z up and x, y in the floor plane, counter-clockwise seen from above turns left
    (`ladderdata.geometry.directions.ccw_angle_deg`, as a float wrapped into [0, 360)).
    """
    angle = float(directions.ccw_angle_deg(np.asarray(origin), np.asarray(facing), np.asarray(query)))
    return 0.0 if angle >= 360.0 else angle


def sector_of(angle_deg: float, difficulty: str) -> str:
    """Sector label of an angle (degrees, any value; wrapped into [0, 360))."""
    a = angle_deg % 360.0
    label = SECTORS[difficulty][-1][1]
    for start, name in SECTORS[difficulty]:
        if a >= start:
            label = name
    return label


def boundary_gap_deg(angle_deg: float, difficulty: str) -> float:
    """Smallest angular distance (degrees) from the angle to any sector boundary of the difficulty."""
    a = angle_deg % 360.0
    gaps = []
    for start, _ in SECTORS[difficulty]:
        d = abs(a - start) % 360.0
        gaps.append(min(d, 360.0 - d))
    return min(gaps)


def allocentric_direction_answer(
    positioning_xy: tuple[float, float],
    orienting_xy: tuple[float, float],
    querying_xy: tuple[float, float],
    querying_corners_xy: list[tuple[float, float]],
    difficulty: str,
    *,
    margin_deg: float,
    min_pair_m: float,
    max_pair_m: float,
    max_corners_off: int,
    footprint_gap_m: float | None = None,
    min_footprint_gap_m: float = 0.0,
) -> Decision:
    """'If I am standing by P and facing O, is Q to my ...': the sector of Q, or a refusal.

    Refused when a pairwise centre distance (floor plane) is outside [min_pair_m, max_pair_m], the
    angle is within `margin_deg` of a sector boundary (either side), Q is behind in the easy variant,
    more than `max_corners_off` of Q's box corners fall in another sector than its centre, or Q's
    footprint is within `min_footprint_gap_m` of P's or O's (`footprint_gap_m`, the smaller of the two
    floor-plane gaps; 0 when Q stands on one of them): a monitor on the desk you stand by is on no
    definite side of you.
    """
    pts = (positioning_xy, orienting_xy, querying_xy)
    for i in range(3):
        for j in range(i + 1, 3):
            d = math.dist(pts[i], pts[j])
            if not (min_pair_m <= d <= max_pair_m):
                return refuse(PAIR_DISTANCE_OUT_OF_RANGE)
    angle = ccw_angle_deg(positioning_xy, orienting_xy, querying_xy)
    if boundary_gap_deg(angle, difficulty) < margin_deg:
        return refuse(NEAR_SECTOR_BOUNDARY)
    sector = sector_of(angle, difficulty)
    if difficulty == "easy" and sector == "back":
        return refuse(BACK_SECTOR_IN_EASY)
    off = sum(
        1
        for c in querying_corners_xy
        if sector_of(ccw_angle_deg(positioning_xy, orienting_xy, c), difficulty) != sector
    )
    if off > max_corners_off:
        return refuse(CORNERS_CROSS_SECTOR)
    if footprint_gap_m is not None and footprint_gap_m < min_footprint_gap_m:
        return refuse(TARGET_ON_STANDPOINT)
    return Decision(answer=sector)


# ---------------------------------------------------------------------------------------------------
# camera-centric relative direction (single image)
# ---------------------------------------------------------------------------------------------------

CAMERA_OPTIONS: dict[str, tuple[str, ...]] = {
    "camera": ("left", "right", "front", "back"),
    "diagonal": ("front-left", "front-right", "back-left", "back-right"),
}
"""Option texts of the camera-centric variants, in the published listing order."""


def interval_gap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Gap between two intervals (> 0 when disjoint, <= 0 when they overlap)."""
    return max(a[0] - b[1], b[0] - a[1])


def camera_direction_answer(
    subject_x: tuple[float, float],
    subject_z: tuple[float, float],
    reference_x: tuple[float, float],
    reference_z: tuple[float, float],
    *,
    min_separation_m: float,
    clear_gap_m: float = 0.0,
) -> tuple[str | None, Decision]:
    """Where the subject is relative to the reference, seen from the camera: `(subtype, decision)`.

    Inputs are the objects' extents along camera x (right) and z (depth), as (min, max) intervals of
    their box corners in the camera frame; centres are interval midpoints. An axis *decides* when the
    extents are disjoint on it and the centres differ by at least `min_separation_m`. Exactly one
    deciding axis with overlapping extents on the other gives the four-way answer (subtype 'camera':
    left/right from x, front = nearer the camera); two deciding axes give the diagonal answer
    (subtype 'diagonal': front-left, ...). Anything else is refused.

    One right option: a direction *holds* when the extents are disjoint on its axis. With
    `clear_gap_m`, an axis decides only when its extents are apart by at least that much, and in the
    four-way variant the other axis must overlap by at least that much, so no second direction holds
    (or nearly holds: a box a few centimetres off would flip it).
    """

    def centre(iv: tuple[float, float]) -> float:
        return 0.5 * (iv[0] + iv[1])

    dx = centre(subject_x) - centre(reference_x)
    dz = centre(subject_z) - centre(reference_z)
    gap_x = interval_gap(subject_x, reference_x)
    gap_z = interval_gap(subject_z, reference_z)
    decides_x = gap_x > clear_gap_m and abs(dx) >= min_separation_m
    decides_z = gap_z > clear_gap_m and abs(dz) >= min_separation_m
    lr = "left" if dx < 0 else "right"
    fb = "front" if dz < 0 else "back"
    if decides_x and decides_z:
        return "diagonal", Decision(answer=f"{fb}-{lr}")
    if decides_x and gap_z <= -clear_gap_m:
        return "camera", Decision(answer=lr)
    if decides_z and gap_x <= -clear_gap_m:
        return "camera", Decision(answer=fb)
    if decides_x or decides_z:
        # one axis decides, the other is disjoint but too close to call: neither variant is clean
        return None, refuse(AXIS_AMBIGUOUS)
    return None, refuse(SEPARATION_TOO_SMALL)


# ---------------------------------------------------------------------------------------------------
# appearance order (video)
# ---------------------------------------------------------------------------------------------------


def appearance_order_answer(
    first_seen_s: dict[str, float | None],
    min_gap_s: float,
    first_shown: dict[str, int | None] | None = None,
) -> Decision:
    """Categories in order of first appearance, as the option text 'a, b, c, d'; refused when one never
    appears or two first appearances are within `min_gap_s` seconds.

    `first_shown` (optional) gives, per category, the position among the frames the question shows of
    the first one it clearly appears in (None: never, or not clearly): refused when one has none, or
    two first appear in the
    same shown frame, or the shown frames give another order than the clip (the row must be answerable
    from what it shows)."""
    if any(t is None for t in first_seen_s.values()):
        return refuse(NEVER_APPEARS)
    ranked = sorted(first_seen_s.items(), key=lambda kv: (kv[1], kv[0]))
    if any(b[1] - a[1] < min_gap_s for a, b in pairwise(ranked)):
        return refuse(APPEARANCE_GAP_TOO_SMALL)
    if first_shown is not None:
        shown = [first_shown.get(name) for name, _ in ranked]
        if any(k is None for k in shown):
            return refuse(NEVER_APPEARS)
        if any(b <= a for a, b in pairwise(shown)):  # same frame, or out of order
            return refuse(SAME_SHOWN_FRAME)
    return Decision(answer=order_text([name for name, _ in ranked]))


def order_text(categories: list[str]) -> str:
    """Option text of an appearance order."""
    return ", ".join(categories)
