"""Small pieces of the video path: clip resampling by hand, and records that keep their JSON without it."""

from __future__ import annotations

import json

import pytest

from ladderdata.config import MediaConfig
from ladderdata.generators.frames import resampled_clip
from ladderdata.records import VideoRecord
from ladderdata.validators.schema import _image_re
from ladderdata.writers.media import MediaEntry


def test_a_faster_video_is_resampled_to_video_fps():
    # 30 fps, 10 frames (1/3 s): at 24 fps the times 0, 1/24, ... 7/24 show frames floor(j * 30 / 24)
    video = VideoRecord(fps=30, frame_indices=list(range(100, 110)), frames_from_video=True)
    positions, rate = resampled_clip(video, 24)
    assert rate == 24
    assert positions == [0, 1, 2, 3, 5, 6, 7, 8]


def test_a_slower_video_or_a_frame_list_plays_as_it_is():
    slow = VideoRecord(fps=3, frame_indices=[0, 10, 20], frames_from_video=True)
    assert resampled_clip(slow, 24) == ([0, 1, 2], 3.0)
    listed = VideoRecord(fps=30, frame_indices=[0, 10, 20])  # not decoded: no resampling (as before)
    assert resampled_clip(listed, 24) == ([0, 1, 2], 30.0)


def test_unset_flags_leave_the_json_unchanged():
    plain = VideoRecord(fps=3, frame_indices=[0])
    assert json.loads(plain.model_dump_json()) == {
        "path": None,
        "fps": 3.0,
        "frame_indices": [0],
        "sensor_fps": 30.0,
    }
    decoded = VideoRecord(path="v/a.mp4", fps=24, frame_indices=[0], frames_from_video=True)
    assert VideoRecord.model_validate_json(decoded.model_dump_json()) == decoded
    assert MediaConfig().model_dump() == {"policy": "auto"}
    assert MediaConfig(video_clips=True).model_dump() == {"policy": "auto", "video_clips": True}
    entry = MediaEntry("s", 10, "src", False, "export/s/color/10.jpg", "ab", 3)
    assert "video_frame" not in entry.to_dict()
    frame = MediaEntry("s", 10, "src", False, "videos/s.mp4", "ab", 3, video_frame=1)
    assert MediaEntry.from_dict(frame.to_dict()) == frame


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("scene0001_00/10.jpg", True),
        ("scene0001_00/video/10.jpg", True),
        ("scene0001_00/other/10.jpg", False),
    ],
)
def test_published_image_paths(path, ok):
    assert bool(_image_re("scene0001_00").match(path)) is ok
