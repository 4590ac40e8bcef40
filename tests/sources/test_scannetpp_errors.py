"""Bad ScanNet++ input: one line naming the file per skipped scan, frame or object; depth.bin encodings
(LZ4 uint16 mm blocks as current v2 releases ship, DEFLATE float32 blocks, one whole-file DEFLATE stream)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zlib
from pathlib import Path

import lz4.block
import numpy as np
import pytest

from ladderdata.errors import ConfigError, SourceError
from ladderdata.sample.generate import SampleSpec
from ladderdata.sample.layouts import generate_layout
from ladderdata.sample.layouts.scannetpp import DEPTH_ENCODINGS, encode_depth, write_scan
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


def _blocks(data: bytes) -> list[bytes]:
    """The per-frame blocks of an encoding-2 depth.bin (uint32 little-endian size, then the block)."""
    blocks, pos = [], 0
    while pos < len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        blocks.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return blocks


def _join(blocks: list[bytes]) -> bytes:
    return b"".join(struct.pack("<I", len(b)) + b for b in blocks)


def test_depth_bin_three_encodings_decode_to_the_same_millimetres(tmp_path: Path) -> None:
    frames = [np.full((192, 256), 1250, np.uint16), np.zeros((192, 256), np.uint16)]
    frames[1][10, 20] = 3500
    frames[1][191, 255] = 65535  # the largest uint16 reading: 65.535 m
    decoded = {}
    for encoding in DEPTH_ENCODINGS:
        path = tmp_path / f"{encoding}.bin"
        path.write_bytes(encode_depth(frames, encoding))
        stream = DepthStream(path)
        assert len(stream) == 2
        assert stream.frame(0).dtype == np.float32 and stream.frame(0).shape == (192, 256)
        assert stream.frame(0)[5, 5] == pytest.approx(1.25)
        assert stream.frame(1)[10, 20] == pytest.approx(3.5) and stream.frame(1)[191, 255] == pytest.approx(
            65.535
        )
        assert stream.frame(1).sum() == pytest.approx(3.5 + 65.535)
        decoded[encoding] = [stream.frame(0), stream.frame(1)]
    for encoding in DEPTH_ENCODINGS[1:]:  # bit-identical metres, not just within a tolerance
        for a, b in zip(decoded["lz4"], decoded[encoding], strict=True):
            np.testing.assert_array_equal(a, b)
    # the bytes, read with lz4 / zlib directly: LZ4 blocks of uint16 mm, DEFLATE blocks of float32 m,
    # or the whole file one raw DEFLATE stream (no zlib header) of float32 m
    lz4_blocks = _blocks((tmp_path / "lz4.bin").read_bytes())
    assert len(lz4_blocks) == 2
    raw = lz4.block.decompress(lz4_blocks[1], uncompressed_size=192 * 256 * 2)
    assert np.frombuffer(raw, "<u2").reshape(192, 256)[10, 20] == 3500
    deflate_blocks = _blocks((tmp_path / "deflate-blocks.bin").read_bytes())
    metres = np.frombuffer(zlib.decompress(deflate_blocks[0], wbits=-15), "<f4")
    assert metres.shape == (192 * 256,) and metres[0] == np.float32(1.25)
    whole = np.frombuffer(zlib.decompress((tmp_path / "deflate-whole.bin").read_bytes(), wbits=-15), "<f4")
    assert whole.reshape(2, 192, 256)[1, 10, 20] == np.float32(3.5)


def test_unknown_depth_encoding_is_refused() -> None:
    with pytest.raises(ConfigError, match="'png' is not one of lz4, deflate-blocks, deflate-whole"):
        encode_depth([np.zeros((192, 256), np.uint16)], "png")


def test_sample_writes_lz4_depth_and_every_encoding_loads_the_same_scene(tmp_path: Path) -> None:
    spec = SampleSpec(scans=1, frames=5, seed=0)
    scenes, streams = {}, {}
    for encoding in DEPTH_ENCODINGS:
        out = tmp_path / encoding
        write_scan(out, 0, spec, depth_encoding=encoding)
        scenes[encoding] = ScanNetPPSource(out, frame_stride=1).load(SCENE)
        streams[encoding] = DepthStream(_iphone(out) / "depth.bin")
    # the LZ4 file's frame 2 read with lz4 directly, the DEFLATE file's with zlib: the same millimetres
    lz4_frame = lz4.block.decompress(
        _blocks((_iphone(tmp_path / "lz4") / "depth.bin").read_bytes())[2], uncompressed_size=192 * 256 * 2
    )
    mm = np.frombuffer(lz4_frame, "<u2").reshape(192, 256)
    metres = np.frombuffer(
        zlib.decompress(
            _blocks((_iphone(tmp_path / "deflate-blocks") / "depth.bin").read_bytes())[2], wbits=-15
        ),
        "<f4",
    ).reshape(192, 256)
    assert mm.max() > 1000 and (mm > 0).mean() > 0.9  # a room seen from inside: readings almost everywhere
    np.testing.assert_array_equal(np.rint(metres * 1000).astype(np.uint16), mm)
    for encoding in DEPTH_ENCODINGS[1:]:
        assert len(streams[encoding]) == len(streams["lz4"]) == 5
        for k in range(5):
            np.testing.assert_array_equal(streams[encoding].frame(k), streams["lz4"].frame(k))
        assert scenes[encoding].frames == scenes["lz4"].frames  # poses, visibility and 2D boxes


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


@pytest.mark.parametrize(
    ("corruption", "problem"),
    [
        ("garbage", "frame 1 is neither an LZ4 uint16 nor a DEFLATE float32 block"),
        ("cut", "frame 1 is neither an LZ4 uint16 nor a DEFLATE float32 block"),
        ("half_frame", "frame 1 decodes to 49152 bytes, not 256x192 uint16"),
    ],
)
def test_corrupt_lz4_depth_block_skips_its_frame(root: Path, corruption: str, problem: str) -> None:
    path = _iphone(root) / "depth.bin"
    blocks = _blocks(path.read_bytes())
    # generate_layout's default depth.bin: LZ4 blocks of uint16 mm, as current v2 releases ship
    mm = np.frombuffer(lz4.block.decompress(blocks[1], uncompressed_size=192 * 256 * 2), "<u2")
    if corruption == "garbage":
        blocks[1] = b"\xff" * len(blocks[1])
    elif corruption == "cut":  # the block ends mid-sequence (its size header says so)
        blocks[1] = blocks[1][: len(blocks[1]) // 2]
    else:  # a well-formed LZ4 block of half a frame
        blocks[1] = lz4.block.compress(mm[: 96 * 256].tobytes(), store_size=False)
    path.write_bytes(_join(blocks))
    with pytest.raises(SourceError) as err:
        ScanNetPPSource(root, frame_stride=1).load(SCENE)
    assert str(err.value) == (f"{path}: {problem}; re-download the scene with the ScanNet++ download script")
    scene = ScanNetPPSource(root, frame_stride=1, on_error="skip").load(SCENE)
    assert scene.stats["frames_skipped_bad_depth"] == 1 and 1 not in {f.frame_index for f in scene.frames}
    assert len(scene.frames) == 10  # 12 video frames, one without a pose, the corrupt one skipped


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
