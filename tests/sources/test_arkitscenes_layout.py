"""The ARKitScenes layout of a sample room reads back as the ScanNet layout of the same room.

`arkitscenes_root` and `sample_root` hold the same two rooms (same seed and frames); the ARKitScenes
adapter and the ScanNet adapter must agree on the objects, the room, the camera poses and per-frame
visibility within what the formats allow (256x192 frames instead of 1296x968; an ARKitScenes object's
points are the mesh vertices inside its box, so they can include a neighbour's tucked-in part).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ladderdata.sources import ARKitScenesSource, ScanNetSource

pytestmark = pytest.mark.slow  # renders the test sample's rooms in a second layout (minutes, once)

PAIRS = [("90000000", "scene9000_00"), ("90000001", "scene9001_00")]


@pytest.fixture(scope="module")
def pairs(arkitscenes_root: Path, sample_root: Path):
    ark, scannet = ARKitScenesSource(arkitscenes_root), ScanNetSource(sample_root)
    return {vid: (ark.load(vid), scannet.load(sid)) for vid, sid in PAIRS}


def _align(scene) -> np.ndarray:
    return np.asarray(scene.axis_alignment)


@pytest.mark.parametrize("video", [v for v, _ in PAIRS])
def test_same_objects_labels_sizes_and_places(pairs, arkitscenes_root: Path, video: str) -> None:
    ark, scannet = pairs[video]
    truth = json.loads((arkitscenes_root / "truth" / video / "objects.json").read_text())
    to_aligned = np.asarray(truth["axis_alignment"])
    furniture = {o["instance_id"]: o for o in truth["objects"] if o["kind"] == "object"}
    assert {o.instance_id for o in ark.objects} == set(furniture)
    twins = {o.instance_id: o for o in scannet.objects}
    for obj in ark.objects:
        twin = twins[obj.instance_id]
        assert obj.label == twin.label == furniture[obj.instance_id]["label"]
        centre = to_aligned[:3, :3] @ np.asarray(obj.shape.center) + to_aligned[:3, 3]
        np.testing.assert_allclose(centre, twin.shape.center, atol=0.01)
        assert abs(obj.shape.longest_side - twin.shape.longest_side) <= 0.02
        assert abs(obj.shape.longest_side - max(furniture[obj.instance_id]["size"])) <= 0.02


@pytest.mark.parametrize("video", [v for v, _ in PAIRS])
def test_same_room_and_distances(pairs, arkitscenes_root: Path, video: str) -> None:
    ark, scannet = pairs[video]
    truth = json.loads((arkitscenes_root / "truth" / video / "objects.json").read_text())
    # no floor or wall labels in ARKitScenes: the floor is the mesh's lowest band plus standing objects
    assert ark.stats["room_from_lowest_band"] == 1
    assert ark.room.area_m2 == pytest.approx(truth["floor_area_m2"], rel=0.01)
    assert ark.room.area_m2 == pytest.approx(scannet.room.area_m2, rel=0.01)
    theirs = {(a, b): d for a, b, d in scannet.object_distances}
    diffs = np.array([abs(d - theirs[(a, b)]) for a, b, d in ark.object_distances])
    assert len(diffs) == len(ark.objects) * (len(ark.objects) - 1) // 2
    assert np.median(diffs) < 0.001
    assert np.percentile(diffs, 90) < 0.06  # a tucked-in chair's seat lies inside the table's box
    assert diffs.max() < 0.12


@pytest.mark.parametrize("video", [v for v, _ in PAIRS])
def test_upright_poses_equal_the_scannet_poses(pairs, arkitscenes_root: Path, video: str) -> None:
    ark, scannet = pairs[video]
    truth = json.loads((arkitscenes_root / "truth" / video / "objects.json").read_text())
    to_aligned = np.asarray(truth["axis_alignment"])
    theirs = {f.frame_index: f for f in scannet.frames}
    # position k of the ARKitScenes frames is exported frame 10k of the ScanNet layout
    assert {10 * f.frame_index for f in ark.frames} == set(theirs)
    for frame in ark.frames:
        np.testing.assert_allclose(
            to_aligned @ np.asarray(frame.pose), theirs[10 * frame.frame_index].pose, atol=1e-5
        )
        down = np.asarray(frame.pose)[:3, 1]  # the camera's y axis points down the upright image
        assert down[2] < -0.8
    assert ark.stats["frames_skipped_missing_pose"] == scannet.stats["frames_skipped_pose_non_finite"]


def test_the_rotated_scan_is_upright_portrait(pairs, arkitscenes_root: Path) -> None:
    ark, _ = pairs["90000001"]
    assert ark.stats["sky_direction_left"] == 1
    frames = json.loads((arkitscenes_root / "truth" / "90000001" / "frames.json").read_text())
    assert frames["sky_direction"] == "Left"
    for frame in ark.frames:
        assert (frame.width, frame.height) == (192, 256)
        np.testing.assert_allclose(frame.intrinsics, frames["upright_intrinsics"], atol=1e-6)
    # the stored PNG is landscape; color_image() gives the upright pixels the record describes
    source = ARKitScenesSource(arkitscenes_root)
    frame = ark.frames[5]
    pixels = source.color_image("90000001", frame)
    assert pixels.shape == (256, 192, 3)
    stored = np.asarray(Image.open(source.root / frame.color_path))
    assert stored.shape == (192, 256, 3)
    assert np.array_equal(np.rot90(stored, k=-1), pixels)


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix
    return ix / union if union > 0 else 0.0


def test_same_per_frame_visibility_and_boxes(pairs) -> None:
    ark, scannet = pairs["90000000"]  # sky Up: same field of view as the ScanNet colour camera
    theirs = {f.frame_index: f for f in scannet.frames}
    scale = np.array([1296 / 256, 968 / 192, 1296 / 256, 968 / 192])
    ratio_diffs, ious, missed = [], [], []
    for frame in ark.frames:
        twin = {v.instance_id: v for v in theirs[10 * frame.frame_index].visibility}
        mine = {v.instance_id: v for v in frame.visibility}
        for iid, v in twin.items():
            if v.visibility >= 0.5 and v.area_frac >= 0.01 and not v.truncated:
                if iid not in mine or mine[iid].bbox_2d is None:
                    missed.append((frame.frame_index, iid))
        for iid, v in mine.items():
            w = twin.get(iid)
            if w is None or v.in_frustum_points < 30 or w.in_frustum_points < 30:
                continue
            ratio_diffs.append(abs(v.visibility - w.visibility))
            if v.bbox_2d and w.bbox_2d and w.area_frac >= 0.01:
                ious.append(_iou(np.asarray(v.bbox_2d) * scale, w.bbox_2d))
    assert missed == []
    assert len(ratio_diffs) > 200 and len(ious) > 200
    assert np.median(ratio_diffs) < 0.03 and np.percentile(ratio_diffs, 90) < 0.12
    assert np.median(ious) > 0.9 and np.percentile(ious, 10) > 0.6


def test_rotated_scan_boxes_agree_with_the_truth_masks(pairs, arkitscenes_root: Path) -> None:
    ark, _ = pairs["90000001"]
    truth = arkitscenes_root / "truth" / "90000001" / "instance"
    ious = []
    for frame in ark.frames[::3]:
        mask = cv2.imread(str(truth / f"{frame.frame_index}.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (frame.height, frame.width)
        for v in frame.visibility:
            ys, xs = np.nonzero(mask == v.instance_id + 1)
            if v.bbox_2d is None or len(xs) < 200 or v.truncated:
                continue
            ious.append(_iou(v.bbox_2d, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]))
    assert len(ious) > 20
    assert np.median(ious) > 0.85


def test_a_strided_clip_plays_each_frame_at_its_capture_time(arkitscenes_root: Path) -> None:
    # stride 7 of the sample's 3 fps capture: the clip runs at 3/7 = 0.4286 fps (one decimal made it
    # 0.4, so the frame captured at 2.333 s played at 2.5 s)
    from ladderdata.generators.frames import VideoTimeline
    from ladderdata.generators.scene_index import SceneIndex
    from ladderdata.generators.settings import GenerationSettings

    video = PAIRS[0][0]
    scene = ARKitScenesSource(arkitscenes_root, frame_stride=7, scan_ids=[video]).load(video)
    assert scene.video is not None and scene.video.fps == pytest.approx(3 / 7, rel=1e-4)
    index = SceneIndex(scene, GenerationSettings())
    times = VideoTimeline(index, 16, 24.0).times
    t0 = scene.frames[0].timestamp
    assert len(times) == len(scene.frames) > 3
    for p, t in times.items():
        assert t == pytest.approx(index.frames[p].timestamp - t0 + times[0], abs=0.002)
