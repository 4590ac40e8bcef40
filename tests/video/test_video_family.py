"""The video family from a source's video: clips written by `ladderdata video`, read back through the
source's `video` option, published as JPEG frames (and, with `media.video_clips`, as the clip itself).

PSNR threshold: the clip is x264 at crf 18 (yuv420p) of the colour JPEGs, and the published frame is
that decode re-encoded as JPEG at quality 95. crf 18 keeps about 40-42 dB on the sample's frames and the
JPEG re-encode costs well under 1 dB, so MATCH_DB = 35 leaves 5 dB for codec versions; the neighbouring
colour frame (10 sensor frames apart, a moving camera) scores under 20 dB, so a frame off by one
position fails the test by a wide margin (asserted below, so the threshold is known to separate).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ladderdata.config import load_manifest
from ladderdata.pipeline.run import BuildOptions, run_build
from ladderdata.video import open_video
from ladderdata.video.stills import jpeg_frames
from tests.fixtures.build import TEST_QUOTAS, build_manifest_data, write_manifest
from tests.pipeline.helpers import run_cli
from tests.video.helpers import psnr

MATCH_DB = 35.0
SIZE = (648, 484)  # half the colour resolution: a quarter of the encoding work


def _rgb(data: bytes, size: tuple[int, int] | None = None) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        return np.asarray(img.resize(size, Image.Resampling.LANCZOS) if size else img)


@pytest.fixture(scope="module")
def video_build(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("vsrc") / "sample"
    shutil.copytree(sample_root, root)
    done = run_cli("video", "--source", "sample", "--root", root, "--out", root / "vsi", "--size", "648x484")
    assert done.returncode == 0, done.stderr
    data = build_manifest_data(
        root,
        families={"video": TEST_QUOTAS["video"]},
        media={"policy": "copy", "video_clips": True},
    )
    data["sources"][0]["options"] = {"video": "vsi/{scan}.mp4"}
    out = root.parent / "build"
    run_build(
        load_manifest(write_manifest(root.parent / "m.yaml", data)), BuildOptions(out=out, allow_short=True)
    )
    return root, out


@pytest.mark.slow
def test_video_rows_show_frames_decoded_from_the_video(video_build):
    root, out = video_build
    media = json.loads((out / "meta" / "media.json").read_text())["images"]
    rows = [json.loads(line) for line in (out / "spld_spatial_data.jsonl").read_text().splitlines()]
    assert rows
    used = sorted({rel for r in rows for rel in r["image"]})
    assert used and all("/video/" in rel for rel in used)
    for rel in used:
        entry = media[rel]
        scan, index = entry["scan_id"], entry["frame_index"]
        assert entry["raw"] == f"vsi/{scan}.mp4"
        published = (out / "images" / rel).read_bytes()
        assert hashlib.sha256(published).hexdigest() == entry["sha256"]
        color = root / "export" / scan / "color"
        frames = sorted(int(p.stem) for p in color.glob("*.jpg"))
        assert entry["video_frame"] == frames.index(index)  # video frame k plays the k-th colour frame
        mine = _rgb(published)
        assert mine.shape[:2] == (SIZE[1], SIZE[0])
        assert psnr(mine, _rgb((color / f"{index}.jpg").read_bytes(), SIZE)) > MATCH_DB
        k = frames.index(index)
        neighbour = frames[k + 1] if k + 1 < len(frames) else frames[k - 1]
        assert psnr(mine, _rgb((color / f"{neighbour}.jpg").read_bytes(), SIZE)) < MATCH_DB - 10


@pytest.mark.slow
def test_decoded_frames_are_reproducible(video_build):
    root, out = video_build
    media = json.loads((out / "meta" / "media.json").read_text())["images"]
    rel, entry = sorted((r, e) for r, e in media.items() if "video_frame" in e)[0]
    again = jpeg_frames(root / entry["raw"], [entry["video_frame"]])[entry["video_frame"]]
    assert hashlib.sha256(again).hexdigest() == entry["sha256"]


@pytest.mark.slow
def test_video_clips_option_writes_the_trimmed_clip_at_video_fps(video_build):
    root, out = video_build
    media = json.loads((out / "meta" / "media.json").read_text())["images"]
    scans = sorted({e["scan_id"] for e in media.values() if "video_frame" in e})
    assert scans
    for scan in scans:
        with (
            open_video(out / "videos" / f"{scan}.mp4") as clip,
            open_video(root / "vsi" / f"{scan}.mp4") as src,
        ):
            assert clip.info.fps == pytest.approx(24.0)
            # the sample's kept frames are every exported frame (stride 10 = its export step), so the
            # trimmed clip is the whole source video, frame for frame
            assert clip.info.frame_count == src.info.frame_count
            ts = clip.timestamps()
            (_a, first), (_b, last) = list(clip.frames_at([ts[0], ts[-1]]))
            (_c, src_first), (_d, src_last) = list(src.frames_at([0.0, src.timestamps()[-1]]))
        assert psnr(first, src_first) > MATCH_DB and psnr(last, src_last) > MATCH_DB
