"""Rendered depth and instance masks against hand-computed ray / room intersections.

For a grid of pixels of each tested frame, the ray (from the pose file, axisAlignment and intrinsics
files) is intersected analytically with the room's floor plane (z = 0, inside the floor polygon) and
its walls (vertical planes over the polygon's edges, 0 <= z <= wall height). Pixels whose ray could
touch any object first (slab test against every true object box, padded 1 cm) are left out; for the
rest the depth PNG must equal the z-depth of that hit in millimetres, and the colour instance mask must
name that wall or the floor.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ladderdata.sample.generate import MAX_DEPTH, read_truth


def _matrix(path) -> np.ndarray:
    return np.array([[float(v) for v in line.split()] for line in path.read_text().splitlines()])


def _align(sample_root, scan_id) -> np.ndarray:
    for line in (sample_root / "scans" / scan_id / f"{scan_id}.txt").read_text().splitlines():
        if line.startswith("axisAlignment"):
            return np.array([float(v) for v in line.split("=", 1)[1].split()]).reshape(4, 4)
    raise AssertionError("no axisAlignment")


def shell_hits(origin: np.ndarray, dirs: np.ndarray, floor: np.ndarray, height: float):
    """(t, surface) of the first floor/wall hit per ray; surface = -1 floor, k = wall k, -2 none."""
    from matplotlib.path import Path as MplPath

    n = len(dirs)
    best_t = np.full(n, np.inf)
    surface = np.full(n, -2)
    # floor plane z = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -origin[2] / dirs[:, 2]
    hit = origin[None, :] + t[:, None] * dirs
    inside = MplPath(floor).contains_points(hit[:, :2])
    ok = (t > 0) & inside
    best_t[ok], surface[ok] = t[ok], -1
    # walls: p + s (q - p), z in [0, H]
    for k in range(len(floor)):
        p, q = floor[k], floor[(k + 1) % len(floor)]
        e = q - p
        # solve origin_xy + t d_xy = p + s e
        a = np.stack([dirs[:, 0], dirs[:, 1]], axis=1)
        det = a[:, 0] * (-e[1]) - a[:, 1] * (-e[0])
        rhs = p - origin[:2]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (rhs[0] * (-e[1]) - rhs[1] * (-e[0])) / det
            s = (a[:, 0] * rhs[1] - a[:, 1] * rhs[0]) / det
        z = origin[2] + t * dirs[:, 2]
        ok = (t > 0) & (s >= 0) & (s <= 1) & (z >= 0) & (z <= height) & (t < best_t)
        best_t[ok], surface[ok] = t[ok], k
    return best_t, surface


def blocked_by_objects(origin, dirs, t_max, boxes_lo, boxes_hi, pad=0.01) -> np.ndarray:
    """True where the ray enters any padded box before t_max."""
    lo, hi = boxes_lo - pad, boxes_hi + pad
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (lo[None] - origin[None, None]) / dirs[:, None, :]
        t2 = (hi[None] - origin[None, None]) / dirs[:, None, :]
    t_near = np.nanmax(np.minimum(t1, t2), axis=2)
    t_far = np.nanmin(np.maximum(t1, t2), axis=2)
    return np.any((t_near <= t_far) & (t_far > 0) & (t_near < t_max[:, None]), axis=1)


def _frame_rays(k: np.ndarray, us: np.ndarray, vs: np.ndarray, pose: np.ndarray):
    cam = np.stack([(us - k[0, 2]) / k[0, 0], (vs - k[1, 2]) / k[1, 1], np.ones_like(us)], axis=1)
    return pose[:3, 3], cam @ pose[:3, :3].T


@pytest.mark.parametrize("which", [0, 1])
def test_depth_and_masks_match_hand_computed_room_hits(sample_root, sample_scan_ids, which):
    scan_id = sample_scan_ids[which]
    truth = read_truth(sample_root, scan_id)
    export = sample_root / "export" / scan_id
    align = _align(sample_root, scan_id)
    k_depth = _matrix(export / "intrinsic" / "intrinsic_depth.txt")
    k_color = _matrix(export / "intrinsic" / "intrinsic_color.txt")
    floor = np.array(truth["floor_polygon"])
    objs = [o for o in truth["objects"] if o["kind"] == "object"]
    lo, hi = np.array([o["min"] for o in objs]), np.array([o["max"] for o in objs])
    walls = [o for o in truth["objects"] if o["kind"] == "wall"]
    floor_id = next(o["instance_id"] for o in truth["objects"] if o["kind"] == "floor")
    agg = json.loads((sample_root / "scans" / scan_id / f"{scan_id}.aggregation.json").read_text())
    assert [g["label"] for g in agg["segGroups"]].count("wall") == len(floor)

    checked_depth = checked_mask = floor_px = wall_px = far_px = 0
    for i in truth["frame_indices"][::6]:
        pose_mesh = _matrix(export / "pose" / f"{i}.txt")
        if not np.all(np.isfinite(pose_mesh)):
            continue
        pose = align @ pose_mesh
        # depth: every 16th pixel, plus the image centre
        vs, us = np.mgrid[0:480:16, 0:640:16]
        us = np.append(us.reshape(-1), 320).astype(np.float64)
        vs = np.append(vs.reshape(-1), 240).astype(np.float64)
        origin, dirs = _frame_rays(k_depth, us, vs, pose)
        t, surface = shell_hits(origin, dirs, floor, truth["wall_height"])
        free = (surface != -2) & ~blocked_by_objects(origin, dirs, t, lo, hi)
        free &= np.abs(t - MAX_DEPTH) > 0.01  # too close to the range limit to call
        depth = cv2.imread(str(export / "depth" / f"{i}.png"), cv2.IMREAD_UNCHANGED)
        got = depth[vs[free].astype(int), us[free].astype(int)].astype(np.int64)
        expected = np.where(t[free] <= MAX_DEPTH, np.rint(t[free] * 1000), 0).astype(np.int64)
        np.testing.assert_allclose(got, expected, atol=2, err_msg=f"{scan_id} frame {i}")
        checked_depth += int(free.sum())
        floor_px += int(np.sum(surface[free] == -1))
        wall_px += int(np.sum(surface[free] >= 0))
        far_px += int(np.sum(expected == 0))

        # colour instance mask: every 24th colour pixel
        vs, us = np.mgrid[0:968:24, 0:1296:24]
        us, vs = us.reshape(-1).astype(np.float64), vs.reshape(-1).astype(np.float64)
        origin, dirs = _frame_rays(k_color, us, vs, pose)
        t, surface = shell_hits(origin, dirs, floor, truth["wall_height"])
        free = (surface != -2) & ~blocked_by_objects(origin, dirs, t, lo, hi)
        # keep away from wall seams: a neighbouring wall/floor 1 cm further along the ray is ambiguous
        mask = cv2.imread(
            str(sample_root / "truth" / scan_id / "instance" / f"{i}.png"), cv2.IMREAD_UNCHANGED
        )
        want = (
            np.where(surface == -1, floor_id, np.array([w["instance_id"] for w in walls] + [0])[surface]) + 1
        )
        got_mask = mask[vs.astype(int), us.astype(int)]
        agree = got_mask[free] == want[free]
        assert agree.mean() > 0.995, (
            f"{scan_id} frame {i}: {np.sum(~agree)} of {agree.size} mask pixels differ"
        )
        checked_mask += int(free.sum())

    # the checks are not vacuous: thousands of pixels, floor and walls both covered
    assert checked_depth > 2000 and checked_mask > 5000
    assert floor_px > 500 and wall_px > 500


def test_centre_pixel_depth_to_the_floor_by_hand(sample_root, sample_scan_ids):
    """One pixel written out in full: the camera's centre ray meets the floor plane z = 0."""
    scan_id = sample_scan_ids[1]
    truth = read_truth(sample_root, scan_id)
    export = sample_root / "export" / scan_id
    align = _align(sample_root, scan_id)
    k = _matrix(export / "intrinsic" / "intrinsic_depth.txt")
    objs = [o for o in truth["objects"] if o["kind"] == "object"]
    lo, hi = np.array([o["min"] for o in objs]), np.array([o["max"] for o in objs])
    found = 0
    for i in truth["frame_indices"]:
        pose_mesh = _matrix(export / "pose" / f"{i}.txt")
        if not np.all(np.isfinite(pose_mesh)):
            continue
        pose = align @ pose_mesh
        u, v = 320, 240
        d = pose[:3, :3] @ np.array([(u - k[0, 2]) / k[0, 0], (v - k[1, 2]) / k[1, 1], 1.0])
        c = pose[:3, 3]
        if d[2] >= 0:
            continue
        t = -c[2] / d[2]  # c_z + t d_z = 0; camera-frame z of d is 1, so t is the depth in metres
        p = c + t * d
        from shapely.geometry import Point, Polygon

        room = Polygon(truth["floor_polygon"])
        if not room.buffer(-0.05).contains(Point(p[0], p[1])) or t > MAX_DEPTH:
            continue
        if blocked_by_objects(c, d[None], np.array([t]), lo, hi)[0]:
            continue
        depth = cv2.imread(str(export / "depth" / f"{i}.png"), cv2.IMREAD_UNCHANGED)
        assert abs(int(depth[v, u]) - t * 1000) <= 1.0, (i, depth[v, u], t)
        found += 1
    assert found >= 3
