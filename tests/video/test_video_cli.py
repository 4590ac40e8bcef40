"""`ladderdata video` through the real entry point: clips from a scan's colour frames, errors in one line."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ladderdata.video import open_video
from tests.fixtures.build import build_manifest_data, write_manifest
from tests.pipeline.helpers import run_cli
from tests.video.helpers import psnr, run_cli_env

SMALL = (324, 242)


@pytest.fixture
def root(sample_root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "sample"
    shutil.copytree(sample_root, copy)
    return copy


def _color(root: Path, scan: str) -> list[Path]:
    folder = root / "export" / scan / "color"
    return sorted(folder.glob("*.jpg"), key=lambda p: int(p.stem))


def _small(path: Path) -> np.ndarray:
    with Image.open(io.BytesIO(path.read_bytes())) as img:
        return np.asarray(img.convert("RGB").resize(SMALL, Image.Resampling.LANCZOS))


def test_writes_every_colour_frame_at_24_fps_then_keeps_it(root: Path, tmp_path: Path):
    out = tmp_path / "clips"
    env = {**os.environ, "LADDERDATA_PROGRESS_SECONDS": "0"}
    args = ("video", "--root", root, "--scan-ids", "scene9000_00", "--out", out, "--size", "324x242")
    done = run_cli_env(args, env)
    assert done.returncode == 0, done.stderr
    assert "video: scene9000_00, 60 frames" in done.stderr  # progress line (stderr is not a terminal)
    assert "1 clip(s) written, 0 kept, 60 frames at 24 fps" in done.stdout
    clip = out / "scene9000_00.mp4"
    colour = _color(root, "scene9000_00")
    with open_video(clip) as reader:
        assert (reader.info.fps, reader.info.frame_count) == (24.0, len(colour))
        assert (reader.info.width, reader.info.height) == SMALL
        ts = reader.timestamps()
        got = list(reader.frames_at([ts[0], ts[30], ts[-1]]))
    for (_t, rgb), k in zip(got, (0, 30, len(colour) - 1), strict=True):
        assert (
            psnr(rgb, _small(colour[k])) > 35
        )  # each video frame is its colour frame (threshold: test_video_family)
        assert psnr(rgb, _small(colour[k - 1 if k else 1])) < 25
    before = clip.read_bytes()
    again = run_cli_env(args, env)
    assert again.returncode == 0 and "0 clip(s) written, 1 kept" in again.stdout
    assert clip.read_bytes() == before


def test_manifest_scans_through_the_source_adapter(root: Path, tmp_path: Path):
    manifest = write_manifest(tmp_path / "m.yaml", build_manifest_data(root))
    out = tmp_path / "clips"
    done = run_cli(
        "video", "--manifest", manifest, "--scan-ids", "scene9001_00", "--out", out, "--size", "324x242"
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["scene9001_00.mp4"]
    with open_video(out / "scene9001_00.mp4") as reader:
        assert reader.info.frame_count == len(_color(root, "scene9001_00"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--size", "big"), "--size 'big': expected WIDTHxHEIGHT"),
        (("--source", "scannet"), "--source scannet needs --root"),
        (("--scan-ids", "scene7777_00"), "scene7777_00"),
    ],
)
def test_bad_input_is_one_line(root: Path, tmp_path: Path, args, message):
    base = () if "--source" in args else ("--root", root)
    done = run_cli("video", *base, *args, "--out", tmp_path / "clips")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
    assert not (tmp_path / "clips").exists() or not any((tmp_path / "clips").iterdir())
