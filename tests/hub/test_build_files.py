"""What a push publishes from a build directory, and the checksums it compares with the Hub."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from ladderdata.hub.files import digest_file, list_build_files
from ladderdata.hub.media import withhold_licensed_media
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.reader import BuildReader
from tests.hub.handmade import PUBLISHED, make_build


def test_published_files_skip_working_state_dotfiles_and_scratch(copy_build):
    files, skipped = list_build_files(copy_build.root)
    assert [f.relpath for f in files] == PUBLISHED
    assert {s.relpath for s in skipped} == {
        "_state/",
        "_dropped/",
        "scenes/",
        ".DS_Store",
        "data/single_image/train-00001.parquet.tmp",
        "meta/.info.json.x1y2.tmp",
    }
    sizes = {f.relpath: f.size for f in files}
    assert sizes["README.md"] == (copy_build.root / "README.md").stat().st_size


def test_dot_folders_such_as_a_pull_cache_are_skipped(copy_build):
    cache = copy_build.root / ".cache" / "huggingface" / "download"
    cache.mkdir(parents=True)
    (cache / "README.md.metadata").write_text("x")
    files, skipped = list_build_files(copy_build.root)
    assert not any(f.relpath.startswith(".cache") for f in files)
    assert any(s.relpath == ".cache/" for s in skipped)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_digest_matches_git_and_sha256(tmp_path: Path):
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 5000 + b"tail"  # > 1 MiB chunk, so several reads
    path.write_bytes(data)
    digest = digest_file(path)
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    git = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True)
    assert digest.git_sha1 == git.stdout.strip()
    assert digest.size == len(data)


def _withheld(build_root: Path, allow_media: bool = False) -> list[str]:
    layout = BuildLayout(build_root)
    files, _ = list_build_files(build_root)
    decision = withhold_licensed_media(
        files, layout, BuildReader(build_root).media_index(), allow_media=allow_media
    )
    return sorted(f.relpath for f in decision.withheld)


def test_licensed_images_are_withheld_unless_allowed(licensed_build):
    images = sorted(p for p in PUBLISHED if p.startswith("images/"))
    assert _withheld(licensed_build.root) == images
    assert _withheld(licensed_build.root, allow_media=True) == []


def test_unlicensed_sample_images_are_published(copy_build):
    assert _withheld(copy_build.root) == []


def test_manifest_licence_flag_alone_withholds(tmp_path: Path):
    # media.json says not licensed, but the manifest marks the source licensed: the stricter one wins.
    build = make_build(tmp_path / "b", tmp_path / "raw", source="scannet", licensed=False)
    manifest = build.root / "meta" / "manifest.json"
    manifest.write_text('{"sources": {"scannet": {"licensed": true}}}')
    assert len(_withheld(build.root)) == 5


def test_unrecorded_pixels_in_a_licensed_build_are_withheld(licensed_build):
    stray = licensed_build.root / "audit" / "gallery" / "scene0001_00_boxes.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"\x89PNG fake")
    assert "audit/gallery/scene0001_00_boxes.png" in _withheld(licensed_build.root)
