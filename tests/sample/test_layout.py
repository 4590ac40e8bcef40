"""Procedural rooms, meshes and camera paths: checked against geometry computed here, not by the code."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from ladderdata.sample.mesh import build_mesh
from ladderdata.sample.room import ROOM_TYPES, build_room
from ladderdata.sample.trajectory import camera_trajectory, invalid_pose_frames, look_rotation


def _rooms():
    return [build_room(i, random.Random(f"test-room-{i}")) for i in range(len(ROOM_TYPES))]


ROOMS = _rooms()


def _oriented_rect(obj) -> Polygon:
    """Footprint recomputed from the corners (not from PlacedObject.footprint)."""
    c = obj.corners()[:, :2]
    from shapely.geometry import MultiPoint

    return MultiPoint([tuple(p) for p in c]).convex_hull


@pytest.mark.parametrize("room", ROOMS, ids=[r.scene_type for r in ROOMS])
def test_objects_do_not_intersect_and_stay_in_the_room(room):
    floor = Polygon(room.floor)
    for obj in room.objects:
        hull = _oriented_rect(obj)
        assert floor.buffer(1e-6).contains(hull), obj.label
        z = obj.corners()[:, 2]
        assert z.min() >= -1e-9 and z.max() <= room.wall_height
    for i, a in enumerate(room.objects):
        for j, b in enumerate(room.objects[:i]):
            if a.support == j or b.support == i:
                continue  # standing on it
            za, zb = a.corners()[:, 2], b.corners()[:, 2]
            if za.max() <= zb.min() + 1e-9 or zb.max() <= za.min() + 1e-9:
                continue
            overlap = _oriented_rect(a).intersection(_oriented_rect(b)).area
            assert overlap < 1e-9, f"{a.label} intersects {b.label}"


@pytest.mark.parametrize("room", ROOMS, ids=[r.scene_type for r in ROOMS])
def test_supported_objects_rest_on_their_support(room):
    for obj in room.objects:
        if obj.support is None:
            assert obj.corners()[:, 2].min() == pytest.approx(0.0, abs=1e-9) or obj.label in {
                "window",
                "picture",
                "tv",
                "mirror",
                "whiteboard",
                "towel",
            }
            continue
        support = room.objects[obj.support]
        base = obj.corners()[:, 2].min()
        # some part of the support has its top face at the object's base, under the object's centre
        carrying = []
        for part in support.furniture.parts:
            lo, hi = part.bounds()
            corners = np.array([(x, y, hi[2]) for x in (lo[0], hi[0]) for y in (lo[1], hi[1])])
            world = support.local_to_world(corners)
            top = Polygon(world[[0, 1, 3, 2], :2])
            if abs(world[0, 2] - base) < 1e-9 and top.contains(Point(obj.x, obj.y)):
                carrying.append(part)
        assert carrying, f"{obj.label} floats above {support.label}"


def test_rooms_are_furnished_like_indoor_scans():
    labels = [[o.label for o in r.objects] for r in ROOMS]
    for room, names in zip(ROOMS, labels, strict=True):
        assert len(set(names)) >= 9, (room.scene_type, sorted(set(names)))
    everything = {n for names in labels for n in names}
    for expected in ("chair", "table", "sofa", "bed", "cabinet", "desk", "bookshelf", "tv", "lamp"):
        assert expected in everything
    for expected in ("refrigerator", "toilet", "sink", "trash can", "monitor", "plant"):
        assert expected in everything
    # repeated categories (counting questions need them)
    assert any(names.count("chair") >= 3 for names in labels)
    # some floors are L-shaped (6 corners), some rectangles
    corners = {len(r.floor) for r in ROOMS}
    assert corners == {4, 6}


def test_l_shaped_floor_area_is_the_rectangle_minus_the_notch():
    room = ROOMS[0]
    xy = np.array(room.floor)
    assert len(xy) == 6
    w, d = np.ptp(xy[:, 0]), np.ptp(xy[:, 1])
    # the notch: the bounding box corner outside the polygon
    poly = Polygon(room.floor)
    assert poly.area < w * d - 1.2 * 1.2 + 1e-9
    # shoelace by hand
    x, y = xy[:, 0], xy[:, 1]
    shoelace = 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    assert shoelace == pytest.approx(poly.area)
    assert shoelace > 0  # counter-clockwise


def test_look_rotation_follows_opencv_axes():
    # heading +x, level: forward = +x, right = -y, down = -z
    r = look_rotation(0.0, 0.0, 0.0)
    np.testing.assert_allclose(r[:, 2], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(r[:, 0], [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(r[:, 1], [0, 0, -1], atol=1e-12)
    # heading +y, 30 degrees down
    r = look_rotation(math.pi / 2, -math.radians(30), 0.0)
    np.testing.assert_allclose(r[:, 2], [0, math.cos(math.radians(30)), -0.5], atol=1e-12)
    np.testing.assert_allclose(r.T @ r, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)


@pytest.mark.parametrize("room", ROOMS[:3], ids=[r.scene_type for r in ROOMS[:3]])
def test_camera_walks_inside_the_room_smoothly_and_never_inside_furniture(room):
    frames = np.arange(150) * 10
    poses = camera_trajectory(room.camera_loop, frames, random.Random(5))
    floor = Polygon(room.floor)
    pos = poses[:, :3, 3]
    for p in pos:
        assert floor.contains(Point(p[0], p[1]))
        assert floor.exterior.distance(Point(p[0], p[1])) > 0.9  # 1.1 m loop, 4 cm sway
        for obj in room.objects:
            lo, hi = obj.corners().min(axis=0), obj.corners().max(axis=0)
            inside = np.all(p > lo - 0.05) and np.all(p < hi + 0.05)
            assert not inside, obj.label
    assert pos[:, 2].min() > 1.25 and pos[:, 2].max() < 1.65
    # handheld: at most ~0.3 m and ~15 degrees between exported frames (1/3 s apart)
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert step.max() < 0.3
    fwd = poses[:, :3, 2]
    angle = np.degrees(np.arccos(np.clip(np.sum(fwd[1:] * fwd[:-1], axis=1), -1, 1)))
    assert angle.max() < 15
    # looking down at the furniture
    assert np.all(fwd[:, 2] < 0)
    # the walk goes around: the camera's heading spans every direction
    heading = np.degrees(np.arctan2(fwd[:, 1], fwd[:, 0]))
    assert np.histogram(heading, bins=8, range=(-180, 180))[0].min() > 0


def test_lost_tracking_frames_are_a_short_burst():
    bad = invalid_pose_frames(150, random.Random(3))
    assert len(bad) == 3 and bad == list(range(bad[0], bad[0] + 3)) and bad[0] > 0
    assert invalid_pose_frames(9, random.Random(3)) == []


def test_mesh_is_dense_and_segments_follow_scannet_conventions():
    room = ROOMS[1]
    mesh = build_mesh(room, np.random.default_rng(0))
    v, f = mesh.vertices, mesh.faces
    edges = np.concatenate([v[f[:, 0]] - v[f[:, 1]], v[f[:, 1]] - v[f[:, 2]], v[f[:, 2]] - v[f[:, 0]]])
    assert np.linalg.norm(edges, axis=1).max() <= 0.05 * math.sqrt(2) + 1e-9
    # a segment id is the smallest vertex index carrying it
    for seg in np.unique(mesh.segments)[:200]:
        assert seg == np.flatnonzero(mesh.segments == seg).min()
    # every object has several segments; segments never straddle instances
    for inst, segs in zip(mesh.instances, mesh.instance_segments, strict=True):
        assert len(segs) >= 3, inst.label
    seg_owner: dict[int, int] = {}
    for inst, segs in zip(mesh.instances, mesh.instance_segments, strict=True):
        for s in segs:
            assert seg_owner.setdefault(s, inst.id) == inst.id
    assert set(seg_owner) == set(np.unique(mesh.segments).tolist())
    # instance vertices cover the object's true box exactly (corners are vertices)
    for inst in mesh.instances:
        if inst.kind != "object":
            continue
        pts = v[mesh.vertex_instance == inst.id]
        obj = room.objects[inst.object_index]
        corners = obj.corners()
        np.testing.assert_allclose(pts.min(axis=0), corners.min(axis=0), atol=1e-9)
        np.testing.assert_allclose(pts.max(axis=0), corners.max(axis=0), atol=1e-9)
    # the floor mesh covers the floor polygon's area
    floor = mesh.instances[-1]
    assert floor.label == "floor"
    tri = v[f[mesh.face_instance == floor.id]]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1).sum()
    # ... except under furniture parts standing on it (as reconstructions, the floor is not seen there):
    # whole 5 cm grid cells under a part are left out, so the loss lies between the footprints shrunk
    # by a cell diagonal and the footprints themselves
    feet = []
    for obj in room.objects:
        if obj.z == 0.0 and obj.support is None:
            for part in obj.furniture.parts:
                lo, hi = part.bounds()
                if lo[2] == 0.0:
                    rect = [[lo[0], lo[1], 0], [hi[0], lo[1], 0], [hi[0], hi[1], 0], [lo[0], hi[1], 0]]
                    feet.append(Polygon(obj.local_to_world(np.array(rect))[:, :2]))
    under = unary_union(feet)
    lost = Polygon(room.floor).area - area
    assert under.area > 1.0  # beds, sofas, cabinets: square metres of floor never seen
    assert under.buffer(-0.05 * math.sqrt(2)).area - 1e-9 <= lost <= under.area + 1e-9
