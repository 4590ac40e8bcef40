"""ScanNetSource on a hand-written ScanNet-layout scan (tests/fixtures/scenes.py): every value below
is computed by hand from the fixture's boxes, poses and intrinsics, never by the code under test."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from ladderdata.records import SceneRecord
from ladderdata.sources import SOURCES, SampleSource, ScanNetSource
from tests.fixtures.scenes import K_COLOR, pose_from, write_hand_scan


@pytest.fixture(scope="module")
def scene(hand_scan_template) -> SceneRecord:
    return ScanNetSource(hand_scan_template.root).load(hand_scan_template.scan_id)


def vis_of(scene: SceneRecord, frame_index: int, label: str):
    frame = next(f for f in scene.frames if f.frame_index == frame_index)
    obj = next(o for o in scene.objects if o.label == label)
    return frame.visibility_of(obj.instance_id)


def test_registry():
    assert SOURCES["scannet"] is ScanNetSource
    assert SOURCES["sample"] is SampleSource


def test_recovers_boxes_in_aligned_frame(scene, hand_scan_template):
    by_label = {o.label: o for o in scene.objects}
    assert sorted(by_label) == ["box", "cabinet", "floor", "table"]  # the clutter segment is no object
    for box in hand_scan_template.boxes:
        got = by_label[box.label]
        # the mesh stores float32 mesh-frame coordinates: agreement to ~1e-6 m after alignment
        np.testing.assert_allclose(got.box.min, box.lo, atol=1e-5)
        np.testing.assert_allclose(got.box.max, box.hi, atol=1e-5)
        assert got.box.yaw == 0.0
        assert got.point_count == 150  # 6 faces x 5 x 5 grid vertices
        assert got.instance_id == box.object_id and got.raw_label == box.label
    np.testing.assert_allclose(by_label["cabinet"].box.size, [1.0, 0.5, 1.0], atol=1e-5)
    np.testing.assert_allclose(by_label["floor"].box.max, [4.0, 4.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(scene.axis_alignment, hand_scan_template.align, atol=1e-12)


def test_aligned_poses_and_frame_selection(scene, hand_scan_template):
    # files exist for 0, 5, 10, 15, 20, 30; stride 10 selects 0, 10, 20, 30; pose 10 is all -inf
    assert [f.frame_index for f in scene.frames] == [0, 20, 30]
    for frame in scene.frames:
        np.testing.assert_allclose(frame.pose_array(), hand_scan_template.poses[frame.frame_index], atol=1e-9)
        assert frame.timestamp == pytest.approx(frame.frame_index / 30.0)
        np.testing.assert_array_equal(frame.intrinsics_array(), K_COLOR)  # export file, not the .txt
        assert (frame.width, frame.height) == (1296, 968)
        assert frame.color_path == f"export/scene0001_00/color/{frame.frame_index}.jpg"
    assert scene.stats["frames_total"] == 6
    assert scene.stats["frames_selected"] == 4
    assert scene.stats["frames_kept"] == 3
    assert scene.stats["frames_skipped_pose_non_finite"] == 1


def test_2d_box_of_fully_visible_cabinet(scene):
    # frame 0: camera (2, -3, 1) facing +y, f = 1000, c = (648, 484). Only the cabinet's front face
    # (y = 1, depth 4 m) faces the camera: x in [1.5, 2.5] -> u = 648 +- 1000 * 0.5 / 4 = 523 .. 773,
    # z in [0.5, 1.5] -> v = 484 -+ 125 = 359 .. 609; box = [523, 359, 773 + 1, 609 + 1].
    vis = vis_of(scene, 0, "cabinet")
    assert vis.bbox_2d == [523, 359, 774, 610]
    assert not vis.truncated
    # visible vertices: the front face's 25 plus the 5 front-edge vertices of each of the 4 adjacent
    # faces; the next grid row (0.125 m deeper) is more than 0.1 m behind the front face: 45 / 150
    assert (vis.visible_points, vis.in_frustum_points) == (45, 150)
    assert vis.visibility == pytest.approx(0.3)
    assert vis.area_frac == pytest.approx(251 * 251 / (1296 * 968))


def test_box_hidden_behind_cabinet(scene):
    # the box ([1.8, 2.2] x [2.5, 2.9] x [0.8, 1.2]) projects inside the cabinet's front face in frame 0
    vis = vis_of(scene, 0, "box")
    assert vis.in_frustum_points == 150
    assert vis.visible_points == 0 and vis.visibility == 0.0 and vis.bbox_2d is None


def test_truncated_cabinet(scene):
    # frame 30: camera at (-0.5, -3, 1) facing +y. Front face (depth 4): x_c = X + 0.5 in [2, 3] ->
    # u = 648 + 250 * x_c: columns X = 1.5, 1.75, 2.0 give 1148, 1210.5, 1273; X = 2.25 gives 1335.5,
    # outside the 1296-pixel image -> truncated, rightmost visible pixel 1273. The left side face
    # (x = 1.5) faces the camera; its far edge (depth 4.5) gives u = 648 + 2000 / 4.5 = 1092.4 -> 1092.
    vis = vis_of(scene, 30, "cabinet")
    assert vis.truncated
    assert vis.bbox_2d == [1092, 359, 1274, 610]


def test_visibility_lists_only_objects_in_frustum(hand_scan):
    # a camera 5 m below the floor looking down (camera z = world -z) has every object behind it
    poses = {0: pose_from(np.diag([1.0, -1.0, -1.0]), (2.0, 1.0, -5.0))}
    root = hand_scan.root.parent / "down"
    write_hand_scan(root, poses=poses)
    scene = ScanNetSource(root).load("scene0001_00")
    assert scene.frames[0].visibility == []


def test_room_area_of_l_shaped_floor(scene):
    # L = [0, 4] x [0, 2] u [0, 2] x [2, 4] = 12 m^2; the alpha shape rounds the reflex corner slightly
    assert scene.room.area_m2 == pytest.approx(12.0, abs=0.05)
    assert round(scene.room.area_m2, 1) == 12.0
    assert scene.stats["room_from_floor_label"] == 1


def test_room_from_lowest_band_without_floor_label(hand_scan_template):
    src = ScanNetSource(hand_scan_template.root, floor_labels=("carpet",))
    scene = src.load(hand_scan_template.scan_id)
    assert scene.stats["room_from_lowest_band"] == 1
    # band = floor + the table's and clutter's bottom faces (inside the L): still the L's 12 m^2
    assert scene.room.area_m2 == pytest.approx(12.0, abs=0.05)


def test_distance_between_recovered_boxes(scene):
    from ladderdata.geometry.distances import box_distance

    by_label = {o.label: o for o in scene.objects}
    # cabinet x from 1.5, table x to 1.1 (gap 0.4); cabinet y from 1.0, table y to 0.8 (gap 0.2)
    assert box_distance(by_label["cabinet"].box, by_label["table"].box) == pytest.approx(
        math.sqrt(0.2), abs=1e-5
    )


def test_points_sample_bounded_seeded_and_on_surface(hand_scan_template):
    a = ScanNetSource(hand_scan_template.root, max_points_per_object=20, seed=1).load("scene0001_00")
    b = ScanNetSource(hand_scan_template.root, max_points_per_object=20, seed=1).load("scene0001_00")
    c = ScanNetSource(hand_scan_template.root, max_points_per_object=20, seed=2).load("scene0001_00")
    assert a.model_dump_json() == b.model_dump_json()
    cab = next(o for o in a.objects if o.label == "cabinet")
    pts = cab.points_array()
    assert pts.shape == (20, 3) and cab.point_count == 150
    assert np.all(pts >= np.array([1.5, 1.0, 0.5]) - 1e-5) and np.all(pts <= np.array([2.5, 1.5, 1.5]) + 1e-5)
    cab_c = next(o for o in c.objects if o.label == "cabinet")
    assert cab_c.points != cab.points and cab_c.box == cab.box  # seed moves samples, never boxes


def test_record_round_trips_through_json(scene):
    again = SceneRecord.model_validate_json(scene.model_dump_json())
    assert again == scene


def test_aggregation_variants_and_identity_alignment(tmp_path):
    hs = write_hand_scan(
        tmp_path,
        align=None,
        aggregation_name="scene0001_00_vh_clean.aggregation.json",
        app_id="Aggregator.v1",
    )
    # no axisAlignment: read as is only when the source allows it (else skipped: test_scannet_errors)
    scene = ScanNetSource(tmp_path, allow_unaligned=True).load(hs.scan_id)
    np.testing.assert_array_equal(scene.axis_alignment, np.eye(4))
    cab = next(o for o in scene.objects if o.label == "cabinet")
    np.testing.assert_allclose(cab.box.min, [1.5, 1.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(scene.frames[0].pose_array(), hs.poses[0], atol=1e-9)


def test_in_place_and_separate_export_roots(hand_scan, tmp_path):
    # in-place: the SensReader output sits inside scans/<scan>/
    for sub in ("color", "depth", "pose", "intrinsic"):
        shutil.move(hand_scan.export_dir / sub, hand_scan.scan_dir / sub)
    scene = ScanNetSource(hand_scan.root).load(hand_scan.scan_id)
    assert [f.frame_index for f in scene.frames] == [0, 20, 30]
    assert scene.frames[0].color_path == "scans/scene0001_00/color/0.jpg"
    # separate export root outside the source root: absolute colour paths
    ext = tmp_path / "elsewhere" / hand_scan.scan_id
    for sub in ("color", "depth", "pose", "intrinsic"):
        shutil.move(hand_scan.scan_dir / sub, ext / sub)
    scene = ScanNetSource(hand_scan.root, export_root=tmp_path / "elsewhere").load(hand_scan.scan_id)
    assert scene.frames[0].color_path == str((ext / "color" / "0.jpg").resolve())


def test_frame_stride(hand_scan_template):
    scene = ScanNetSource(hand_scan_template.root, frame_stride=5).load("scene0001_00")
    assert [f.frame_index for f in scene.frames] == [0, 5, 15, 20, 30]


def test_oriented_boxes_of_axis_aligned_objects(scene):
    # records carry both boxes; for an axis-aligned cabinet they agree (yaw 0, 1 x 0.5 x 1 m)
    cab = next(o for o in scene.objects if o.label == "cabinet")
    assert cab.obox is not None and cab.shape is cab.obox
    assert cab.obox.yaw == pytest.approx(0.0, abs=1e-4)
    np.testing.assert_allclose(cab.obox.size, [1.0, 0.5, 1.0], atol=1e-4)
    np.testing.assert_allclose(cab.box.size, [1.0, 0.5, 1.0], atol=1e-5)


def test_point_set_distances_between_mesh_vertices(scene):
    # table [0.3, 1.1] x [0.2, 0.8] x [0, 0.72], cabinet [1.5, 2.5] x [1, 1.5] x [0.5, 1.5], each face a
    # 5 x 5 vertex grid. The nearest vertices are the facing corners (1.1, 0.8) and (1.5, 1.0) at heights
    # 0.72 (table grid 0, 0.18, ..., 0.72) and 0.75 (cabinet 0.5, 0.75, ...): sqrt(0.4^2 + 0.2^2 + 0.03^2),
    # not the box gap sqrt(0.2). The floor (structure) gets no distances.
    d = {(a, b): v for a, b, v in scene.object_distances}
    assert d[(1, 2)] == pytest.approx(math.sqrt(0.16 + 0.04 + 0.0009), abs=1e-5)
    assert sorted(d) == [(1, 2), (1, 3), (2, 3)]
    # cabinet top face z = 1.5 vs box bottom z = 0.8 overlap in z; y: cabinet 1.5 -> box 2.5 (1.0 m),
    # x ranges overlap and both grids hold x = 2.0: exactly 1.0 m
    assert d[(1, 3)] == pytest.approx(1.0, abs=1e-5)


def test_visible_pixel_share_of_the_cabinet(scene):
    # frame 0 sees only the cabinet's front face (1 m x 1 m at depth 4 m, f = 1000) facing it: a
    # 250 x 250 pixel square. Its 25 vertices carry the face's whole area; the side faces' edge
    # vertices are visible but face sideways (no pixels).
    vis = vis_of(scene, 0, "cabinet")
    assert vis.pixel_frac == pytest.approx(250 * 250 / (1296 * 968), rel=1e-6)
    assert vis_of(scene, 0, "box").pixel_frac == 0.0  # hidden behind the cabinet


def test_iter_scenes_and_scan_listing(hand_scan):
    write_hand_scan(hand_scan.root, "scene0002_00")
    src = ScanNetSource(hand_scan.root, on_error="skip")
    assert src.scan_ids() == ["scene0001_00", "scene0002_00"]
    assert [s.scan_id for s in src.iter_scenes()] == ["scene0001_00", "scene0002_00"]
    assert src.skipped == {}
    only = ScanNetSource(hand_scan.root, scan_ids=["scene0002_00"])
    assert [s.scan_id for s in only.iter_scenes()] == ["scene0002_00"]


def test_video_is_the_exported_colour_stream(scene):
    assert scene.video.path is None
    assert scene.video.frame_indices == [0, 5, 10, 15, 20, 30]
    assert scene.video.fps == 30.0


def test_tiny_scene_fixture(tiny_scene):
    # the shared hand-made record other teams use: chair seen from (1.5, -2, 1.2) facing +y has its
    # near-left-bottom corner at camera (-1, 1.2, 2.5) -> (648 - 400, 484 + 480) = pixel (248, 964)
    assert SceneRecord.model_validate_json(tiny_scene.model_dump_json()) == tiny_scene
    chair = tiny_scene.frames[0].visibility_of(1)
    assert chair.bbox_2d[0] == 248 and chair.bbox_2d[3] == 965 and not chair.truncated
    assert tiny_scene.frames[1].visibility_of(1) is None  # out of view from (3, -1, 1.2)
