"""Cache keys: a change to the code that makes scene records or samples invalidates cached work."""

from __future__ import annotations

import pytest

from ladderdata.pipeline import keys

SOURCE_CFG = {"kind": "sample", "frame_stride": 10, "options": {}}


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A stand-in package tree that the fingerprint reads instead of ladderdata/."""
    root = tmp_path / "pkg"
    (root / "geometry").mkdir(parents=True)
    (root / "sources").mkdir()
    (root / "geometry" / "room.py").write_text("SPACING = 0.05\n")
    (root / "sources" / "scannet.py").write_text("STRIDE = 10\n")
    (root / "sample").mkdir()
    (root / "sample" / "generate.py").write_text("SEED = 0\n")
    (root / "records.py").write_text("VERSION = 1\n")
    monkeypatch.setattr(keys, "_PACKAGE", root)
    keys.code_fingerprint.cache_clear()
    yield root
    keys.code_fingerprint.cache_clear()


def _scene_key() -> str:
    keys.code_fingerprint.cache_clear()
    return keys.scene_key("checksum", SOURCE_CFG)


def test_editing_geometry_code_changes_the_scene_key(package):
    before = _scene_key()
    assert _scene_key() == before  # stable for the same code
    (package / "geometry" / "room.py").write_text("SPACING = 0.025\n")
    assert _scene_key() != before


def test_editing_the_sample_generator_does_not_change_the_scene_key(package):
    before = _scene_key()
    (package / "sample" / "generate.py").write_text("SEED = 1\n")
    assert _scene_key() == before


def test_template_wording_changes_the_generation_key(tmp_path):
    templates = tmp_path / "templates" / "video"
    templates.mkdir(parents=True)
    (templates / "room_size.j2").write_text("What is the size of this room?\n")

    def gkey() -> str:
        return keys.generation_key(
            source_cfg=SOURCE_CFG,
            generation={},
            families=["video"],
            seed=0,
            generator_version="1.1",
            templates=keys.tree_digest(tmp_path / "templates"),
        )

    before = gkey()
    (templates / "room_size.j2").write_text("How big is this room?\n")
    assert gkey() != before
