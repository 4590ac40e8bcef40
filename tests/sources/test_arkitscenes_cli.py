"""The ARKitScenes layout through the real CLI: `sample --layout`, `scenes --source`, `build`."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import datasets
import pytest
from PIL import Image

from tests.pipeline.helpers import manifest_file, run_cli


@pytest.mark.slow
def test_sample_layout_and_scenes_commands(tmp_path: Path) -> None:
    out = tmp_path / "arkit"
    proc = run_cli(
        "sample", "--layout", "arkitscenes", "--out", out, "--scans", "2", "--frames", "4", "--seed", "2"
    )
    assert proc.returncode == 0, proc.stderr
    assert "90000000, 90000001 = scene9000_00, scene9001_00" in " ".join(proc.stdout.split())
    meta = (out / "3dod" / "metadata.csv").read_text().splitlines()
    assert meta == [
        "video_id,visit_id,fold,sky_direction",
        "90000000,9000000,Training,Up",
        "90000001,9000001,Training,Left",
    ]
    frames = out / "3dod" / "Training" / "90000001" / "90000001_frames"
    assert len(list((frames / "lowres_wide").glob("90000001_*.png"))) == 4
    assert len((frames / "lowres_wide.traj").read_text().splitlines()) == 4
    again = run_cli(
        "sample", "--layout", "arkitscenes", "--out", out, "--scans", "2", "--frames", "4", "--seed", "2"
    )
    assert again.returncode == 0 and "up to date" in again.stdout

    scenes = tmp_path / "scenes"
    proc = run_cli("scenes", "--source", "arkitscenes", "--root", out, "--frame-stride", "1", "--out", scenes)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((scenes / "scenes" / "90000001.json").read_text())
    assert record["source"] == "arkitscenes"
    assert {(f["width"], f["height"]) for f in record["frames"]} == {(192, 256)}


def test_unknown_layout_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli("sample", "--layout", "matterport", "--out", tmp_path / "x")
    assert proc.returncode == 2
    assert "matterport" in proc.stderr and "arkitscenes" in proc.stderr


@pytest.mark.slow
def test_build_from_the_arkitscenes_layout(arkitscenes_root: Path, tmp_path: Path) -> None:
    manifest = {
        "name": "arkit-sample",
        "description": "the test sample in ARKitScenes layout",
        "seed": 0,
        "sources": [
            {
                "name": "arkitscenes",
                "kind": "arkitscenes",
                "root": str(arkitscenes_root),
                "licensed": True,
                "licence": {
                    "name": "CC BY-NC-SA 4.0",
                    "url": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
                },
                "scans": "all",
                "on_error": "warn",
                "frame_stride": 1,
            }
        ],
        "families": {
            "localization": {"quotas": {"localization": 8}},
            "single_image": {"quotas": {"absolute_distance": 2, "object_size": 2, "relative_direction": 2}},
            "multi_view": {"quotas": {"absolute_distance": 4, "object_size": 4}},
            "video": {"quotas": {"object_size": 4, "room_size": 2, "appearance_order": 4}},
        },
        "generation": {"max_per_scan_per_type": 4},
        "media": {"policy": "reference"},
    }
    out = tmp_path / "build"
    proc = run_cli("build", "-m", manifest_file(tmp_path, manifest), "--out", out, "--allow-short", "-q")
    assert proc.returncode == 0, proc.stderr
    spatial = datasets.load_dataset(str(out), "spatial", split="train")
    grounding = datasets.load_dataset(str(out), "grounding", split="train")
    assert len(spatial) >= 15 and len(grounding) >= 4
    assert set(spatial["source"]) == set(grounding["source"]) == {"arkitscenes"}
    assert set(spatial["scene_id"]) == {"90000000", "90000001"}
    assert {"single_image", "multi_view", "video"} <= set(spatial["data_type"])
    media = json.loads((out / "meta" / "media.json").read_text())
    assert media["media_policy"] == "reference" and not (out / "images").exists()
    # published frames are the upright images re-encoded (Source.color_jpeg): no raw file holds them
    assert media["images"] and {e["raw"] for e in media["images"].values()} == {""}
    # ... so materialize asks the adapter, which reproduces the recorded bytes from the raw PNGs
    done = run_cli("materialize", out, "--raw", arkitscenes_root)
    assert done.returncode == 0, done.stderr
    for rel, entry in media["images"].items():
        data = (out / "images" / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        if entry["scan_id"] == "90000001":  # stored sideways: published portrait
            with Image.open(io.BytesIO(data)) as img:
                assert img.format == "JPEG" and img.size == (192, 256)
    card = (out / "README.md").read_text()
    assert "| arkitscenes | arkitscenes | 2 | yes | CC BY-NC-SA 4.0" in card
    # boxes of the rotated scan's rows lie in its upright (portrait) frames
    assert "90000001" in set(grounding["scene_id"])
    for row in grounding:
        if row["scene_id"] == "90000001":
            for box in row["answer"]:
                x1, y1, x2, y2 = box["bbox_2d"]
                assert 0 <= x1 < x2 <= 192 and 0 <= y1 < y2 <= 256
