"""The adapter on the procedural sample, checked against the generator's own ground truth
(truth/<scan>/objects.json, frames.json and the rendered per-pixel instance masks)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ladderdata.sample.generate import read_truth
from ladderdata.sources import SampleSource


@pytest.fixture(scope="module")
def loaded(sample_root, sample_scan_ids):
    src = SampleSource(sample_root)  # an explicit complete sample is read as it is, never regenerated
    return {scan_id: src.load(scan_id) for scan_id in sample_scan_ids}


def test_objects_boxes_and_poses_match_truth(loaded, sample_root):
    for scan_id, scene in loaded.items():
        truth = read_truth(sample_root, scan_id)
        assert scene.source == "sample"
        np.testing.assert_allclose(scene.axis_alignment, truth["axis_alignment"], atol=1e-9)
        objects = {o["instance_id"]: o for o in truth["objects"] if o["vertex_count"] > 0}
        assert {o.instance_id for o in scene.objects} == set(objects)
        for obj in scene.objects:
            want = objects[obj.instance_id]
            assert obj.raw_label == want["label"] and obj.point_count == want["vertex_count"]
            np.testing.assert_allclose(obj.box.min, want["min"], atol=1e-5)
            np.testing.assert_allclose(obj.box.max, want["max"], atol=1e-5)
        invalid = set(truth["invalid_pose_frames"])
        assert [f.frame_index for f in scene.frames] == [
            i for i in truth["frame_indices"] if i not in invalid
        ]
        assert scene.stats.get("frames_skipped_pose_non_finite", 0) == len(invalid)
        for frame in scene.frames:
            np.testing.assert_allclose(
                frame.pose_array(), truth["poses_aligned"][str(frame.frame_index)], atol=1e-8
            )


def test_room_area_matches_floor_polygon(loaded, sample_root):
    for scan_id, scene in loaded.items():
        truth = read_truth(sample_root, scan_id)
        # alpha-shape rounding of reflex corners only: well under the 0.1 m^2 answer rounding
        assert scene.room.area_m2 == pytest.approx(truth["floor_area_m2"], abs=0.05)


def test_2d_boxes_match_rendered_instance_masks(loaded, sample_root):
    ious = []
    for scan_id, scene in loaded.items():
        kinds = {o["instance_id"]: o["kind"] for o in read_truth(sample_root, scan_id)["objects"]}
        for frame in scene.frames:
            mask = cv2.imread(
                str(sample_root / "truth" / scan_id / "instance" / f"{frame.frame_index}.png"),
                cv2.IMREAD_UNCHANGED,
            )
            for vis in frame.visibility:
                if kinds[vis.instance_id] != "object" or vis.visibility < 0.5 or vis.truncated:
                    continue
                if vis.area_frac < 0.01:
                    continue
                ys, xs = np.nonzero(mask == vis.instance_id + 1)
                assert len(xs) > 0, (scan_id, frame.frame_index, vis.instance_id)
                x1, y1, x2, y2 = vis.bbox_2d
                m1, n1, m2, n2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
                inter = max(0, min(x2, m2) - max(x1, m1)) * max(0, min(y2, n2) - max(y1, n1))
                union = (x2 - x1) * (y2 - y1) + (m2 - m1) * (n2 - n1) - inter
                ious.append(inter / union)
    ious = np.array(ious)
    assert len(ious) >= 20
    # vertex boxes sit inside the rendered silhouette; the rare misses are occluders closer than the
    # 0.1 m depth tolerance (e.g. a chair tucked under a table edge)
    assert np.median(ious) >= 0.97
    assert np.mean(ious >= 0.9) >= 0.95
