"""Same seed -> byte-identical sample; another seed -> another sample; atomic, locked generation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ladderdata.errors import ConfigError, OutputError
from ladderdata.sample.generate import (
    SampleSpec,
    default_sample_root,
    ensure_sample,
    generate_sample,
    generator_fingerprint,
    sample_matches,
)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path):
    a = _files(generate_sample(tmp_path / "a", scans=1, frames=10, seed=0))
    b = _files(generate_sample(tmp_path / "b", scans=1, frames=10, seed=0))
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    # every kind of file is covered by that comparison
    for suffix in (".ply", ".json", ".txt", ".jpg", ".png", ".mp4"):
        assert any(name.endswith(suffix) for name in a), suffix
    assert any("-inf" in a[name].decode() for name in a if "/pose/" in name)

    c = _files(generate_sample(tmp_path / "c", scans=1, frames=2, seed=1))
    ply = "scans/scene9000_00/scene9000_00_vh_clean_2.ply"
    assert c[ply] != a[ply]
    assert c["scans/scene9000_00/scene9000_00.txt"] != a["scans/scene9000_00/scene9000_00.txt"]
    assert c["export/scene9000_00/pose/0.txt"] != a["export/scene9000_00/pose/0.txt"]
    assert c["export/scene9000_00/color/0.jpg"] != a["export/scene9000_00/color/0.jpg"]
    # no staging folders are left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]


def test_ensure_sample_generates_once_and_regenerates_on_other_parameters(tmp_path):
    root = tmp_path / "sample"
    assert ensure_sample(root, scans=1, frames=1) == root.absolute()
    marker = root / "truth" / "sample.json"
    first = marker.stat().st_mtime_ns
    ensure_sample(root, scans=1, frames=1)
    assert marker.stat().st_mtime_ns == first  # up to date: untouched
    assert sample_matches(root, SampleSpec(1, 1, 0))
    ensure_sample(root, scans=1, frames=2)
    assert sample_matches(root, SampleSpec(1, 2, 0))
    assert len(list((root / "export" / "scene9000_00" / "color").iterdir())) == 2
    assert generator_fingerprint() in marker.read_text()


@pytest.mark.slow
def test_parallel_ensure_sample_calls_do_not_collide(tmp_path):
    root = tmp_path / "shared"
    code = (
        "import sys; from ladderdata.sample.generate import ensure_sample; "
        "print(ensure_sample(sys.argv[1], scans=1, frames=2))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-2000:] for o in outs]
    assert sample_matches(root, SampleSpec(1, 2, 0))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("shared", ".shared.lock")]
    assert leftovers == []


def test_refuses_to_overwrite_foreign_folders_and_bad_options(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="holds no generated sample"):
        generate_sample(foreign, scans=1, frames=1)
    assert (foreign / "notes.txt").read_text() == "keep me"
    with pytest.raises(ConfigError, match="--scans"):
        generate_sample(tmp_path / "x", scans=0)
    with pytest.raises(ConfigError, match="--frames"):
        generate_sample(tmp_path / "x", frames=0)
    with pytest.raises(ConfigError, match="--seed"):
        generate_sample(tmp_path / "x", seed=-1)
    assert not (tmp_path / "x").exists()


def test_default_root_is_the_checkouts_raw_sources():
    repo = Path(__file__).resolve().parents[2]
    assert default_sample_root() == repo / "raw_sources" / "sample"
