"""The ScanNet adapter's `video` option: where it looks, and a missing video as a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladderdata.errors import SourceError
from ladderdata.sources.scannet import ScanNetSource


def test_video_path_template_folder_and_default(tmp_path: Path):
    assert ScanNetSource(tmp_path).video_path("s1") == tmp_path / "videos" / "s1.mp4"
    assert ScanNetSource(tmp_path, video="clips/{scan}.mkv").video_path("s1") == tmp_path / "clips" / "s1.mkv"
    assert ScanNetSource(tmp_path, video="clips").video_path("s1") == tmp_path / "clips" / "s1.mp4"
    elsewhere = tmp_path / "far"
    assert ScanNetSource(tmp_path, video=f"{elsewhere}/{{scan}}.mp4").video_path("s1") == elsewhere / "s1.mp4"


@pytest.mark.slow
def test_missing_video_names_the_file(sample_root: Path):
    source = ScanNetSource(sample_root, video="no_such/{scan}.mp4")
    with pytest.raises(SourceError, match=r"no_such/scene9000_00\.mp4.*ladderdata video") as err:
        source.load("scene9000_00")
    assert "\n" not in str(err.value)
