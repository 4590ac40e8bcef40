"""Dataset card: YAML configs that `datasets.load_dataset` understands, counts, licences, media policy."""

from __future__ import annotations

from pathlib import Path

import yaml
from datasets import load_dataset

from ladderdata.config import parse_manifest
from ladderdata.records import Family
from ladderdata.writers.card import render_card
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.parquet import ParquetShardWriter
from tests.fixtures.build import make_qa


def _config(tmp_path: Path):
    data = {
        "name": "card-test",
        "description": "A card test.",
        "sources": [
            {
                "name": "scannet",
                "kind": "scannet",
                "root": "raw",
                "licensed": True,
                "licence": {"name": "ScanNet Terms of Use", "text": "No redistribution."},
            }
        ],
        "families": {
            "localization": {"quotas": {"localization": 2}},
            "single_image": {"quotas": {"object_size": 2}},
            "video": {"quotas": {"room_size": 1, "appearance_order": 2}},
        },
        "exclusions": [],
    }
    return parse_manifest(data, manifest=tmp_path / "m.yaml")


def _write_family(layout: BuildLayout, family: str, samples) -> None:
    w = ParquetShardWriter(layout, family, rows_per_shard=1)
    for i, s in enumerate(samples):
        s.question_id = i
        w.write(s)
    w.close()


def test_card_configs_load_with_datasets(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    layout = BuildLayout(tmp_path / "build")
    _write_family(layout, "single_image", [make_qa(question_type="object size", frames=[i]) for i in (1, 2)])
    _write_family(layout, "localization", [make_qa("localization", frames=[i]) for i in (1, 2)])
    _write_family(layout, "video", [make_qa("video", "room size", answer="12.5", frames=[0, 10])])
    counts = {
        Family.single_image: {"object size": 2},
        Family.localization: {"localization": 2},
        Family.video: {"room size": 1},
    }
    text = render_card(
        config=cfg,
        layout=layout,
        families=[Family.single_image, Family.video, Family.localization],
        counts=counts,
        stages={"schema": {"kept": 5, "dropped_total": 1}},
        scans_per_source={"scannet": 2},
        exclusions={"scannetv2_val": 312},
        media_policy="reference",
        images=4,
    )
    layout.card.write_text(text)

    assert text.startswith("---\n")
    front = yaml.safe_load(text.split("---\n")[1])
    names = [c["config_name"] for c in front["configs"]]
    assert names == ["grounding", "spatial", "single_image", "video"]  # media reference: no preview
    assert [c["config_name"] for c in front["configs"] if c.get("default")] == ["spatial"]
    assert front["license"] == "other" and front["license_name"] == "scannet-terms-of-use"
    assert "scannet" in front["tags"]
    assert "| video | appearance order | 0 | 2 |" in text  # a quota with no rows shows as 0 of 2
    assert "| video | room size | 1 | 1 |" in text
    assert "| **total** | **5** | **7** |" in text
    assert "| scannet | scannet | 2 | yes | ScanNet Terms of Use |" in text
    assert "**scannet**: No redistribution." in text
    assert "Media policy: **reference**" in text and "ladderdata materialize" in text
    assert "`scannetv2_val` (312 scans)" in text

    root = str(layout.root)
    assert load_dataset(root, "grounding", split="train").num_rows == 2
    spatial = load_dataset(root, "spatial", split="train")
    assert spatial.num_rows == 3
    assert sorted(spatial["data_type"]) == ["single_image", "single_image", "video"]
    assert load_dataset(root, "video", split="train")["answer"] == ["12.5"]
