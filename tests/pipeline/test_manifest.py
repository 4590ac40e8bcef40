"""Manifests: the shipped recipes load; bad input gives one-line errors naming the key path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ladderdata.config import (
    DEFAULT_MANIFEST,
    MANIFESTS_DIR,
    BuildConfig,
    apply_overrides,
    generated_families,
    load_manifest,
    parse_manifest,
)
from ladderdata.errors import ConfigError
from ladderdata.records import Family, QuestionType


def _base(tmp_path: Path) -> dict:
    (tmp_path / "lists").mkdir(exist_ok=True)
    (tmp_path / "lists" / "bench.txt").write_text("scene0001_00\n# comment\n\nscene0002_00\n")
    return {
        "name": "t",
        "sources": [
            {
                "name": "s",
                "kind": "scannet",
                "root": "raw",
                "licensed": True,
                "licence": {"name": "L"},
            }
        ],
        "families": {"single_image": {"quotas": {"object_size": 3}}},
        "exclusions": ["lists/bench.txt"],
    }


def _load(tmp_path: Path, data: dict) -> BuildConfig:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_manifest(path)


def _error(tmp_path: Path, data: dict) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, data)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(str(tmp_path / "m.yaml"))
    return msg


def test_sample_manifest_is_the_default_and_copies_media() -> None:
    cfg = load_manifest(DEFAULT_MANIFEST)
    assert cfg.name == "sample"
    assert cfg.media_policy() == "copy"
    assert [s.kind for s in cfg.sources] == ["sample"]
    assert cfg.sources[0].root == (MANIFESTS_DIR.parent / "raw_sources" / "sample").resolve()
    assert cfg.families.enabled() == [
        Family.single_image,
        Family.multi_view,
        Family.video,
        Family.localization,
    ]
    assert cfg.families.get("localization").total == cfg.families.get("single_image").total


def test_spatialladder_manifest_reproduces_the_paper_mix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scannetv2-labels.combined.tsv").write_text("id\traw_category\tcategory\n1\tchair\tchair\n")
    monkeypatch.setenv("SCANNET_ROOT", str(tmp_path))
    cfg = load_manifest(MANIFESTS_DIR / "spatialladder-26k.yaml")
    totals = {f.value: cfg.families.get(f).total for f in cfg.families.enabled()}
    assert totals == {"single_image": 5929, "multi_view": 5752, "video": 9000, "localization": 5929}
    assert cfg.media_policy() == "reference"  # ScanNet is licensed
    src = cfg.sources[0]
    assert src.root == tmp_path and src.licensed
    assert Path(src.scans).name == "scannetv2_train.txt"
    assert sorted(p.name for p in cfg.exclusions) == ["scannetv2_val.txt", "vsibench_scannet_scenes.txt"]
    video = cfg.families.get("video").quotas
    assert set(video) == {
        QuestionType.object_count,
        QuestionType.absolute_distance,
        QuestionType.object_size,
        QuestionType.room_size,
        QuestionType.relative_distance,
        QuestionType.relative_direction,
        QuestionType.appearance_order,
    }


def test_unset_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCANNET_ROOT", raising=False)
    with pytest.raises(
        ConfigError, match=r"sources\[0\]\.root: environment variable SCANNET_ROOT is not set"
    ):
        load_manifest(MANIFESTS_DIR / "spatialladder-26k.yaml")


def test_paths_resolve_against_the_manifest_folder(tmp_path: Path) -> None:
    cfg = _load(tmp_path, _base(tmp_path))
    assert cfg.sources[0].root == tmp_path / "raw"
    assert cfg.exclusion_sets() == {"bench": frozenset({"scene0001_00", "scene0002_00"})}
    assert cfg.families.get("single_image").quotas == {QuestionType.object_size: 3}


def test_unknown_key_names_its_path(tmp_path: Path) -> None:
    data = _base(tmp_path)
    data["sources"][0]["licenced"] = True
    msg = _error(tmp_path, data)
    assert "sources[0].licenced: unknown key" in msg
    data = _base(tmp_path)
    data["families"]["video"] = {"quota": {}}
    assert "families.video.quota: unknown key" in _error(tmp_path, data)


def test_wrong_type_names_its_path(tmp_path: Path) -> None:
    data = _base(tmp_path)
    data["families"]["single_image"]["quotas"]["object_size"] = "many"
    msg = _error(tmp_path, data)
    assert "families.single_image.quotas.object_size: Input should be a valid integer" in msg
    assert "(got 'many')" in msg
    data = _base(tmp_path)
    data["generation"] = {"min_visibility": 2}
    assert "generation.min_visibility:" in _error(tmp_path, data)
    data = _base(tmp_path)
    data["sources"][0]["kind"] = "zip"
    assert "sources[0].kind:" in _error(tmp_path, data)


def test_unknown_question_type_lists_valid_ones(tmp_path: Path) -> None:
    data = _base(tmp_path)
    data["families"]["single_image"]["quotas"] = {"colour": 3}
    msg = _error(tmp_path, data)
    assert msg.endswith(
        "families.single_image.quotas: unknown question type 'colour'; "
        "valid: absolute_distance, object_size, relative_distance, relative_direction"
    )
    # a real type that the family does not generate
    data["families"]["single_image"]["quotas"] = {"room_size": 3}
    msg = _error(tmp_path, data)
    assert "question type 'room_size' is not generated by the single_image family" in msg
    assert "valid: absolute_distance, object_size, relative_distance, relative_direction" in msg


def test_missing_exclusion_list_is_an_error(tmp_path: Path) -> None:
    data = _base(tmp_path)
    data["exclusions"] = ["lists/nope.txt"]
    msg = _error(tmp_path, data)
    assert f"exclusions[0]: exclusion list {tmp_path / 'lists' / 'nope.txt'} not found" in msg


def test_missing_scan_list_and_bad_yaml(tmp_path: Path) -> None:
    data = _base(tmp_path)
    data["sources"][0]["scans"] = "lists/train.txt"
    assert "sources[0].scans: scan list" in _error(tmp_path, data)
    path = tmp_path / "m.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"invalid YAML \(line 2"):
        load_manifest(path)
    with pytest.raises(ConfigError, match="manifest not found"):
        load_manifest(tmp_path / "missing.yaml")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a manifest must be a YAML mapping"):
        parse_manifest(["x"], manifest=tmp_path / "m.yaml")


def test_overrides(tmp_path: Path) -> None:
    data = _base(tmp_path)
    data["families"]["localization"] = {"quotas": {"localization": 3}}
    cfg = _load(tmp_path, data)
    assert cfg.media_policy() == "reference"
    assert apply_overrides(cfg, media="copy").media_policy() == "copy"
    assert apply_overrides(cfg, seed=9).seed == 9
    only_loc = apply_overrides(cfg, modality="localization")
    assert only_loc.families.enabled() == [Family.localization]
    # grounding rows need their single-image questions, so single-image still runs
    assert generated_families(only_loc) == [Family.single_image, Family.localization]
    with pytest.raises(ConfigError, match="--modality video: .* does not enable the video family"):
        apply_overrides(cfg, modality="video")
    assert cfg.families.enabled() == [Family.single_image, Family.localization]  # not mutated


def test_source_label_column_and_allow_unaligned_reach_the_adapter(tmp_path: Path) -> None:
    from ladderdata.pipeline.scan_work import make_adapter

    (tmp_path / "raw").mkdir()
    (tmp_path / "labels.tsv").write_text("id\traw_category\tcategory\tnyu40class\n1\tcouch\tcouch\tsofa\n")
    data = _base(tmp_path)
    data["sources"][0].update(label_map="labels.tsv", label_column="nyu40class", allow_unaligned=True)
    cfg = _load(tmp_path, data)
    adapter = make_adapter(cfg.sources[0])
    assert adapter.label_map.map("couch") == "sofa" and adapter.allow_unaligned
    assert not make_adapter(_load(tmp_path, _base(tmp_path)).sources[0]).allow_unaligned
    data["sources"][0]["label_column"] = "no_such_column"
    assert "no_such_column" in _error(tmp_path, data)
