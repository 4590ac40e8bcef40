"""A scan given only as `.sens` + mesh + annotations builds end to end through the CLI (subprocesses).

The same scan built from its SensReader export gives the same rows; the build's images are the JPEG
bytes stored in the `.sens`, copied as they are. `ladderdata sample --sens` writes the `.sens` beside
the export.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ladderdata.sample.generate import is_sample
from ladderdata.sources.sens import SensFile
from tests.fixtures.build import build_manifest_data
from tests.pipeline.helpers import digests, manifest_file, run_cli
from tests.sources.test_sens_adapter import SCAN, copy_scan


def manifest(tmp_path: Path, root: Path, name: str, **options) -> Path:
    source = {
        "name": "scannet",
        "kind": "scannet",
        "root": str(root),
        "licensed": False,
        "licence": {"name": "CC0-1.0", "text": "The procedural sample may be redistributed freely."},
        "scans": [SCAN],
        "on_error": "skip",
        "options": options,
    }
    return manifest_file(tmp_path, build_manifest_data(root, sources=[source]), f"{name}.yaml")


@pytest.mark.slow
def test_scan_given_only_as_sens_builds_like_its_export(sample_root: Path, tmp_path: Path):
    sens_root = copy_scan(sample_root, tmp_path / "sens-root", export=False)
    assert sorted(p.name for p in (sens_root / "scans" / SCAN).iterdir()) == sorted(
        [
            f"{SCAN}.sens",
            f"{SCAN}.txt",
            f"{SCAN}.aggregation.json",
            f"{SCAN}_vh_clean_2.ply",
            f"{SCAN}_vh_clean_2.0.010000.segs.json",
        ]
    )
    export_root = tmp_path / "export-root"
    shutil.copytree(sample_root / "scans" / SCAN, export_root / "scans" / SCAN)
    shutil.copytree(sample_root / "export" / SCAN, export_root / "export" / SCAN)

    builds = {}
    for name, root in (("sens", sens_root), ("export", export_root)):
        out = tmp_path / f"build-{name}"
        proc = run_cli("build", "-m", manifest(tmp_path, root, name), "--out", out, "--allow-short", "-q")
        assert proc.returncode == 0, proc.stderr[-3000:]
        builds[name] = out

    sens_build, export_build = builds["sens"], builds["export"]
    rows = {k: v for k, v in digests(sens_build).items() if k.startswith("data/")}
    assert rows and rows == {k: v for k, v in digests(export_build).items() if k.startswith("data/")}
    media = json.loads((sens_build / "meta" / "media.json").read_text())["images"]
    assert media
    with SensFile(sens_root / "scans" / SCAN / f"{SCAN}.sens") as f:
        for rel, entry in media.items():
            assert (
                entry["raw"] == ""
            )  # the JPEG lies inside the .sens: the adapter reads it (Source.color_jpeg)
            stored = f.color_bytes(entry["frame_index"])
            assert (sens_build / "images" / rel).read_bytes() == stored
            exported = sample_root / "export" / SCAN / "color" / f"{entry['frame_index']}.jpg"
            assert stored == exported.read_bytes()
    export_media = json.loads((export_build / "meta" / "media.json").read_text())["images"]
    assert {k: v["sha256"] for k, v in media.items()} == {k: v["sha256"] for k, v in export_media.items()}

    # materialize rebuilds the images from the .sens alone
    images = {p.relative_to(sens_build): p.read_bytes() for p in (sens_build / "images").rglob("*.jpg")}
    shutil.rmtree(sens_build / "images")
    proc = run_cli("materialize", sens_build, "--raw", sens_root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {
        p.relative_to(sens_build): p.read_bytes() for p in (sens_build / "images").rglob("*.jpg")
    } == images


@pytest.mark.slow
def test_sample_sens_option_writes_the_sens_beside_the_export(tmp_path: Path):
    out = tmp_path / "sample"
    proc = run_cli("sample", "--out", out, "--scans", "1", "--frames", "3", "--sens")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert is_sample(out)
    marker = json.loads((out / "truth" / "sample.json").read_text())
    assert marker["sens"] is True
    scan = marker["scan_ids"][0]
    with SensFile(out / "scans" / scan / f"{scan}.sens") as f:
        assert f.frames == 21  # sensor frames 0..20; frames 0, 10, 20 are exported
        assert [i for i in range(f.frames) if f.has_image(i)] == [0, 10, 20]
        for i in (0, 10, 20):
            assert f.color_bytes(i) == (out / "export" / scan / "color" / f"{i}.jpg").read_bytes()
