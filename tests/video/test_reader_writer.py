"""The video reader and writer on real files: frames at the right times, metadata, errors, determinism."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from ladderdata.errors import LadderDataError
from ladderdata.video import VideoError, open_video
from ladderdata.video.writer import resample_times, write_clip
from tests.video.helpers import coded_frame, psnr, read_index, write_with_av

N = 48  # two seconds at 24 fps: several GOPs are not needed to test the seek path (it seeks to frame 0)


@pytest.fixture(scope="module")
def clip24(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "c24.mp4"
    write_clip(path, (coded_frame(i) for i in range(N)), 24)
    return path


def test_written_clip_metadata_and_timestamps(clip24):
    with open_video(clip24) as reader:
        info = reader.info
        assert (info.fps, info.frame_count, info.width, info.height, info.rotation_deg) == (
            24.0,
            N,
            640,
            480,
            0,
        )
        assert info.duration_s == pytest.approx(2.0)
        np.testing.assert_allclose(reader.timestamps(), np.arange(N) / 24, atol=1e-9)


def test_frames_at_sparse_and_dense_show_the_frame_of_each_time(clip24):
    with open_video(clip24) as reader:
        sparse = [0.0, 0.49, 0.5, 1.0 + 1 / 48, 47 / 24, 5.0]  # 5.0: past the end shows the last frame
        got = list(reader.frames_at(sparse))
        # the frame shown at t is the last one starting at or before t
        assert [read_index(rgb) for _t, rgb in got] == [0, 11, 12, 24, 47, 47]
        assert [round(t * 24) for t, _rgb in got] == [0, 11, 12, 24, 47, 47]
        dense = list(reader.frames_at([j / 24 for j in range(N)]))
        assert [read_index(rgb) for _t, rgb in dense] == list(range(N))
        # close to the frames it was made from (crf 18 on a smooth gradient)
        assert min(psnr(rgb, coded_frame(i)) for i, (_t, rgb) in enumerate(dense)) > 38


def test_frames_at_seeks_back_for_each_call_and_repeats_a_frame(clip24):
    with open_video(clip24) as reader:
        assert [read_index(a) for _t, a in reader.frames_at([1.5])] == [36]
        assert [read_index(a) for _t, a in reader.frames_at([0.1, 0.1, 0.11])] == [2, 2, 2]


def test_mkv_with_millisecond_timestamps(tmp_path):
    # mkv stores times in ms (frame 1 of 24 fps at 42 ms, not 41.67): the reader still returns frame j
    # for t = j / 24
    path = write_with_av(tmp_path / "c.mkv", 30, 24)
    with open_video(path) as reader:
        assert reader.info.fps == pytest.approx(24.0)
        got = [read_index(rgb) for _t, rgb in reader.frames_at([j / 24 for j in range(30)])]
    assert got == list(range(30))


def test_long_gop_sparse_pick_30fps(tmp_path):
    path = write_with_av(tmp_path / "long.mp4", 300, 30)  # 10 s, a few keyframes apart
    with open_video(path) as reader:
        times = list(np.linspace(0, 299 / 30, 16))
        got = [read_index(rgb) for _t, rgb in reader.frames_at(times)]
    assert got == [int(np.floor(t * 30 + 1e-6)) for t in times]


def test_writer_is_byte_identical_and_pads_odd_sizes(tmp_path):
    frames = [coded_frame(i, 321, 241) for i in range(5)]
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    assert write_clip(a, frames, 24) == 5
    write_clip(b, frames, 24)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with open_video(a) as reader:
        assert (reader.info.width, reader.info.height) == (322, 242)
        _t, rgb = next(reader.frames_at([0.0]))
    assert psnr(rgb[:241, :321], frames[0]) > 38
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left


def test_writer_accepts_jpeg_bytes(tmp_path):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(coded_frame(3)).save(buf, format="JPEG", quality=95)
    write_clip(tmp_path / "j.mp4", [buf.getvalue()] * 2, 24)
    with open_video(tmp_path / "j.mp4") as reader:
        assert [read_index(a) for _t, a in reader.frames_at([0.0, 1 / 24])] == [3, 3]


def test_resample_times():
    assert resample_times(1.0, 4) == [0.0, 0.25, 0.5, 0.75]
    assert resample_times(0.0, 24) == []
    with pytest.raises(VideoError):
        resample_times(1.0, 0)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(VideoError, match="no such video file"):
        open_video(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoError, match=r"junk\.mp4: cannot open as a video"):
        open_video(junk)
    assert issubclass(VideoError, LadderDataError)
    with pytest.raises(VideoError, match="no frames"):
        write_clip(tmp_path / "empty.mp4", [], 24)
    with pytest.raises(VideoError, match="resize the frames to one size"):
        write_clip(tmp_path / "mixed.mp4", [coded_frame(0), coded_frame(1, 320, 240)], 24)
    assert not (tmp_path / "mixed.mp4").exists()


def test_truncated_mkv_keeps_the_frames_before_the_cut(tmp_path):
    path = write_with_av(tmp_path / "t.mkv", 90, 30)
    data = path.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    with open_video(cut) as reader:
        n = len(reader.timestamps())
        assert 10 < n < 90
        assert reader.info.frame_count == n
        got = [read_index(a) for _t, a in reader.frames_at([j / 30 for j in range(n - 2)])]
    assert got == list(range(n - 2))
