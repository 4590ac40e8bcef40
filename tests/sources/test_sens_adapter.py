"""A real `.sens` written from the sample's export, read back, and read by the ScanNet adapter.

The test sample exports every 10th sensor frame (0, 10, 20, ...); its `.sens` holds all sensor frames
(`numColorFrames` of the scene file), the unrendered ones as dropped frames, so frame numbers agree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from ladderdata.errors import ConfigError, SourceError
from ladderdata.sample.sens import write_sens_from_export
from ladderdata.sources import scannet_files as files
from ladderdata.sources.scannet import ScanNetSource
from ladderdata.sources.scannet_frames import LOST_TO_CUT
from ladderdata.sources.sens import FRAME_HEADER_BYTES, SensFile, split_member

SCAN = "scene9000_00"


def copy_scan(sample_root: Path, dest: Path, *, export: bool = True) -> Path:
    """A root with the sample scan's scan folder (and export), plus its `.sens`."""
    shutil.copytree(sample_root / "scans" / SCAN, dest / "scans" / SCAN)
    if export:
        shutil.copytree(sample_root / "export" / SCAN, dest / "export" / SCAN)
    meta = files.read_scene_meta(dest / "scans" / SCAN / f"{SCAN}.txt")
    write_sens_from_export(
        sample_root / "export" / SCAN,
        dest / "scans" / SCAN / f"{SCAN}.sens",
        num_frames=int(meta["numColorFrames"]),
    )
    return dest


@pytest.fixture(scope="module")
def both(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_scan(sample_root, tmp_path_factory.mktemp("sens-both"))


def test_round_trip_through_a_written_sens(both: Path):
    export = both / "export" / SCAN
    meta = files.read_scene_meta(both / "scans" / SCAN / f"{SCAN}.txt")
    exported = sorted(int(p.stem) for p in (export / "pose").glob("*.txt"))
    with SensFile(both / "scans" / SCAN / f"{SCAN}.sens") as f:
        h = f.header
        assert (h.version, h.color_compression, h.depth_compression) == (4, "jpeg", "zlib_ushort")
        assert h.color_size == (int(meta["colorWidth"]), int(meta["colorHeight"]))
        assert h.depth_size == (int(meta["depthWidth"]), int(meta["depthHeight"]))
        assert h.depth_shift == 1000.0 and f.frames == h.num_frames == int(meta["numColorFrames"])
        for kind in ("color", "depth"):
            k = files.read_matrix4(export / "intrinsic" / f"intrinsic_{kind}.txt", kind)
            np.testing.assert_allclose(getattr(h, f"intrinsic_{kind}"), k, rtol=1e-7)  # float32
        assert [i for i in range(f.frames) if f.has_image(i)] == exported
        for i in exported[::7]:
            assert f.color_bytes(i) == (export / "color" / f"{i}.jpg").read_bytes()
            png = cv2.imread(str(export / "depth" / f"{i}.png"), cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(f.depth(i), png)
            pose = files.read_matrix4(export / "pose" / f"{i}.txt", "pose")
            if np.all(np.isfinite(pose)):
                np.testing.assert_allclose(f.pose(i), pose, atol=1e-6)
            else:
                assert np.all(np.isneginf(f.pose(i)))
        assert np.all(np.isneginf(f.pose(1)))  # a sensor frame the sample did not render


def without_paths(scene) -> dict:
    data = scene.model_dump()
    for frame in data["frames"]:
        frame.pop("color_path")
        frame.pop("depth_path")
    return data


def test_scene_records_from_sens_and_export_are_identical(both: Path):
    from_export = ScanNetSource(both, frames_from="export").load(SCAN)
    from_sens = ScanNetSource(both).load(SCAN)  # auto: the .sens wins when both exist
    assert all(".sens#color/" in f.color_path for f in from_sens.frames)
    assert all(f.color_path.startswith(f"export/{SCAN}/color/") for f in from_export.frames)
    assert without_paths(from_sens) == without_paths(from_export)
    # the paths name the same bytes
    for a, b in zip(from_sens.frames[::9], from_export.frames[::9], strict=False):
        sens, kind, index = split_member(both / a.color_path)
        assert (sens.name, kind, index) == (f"{SCAN}.sens", "color", b.frame_index)
        with SensFile(sens) as f:
            assert f.color_bytes(index) == (both / b.color_path).read_bytes()
    assert from_sens.stats["frames_skipped_pose_non_finite"] > 0  # lost tracking survives the trip


def test_frames_from_option(both: Path, tmp_path: Path):
    with pytest.raises(ConfigError, match="frames_from must be one of auto, sens, export"):
        ScanNetSource(both, frames_from="video")
    shutil.copytree(both / "scans", tmp_path / "scans")
    (tmp_path / "scans" / SCAN / f"{SCAN}.sens").unlink()
    with pytest.raises(SourceError, match=r"no \.sens file \(frames_from: sens\)"):
        ScanNetSource(tmp_path, frames_from="sens").load(SCAN)
    with pytest.raises(SourceError, match=f"no {SCAN}.sens and no SensReader export"):
        ScanNetSource(tmp_path).load(SCAN)


@pytest.mark.slow
def test_sens_cut_mid_frame_keeps_earlier_frames(both: Path, tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(both / "scans", root / "scans")
    sens = root / "scans" / SCAN / f"{SCAN}.sens"
    with SensFile(sens) as f:
        total = f.frames
        cut_frame = 300  # an exported frame: the cut lands inside its JPEG
        cut_at = int(f.index.offsets[cut_frame]) + FRAME_HEADER_BYTES + 100
    with open(sens, "r+b") as fh:
        fh.truncate(cut_at)
    with pytest.raises(SourceError, match=rf"cut inside frame {cut_frame}: {total - cut_frame} of {total}"):
        ScanNetSource(root).load(SCAN)  # on_error=raise (--strict) refuses it
    scene = ScanNetSource(root, on_error="skip").load(SCAN)
    assert scene.stats[LOST_TO_CUT] == total - cut_frame
    full = ScanNetSource(both, on_error="skip").load(SCAN)
    before = [
        without_paths(full)["frames"][k] for k, f in enumerate(full.frames) if f.frame_index < cut_frame
    ]
    assert without_paths(scene)["frames"] == before
    assert scene.stats["frames_total"] == cut_frame // 10
