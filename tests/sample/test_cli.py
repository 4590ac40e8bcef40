"""`ladderdata sample` as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", "sample", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_sample_command_writes_scannet_layout_and_is_idempotent(tmp_path):
    out = tmp_path / "raw"
    res = _run("--out", str(out), "--scans", "2", "--frames", "2", "--seed", "3")
    assert res.returncode == 0, res.stderr
    assert "scene9000_00" in res.stdout and "scene9001_00" in res.stdout
    for scan_id in ("scene9000_00", "scene9001_00"):
        assert (out / "scans" / scan_id / f"{scan_id}_vh_clean_2.ply").is_file()
        assert sorted(p.name for p in (out / "export" / scan_id / "color").iterdir()) == ["0.jpg", "10.jpg"]
        assert (out / "videos" / f"{scan_id}.mp4").is_file()
    marker = json.loads((out / "truth" / "sample.json").read_text())
    assert (marker["scans"], marker["frames"], marker["seed"]) == (2, 2, 3)

    again = _run("--out", str(out), "--scans", "2", "--frames", "2", "--seed", "3")
    assert again.returncode == 0 and "up to date" in again.stdout

    # another seed replaces the sample in place
    other = _run("--out", str(out), "--scans", "1", "--frames", "1", "--seed", "4")
    assert other.returncode == 0, other.stderr
    assert sorted(p.name for p in (out / "scans").iterdir()) == ["scene9000_00"]


def test_sample_command_errors_are_one_line(tmp_path):
    bad = _run("--out", str(tmp_path / "x"), "--scans", "0")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["error: --scans must be between 1 and 1000, got 0"]

    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "a.jpg").write_bytes(b"x")
    res = _run("--out", str(foreign), "--frames", "1", "--scans", "1")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and str(foreign) in lines[0] and "choose another --out" in lines[0]
    assert [p.name for p in foreign.iterdir()] == ["a.jpg"]
