"""A frame dropped for an undecodable colour image leaves the video clock as it was.

The clip plays every captured frame at its capture time; a frame the build cannot show is left out of
what the rows see, not out of the clip (as frames skipped for a missing pose are), so a later frame's
time does not move.
"""

from __future__ import annotations

import pytest

from ladderdata.errors import GenerationError
from ladderdata.generators.frames import VideoTimeline
from ladderdata.generators.scene_index import SceneIndex
from ladderdata.generators.settings import GenerationSettings
from ladderdata.pipeline.scan_work import _drop_frames


def test_dropping_a_frame_keeps_later_frames_at_their_capture_time(tiny_scene):
    # tiny scene: frames 0 and 10 of a clip playing sensor frames 0..10 at 30 fps
    dropped = _drop_frames(tiny_scene, {0: "color_undecodable"})
    assert [f.frame_index for f in dropped.frames] == [10]
    assert dropped.stats["frames_kept"] == 1
    timeline = VideoTimeline(SceneIndex.of(dropped, GenerationSettings()), n_frames=16, fps=24.0)
    assert list(timeline.times.values()) == pytest.approx([10 / 30])


def test_an_image_outside_the_scene_frames_is_an_error(tiny_scene):
    with pytest.raises(GenerationError, match="outside the scene's frames"):
        _drop_frames(tiny_scene, {5: "color_undecodable"})
