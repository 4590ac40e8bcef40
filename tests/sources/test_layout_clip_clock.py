"""A video question's clock is the video's own, in every layout: a frame plays at its capture time.

The video generator times a frame by its position in the scene's video record / the record's rate
(`generators.frames.VideoTimeline`). ScanNet's record lists every exported frame, lost-tracking ones
included; the ScanNet++ and ARKitScenes adapters used to list only the frames they kept, so every frame
after a lost-tracking burst played 1/3 s early on the test sample (a first appearance at 12.67 s was
recorded as 12.33 s). Read from the three-layout build's scene records (no scene is loaded again).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ladderdata.generators.frames import VideoTimeline
from ladderdata.generators.scene_index import SceneIndex
from ladderdata.generators.settings import GenerationSettings
from ladderdata.records import SceneRecord

pytestmark = pytest.mark.slow  # reads the three-layout build (tests/fixtures/layouts.py)

ROOMS = [("scene9000_00", "fa00000000", "90000000"), ("scene9001_00", "fa00000001", "90000001")]


@pytest.fixture(scope="module")
def scenes(vsibench_build: Path) -> dict[str, SceneRecord]:
    return {
        p.stem: SceneRecord.model_validate(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted((vsibench_build / "scenes").glob("*.json"))
    }


def _times(scene: SceneRecord) -> dict[int, float]:
    index = SceneIndex(scene, GenerationSettings())
    timeline = VideoTimeline(index, 16, 24.0)
    return {index.frames[p].frame_index: t for p, t in timeline.times.items()}


@pytest.mark.parametrize("scan_id", [s for room in ROOMS for s in room])
def test_every_frame_plays_at_its_capture_time(scenes: dict[str, SceneRecord], scan_id: str) -> None:
    scene = scenes[scan_id]
    # the sample loses tracking once per scan: that frame has no record but keeps its slot in the clip
    assert scene.video is not None and len(scene.video.frame_indices) == len(scene.frames) + 1
    times = _times(scene)
    assert set(times) == {f.frame_index for f in scene.frames}
    for frame in scene.frames:
        # capture times: ScanNet sensor frame / 30, ScanNet++ video pts, ARKitScenes file timestamps
        # (3 decimals)
        assert times[frame.frame_index] == pytest.approx(frame.timestamp, abs=0.001), frame.frame_index


@pytest.mark.parametrize("room", ROOMS, ids=[r[0] for r in ROOMS])
def test_the_same_room_has_the_same_clock_in_every_layout(scenes: dict[str, SceneRecord], room) -> None:
    scannet, scannetpp, arkitscenes = (_times(scenes[s]) for s in room)
    # ScanNet++ video frame k and ARKitScenes frame k are the ScanNet layout's exported frame 10k
    assert {10 * k for k in scannetpp} == set(scannet) == {10 * k for k in arkitscenes}
    for k, t in scannetpp.items():
        assert t == pytest.approx(scannet[10 * k], abs=1e-9)
        assert arkitscenes[k] == pytest.approx(scannet[10 * k], abs=1e-9)
    assert max(scannet.values()) == pytest.approx(59 / 3)  # 60 frames at 3 fps, the last one kept
