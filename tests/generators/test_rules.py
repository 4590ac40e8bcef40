"""Answer and refusal rules against hand-computed values, plus property tests of the direction sectors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ladderdata.generators import rules

# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1.25, 1, "1.3"),  # half-up, not half-even
        (0.125, 2, "0.13"),
        (2.0, 1, "2"),
        (193.06, 1, "193.1"),
        (1.35, 2, "1.35"),
        (99.5, 0, "100"),
        (0.995 * 100, 0, "100"),  # 99.49999999999999 in binary: conversion noise must not round down
        (0.04, 1, "0"),
        (-0.04, 1, "0"),
    ],
)
def test_format_number(value, decimals, expected):
    assert rules.format_number(value, decimals) == expected


def test_format_number_rejects_nan():
    with pytest.raises(ValueError):
        rules.format_number(float("nan"), 1)


def test_numeric_answers():
    assert rules.object_size_answer(1.234, 0).answer == "123"
    assert rules.absolute_distance_answer(1.349, 0.2, 2).answer == "1.35"
    assert rules.absolute_distance_answer(0.19, 0.2, 1).reason == rules.BELOW_MIN_DISTANCE
    assert rules.absolute_distance_answer(0.2, 0.2, 1).answer == "0.2"
    assert rules.room_size_answer(23.456, 1).answer == "23.5"
    assert rules.room_size_answer(0.0, 1).reason == rules.NO_ROOM_AREA
    assert rules.object_count_answer(3).answer == "3"
    assert rules.object_count_answer(1).reason == rules.COUNT_BELOW_TWO


# --- relative distance ----------------------------------------------------------------------------


def test_relative_distance_closest():
    d = {"table": 1.5, "chair": 1.0, "sofa": 2.0, "lamp": 2.5}
    assert rules.relative_distance_answer(d, 0.15, 0.15).answer == "chair"


def test_relative_distance_refuses_candidates_10cm_apart():
    d = {"table": 1.1, "chair": 1.0, "sofa": 2.0, "lamp": 2.5}
    assert rules.relative_distance_answer(d, 0.15, 0.15).reason == rules.MARGIN_TOO_SMALL
    # the margin applies to every pair, not only to the closest two
    d = {"table": 1.5, "chair": 1.0, "sofa": 2.0, "lamp": 2.1}
    assert rules.relative_distance_answer(d, 0.15, 0.15).reason == rules.MARGIN_TOO_SMALL


def test_relative_distance_refuses_touching_closest():
    d = {"table": 0.1, "chair": 1.0, "sofa": 2.0, "lamp": 2.5}
    assert rules.relative_distance_answer(d, 0.15, 0.15).reason == rules.CLOSEST_TOO_NEAR


def test_relative_distance_large_room_margin():
    assert rules.relative_distance_margin(39.0, 0.15, 0.30, 40.0) == 0.15
    assert rules.relative_distance_margin(40.5, 0.15, 0.30, 40.0) == 0.30
    d = {"table": 1.2, "chair": 1.0, "sofa": 2.0, "lamp": 2.5}  # 20 cm gap
    assert rules.relative_distance_answer(d, 0.15, 0.15).answer == "chair"
    assert rules.relative_distance_answer(d, 0.30, 0.15).reason == rules.MARGIN_TOO_SMALL


# --- allocentric direction ------------------------------------------------------------------------

KW = {"margin_deg": 10.0, "min_pair_m": 0.3, "max_pair_m": 5.0, "max_corners_off": 2}


def _small_corners(c, half=0.05):
    return [(c[0] + dx, c[1] + dy) for dx in (-half, half) for dy in (-half, half) for _ in (0, 1)]


def _at(angle_deg, r=1.0):
    """Point at `angle_deg` counter-clockwise from forward = +y, seen from the origin."""
    a = math.radians(angle_deg)
    return (-r * math.sin(a), r * math.cos(a))


@pytest.mark.parametrize(
    ("q", "difficulty", "expected"),
    [
        ((-1.0, 1.0), "hard", "front-left"),  # 45 deg
        ((-1.0, 1.0), "medium", "left"),
        ((-1.0, 1.0), "easy", "left"),
        ((1.0, 1.0), "hard", "front-right"),  # 315 deg
        ((1.0, 1.0), "easy", "right"),
        ((1.0, -2.0), "hard", "back-right"),  # 206.57 deg
        ((1.0, -2.0), "medium", "back"),
        ((-1.0, -1.0), "hard", "back-left"),  # 135 deg (hard boundaries at 90 and 180 are 45 away)
    ],
)
def test_allocentric_hand_cases(q, difficulty, expected):
    p, o = (0.0, 0.0), (0.0, 2.0)  # standing at the origin, facing +y
    decision = rules.allocentric_direction_answer(p, o, q, _small_corners(q), difficulty, **KW)
    assert decision.answer == expected


def test_allocentric_easy_refuses_back():
    q = (1.0, -2.0)  # 206.57 deg: back
    decision = rules.allocentric_direction_answer((0, 0), (0, 2), q, _small_corners(q), "easy", **KW)
    assert decision.reason == rules.BACK_SECTOR_IN_EASY


@pytest.mark.parametrize("angle", [85.0, 95.0, 355.0, 5.0, 265.0, 275.0])
def test_allocentric_refuses_5_degrees_from_a_boundary_on_both_sides(angle):
    q = _at(angle)
    decision = rules.allocentric_direction_answer((0, 0), (0, 2), q, _small_corners(q), "hard", **KW)
    assert decision.reason == rules.NEAR_SECTOR_BOUNDARY


@pytest.mark.parametrize(
    ("angle", "expected"), [(130.0, "left"), (140.0, "back"), (220.0, "back"), (230.0, "right")]
)
def test_medium_boundaries_at_135_and_225(angle, expected):
    q = _at(angle)
    near = rules.allocentric_direction_answer((0, 0), (0, 2), q, _small_corners(q), "medium", **KW)
    assert near.reason == rules.NEAR_SECTOR_BOUNDARY
    far = rules.allocentric_direction_answer(
        (0, 0), (0, 2), q, _small_corners(q), "medium", **{**KW, "margin_deg": 4.0}
    )
    assert far.answer == expected


def test_allocentric_pair_distance_range():
    q = (-1.0, 1.0)
    far_o = (0.0, 6.0)  # P-O = 6 m > 5 m
    assert (
        rules.allocentric_direction_answer((0, 0), far_o, q, _small_corners(q), "hard", **KW).reason
        == rules.PAIR_DISTANCE_OUT_OF_RANGE
    )
    near_q = (-0.1, 0.1)  # P-Q = 0.14 m < 0.3 m
    assert (
        rules.allocentric_direction_answer(
            (0, 0), (0, 2), near_q, _small_corners(near_q), "hard", **KW
        ).reason
        == rules.PAIR_DISTANCE_OUT_OF_RANGE
    )


def test_allocentric_corner_rule():
    # Q centred at 30 deg (front-left) 1 m away, with a 2 m x 2 m footprint: its corners at
    # x = -1.5 / 0.5 and y = -0.134 / 1.866 fall in front-right, back-right and back-left too
    q = (-0.5, math.sqrt(3) / 2)
    big = [(q[0] + dx, q[1] + dy) for dx in (-1.0, 1.0) for dy in (-1.0, 1.0) for _ in (0, 1)]
    assert (
        rules.allocentric_direction_answer((0, 0), (0, 2), q, big, "hard", **KW).reason
        == rules.CORNERS_CROSS_SECTOR
    )
    # one footprint corner (= 2 of 8 box corners) across the boundary is tolerated
    one_off = _small_corners(q, 0.05)
    one_off[0] = one_off[1] = (0.2, 0.5)  # front-right
    assert rules.allocentric_direction_answer((0, 0), (0, 2), q, one_off, "hard", **KW).answer == "front-left"


# property tests ------------------------------------------------------------------------------------

angles = st.floats(min_value=0.0, max_value=359.999, allow_nan=False)
difficulties = st.sampled_from(["easy", "medium", "hard"])


@given(angles, difficulties)
def test_every_angle_has_one_sector(angle, difficulty):
    assert rules.sector_of(angle, difficulty) in {"left", "right", "back"} | set(
        rules.DIRECTION_OPTIONS["hard"]
    )
    if difficulty == "hard":
        assert rules.sector_of(angle, difficulty) in rules.DIRECTION_OPTIONS["hard"]


@given(angles, st.floats(min_value=-9.99, max_value=9.99), difficulties)
def test_sector_is_stable_within_the_margin(angle, delta, difficulty):
    """An angle 10 deg or more from every boundary keeps its sector when moved by less than 10 deg."""
    if rules.boundary_gap_deg(angle, difficulty) < 10.0:
        return
    assert rules.sector_of(angle + delta, difficulty) == rules.sector_of(angle, difficulty)


def _oracle(fwd, v, difficulty):
    """Independent sector from the sign of the cross and dot products (no angles)."""
    cross = fwd[0] * v[1] - fwd[1] * v[0]
    dot = fwd[0] * v[0] + fwd[1] * v[1]
    if difficulty == "hard":
        return ("front" if dot > 0 else "back") + "-" + ("left" if cross > 0 else "right")
    cos = dot / (math.hypot(*fwd) * math.hypot(*v))
    if cos < math.cos(math.radians(135)):
        return "back"
    return "left" if cross > 0 else "right"


coords = st.floats(min_value=-4.0, max_value=4.0, allow_nan=False)


@settings(max_examples=300)
@given(coords, coords, coords, coords, coords, coords, difficulties)
def test_allocentric_matches_vector_oracle(px, py, ox, oy, qx, qy, difficulty):
    p, o, q = (px, py), (ox, oy), (qx, qy)
    decision = rules.allocentric_direction_answer(p, o, q, _small_corners(q, 0.0), difficulty, **KW)
    if decision.ok:
        fwd = (ox - px, oy - py)
        v = (qx - px, qy - py)
        assert decision.answer == _oracle(fwd, v, difficulty)


@settings(max_examples=200)
@given(
    coords, coords, coords, coords, coords, coords, st.floats(0, 2 * math.pi), coords, coords, difficulties
)
def test_allocentric_invariant_under_rigid_motion(px, py, ox, oy, qx, qy, theta, tx, ty, difficulty):
    def move(pt):
        c, s = math.cos(theta), math.sin(theta)
        return (c * pt[0] - s * pt[1] + tx, s * pt[0] + c * pt[1] + ty)

    p, o, q = (px, py), (ox, oy), (qx, qy)
    before = rules.allocentric_direction_answer(p, o, q, _small_corners(q, 0.0), difficulty, **KW)
    mq = move(q)
    after = rules.allocentric_direction_answer(
        move(p), move(o), mq, _small_corners(mq, 0.0), difficulty, **KW
    )
    # decisions may only differ for points within float noise of a threshold
    if before.ok and after.ok:
        assert before.answer == after.answer


MIRROR = {
    "front-left": "front-right",
    "front-right": "front-left",
    "back-left": "back-right",
    "back-right": "back-left",
    "left": "right",
    "right": "left",
    "back": "back",
}


@given(angles, difficulties)
def test_mirroring_swaps_left_and_right(angle, difficulty):
    if rules.boundary_gap_deg(angle, difficulty) < 1e-6:
        return
    assert rules.sector_of(360.0 - angle, difficulty) == MIRROR[rules.sector_of(angle, difficulty)]


# --- camera-centric direction ---------------------------------------------------------------------


def test_camera_left_right_front_back():
    # subject 2 m left of the reference at the same depth: left
    assert rules.camera_direction_answer(
        (-1.25, -0.75), (2.75, 3.25), (0.6, 1.4), (2.9, 3.1), min_separation_m=0.15
    ) == (
        "camera",
        rules.Decision(answer="left"),
    )
    # subject nearer the camera, same x: front
    assert rules.camera_direction_answer(
        (-0.2, 0.2), (1.0, 1.4), (-0.3, 0.3), (2.8, 3.2), min_separation_m=0.15
    ) == (
        "camera",
        rules.Decision(answer="front"),
    )
    # farther and to the right: diagonal back-right
    assert rules.camera_direction_answer(
        (1.0, 1.4), (4.0, 4.4), (-0.3, 0.3), (2.8, 3.2), min_separation_m=0.15
    ) == (
        "diagonal",
        rules.Decision(answer="back-right"),
    )


def test_camera_refusals():
    # overlapping on both axes
    sub, dec = rules.camera_direction_answer(
        (0.0, 0.5), (2.0, 2.5), (0.3, 0.8), (2.3, 2.8), min_separation_m=0.15
    )
    assert sub is None and dec.reason == rules.SEPARATION_TOO_SMALL
    # disjoint on x but centres only 11 cm apart
    sub, dec = rules.camera_direction_answer(
        (-0.05, 0.05), (2.0, 2.5), (0.06, 0.16), (2.1, 2.4), min_separation_m=0.15
    )
    assert dec.reason == rules.SEPARATION_TOO_SMALL
    # x decides, z disjoint but too close to call: neither the 4-way nor the diagonal answer is clean
    sub, dec = rules.camera_direction_answer(
        (-1.5, -1.0), (2.0, 2.05), (0.5, 1.0), (2.06, 2.1), min_separation_m=0.15
    )
    assert dec.reason == rules.AXIS_AMBIGUOUS


# --- appearance order -----------------------------------------------------------------------------


def test_appearance_order():
    times = {"sofa": 3.0, "bed": 0.0, "tv": 1.5, "lamp": 6.0}
    assert rules.appearance_order_answer(times, 1.0).answer == "bed, tv, sofa, lamp"


def test_appearance_order_refuses_half_second_gap():
    times = {"sofa": 3.0, "bed": 0.0, "tv": 0.5, "lamp": 6.0}
    assert rules.appearance_order_answer(times, 1.0).reason == rules.APPEARANCE_GAP_TOO_SMALL


def test_appearance_order_refuses_unseen():
    times = {"sofa": 3.0, "bed": 0.0, "tv": None, "lamp": 6.0}
    assert rules.appearance_order_answer(times, 1.0).reason == rules.NEVER_APPEARS


def test_appearance_order_answerable_from_shown_frames():
    times = {"bed": 0.0, "tv": 1.5, "sofa": 3.0, "lamp": 6.0}
    ok = {"bed": 0, "tv": 1, "sofa": 2, "lamp": 5}
    assert rules.appearance_order_answer(times, 1.0, ok).answer == "bed, tv, sofa, lamp"
    same = {**ok, "sofa": 1}  # tv and sofa first appear in the same shown frame
    assert rules.appearance_order_answer(times, 1.0, same).reason == rules.SAME_SHOWN_FRAME
    swapped = {**ok, "tv": 3}  # the shown frames suggest another order
    assert rules.appearance_order_answer(times, 1.0, swapped).reason == rules.SAME_SHOWN_FRAME
    unseen = {**ok, "lamp": None}  # never (clearly) in the shown frames
    assert rules.appearance_order_answer(times, 1.0, unseen).reason == rules.NEVER_APPEARS


# --- one right option -----------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [100.0, 115.0, 180.0, 255.0])
def test_allocentric_easy_refuses_the_whole_back_half(angle):
    # behind you (beyond 90 degrees) is neither plainly left nor right (the 91-115 and 255)
    q = _at(angle)
    decision = rules.allocentric_direction_answer((0, 0), (0, 2), q, _small_corners(q), "easy", **KW)
    assert decision.reason == rules.BACK_SECTOR_IN_EASY
    medium = rules.allocentric_direction_answer((0, 0), (0, 2), q, _small_corners(q), "medium", **KW)
    assert medium.ok


def test_allocentric_refuses_a_target_on_the_standpoint():
    # a monitor 0.43 m from the desk's centre stands on the desk's footprint (gap 0) or beside it
    q = _at(45.0)
    kw = {**KW, "min_footprint_gap_m": 0.3}
    for gap, expected in [
        (0.0, rules.TARGET_ON_STANDPOINT),
        (0.29, rules.TARGET_ON_STANDPOINT),
        (0.31, None),
    ]:
        decision = rules.allocentric_direction_answer(
            (0, 0), (0, 2), q, _small_corners(q), "hard", footprint_gap_m=gap, **kw
        )
        assert decision.reason == expected
    assert decision.answer == "front-left"


def test_camera_exactly_one_option_holds():
    # the lamp: 0.86 m behind the desk's end, x extents 0.078 m apart. Left and back both hold,
    # so neither four-way answer is right; the diagonal answer back-left is the one right option.
    lamp_x, lamp_z = (-0.6, -0.3), (3.5, 3.8)
    desk_x, desk_z = (-0.222, 0.8), (2.3, 2.64)
    sub, dec = rules.camera_direction_answer(
        lamp_x, lamp_z, desk_x, desk_z, min_separation_m=0.15, clear_gap_m=0.05
    )
    assert (sub, dec.answer) == ("diagonal", "back-left")
    # x extents only 3 cm apart: left nearly holds, so the four-way 'back' is refused (and no diagonal)
    near_x = (-0.552, -0.252)
    sub, dec = rules.camera_direction_answer(
        near_x, lamp_z, desk_x, desk_z, min_separation_m=0.15, clear_gap_m=0.05
    )
    assert dec.reason == rules.AXIS_AMBIGUOUS
    # clearly overlapping in x (by 0.3 m): back is the only direction that holds
    sub, dec = rules.camera_direction_answer(
        (-0.4, 0.0), lamp_z, desk_x, desk_z, min_separation_m=0.15, clear_gap_m=0.05
    )
    assert (sub, dec.answer) == ("camera", "back")
