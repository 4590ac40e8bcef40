"""`ladderdata scenes` as a real subprocess on hand-made scans."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ladderdata.records import SceneRecord
from tests.fixtures.scenes import write_hand_scan


def run_scenes(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", "scenes", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_scenes_cli_writes_records(hand_scan_template, tmp_path):
    out = tmp_path / "build"
    proc = run_scenes("--source", "scannet", "--root", str(hand_scan_template.root), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "scans written" in proc.stdout and "frames kept" in proc.stdout
    path = out / "scenes" / "scene0001_00.json"
    scene = SceneRecord.model_validate_json(path.read_text())
    assert scene.source == "scannet"
    assert [f.frame_index for f in scene.frames] == [0, 20, 30]
    np.testing.assert_allclose(scene.frames[0].pose_array(), hand_scan_template.poses[0], atol=1e-9)
    assert scene.frames[0].visibility_of(1).bbox_2d == [523, 359, 774, 610]
    # same inputs -> byte-identical record
    again = tmp_path / "again"
    assert (
        run_scenes(
            "--source", "scannet", "--root", str(hand_scan_template.root), "--out", str(again)
        ).returncode
        == 0
    )
    assert (again / "scenes" / "scene0001_00.json").read_bytes() == path.read_bytes()


def test_scenes_cli_skips_bad_scan_and_strict_fails(hand_scan, tmp_path):
    write_hand_scan(hand_scan.root, "scene0002_00")
    hand_scan.file("aggregation").write_text("{not json")
    out = tmp_path / "build"
    # a stale record of the now-broken scan from an earlier run must disappear
    (out / "scenes").mkdir(parents=True)
    (out / "scenes" / "scene0001_00.json").write_text("{}")
    proc = run_scenes(
        "--source", "scannet", "--root", str(hand_scan.root), "--out", str(out), "--frame-stride", "5"
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / "scenes").iterdir()) == ["scene0002_00.json"]
    assert "skipped scans" in proc.stdout and "invalid JSON" in proc.stdout
    scene = json.loads((out / "scenes" / "scene0002_00.json").read_text())
    assert [f["frame_index"] for f in scene["frames"]] == [0, 5, 15, 20, 30]

    strict_out = tmp_path / "strict"
    proc = run_scenes(
        "--source", "scannet", "--root", str(hand_scan.root), "--out", str(strict_out), "--strict"
    )
    assert proc.returncode == 2
    err_lines = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("error:")]
    assert len(err_lines) == 1 and "scene0001_00.aggregation.json" in err_lines[0]
    # nothing half-written: no record and no temporary file of the failed scan
    written = list((strict_out / "scenes").iterdir()) if (strict_out / "scenes").exists() else []
    assert written == []


def test_scenes_cli_scan_id_file_and_label_map(hand_scan, tmp_path):
    write_hand_scan(hand_scan.root, "scene0002_00")
    ids = tmp_path / "ids.txt"
    ids.write_text("# only the second scan\nscene0002_00\n")
    labels = tmp_path / "labels.yaml"
    labels.write_text("cabinet: storage cabinet\n")
    out = tmp_path / "build"
    proc = run_scenes(
        "--source",
        "scannet",
        "--root",
        str(hand_scan.root),
        "--out",
        str(out),
        "--scan-ids",
        str(ids),
        "--label-map",
        str(labels),
    )
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in (out / "scenes").iterdir()] == ["scene0002_00.json"]
    scene = SceneRecord.model_validate_json((out / "scenes" / "scene0002_00.json").read_text())
    assert "storage cabinet" in {o.label for o in scene.objects}


def test_scenes_cli_refuses_bad_ids_and_options(hand_scan, tmp_path):
    proc = run_scenes(
        "--source",
        "scannet",
        "--root",
        str(hand_scan.root),
        "--scan-ids",
        "../x",
        "--out",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 2 and "path-like" in proc.stderr
    bad = tmp_path / "ids.txt"
    bad.write_bytes(b"scene\xff\n")
    proc = run_scenes(
        "--source",
        "scannet",
        "--root",
        str(hand_scan.root),
        "--scan-ids",
        str(bad),
        "--out",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 2 and "ids.txt" in proc.stderr and "UTF-8" in proc.stderr


def test_scenes_option_errors_in_process(tmp_path):
    from ladderdata.cli.scenes import parse_scan_ids, scenes
    from ladderdata.errors import ConfigError

    with pytest.raises(ConfigError, match="--root"):
        scenes(
            source="scannet",
            root=None,
            export_root=None,
            out=tmp_path,
            scan_ids=None,
            frame_stride=10,
            strict=False,
            label_map=None,
            seed=0,
        )
    with pytest.raises(ConfigError, match="sample, scannet"):
        scenes(
            source="nope",
            root=None,
            export_root=None,
            out=tmp_path,
            scan_ids=None,
            frame_stride=10,
            strict=False,
            label_map=None,
            seed=0,
        )
    assert parse_scan_ids(" scene0000_00, scene0001_00 ,") == ["scene0000_00", "scene0001_00"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    with pytest.raises(ConfigError, match="empty"):
        parse_scan_ids(str(empty))


def test_scenes_cli_label_column(hand_scan_template, tmp_path):
    tsv = tmp_path / "labels.tsv"
    tsv.write_text("id\traw_category\tcategory\tnyu40class\n1\tcabinet\tcabinet\tdresser\n")
    out = tmp_path / "build"
    root = str(hand_scan_template.root)
    args = ["--source", "scannet", "--root", root, "--label-map", str(tsv), "--label-column", "nyu40class"]
    proc = run_scenes(*args, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    scene = SceneRecord.model_validate_json((out / "scenes" / "scene0001_00.json").read_text())
    assert {o.raw_label: o.label for o in scene.objects}["cabinet"] == "dresser"
