"""Bad ARKitScenes input: one line naming the file per skipped scan, frame or object."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ladderdata.errors import ConfigError, SourceError
from ladderdata.sample.layouts import generate_layout
from ladderdata.sources import ARKitScenesSource

VIDEO = "90000000"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One room, 12 frames, in ARKitScenes layout (never modified: tests copy it)."""
    out = tmp_path_factory.mktemp("arkit") / "sample"
    return generate_layout(out, "arkitscenes", scans=1, frames=12, seed=0)


@pytest.fixture
def root(small: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "sample"
    shutil.copytree(small, copy)
    return copy / "3dod"


def _video(root: Path) -> Path:
    return root / "Training" / VIDEO


def _frames(root: Path) -> Path:
    return _video(root) / f"{VIDEO}_frames"


def _one_line(err: Exception) -> str:
    text = str(err)
    assert "\n" not in text
    return text


def _annotation(root: Path) -> tuple[Path, dict]:
    path = _video(root) / f"{VIDEO}_3dod_annotation.json"
    return path, json.loads(path.read_text())


def test_the_intact_copy_loads(root: Path) -> None:
    scene = ARKitScenesSource(root).load(VIDEO)
    # 12 frames, one of them in the sample's lost-tracking burst (an image without a .traj line)
    assert len(scene.frames) == 11 and scene.stats["frames_skipped_missing_pose"] == 1
    assert scene.stats["objects_kept"] == len(scene.objects)
    assert not any(k.startswith("objects_skipped") for k in scene.stats)
    assert [k for k in scene.stats if k.startswith("frames_skipped")] == ["frames_skipped_missing_pose"]


def test_object_without_box_is_skipped_or_fails_with_its_entry(root: Path) -> None:
    path, doc = _annotation(root)
    label = doc["data"][0]["label"]
    del doc["data"][0]["segments"]["obbAligned"]
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceError) as err:
        ARKitScenesSource(root).load(VIDEO)
    assert _one_line(err.value).startswith(
        f"{path}: data[0] ('{label}', objectId 0) has no segments.obbAligned box"
    )
    scene = ARKitScenesSource(root, on_error="skip").load(VIDEO)
    assert scene.stats["objects_skipped_bad_box"] == 1
    assert 0 not in {o.instance_id for o in scene.objects}


def test_box_around_no_mesh_is_skipped(root: Path) -> None:
    path, doc = _annotation(root)
    doc["data"][1]["segments"]["obbAligned"]["centroid"] = [100.0, 100.0, 100.0]
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceError, match=r"data\[1\] .*: 0 mesh vertices inside its box"):
        ARKitScenesSource(root).load(VIDEO)
    assert ARKitScenesSource(root, on_error="skip").load(VIDEO).stats["objects_skipped_empty"] == 1


def test_bad_rotation_and_lengths_are_named(root: Path) -> None:
    path, doc = _annotation(root)
    doc["data"][0]["segments"]["obbAligned"]["normalizedAxes"] = [1, 0, 0, 1, 0, 0, 0, 0, 1]
    doc["data"][1]["segments"]["obbAligned"]["axesLengths"] = [0.5, 0.0, 0.4]
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceError, match="normalizedAxes is not a rotation"):
        ARKitScenesSource(root).load(VIDEO)
    assert ARKitScenesSource(root, on_error="skip").load(VIDEO).stats["objects_skipped_bad_box"] == 2


def test_missing_depth_and_intrinsics_skip_their_frames(root: Path) -> None:
    depth = sorted((_frames(root) / "lowres_depth").iterdir())[3]
    depth.unlink()
    pincam = sorted((_frames(root) / "lowres_wide_intrinsics").iterdir())[5]
    pincam.unlink()
    with pytest.raises(SourceError) as err:
        ARKitScenesSource(root).load(VIDEO)
    assert (
        _one_line(err.value)
        == f"{depth}: depth image is missing; re-download the video with ARKitScenes' download_data.py"
    )
    scene = ARKitScenesSource(root, on_error="skip").load(VIDEO)
    assert scene.stats["frames_skipped_bad_depth"] == 1
    assert scene.stats["frames_skipped_bad_intrinsics"] == 1
    assert len(scene.frames) == 9


def test_wrong_image_size_is_named(root: Path) -> None:
    pincam = sorted((_frames(root) / "lowres_wide_intrinsics").iterdir())[2]
    pincam.write_text("320 240 231.1 232.1 159.5 119.5\n")
    with pytest.raises(SourceError, match=r"colour image is 256x192, its \.pincam says 320x240"):
        ARKitScenesSource(root).load(VIDEO)
    assert ARKitScenesSource(root, on_error="skip").load(VIDEO).stats["frames_skipped_bad_color"] == 1


def test_frame_without_pose_is_counted(root: Path) -> None:
    traj = _frames(root) / "lowres_wide.traj"
    lines = traj.read_text().splitlines()
    traj.write_text("\n".join(lines[:4] + lines[6:]) + "\n")
    scene = ARKitScenesSource(root).load(VIDEO)
    assert scene.stats["frames_skipped_missing_pose"] == 1 + 2 and len(scene.frames) == 9


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("traj", r"lowres_wide\.traj: line 3 is not 7 finite numbers"),
        ("mesh", r"_3dod_mesh\.ply: mesh file is missing"),
        ("skipped", r"annotation is marked skipped"),
        ("metadata", r"metadata\.csv: video 90000000 has no valid sky_direction \(Sideways\)"),
        ("frames", r"lowres_wide: no colour frames"),
    ],
)
def test_bad_scans_are_skipped_with_one_line_reasons(root: Path, breakage: str, expected: str) -> None:
    if breakage == "traj":
        traj = _frames(root) / "lowres_wide.traj"
        lines = traj.read_text().splitlines()
        lines[2] = lines[2] + " 7"
        traj.write_text("\n".join(lines) + "\n")
    elif breakage == "mesh":
        (_video(root) / f"{VIDEO}_3dod_mesh.ply").unlink()
    elif breakage == "skipped":
        path, doc = _annotation(root)
        path.write_text(json.dumps(dict(doc, skipped=True)))
    elif breakage == "metadata":
        meta = root / "metadata.csv"
        meta.write_text(meta.read_text().replace(",Up", ",Sideways"))
    else:
        for png in (_frames(root) / "lowres_wide").iterdir():
            png.unlink()
    source = ARKitScenesSource(root, on_error="skip")
    results = list(source.iter_results())
    assert [r.scene for r in results] == [None]
    reason = source.skipped[VIDEO]
    assert "\n" not in reason
    assert re.search(expected, reason), reason
    with pytest.raises(SourceError):
        ARKitScenesSource(root).load(VIDEO)


def test_bad_options_are_config_errors(root: Path) -> None:
    with pytest.raises(ConfigError, match="sky_direction must be one of"):
        ARKitScenesSource(root, sky_direction="Sideways")
    with pytest.raises(ConfigError, match="no export folder"):
        ARKitScenesSource(root, root)
    with pytest.raises(SourceError, match="no Training/ or Validation/ folder"):
        ARKitScenesSource(root / "Training").scan_ids()


def test_sky_direction_option_overrides_metadata(root: Path) -> None:
    (root / "metadata.csv").unlink()
    with pytest.raises(SourceError, match=r"metadata\.csv: file is missing"):
        ARKitScenesSource(root).load(VIDEO)
    scene = ARKitScenesSource(root, sky_direction="Down").load(VIDEO)
    assert scene.stats["sky_direction_down"] == 1
    assert all(f.pose[2][1] > 0.8 for f in scene.frames)  # turned the wrong way: the image's down is up
