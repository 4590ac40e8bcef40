"""The ScanNet++ and ARKitScenes adapters own their raw layout (`Source.raw_files`, `checksum`,
`color_path`, `color_jpeg`): checked on the sample written in each layout.

- ARKitScenes: a published frame is the upright image (the raw PNG turned by the sky direction) as a
  JPEG, the size its FrameRecord says, close to the raw pixels turned by hand; no raw file holds it.
- ScanNet++: with the toolkit's extracted frames the JPEG is the extracted file's bytes; without them
  it is the video frame decoded, and it matches the extracted frame (same picture, h264 loss only).
- Both: the checksum follows the annotation's content and ignores where the root lies.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ladderdata.geometry.upright import SKY_ROTATION_CW
from ladderdata.sources import ARKitScenesSource, ScanNetPPSource

pytestmark = pytest.mark.slow  # renders the test sample's rooms in the other layouts (minutes, once)


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        return np.asarray(img.convert("RGB"), dtype=np.float64)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def test_arkitscenes_frames_are_upright_jpegs(arkitscenes_root: Path) -> None:
    source = ARKitScenesSource(arkitscenes_root)
    skies = {source.sky(v) for v in ("90000000", "90000001")}
    assert skies == {"Up", "Left"}  # one scan is stored sideways
    for video in ("90000000", "90000001"):
        scene = source.load(video)
        frame = scene.frames[0]
        assert source.color_path(video, frame.frame_index) is None
        data = source.color_jpeg(video, frame.frame_index)
        pixels = _pixels(data)
        assert pixels.shape[:2] == (frame.height, frame.width)
        raw = Path(frame.color_path)
        raw = raw if raw.is_absolute() else arkitscenes_root / raw
        with Image.open(raw) as img:
            stored = np.asarray(img.convert("RGB"), dtype=np.float64)
        turns = (
            SKY_ROTATION_CW[source.sky(video)] // 90
        )  # the format note's rule: Left -> 90 degrees clockwise
        by_hand = np.rot90(stored, k=-turns)
        assert by_hand.shape == pixels.shape
        assert _psnr(pixels, by_hand) > 30  # JPEG quality 95 of the same picture
        assert source.color_jpeg(video, frame.frame_index) == data  # deterministic: materialize can verify


def test_arkitscenes_checksum_follows_the_annotation(arkitscenes_root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ark"
    shutil.copytree(arkitscenes_root, copy)
    before = ARKitScenesSource(arkitscenes_root).checksum("90000000")
    assert ARKitScenesSource(copy).checksum("90000000") == before  # the root's place does not count
    names = {f.name for f in ARKitScenesSource(copy).raw_files("90000000")}
    assert {"90000000_3dod_annotation.json", "90000000_3dod_mesh.ply", "lowres_wide.traj"} <= names
    ann = next(copy.rglob("90000000_3dod_annotation.json"))
    doc = json.loads(ann.read_text())
    doc["data"][0]["segments"]["obbAligned"]["centroid"][0] += 0.05  # one box moved 5 cm
    ann.write_text(json.dumps(doc))
    assert ARKitScenesSource(copy).checksum("90000000") != before


def test_scannetpp_colour_from_extracted_frames_or_the_video(scannetpp_root: Path, tmp_path: Path) -> None:
    scene_id = "fa00000000"
    source = ScanNetPPSource(scannetpp_root)
    frame = source.load(scene_id).frames[0]
    extracted = source.color_path(scene_id, frame.frame_index)
    assert extracted is not None and extracted.is_file()
    assert source.color_jpeg(scene_id, frame.frame_index) == extracted.read_bytes()

    copy = tmp_path / "pp"
    shutil.copytree(scannetpp_root, copy)
    shutil.rmtree(copy / "data" / scene_id / "iphone" / "rgb")
    bare = ScanNetPPSource(copy)
    assert bare.color_path(scene_id, frame.frame_index) is None
    decoded = bare.color_jpeg(scene_id, frame.frame_index)
    assert _psnr(_pixels(decoded), _pixels(extracted.read_bytes())) > 30
    names = {f.name for f in bare.raw_files(scene_id)}
    assert {"scans/segments_anno.json", "iphone/pose_intrinsic_imu.json"} <= names
    assert not any(n.startswith("iphone/rgb/") for n in names)
