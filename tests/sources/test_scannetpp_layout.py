"""The ScanNet++ layout of a sample room reads back as the ScanNet layout of the same room.

Both layouts hold the same mesh vertices, segments and segGroups (ScanNet++ in the aligned frame, ScanNet
in a mesh frame with axisAlignment), so objects, room and distances agree to float precision; frames come
from a 960x720 H.264 video and 256x192 LiDAR-style depth instead of 1296x968 JPEGs and 640x480 depth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ladderdata.sources import ScanNetPPSource, ScanNetSource

pytestmark = pytest.mark.slow  # renders the test sample's rooms in a second layout (minutes, once)

PAIRS = [("fa00000000", "scene9000_00"), ("fa00000001", "scene9001_00")]


@pytest.fixture(scope="module")
def pairs(scannetpp_root: Path, sample_root: Path):
    pp, scannet = ScanNetPPSource(scannetpp_root, frame_stride=1), ScanNetSource(sample_root)
    return {sid: (pp.load(sid), scannet.load(twin)) for sid, twin in PAIRS}


@pytest.mark.parametrize("scene", [s for s, _ in PAIRS])
def test_same_objects_room_and_distances(pairs, scene: str) -> None:
    pp, scannet = pairs[scene]
    assert [(o.instance_id, o.label) for o in pp.objects] == [
        (o.instance_id, o.label) for o in scannet.objects
    ]
    for a, b in zip(pp.objects, scannet.objects, strict=True):
        np.testing.assert_allclose(a.box.min, b.box.min, atol=1e-4)
        np.testing.assert_allclose(a.box.max, b.box.max, atol=1e-4)
        assert a.shape.longest_side == pytest.approx(b.shape.longest_side, abs=1e-4)
        assert a.point_count == b.point_count
    assert pp.room.area_m2 == pytest.approx(scannet.room.area_m2, rel=1e-3)
    for (a1, b1, d1), (a2, b2, d2) in zip(pp.object_distances, scannet.object_distances, strict=True):
        assert (a1, b1) == (a2, b2) and d1 == pytest.approx(d2, abs=1e-4)
    # the shipped obb of every furniture group agrees with the box of its points
    assert pp.stats["objects_obb_compared"] > 10 and "objects_obb_disagree" not in pp.stats


@pytest.mark.parametrize("scene", [s for s, _ in PAIRS])
def test_same_poses_and_lost_tracking(pairs, scannetpp_root: Path, scene: str) -> None:
    pp, scannet = pairs[scene]
    theirs = {f.frame_index: f for f in scannet.frames}
    assert {10 * f.frame_index for f in pp.frames} == set(theirs)
    for frame in pp.frames:
        np.testing.assert_allclose(frame.pose, theirs[10 * frame.frame_index].pose, atol=1e-5)
        assert (frame.width, frame.height) == (960, 720)
    truth = json.loads((scannetpp_root / "truth" / scene / "frames.json").read_text())
    assert pp.stats["frames_skipped_missing_pose"] == len(truth["invalid_pose_frames"]) > 0
    assert pp.video is not None and pp.video.fps == 3.0


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix
    return ix / union if union > 0 else 0.0


@pytest.mark.parametrize("scene", [s for s, _ in PAIRS])
def test_same_per_frame_visibility_and_boxes(pairs, scene: str) -> None:
    pp, scannet = pairs[scene]
    theirs = {f.frame_index: f for f in scannet.frames}
    scale = np.array([1296 / 960, 968 / 720, 1296 / 960, 968 / 720])
    ratio_diffs, ious, missed = [], [], []
    for frame in pp.frames:
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


def test_video_frames_are_the_extracted_frames(pairs, scannetpp_root: Path) -> None:
    import cv2

    pp, _ = pairs["fa00000000"]
    source = ScanNetPPSource(scannetpp_root)
    frame = pp.frames[7]
    assert frame.color_path == f"data/fa00000000/iphone/rgb/frame_{frame.frame_index:06d}.jpg"
    decoded = source.color_image("fa00000000", frame)
    extracted = cv2.cvtColor(cv2.imread(str(scannetpp_root / frame.color_path)), cv2.COLOR_BGR2RGB)
    assert decoded.shape == extracted.shape == (720, 960, 3)
    assert np.abs(decoded.astype(int) - extracted.astype(int)).mean() < 2.0  # JPEG q95 of the same frame
