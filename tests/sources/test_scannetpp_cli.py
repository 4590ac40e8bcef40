"""The ScanNet++ layout through the real CLI: `sample --layout scannetpp`, `scenes`, `build`."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from ladderdata.video import open_video
from tests.pipeline.helpers import manifest_file, run_cli


@pytest.mark.slow
def test_sample_layout_and_scenes_commands(tmp_path: Path) -> None:
    out = tmp_path / "spp"
    proc = run_cli("sample", "--layout", "scannetpp", "--out", out, "--scans", "1", "--frames", "4")
    assert proc.returncode == 0, proc.stderr
    iphone = out / "data" / "fa00000000" / "iphone"
    with open_video(iphone / "rgb.mkv") as reader:
        assert (reader.info.width, reader.info.height, reader.info.fps) == (960, 720, 3.0)
        assert len(reader.timestamps()) == 4
    assert sorted(json.loads((iphone / "pose_intrinsic_imu.json").read_text())) == [
        f"frame_{k:06d}" for k in range(4)
    ]
    assert (out / "splits" / "nvs_sem_train.txt").read_text() == "fa00000000\n"

    scenes = tmp_path / "scenes"
    proc = run_cli("scenes", "--source", "scannetpp", "--root", out, "--frame-stride", "1", "--out", scenes)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((scenes / "scenes" / "fa00000000.json").read_text())
    assert record["source"] == "scannetpp" and len(record["frames"]) == 4


@pytest.mark.slow
def test_build_from_the_scannetpp_layout(scannetpp_root: Path, tmp_path: Path) -> None:
    manifest = {
        "name": "scannetpp-sample",
        "description": "the test sample in ScanNet++ layout",
        "seed": 0,
        "sources": [
            {
                "name": "scannetpp",
                "kind": "scannetpp",
                "root": str(scannetpp_root),
                "licensed": True,
                "licence": {
                    "name": "ScanNet++ Terms of Use",
                    "url": "https://kaldir.vc.in.tum.de/scannetpp/",
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
        "media": {"policy": "copy"},
    }
    out = tmp_path / "build"
    proc = run_cli("build", "-m", manifest_file(tmp_path, manifest), "--out", out, "--allow-short", "-q")
    assert proc.returncode == 0, proc.stderr
    spatial = datasets.load_dataset(str(out), "spatial", split="train")
    assert len(spatial) >= 15 and set(spatial["source"]) == {"scannetpp"}
    assert set(spatial["scene_id"]) == {"fa00000000", "fa00000001"}
    assert {"single_image", "multi_view", "video"} <= set(spatial["data_type"])
    media = json.loads((out / "meta" / "media.json").read_text())
    for rel, entry in media["images"].items():
        assert entry["raw"].startswith(f"data/{entry['scan_id']}/iphone/rgb/frame_")
        assert (out / "images" / rel).read_bytes() == (scannetpp_root / entry["raw"]).read_bytes()
