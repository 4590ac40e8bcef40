"""Every row built from the ScanNet++ and ARKitScenes layouts of the sample agrees with the sample's truth.

The rows are those of `vsibench_build` (manifests/vsibench-style.yaml built with the real CLI from the
three layouts of the small sample; tests/fixtures/layouts.py) and of `ladderdata generate --seed 1`
over that build's scene records (no scene is loaded again). The checker (tests/truth/checker.py with
tests/truth/layouts.py) re-derives each answer from the truth and each layout's own raw files, mapping
the rows' frame ids through each dataset's conventions; it imports nothing from ladderdata.

Agreement must be 100 % except rounding ties (at most 5 % of the rows), and, for ARKitScenes only, rows
that are right for the dataset's own object definition (mesh vertices inside annotated boxes, re-derived
from the annotation) but not for the mesh truth: `layouts.ARKitScenesBoxes` says why they differ, and
the tests below bound how far that definition lies from the truth on the sample.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.spatial import cKDTree

from tests.pipeline.helpers import run_cli
from tests.truth.checker import Table, TruthScan, check_rows, read_build_rows, read_jsonl_rows
from tests.truth.layouts import (
    BOX_MARGIN_M,
    ARKitScenesBoxes,
    ARKitScenesTruth,
    Layout,
    ScanNetPPTruth,
    reflex_corners,
    upright_maps,
)

pytestmark = pytest.mark.slow  # the three layouts of the sample and their build (minutes, once)

LABELS = Path(__file__).resolve().parents[2] / "manifests" / "labels"
PAIRS = {  # layout scan -> ScanNet-layout twin
    "fa00000000": "scene9000_00",
    "fa00000001": "scene9001_00",
    "90000000": "scene9000_00",
    "90000001": "scene9001_00",
}


@pytest.fixture(scope="module")
def layouts(sample_root: Path, scannetpp_root: Path, arkitscenes_root: Path) -> dict[str, Layout]:
    """Truth of each source of the build, with the source's label map and frame stride (as the manifest
    built them: tests/fixtures/layouts.py)."""
    return {
        "scannet": Layout("scannet", sample_root, label_map=LABELS / "scannet_vocabulary.yaml"),
        "scannetpp": Layout(
            "scannetpp", scannetpp_root, sample_root, 1, LABELS / "scannetpp_vocabulary.yaml"
        ),
        "arkitscenes": Layout(
            "arkitscenes", arkitscenes_root, sample_root, 1, LABELS / "arkitscenes_vocabulary.yaml"
        ),
    }


def _check(layouts: dict[str, Layout], rows: list[dict], what: str) -> dict[str, Table]:
    tables = {}
    for source, layout in layouts.items():
        mine = [r for r in rows if r["source"] == source]
        table = check_rows({source: layout.scan}, mine)
        print(f"\n{what}: {source}\n{table.text()}")
        for line in table.ties:
            print("  tie:", line)
        for line in table.dataset:
            print("  dataset:", line)
        tables[source] = table
    return tables


def _assert_all_agree(tables: dict[str, Table]) -> None:
    for source, table in tables.items():
        assert table.disagreements == [], f"{source}:\n" + "\n".join(table.disagreements)
        total = table.total()
        n = sum(total.values())
        assert n >= 60, (source, n)
        assert total["tie"] <= 0.05 * n, f"{source}: {total['tie']} of {n} rows are only rounding ties"
        if source == "arkitscenes":
            # right only by ARKitScenes' box definition: the support under an object inside its box
            assert total["dataset"] <= 0.10 * n, f"{total['dataset']} of {n} rows"
        else:
            assert total["dataset"] == 0


def test_every_vsibench_build_row_agrees_with_truth(vsibench_build: Path, layouts: dict[str, Layout]):
    rows = read_build_rows(vsibench_build)
    per_source = Counter((r["source"], r["data_type"]) for r in rows)
    for source in layouts:
        for data_type in ("single_image", "multi_view", "video"):
            assert per_source[(source, data_type)] > 0, (source, data_type)
    # the frame a row shows is the frame id the checker reads, by each layout's naming (media by
    # reference: meta/media.json names the raw file; ARKitScenes frames are re-encoded upright, no raw)
    media = json.loads((vsibench_build / "meta" / "media.json").read_text())["images"]
    raw = {
        "scannet": "export/{scene}/color/{f}.jpg",
        "scannetpp": "data/{scene}/iphone/rgb/frame_{f:06d}.jpg",
        "arkitscenes": "",
    }
    for row in rows:
        for image, f in zip(row["image"], row["frame_ids"], strict=True):
            entry = media[image]
            assert image == f"{row['scene_id']}/{f}.jpg" and entry["frame_index"] == f
            assert entry["raw"] == raw[row["source"]].format(scene=row["scene_id"], f=f)
    _assert_all_agree(_check(layouts, rows, "vsibench-style build"))


@pytest.fixture(scope="module")
def generated_seed_1(vsibench_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ladderdata generate --seed 1` over the build's scene records, with the build's settings."""
    out = tmp_path_factory.mktemp("truth-layouts") / "seed1.jsonl"
    manifest = vsibench_build.parent / "vsibench-style.yaml"
    proc = run_cli(
        "generate", "--scenes", vsibench_build, "--out", out, "--seed", "1", "--settings", manifest
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_every_generated_row_agrees_with_truth(generated_seed_1: Path, layouts: dict[str, Layout]):
    rows = read_jsonl_rows(generated_seed_1)
    for source in ("scannetpp", "arkitscenes"):
        types = {(r["question_type"], r["data_type"]) for r in rows if r["source"] == source}
        assert len(types) >= 15, (source, sorted(types))  # every question type of every family
    # camera-centric rows of the ARKitScenes scan stored sideways: its poses must be turned upright
    sideways = [r for r in rows if r["scene_id"] == "90000001" and r["data_type"] == "single_image"]
    assert any(r["question_type"] == "relative direction" for r in sideways)
    _assert_all_agree(_check(layouts, rows, "generate --seed 1"))


# --- the layouts' conventions, as the checker reads them ---------------------------------------------


def test_upright_maps_follow_cv2_rotations():
    # hand-computed: turning a 256x192 image 90 degrees clockwise (sky on the left) puts its top-left
    # pixel at the top-right of the 192x256 result, and a step right in the stored image is a step down
    a, r = upright_maps("Left", 256, 192)
    np.testing.assert_array_equal(a, [[0, -1, 191], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(r, [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    a, r = upright_maps("Right", 256, 192)
    np.testing.assert_array_equal(a, [[0, 1, 0], [-1, 0, 255], [0, 0, 1]])
    a, _ = upright_maps("Down", 256, 192)
    np.testing.assert_array_equal(a, [[-1, 0, 255], [0, -1, 191], [0, 0, 1]])
    np.testing.assert_array_equal(upright_maps("Up", 256, 192)[0], np.eye(3))


def test_reflex_corners_of_hand_made_floors():
    square = [[0, 0], [4, 0], [4, 4], [0, 4]]
    ell = [[0, 0], [4, 0], [4, 2], [2, 2], [2, 4], [0, 4]]
    assert reflex_corners(square) == 0 and reflex_corners(ell) == 1 and reflex_corners(ell[::-1]) == 1


@pytest.mark.parametrize("scene", ["fa00000000", "fa00000001"])
def test_scannetpp_layout_is_its_twin(layouts: dict[str, Layout], sample_root: Path, scene: str):
    """The raw files the checker reads give the twin's mesh, segGroups and poses, so the twin's masks
    are those of the ScanNet++ frames (frame k = exported frame scannet_frame_indices[k])."""
    scan = layouts["scannetpp"].scan(scene)
    assert isinstance(scan, ScanNetPPTruth) and scan.doc["scannet_scan_id"] == PAIRS[scene]
    twin = TruthScan(sample_root, PAIRS[scene])
    np.testing.assert_allclose(scan.aligned_mesh, twin.aligned_mesh, atol=1e-5)
    assert {i: list(v) for i, v in scan.groups.items()} == {i: list(v) for i, v in twin.groups.items()}
    exported = scan.frames["scannet_frame_indices"]
    lost = set(scan.frames["invalid_pose_frames"])
    assert lost and set(scan.poses) == set(range(len(exported))) - lost
    for k, pose in scan.poses.items():
        np.testing.assert_allclose(pose, twin.pose(exported[k]), atol=1e-5)


@pytest.mark.parametrize("video", ["90000000", "90000001"])
def test_arkitscenes_layout_is_its_twin(layouts: dict[str, Layout], sample_root: Path, video: str):
    """The checker's own upright poses (traj inverted, turned by the sky direction, aligned) are the
    twin's camera turned upright, and the ARKit mesh is the twin's mesh in another frame."""
    scan = layouts["arkitscenes"].scan(video)
    assert isinstance(scan, ARKitScenesTruth)
    assert scan.sky == ("Left" if video == "90000001" else "Up")
    twin = TruthScan(sample_root, PAIRS[video])
    np.testing.assert_allclose(scan.aligned_mesh, twin.aligned_mesh, atol=1e-5)
    truth_poses = json.loads((scan.truth_dir / "frames.json").read_text())["poses_aligned_upright"]
    assert len(truth_poses) == len(scan.stems) - 1  # one lost-tracking frame: no .traj line
    for pos in range(len(scan.stems)):
        if str(pos) not in truth_poses:
            assert scan.sensor_pose(pos) is None
            continue
        mine = scan.pose(pos)
        np.testing.assert_allclose(mine, truth_poses[str(pos)], atol=1e-5)
        # same optical axis and centre as the twin's exported frame 10 x pos, turned about that axis
        twin_pose = twin.pose(10 * pos)
        np.testing.assert_allclose(mine[:3, 2:], twin_pose[:3, 2:], atol=1e-5)


def _mask_centres_in_projection(scan: ARKitScenesTruth, sky: str) -> tuple[int, int]:
    """(objects whose truth-mask centroid lies inside the box of their projected mesh vertices, objects
    compared) over every tenth frame, with the poses and intrinsics turned upright by `sky`."""
    scan.__dict__["sky"] = sky  # what the checker would read from metadata.csv
    scan.__dict__.pop("upright", None)
    inside = compared = 0
    for pos in range(0, len(scan.stems), 10):
        if scan.sensor_pose(pos) is None:
            continue
        mask = cv2.imread(str(scan._mask_path(pos)), cv2.IMREAD_UNCHANGED)
        pose, k = scan.pose(pos), scan.intrinsics(pos)
        h, w = mask.shape
        for iid, verts in scan.vertices.items():
            ys, xs = np.nonzero(mask == iid + 1)
            if len(xs) < 200:
                continue
            cam = (verts - pose[:3, 3]) @ pose[:3, :3]
            cam = cam[cam[:, 2] > 0.05]
            uv = cam @ k.T
            uv = uv[:, :2] / uv[:, 2:]
            uv = uv[(uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)]
            compared += 1
            if len(uv):
                (x0, y0), (x1, y1) = uv.min(axis=0), uv.max(axis=0)
                inside += bool(x0 - 1 <= xs.mean() <= x1 + 1 and y0 - 1 <= ys.mean() <= y1 + 1)
    return inside, compared


def test_sideways_scan_projects_onto_its_upright_masks(arkitscenes_root: Path, sample_root: Path):
    # independent of ladderdata's upright code: the truth masks were rendered at the sensor pose and
    # then rotated; the checker's turned pose and .pincam K must put every object where its mask is
    scan = ARKitScenesTruth(arkitscenes_root, "90000001", twin_root=sample_root)
    inside, compared = _mask_centres_in_projection(scan, "Left")
    assert compared >= 20 and inside == compared
    # and the test can fail: read without the sky direction, or turned the wrong way, objects land
    # elsewhere
    for wrong_sky in ("Up", "Right"):
        wrong = ARKitScenesTruth(arkitscenes_root, "90000001", twin_root=sample_root)
        inside, compared = _mask_centres_in_projection(wrong, wrong_sky)
        assert inside < 0.5 * compared, wrong_sky


@pytest.mark.parametrize("video", ["90000000", "90000001"])
def test_arkitscenes_box_definition_stays_near_the_truth(layouts: dict[str, Layout], video: str):
    """How far ARKitScenes' own objects (mesh vertices inside each annotated box + the adapter's 1 cm
    margin) lie from the mesh truth on the sample: the bounds `ARKitScenesBoxes` documents."""
    truth = layouts["arkitscenes"].scan(video)
    boxes = truth.dataset_view()
    assert isinstance(boxes, ARKitScenesBoxes)
    ids = sorted(truth.objects)
    assert ids and {truth.boxes[i].label for i in ids} == {truth.objects[i]["label"] for i in ids}
    for i in ids:
        # the box holds the object's own mesh (its points are a superset of the truth's) ...
        own = {tuple(p) for p in np.round(truth.vertices[i], 6)}
        assert own <= {tuple(p) for p in np.round(boxes.vertices[i], 6)}
        # ... so its size can only grow, by at most the margin on each side
        grow = boxes.longest_side(i) - truth.longest_side(i)
        assert -1e-5 <= grow <= 2 * BOX_MARGIN_M + 1e-5, (truth.label(i), grow)
    shorter = []
    for a, b in itertools.combinations(ids, 2):
        d_truth = truth.distance(a, b)
        d_box = float(cKDTree(boxes.vertices[b]).query(boxes.vertices[a])[0].min())
        assert -1e-9 <= d_truth - d_box <= 0.10, (truth.label(a), truth.label(b), d_truth, d_box)
        shorter.append(d_truth - d_box)
    assert np.median(shorter) < 1e-3  # most pairs: the same distance
    lo, hi = boxes.area_bounds()
    corners = reflex_corners(truth.doc["floor_polygon"])
    assert corners == (1 if video == "90000000" else 0)  # the L-shaped living room and the bedroom
    assert hi - lo == pytest.approx(0.02 + corners * 0.04)
