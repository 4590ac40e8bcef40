"""Bad ScanNet++ input: one line naming the file per skipped scan, frame or object; depth.bin encodings."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from ladderdata.errors import SourceError
from ladderdata.sample.layouts import generate_layout
from ladderdata.sample.layouts.scannetpp import encode_depth_blocks
from ladderdata.sources import ScanNetPPSource
from ladderdata.sources.scannetpp_files import DepthStream

SCENE = "fa00000000"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spp") / "sample"
    return generate_layout(out, "scannetpp", scans=1, frames=12, seed=0)


@pytest.fixture
def root(small: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "sample"
    shutil.copytree(small, copy)
    return copy


def _iphone(root: Path) -> Path:
    return root / "data" / SCENE / "iphone"


def test_depth_bin_both_encodings_round_trip(tmp_path: Path) -> None:
    frames = [np.full((192, 256), 1.25, np.float32), np.zeros((192, 256), np.float32)]
    frames[1][10, 20] = 3.5
    blocks = tmp_path / "blocks.bin"
    blocks.write_bytes(encode_depth_blocks(frames))
    whole = tmp_path / "whole.bin"
    comp = zlib.compressobj(wbits=-15)
    whole.write_bytes(comp.compress(np.stack(frames).astype("<f4").tobytes()) + comp.flush())
    for path in (blocks, whole):
        stream = DepthStream(path)
        assert len(stream) == 2
        assert stream.frame(0)[5, 5] == pytest.approx(1.25)
        assert stream.frame(1)[10, 20] == pytest.approx(3.5) and stream.frame(1).sum() == pytest.approx(3.5)
    # per-frame block layout: uint32 little-endian size, then the block
    data = blocks.read_bytes()
    (size,) = struct.unpack_from("<I", data, 0)
    assert zlib.decompress(data[4 : 4 + size], wbits=-15) == frames[0].astype("<f4").tobytes()


def test_the_intact_copy_loads(root: Path) -> None:
    scene = ScanNetPPSource(root, frame_stride=1).load(SCENE)
    assert len(scene.frames) == 11 and scene.stats["frames_skipped_missing_pose"] == 1
    assert not any(k.startswith("objects_skipped") for k in scene.stats)


def test_removed_groups_are_dropped_and_counted(root: Path) -> None:
    path = root / "data" / SCENE / "scans" / "segments_anno.json"
    doc = json.loads(path.read_text())
    doc["segGroups"][0]["label"] = "remove"
    path.write_text(json.dumps(doc))
    scene = ScanNetPPSource(root, frame_stride=1).load(SCENE)
    assert scene.stats["objects_skipped_remove"] == 1
    assert doc["segGroups"][0]["objectId"] not in {o.instance_id for o in scene.objects}


def test_obb_far_from_the_points_is_counted(root: Path) -> None:
    path = root / "data" / SCENE / "scans" / "segments_anno.json"
    doc = json.loads(path.read_text())
    moved = next(g for g in doc["segGroups"] if "obb" in g)
    moved["obb"]["centroid"] = [c + 0.5 for c in moved["obb"]["centroid"]]
    path.write_text(json.dumps(doc))
    assert ScanNetPPSource(root, frame_stride=1).load(SCENE).stats["objects_obb_disagree"] == 1


def test_empty_group_is_an_object_defect(root: Path) -> None:
    path = root / "data" / SCENE / "scans" / "segments_anno.json"
    doc = json.loads(path.read_text())
    doc["segGroups"][2]["segments"] = []
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceError) as err:
        ScanNetPPSource(root, frame_stride=1).load(SCENE)
    assert "\n" not in str(err.value) and str(err.value).startswith(f"{path}: segGroups[2]")
    assert (
        ScanNetPPSource(root, frame_stride=1, on_error="skip").load(SCENE).stats["objects_skipped_empty"] == 1
    )


def test_corrupt_depth_block_skips_its_frame(root: Path) -> None:
    path = _iphone(root) / "depth.bin"
    data = bytearray(path.read_bytes())
    (size,) = struct.unpack_from("<I", data, 0)
    start = 4 + size  # frame 1's block
    (size1,) = struct.unpack_from("<I", data, start)
    data[start + 4 : start + 4 + size1] = b"\xff" * size1
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError) as err:
        ScanNetPPSource(root, frame_stride=1).load(SCENE)
    assert str(err.value) == (
        f"{path}: frame 1 is neither LZ4 uint16 nor DEFLATE float32; install lz4 for LZ4-encoded depth, "
        "or re-download the scene"
    )
    scene = ScanNetPPSource(root, frame_stride=1, on_error="skip").load(SCENE)
    assert scene.stats["frames_skipped_bad_depth"] == 1 and 1 not in {f.frame_index for f in scene.frames}


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("video", r"iphone/rgb\.mkv: RGB video is missing \(also looked for rgb\.mp4\)"),
        ("video_garbage", r"iphone/rgb\.mkv: cannot open as a video"),
        ("truncated_depth", r"depth\.bin: block \d+ runs past the end of the file \(truncated\)"),
        ("poses", r"pose_intrinsic_imu\.json: frame_000003 lacks a 4x4 'aligned_pose'"),
        ("segments", r"segments\.json: \d+ segIndices for a mesh of \d+ vertices"),
    ],
)
def test_bad_scenes_are_skipped_with_one_line_reasons(root: Path, breakage: str, expected: str) -> None:
    iphone = _iphone(root)
    if breakage == "video":
        (iphone / "rgb.mkv").unlink()
    elif breakage == "video_garbage":
        (iphone / "rgb.mkv").write_bytes(b"not a video at all" * 10)
    elif breakage == "truncated_depth":
        data = (iphone / "depth.bin").read_bytes()
        (iphone / "depth.bin").write_bytes(data[: len(data) - 100])
    elif breakage == "poses":
        path = iphone / "pose_intrinsic_imu.json"
        doc = json.loads(path.read_text())
        del doc["frame_000003"]["aligned_pose"]
        path.write_text(json.dumps(doc))
    else:
        path = root / "data" / SCENE / "scans" / "segments.json"
        doc = json.loads(path.read_text())
        doc["segIndices"] = doc["segIndices"][:-5]
        path.write_text(json.dumps(doc))
    source = ScanNetPPSource(root, frame_stride=1, on_error="skip")
    assert [r.scene for r in source.iter_results()] == [None]
    reason = source.skipped[SCENE]
    assert "\n" not in reason and re.search(expected, reason), reason


def test_older_releases_rgb_mp4_is_read(root: Path) -> None:
    iphone = _iphone(root)
    (iphone / "rgb.mkv").rename(iphone / "rgb.mp4")  # same H.264 stream in another container name
    scene = ScanNetPPSource(root, frame_stride=2).load(SCENE)
    assert len(scene.frames) >= 5
    assert all(f.frame_index % 2 == 0 for f in scene.frames) and scene.video.fps == 1.5
