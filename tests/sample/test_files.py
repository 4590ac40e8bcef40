"""The procedural sample's files parse as ScanNet's (read here with plyfile/json/OpenCV, not our code)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import plyfile
import pytest

from ladderdata.sample.generate import read_truth
from tests.fixtures.sample import SAMPLE_FRAMES

EXPECTED_PLY_HEADER = b"""ply
format binary_little_endian 1.0
comment VCGLIB generated
element vertex {n}
property float x
property float y
property float z
property uchar red
property uchar green
property uchar blue
property uchar alpha
element face {m}
property list uchar int vertex_indices
end_header
"""


def _scene_txt(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, value = line.split(" = ", 1)
        out[key] = value.strip()
    return out


def _matrix(path: Path) -> np.ndarray:
    return np.array([[float(v) for v in line.split()] for line in path.read_text().splitlines()])


def test_top_level_layout(sample_root, sample_scan_ids):
    assert sorted(p.name for p in sample_root.iterdir()) == [
        "LICENSE.txt",
        "export",
        "scans",
        "truth",
        "videos",
    ]
    assert sorted(p.name for p in (sample_root / "scans").iterdir()) == sample_scan_ids
    assert sorted(p.name for p in (sample_root / "export").iterdir()) == sample_scan_ids
    assert "CC0" in (sample_root / "LICENSE.txt").read_text()
    for scan_id in sample_scan_ids:
        names = sorted(p.name for p in (sample_root / "scans" / scan_id).iterdir())
        assert names == sorted(
            [
                f"{scan_id}_vh_clean_2.ply",
                f"{scan_id}_vh_clean_2.0.010000.segs.json",
                f"{scan_id}.aggregation.json",
                f"{scan_id}.txt",
            ]
        )


def test_ply_is_scannet_binary_with_exact_header(sample_root, sample_scan_ids):
    for scan_id in sample_scan_ids:
        path = sample_root / "scans" / scan_id / f"{scan_id}_vh_clean_2.ply"
        ply = plyfile.PlyData.read(str(path))
        vertex, face = ply["vertex"], ply["face"]
        n, m = vertex.count, face.count
        raw = path.read_bytes()
        header = EXPECTED_PLY_HEADER.replace(b"{n}", str(n).encode()).replace(b"{m}", str(m).encode())
        assert raw.startswith(header)
        # 16 bytes per vertex, 13 per triangle, nothing else
        assert len(raw) == len(header) + 16 * n + 13 * m
        assert [p.name for p in vertex.properties] == ["x", "y", "z", "red", "green", "blue", "alpha"]
        assert vertex.data.dtype["x"] == np.dtype("<f4") and vertex.data.dtype["red"] == np.dtype("u1")
        assert np.all(vertex["alpha"] == 255)
        faces = np.stack(face["vertex_indices"])
        assert faces.shape == (m, 3) and faces.min() == 0 and faces.max() == n - 1
        assert n > 20_000  # dense like a reconstruction


def test_segs_and_aggregation_are_scannet_json(sample_root, sample_scan_ids):
    labels_all: set[str] = set()
    repeated = False
    for scan_id in sample_scan_ids:
        scan = sample_root / "scans" / scan_id
        n_vertices = plyfile.PlyData.read(str(scan / f"{scan_id}_vh_clean_2.ply"))["vertex"].count
        segs = json.loads((scan / f"{scan_id}_vh_clean_2.0.010000.segs.json").read_text())
        assert list(segs) == ["params", "sceneId", "segIndices"]
        assert segs["sceneId"] == scan_id and len(segs["segIndices"]) == n_vertices
        agg = json.loads((scan / f"{scan_id}.aggregation.json").read_text())
        assert list(agg) == ["sceneId", "appId", "segGroups", "segmentsFile"]
        assert agg["sceneId"] == f"scannet.{scan_id}" and agg["appId"] == "Aggregator.v2"
        assert agg["segmentsFile"] == f"scannet.{scan_id}_vh_clean_2.0.010000.segs.json"
        seg_ids = set(segs["segIndices"])
        seen: set[int] = set()
        labels = []
        for k, group in enumerate(agg["segGroups"]):
            assert set(group) == {"id", "objectId", "segments", "label"}
            assert group["id"] == group["objectId"] == k
            assert len(group["segments"]) >= 3  # several segments per object
            assert not seen & set(group["segments"])
            seen |= set(group["segments"])
            labels.append(group["label"])
        assert seen == seg_ids  # every vertex belongs to exactly one instance
        assert labels.count("floor") == 1 and labels.count("wall") >= 4
        objects = [x for x in labels if x not in ("wall", "floor")]
        repeated |= max(objects.count(x) for x in set(objects)) >= 2
        labels_all |= set(objects)
    assert len(labels_all) >= 10
    assert repeated


def test_scene_txt_keys_and_alignment(sample_root, sample_scan_ids):
    for scan_id in sample_scan_ids:
        meta = _scene_txt(sample_root / "scans" / scan_id / f"{scan_id}.txt")
        for key in (
            "axisAlignment",
            "colorHeight",
            "colorWidth",
            "depthHeight",
            "depthWidth",
            "fx_color",
            "fy_color",
            "mx_color",
            "my_color",
            "fx_depth",
            "fy_depth",
            "mx_depth",
            "my_depth",
            "numColorFrames",
            "numDepthFrames",
            "sceneType",
        ):
            assert key in meta
        assert (meta["colorWidth"], meta["colorHeight"], meta["depthWidth"], meta["depthHeight"]) == (
            "1296",
            "968",
            "640",
            "480",
        )
        assert int(meta["numColorFrames"]) == (SAMPLE_FRAMES - 1) * 10 + 1
        align = np.array([float(v) for v in meta["axisAlignment"].split()]).reshape(4, 4)
        assert not np.allclose(align, np.eye(4), atol=1e-3)
        rot = align[:3, :3]
        np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=5e-6)
        np.testing.assert_allclose(rot[2], [0, 0, 1], atol=1e-6)  # rotation about gravity only
        assert np.abs(align[:2, :2] - np.eye(2)).max() > 0.05
        assert np.linalg.norm(align[:3, 3]) > 0.5


def test_sensreader_export(sample_root, sample_scan_ids):
    for scan_id in sample_scan_ids:
        export = sample_root / "export" / scan_id
        idx = sorted(int(p.stem) for p in (export / "color").glob("*.jpg"))
        assert idx == [10 * k for k in range(SAMPLE_FRAMES)]
        assert sorted(int(p.stem) for p in (export / "depth").glob("*.png")) == idx
        assert sorted(int(p.stem) for p in (export / "pose").glob("*.txt")) == idx
        for i in (idx[0], idx[len(idx) // 2], idx[-1]):
            colour = cv2.imread(str(export / "color" / f"{i}.jpg"), cv2.IMREAD_UNCHANGED)
            assert colour.shape == (968, 1296, 3) and colour.dtype == np.uint8
            depth = cv2.imread(str(export / "depth" / f"{i}.png"), cv2.IMREAD_UNCHANGED)
            assert depth.shape == (480, 640) and depth.dtype == np.uint16
            assert 300 < np.median(depth[depth > 0]) < 6500
        k_color = _matrix(export / "intrinsic" / "intrinsic_color.txt")
        k_depth = _matrix(export / "intrinsic" / "intrinsic_depth.txt")
        assert k_color.shape == k_depth.shape == (4, 4)
        assert k_color[0, 0] == pytest.approx(1170.187988) and k_color[0, 2] == pytest.approx(647.75)
        assert k_depth[0, 0] == pytest.approx(577.870605) and k_depth[1, 2] == pytest.approx(239.5)
        np.testing.assert_array_equal(_matrix(export / "intrinsic" / "extrinsic_color.txt"), np.eye(4))
        np.testing.assert_array_equal(_matrix(export / "intrinsic" / "extrinsic_depth.txt"), np.eye(4))
        # poses: rigid, except a burst of all -inf lost-tracking files (exactly SensReader's text)
        invalid = []
        for i in idx:
            text = (export / "pose" / f"{i}.txt").read_text()
            pose = _matrix(export / "pose" / f"{i}.txt")
            if np.all(np.isneginf(pose)):
                assert text == "-inf -inf -inf -inf\n" * 4
                invalid.append(i)
                continue
            np.testing.assert_allclose(pose[:3, :3].T @ pose[:3, :3], np.eye(3), atol=1e-5)
            np.testing.assert_array_equal(pose[3], [0, 0, 0, 1])
        assert 1 <= len(invalid) <= 0.05 * len(idx)
        assert invalid == read_truth(sample_root, scan_id)["invalid_pose_frames"]


def test_video_plays_the_exported_frames_in_real_time(sample_root, sample_scan_ids):
    for scan_id in sample_scan_ids:
        cap = cv2.VideoCapture(str(sample_root / "videos" / f"{scan_id}.mp4"))
        assert cap.isOpened()
        # every 10th sensor frame (30 fps) is exported: real time is 3 fps
        assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(3.0)
        assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (648, 484)
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
        cap.release()
        assert len(frames) == SAMPLE_FRAMES
        # video frame k shows exported colour frame 10 k (compare at video resolution)
        for k in (0, SAMPLE_FRAMES // 2):
            still = cv2.imread(str(sample_root / "export" / scan_id / "color" / f"{10 * k}.jpg"))
            small = cv2.resize(still, (648, 484), interpolation=cv2.INTER_AREA).astype(np.float64)
            assert np.abs(small - frames[k]).mean() < 8.0
            other = cv2.resize(
                cv2.imread(str(sample_root / "export" / scan_id / "color" / f"{10 * (k + 5)}.jpg")),
                (648, 484),
                interpolation=cv2.INTER_AREA,
            )
            assert np.abs(other.astype(np.float64) - frames[k]).mean() > np.abs(small - frames[k]).mean()


def test_ground_truth_is_separate_and_complete(sample_root, sample_scan_ids):
    for scan_id in sample_scan_ids:
        truth = read_truth(sample_root, scan_id)
        agg = json.loads((sample_root / "scans" / scan_id / f"{scan_id}.aggregation.json").read_text())
        assert [o["instance_id"] for o in truth["objects"]] == [g["id"] for g in agg["segGroups"]]
        assert [o["label"] for o in truth["objects"]] == [g["label"] for g in agg["segGroups"]]
        assert len(truth["poses_aligned"]) == SAMPLE_FRAMES
        mask = cv2.imread(str(sample_root / "truth" / scan_id / "instance" / "100.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (968, 1296) and mask.dtype == np.uint16
        assert mask.max() <= len(truth["objects"])
    # one L-shaped room (6 corners) and one rectangle in the small sample
    corners = sorted(len(read_truth(sample_root, s)["floor_polygon"]) for s in sample_scan_ids)
    assert corners == [4, 6]


def test_mesh_vertices_in_the_aligned_frame_match_the_true_boxes(sample_root, sample_scan_ids):
    """Independent of any adapter: PLY vertices x axisAlignment, grouped by segments, vs the truth."""
    for scan_id in sample_scan_ids:
        scan = sample_root / "scans" / scan_id
        v = plyfile.PlyData.read(str(scan / f"{scan_id}_vh_clean_2.ply"))["vertex"]
        xyz = np.stack([v["x"], v["y"], v["z"]], axis=1).astype(np.float64)
        meta = _scene_txt(scan / f"{scan_id}.txt")
        align = np.array([float(x) for x in meta["axisAlignment"].split()]).reshape(4, 4)
        aligned = xyz @ align[:3, :3].T + align[:3, 3]
        seg = np.array(
            json.loads((scan / f"{scan_id}_vh_clean_2.0.010000.segs.json").read_text())["segIndices"]
        )
        groups = json.loads((scan / f"{scan_id}.aggregation.json").read_text())["segGroups"]
        truth = read_truth(sample_root, scan_id)
        for group, obj in zip(groups, truth["objects"], strict=True):
            pts = aligned[np.isin(seg, group["segments"])]
            np.testing.assert_allclose(pts.min(axis=0), obj["min"], atol=1e-4)
            np.testing.assert_allclose(pts.max(axis=0), obj["max"], atol=1e-4)
        # the floor lies at z = 0 of the aligned frame
        floor = next(g for g in groups if g["label"] == "floor")
        assert np.abs(aligned[np.isin(seg, floor["segments"]), 2]).max() < 1e-4
