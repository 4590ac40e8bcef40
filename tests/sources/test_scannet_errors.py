"""Every kind of bad input gives a one-line SourceError naming the file; skips are counted.

Each test corrupts a private copy of the hand-made scan (tests/fixtures/scenes.py)."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest

from ladderdata.errors import ConfigError, SourceError
from ladderdata.sources import ScanNetSource

SCAN = "scene0001_00"


def load_error(hand_scan, **kwargs) -> str:
    with pytest.raises(SourceError) as info:
        ScanNetSource(hand_scan.root, **kwargs).load(SCAN)
    message = str(info.value)
    assert "\n" not in message
    return message


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent="\t"))


def test_missing_ply(hand_scan):
    hand_scan.file("ply").unlink()
    msg = load_error(hand_scan)
    assert "scene0001_00_vh_clean_2.ply" in msg and "missing" in msg


def test_truncated_ply(hand_scan):
    path = hand_scan.file("ply")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    msg = load_error(hand_scan)
    assert "scene0001_00_vh_clean_2.ply" in msg and "truncated" in msg


def test_bad_json(hand_scan):
    path = hand_scan.file("aggregation")
    path.write_text(path.read_text()[:-20])
    msg = load_error(hand_scan)
    assert "scene0001_00.aggregation.json" in msg and "invalid JSON at line" in msg


def test_non_utf8_json(hand_scan):
    hand_scan.file("segs").write_bytes(b'{"segIndices": [\xff]}')
    msg = load_error(hand_scan)
    assert "segs.json" in msg and "UTF-8" in msg


def test_segments_pointing_outside_the_mesh(hand_scan):
    edit_json(hand_scan.file("segs"), lambda d: d["segIndices"].extend([101, 101, 101]))
    msg = load_error(hand_scan)
    assert "segs.json" in msg and "point outside the mesh" in msg


def test_aggregation_with_unknown_segment_ids(hand_scan):
    edit_json(hand_scan.file("aggregation"), lambda d: d["segGroups"][0]["segments"].append(4242))
    msg = load_error(hand_scan)
    assert "aggregation.json" in msg and "[4242]" in msg and "cabinet" in msg


def test_empty_seg_group_raises_or_is_counted(hand_scan):
    edit_json(hand_scan.file("aggregation"), lambda d: d["segGroups"][1].update(segments=[]))
    msg = load_error(hand_scan)
    assert "aggregation.json" in msg and "table" in msg and "no segments" in msg
    scene = ScanNetSource(hand_scan.root, on_error="skip").load(SCAN)
    assert scene.stats["objects_skipped_empty"] == 1
    assert "table" not in {o.label for o in scene.objects}


def _collapse_segment(hand_scan, segment: int, line: bool):
    """Move every vertex of `segment` onto one point, or onto a vertical line."""
    import plyfile

    seg = np.asarray(json.loads(hand_scan.file("segs").read_text())["segIndices"])
    ply = plyfile.PlyData.read(str(hand_scan.file("ply")), mmap=False)
    v = ply["vertex"].data
    idx = np.flatnonzero(seg == segment)
    v["x"][idx] = v["x"][idx[0]]
    v["y"][idx] = v["y"][idx[0]]
    if not line:
        v["z"][idx] = v["z"][idx[0]]
    ply.write(str(hand_scan.file("ply")))


@pytest.mark.parametrize("line", [False, True], ids=["single-point", "zero-volume-line"])
def test_degenerate_objects(hand_scan, line):
    # the hidden box (objectId 3) keeps only its first segment, whose vertices are collapsed
    edit_json(hand_scan.file("aggregation"), lambda d: d["segGroups"][2].update(segments=[301]))
    _collapse_segment(hand_scan, 301, line)
    msg = load_error(hand_scan)
    assert "aggregation.json" in msg and "objectId 3" in msg and "zero volume" in msg
    scene = ScanNetSource(hand_scan.root, on_error="skip").load(SCAN)
    assert scene.stats["objects_skipped_degenerate"] == 1
    assert [o.instance_id for o in scene.objects] == [1, 2, 90]


def test_single_vertex_object(hand_scan):
    segs = json.loads(hand_scan.file("segs").read_text())
    segs["segIndices"][0] = 555  # one cabinet vertex becomes its own segment
    hand_scan.file("segs").write_text(json.dumps(segs))
    edit_json(
        hand_scan.file("aggregation"),
        lambda d: d["segGroups"].append({"id": 7, "objectId": 7, "segments": [555], "label": "dot"}),
    )
    msg = load_error(hand_scan)
    assert "objectId 7" in msg and "single vertex" in msg


def test_flat_objects_are_kept(hand_scan_template):
    # the floor is a plane (zero z extent): flat objects are valid
    scene = ScanNetSource(hand_scan_template.root).load(SCAN)
    floor = next(o for o in scene.objects if o.label == "floor")
    assert floor.box.size[2] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("kind", ["color", "depth"])
def test_missing_frame_files(hand_scan, kind):
    ext = "jpg" if kind == "color" else "png"
    (hand_scan.export_dir / kind / f"20.{ext}").unlink()
    msg = load_error(hand_scan)
    assert f"{kind}/20.{ext}" in msg and "missing" in msg
    scene = ScanNetSource(hand_scan.root, on_error="skip").load(SCAN)
    assert scene.stats[f"frames_skipped_bad_{kind}"] == 1
    assert [f.frame_index for f in scene.frames] == [0, 30]


def test_all_frames_unusable(hand_scan):
    for index in (0, 20, 30):
        (hand_scan.export_dir / "depth" / f"{index}.png").unlink()
    msg = load_error(hand_scan, on_error="skip")
    assert "no usable frames" in msg and "depth/0.png" in msg


def test_no_export_at_all(hand_scan):
    import shutil

    shutil.rmtree(hand_scan.export_dir)
    msg = load_error(hand_scan)
    assert "no SensReader export" in msg


def test_non_orthonormal_pose_is_skipped_and_counted(hand_scan):
    pose = np.loadtxt(hand_scan.export_dir / "pose" / "20.txt")
    pose[:3, :3] *= 1.5
    np.savetxt(hand_scan.export_dir / "pose" / "20.txt", pose)
    scene = ScanNetSource(hand_scan.root).load(SCAN)  # never fatal, even under on_error=raise
    assert scene.stats["frames_skipped_pose_not_orthonormal"] == 1
    assert scene.stats["frames_skipped_pose_non_finite"] == 1
    assert [f.frame_index for f in scene.frames] == [0, 30]


def test_unparsable_pose_file(hand_scan):
    (hand_scan.export_dir / "pose" / "20.txt").write_text("1 0 0\n0 1 zero\n")
    msg = load_error(hand_scan)
    assert "pose/20.txt" in msg and "non-number" in msg


def test_depth_png_wrong_size(hand_scan):
    cv2.imwrite(str(hand_scan.export_dir / "depth" / "20.png"), np.zeros((240, 320), np.uint16))
    msg = load_error(hand_scan)
    assert "depth/20.png" in msg and "320x240, expected 640x480" in msg


def test_depth_png_wrong_dtype(hand_scan):
    cv2.imwrite(str(hand_scan.export_dir / "depth" / "20.png"), np.zeros((480, 640), np.uint8))
    msg = load_error(hand_scan)
    assert "depth/20.png" in msg and "uint8" in msg


def test_colour_jpeg_wrong_size(hand_scan):
    cv2.imwrite(str(hand_scan.export_dir / "color" / "20.jpg"), np.zeros((480, 640, 3), np.uint8))
    msg = load_error(hand_scan)
    assert "color/20.jpg" in msg and "640x480, expected 1296x968" in msg


def test_bad_axis_alignment(hand_scan):
    meta = hand_scan.file("meta")
    lines = [ln for ln in meta.read_text().splitlines() if not ln.startswith("axisAlignment")]
    meta.write_text("axisAlignment = 2 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1\n" + "\n".join(lines))
    msg = load_error(hand_scan)
    assert "scene0001_00.txt" in msg and "axisAlignment" in msg


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", ".hidden", "scene\udcff"])
def test_path_like_or_non_utf8_scan_ids_refused(hand_scan, bad):
    with pytest.raises(SourceError, match="scan id"):
        ScanNetSource(hand_scan.root, scan_ids=[bad])
    with pytest.raises(SourceError, match="scan id"):
        ScanNetSource(hand_scan.root).load(bad)


def test_non_utf8_scan_folder_skipped_and_counted(hand_scan):
    os.mkdir(os.path.join(os.fsencode(hand_scan.root / "scans"), b"scene\xff_00"))
    src = ScanNetSource(hand_scan.root, on_error="skip")
    assert src.scan_ids() == [SCAN]
    assert len(src.skipped) == 1 and "UTF-8" in next(iter(src.skipped.values()))
    with pytest.raises(SourceError, match="UTF-8"):
        ScanNetSource(hand_scan.root).scan_ids()


def test_iter_scenes_skips_and_counts_bad_scans(hand_scan):
    from tests.fixtures.scenes import write_hand_scan

    write_hand_scan(hand_scan.root, "scene0002_00")
    hand_scan.file("ply").unlink()  # break scene0001_00
    src = ScanNetSource(hand_scan.root, on_error="skip")
    assert [s.scan_id for s in src.iter_scenes()] == ["scene0002_00"]
    assert list(src.skipped) == [SCAN] and "vh_clean_2.ply" in src.skipped[SCAN]
    strict = ScanNetSource(hand_scan.root, on_error="raise")
    with pytest.raises(SourceError, match="vh_clean_2.ply"):
        list(strict.iter_scenes())


def test_bad_on_error_value(hand_scan):
    with pytest.raises(ConfigError, match="on_error"):
        ScanNetSource(hand_scan.root, on_error="ignore")


def test_verbatim_duplicate_objects_kept_once(hand_scan):
    # ScanNet repeats some segGroups verbatim (scene0217_00): the copy is dropped and counted
    def dup(d):
        d["segGroups"].append(dict(d["segGroups"][0], id=50, objectId=50))

    edit_json(hand_scan.file("aggregation"), dup)
    scene = ScanNetSource(hand_scan.root).load(SCAN)
    assert [o.instance_id for o in scene.objects] == [1, 2, 3, 90]
    assert scene.stats["objects_skipped_duplicate"] == 1


def test_repeated_object_id_for_another_object(hand_scan):
    edit_json(hand_scan.file("aggregation"), lambda d: d["segGroups"][1].update(id=1, objectId=1))
    msg = load_error(hand_scan)
    assert "objectId 1" in msg and "repeats an objectId" in msg


def _drop_alignment(hand_scan) -> None:
    meta = hand_scan.file("meta")
    kept = [ln for ln in meta.read_text().splitlines() if not ln.startswith("axisAlignment")]
    meta.write_text("\n".join(kept))


def test_scan_without_axis_alignment_is_skipped(hand_scan):
    _drop_alignment(hand_scan)
    msg = load_error(hand_scan)
    assert msg.startswith(str(hand_scan.file("meta"))) and "no_axis_alignment" in msg
    assert "allow_unaligned" in msg
    src = ScanNetSource(hand_scan.root, on_error="skip")
    assert list(src.iter_scenes()) == []
    assert "no_axis_alignment" in src.skipped[SCAN]


def test_allow_unaligned_reads_the_mesh_frame_with_one_warning(hand_scan, caplog):
    _drop_alignment(hand_scan)
    with caplog.at_level("WARNING", logger="ladderdata.sources"):
        scene = ScanNetSource(hand_scan.root, allow_unaligned=True).load(SCAN)
    assert scene.stats["unaligned"] == 1
    np.testing.assert_array_equal(scene.axis_alignment, np.eye(4))
    warnings = [r for r in caplog.records if "axisAlignment" in r.getMessage()]
    assert len(warnings) == 1 and "scene0001_00.txt" in warnings[0].getMessage()
    # the boxes stay in the mesh frame: the cabinet's aligned corners mapped back by axisAlignment^-1
    cab = next(o for o in scene.objects if o.label == "cabinet")
    corners = np.array([[x, y, z] for x in (1.5, 2.5) for y in (1.0, 1.5) for z in (0.5, 1.5)])
    back = np.linalg.inv(hand_scan.align)
    mesh = corners @ back[:3, :3].T + back[:3, 3]
    np.testing.assert_allclose(cab.box.min, mesh.min(axis=0), atol=1e-5)
    np.testing.assert_allclose(cab.box.max, mesh.max(axis=0), atol=1e-5)


def test_segments_file_named_by_the_aggregation(hand_scan):
    # a _vh_clean aggregation paired with the low-resolution mesh's segments: refused, never guessed
    wrong = "scannet.scene0001_00_vh_clean.segs.json"
    edit_json(hand_scan.file("aggregation"), lambda d: d.update(segmentsFile=wrong))
    msg = load_error(hand_scan)
    assert "scene0001_00.aggregation.json" in msg and "segmentsFile" in msg and "_vh_clean_2" in msg


def test_segments_file_named_but_missing(hand_scan):
    name = "scene0001_00_vh_clean_2.0.020000.segs.json"
    edit_json(hand_scan.file("aggregation"), lambda d: d.update(segmentsFile=f"scannet.{name}"))
    msg = load_error(hand_scan)
    assert name in msg and "missing" in msg


def test_segments_file_named_is_read(hand_scan):
    # the aggregation names another (existing) segments file of the same mesh: that one is read
    name = "scene0001_00_vh_clean_2.0.020000.segs.json"
    (hand_scan.scan_dir / name).write_text(hand_scan.file("segs").read_text())
    hand_scan.file("segs").write_text('{"segIndices": [1]}')  # the default name is now unusable
    edit_json(hand_scan.file("aggregation"), lambda d: d.update(segmentsFile=name))
    scene = ScanNetSource(hand_scan.root).load(SCAN)
    assert {o.label for o in scene.objects} == {"cabinet", "table", "box", "floor"}
