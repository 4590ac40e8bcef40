"""The `.sens` reader on files laid out by hand from the format notes (reference/scannet-sens.md).

The bytes here are packed field by field with `struct`, independently of the sample's writer, so the
reader is checked against the format itself: offsets, row-major matrices, zlib depth, -inf poses, and
every bad-input case (truncated header, wrong version, unknown compression, fewer frames than the
header says, a cut mid-frame).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from ladderdata.errors import LadderDataError, SourceError
from ladderdata.sources.sens import SensError, SensFile, build_index, read_color_bytes, split_member

K_COLOR = [[2, 0, 2, 0], [0, 2, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
K_DEPTH = [[1, 0, 1, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
# two fake "JPEGs" (the reader never decodes colour: any bytes come back as stored)
JPEGS = [b"\xff\xd8first-jpeg\xff\xd9", b"\xff\xd8the second one\xff\xd9"]
DEPTHS = [[1000, 1500, 0, 2000], [7, 8, 9, 65535]]


def mat(rows) -> bytes:
    return struct.pack("<16f", *[v for row in rows for v in row])


def header(frames: int, *, version: int = 4, color_type: int = 2, depth_type: int = 1) -> bytes:
    out = struct.pack("<I", version) + struct.pack("<Q", 4) + b"test"
    out += mat(K_COLOR) + mat(np.eye(4)) + mat(K_DEPTH) + mat(np.eye(4))
    out += struct.pack("<ii", color_type, depth_type)
    out += struct.pack("<IIII", 4, 2, 2, 2)  # colour 4x2, depth 2x2
    out += struct.pack("<f", 1000.0) + struct.pack("<Q", frames)
    return out


def frame(k: int) -> bytes:
    pose = np.eye(4)
    pose[:3, 3] = [1.5 + k, -2.25, 0.75]  # translation at float indices 3, 7, 11
    if k == 1:
        pose[:] = -np.inf  # lost tracking
    depth = zlib.compress(struct.pack("<4H", *DEPTHS[k]))
    head = mat(pose) + struct.pack("<QQQQ", 1000 * k, 1000 * k + 5, len(JPEGS[k]), len(depth))
    return head + JPEGS[k] + depth


def write(tmp_path: Path, data: bytes, name: str = "scene0000_00.sens") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def good_file(tmp_path: Path) -> Path:
    return write(tmp_path, header(2) + frame(0) + frame(1) + struct.pack("<Q", 0))


def test_header_fields_and_offsets(tmp_path):
    path = good_file(tmp_path)
    index = build_index(path)
    h = index.header
    assert (h.version, h.sensor_name) == (4, "test")
    assert h.header_bytes == 0x134  # 304 + len("test"), the reference's worked example
    np.testing.assert_array_equal(h.intrinsic_color, K_COLOR)
    np.testing.assert_array_equal(h.intrinsic_depth, K_DEPTH)
    np.testing.assert_array_equal(h.extrinsic_color, np.eye(4))
    assert (h.color_compression, h.depth_compression) == ("jpeg", "zlib_ushort")
    assert (h.color_size, h.depth_size, h.depth_shift, h.num_frames) == ((4, 2), (2, 2), 1000.0, 2)
    second = 0x134 + 96 + len(JPEGS[0]) + len(zlib.compress(struct.pack("<4H", *DEPTHS[0])))
    assert index.offsets.tolist() == [0x134, second]
    assert index.timestamps_color.tolist() == [0, 1000]
    assert index.timestamps_depth.tolist() == [5, 1005]
    assert index.lost_frames == 0


def test_frames_pose_colour_depth(tmp_path):
    with SensFile(good_file(tmp_path)) as f:
        assert f.frames == 2
        pose = f.pose(0)
        assert pose[0, 3] == 1.5 and pose[1, 3] == -2.25 and pose[2, 3] == 0.75
        assert np.all(np.isneginf(f.pose(1)))
        assert [f.color_bytes(0), f.color_bytes(1)] == JPEGS
        np.testing.assert_array_equal(f.depth(0), [[1000, 1500], [0, 2000]])
        assert f.depth(1).dtype == np.uint16 and f.depth(1)[1, 1] == 65535
        assert f.has_image(0) and f.has_image(1)
        with pytest.raises(SensError, match="no frame 2"):
            f.color_bytes(2)


def test_virtual_member_paths_resolve_to_the_jpeg(tmp_path):
    path = good_file(tmp_path)
    member = f"{path}#color/1.jpg"
    assert split_member(member) == (path, "color", 1)
    assert split_member(tmp_path / "color" / "1.jpg") is None
    assert read_color_bytes(member) == JPEGS[1]
    with pytest.raises(FileNotFoundError):
        read_color_bytes(f"{tmp_path / 'gone.sens'}#color/0.jpg")


def one_line_error(path: Path, match: str) -> str:
    with pytest.raises(SensError, match=match) as info:
        build_index(path)
    err = info.value
    assert isinstance(err, SourceError) and isinstance(err, LadderDataError)
    msg = str(err)
    assert "\n" not in msg and str(path) in msg and "; " in msg  # names the file, then the fix
    return msg


def test_truncated_header(tmp_path):
    msg = one_line_error(write(tmp_path, header(2)[:200]), "truncated header")
    assert "re-download" in msg
    one_line_error(write(tmp_path, b"\x04\x00", "tiny.sens"), "truncated header")


def test_wrong_version(tmp_path):
    msg = one_line_error(write(tmp_path, header(2, version=3) + frame(0) + frame(1)), "version 3")
    assert "expected 4" in msg


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [({"color_type": 1}, "colour compression png"), ({"depth_type": 2}, "depth compression occi_ushort")],
)
def test_unknown_compression(tmp_path, kwargs, what):
    one_line_error(write(tmp_path, header(2, **kwargs) + frame(0) + frame(1)), what)


def test_fewer_frames_than_the_header_says(tmp_path):
    msg = one_line_error(write(tmp_path, header(3) + frame(0) + frame(1)), "holds 2 frames")
    assert "header says 3" in msg


@pytest.mark.parametrize("keep", [10, 96 + 5])  # inside the frame header, inside the JPEG
def test_cut_mid_frame_keeps_the_frames_before(tmp_path, keep):
    data = header(3) + frame(0) + frame(1) + frame(0)[:keep]
    with SensFile(write(tmp_path, data)) as f:
        assert f.frames == 2 and f.lost_frames == 1
        assert f.color_bytes(1) == JPEGS[1]
        np.testing.assert_array_equal(f.depth(0), [[1000, 1500], [0, 2000]])


def test_corrupt_depth_names_the_frame(tmp_path):
    data = bytearray(header(1) + frame(0))
    data[-3] ^= 0xFF  # inside the zlib stream (its Adler-32 no longer matches)
    with SensFile(write(tmp_path, bytes(data))) as f:
        with pytest.raises(SensError, match=r"#depth/0: depth is not a zlib stream"):
            f.depth(0)
