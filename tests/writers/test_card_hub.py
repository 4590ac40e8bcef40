"""The card as the Hub reads it: a real build's README.md round-trips through huggingface_hub's
DatasetCard, every config it declares (preview included) loads with `datasets`, preview frames decode to
PIL images, and licences use Hub ids (`cc0-1.0`, or `other` + name + link for licensed scans)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from datasets import load_dataset
from huggingface_hub import DatasetCard
from PIL import Image

from ladderdata.config import parse_manifest
from ladderdata.writers.card import licence_fields, size_category
from ladderdata.writers.configs import CONFIG_SPECS


def _front(build: Path) -> dict:
    return yaml.safe_load((build / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def test_card_round_trips_through_datasetcard(sample_build: Path):
    text = (sample_build / "README.md").read_text(encoding="utf-8")
    card = DatasetCard(text)
    assert card.data.license == "cc0-1.0"  # the sample's source licence, as a Hub id
    assert "license_name" not in card.data.to_dict()
    assert card.data.language == ["en"] and card.data.task_categories == ["visual-question-answering"]
    assert card.data.size_categories == [size_category(sum(_rows(sample_build).values()))]
    again = DatasetCard(str(card))  # rendered and parsed again: the same header and body
    assert again.data.to_dict() == card.data.to_dict() and again.text == card.text
    names = [c["config_name"] for c in card.data.configs]
    assert names == ["grounding", "spatial", "single_image", "multi_view", "video", "coldstart", "preview"]
    assert [c["config_name"] for c in card.data.configs if c.get("default")] == ["spatial"]
    infos = {i["config_name"]: i for i in card.data.dataset_info}
    assert set(infos) == set(names)  # features declared for every config
    for name, rows in _rows(sample_build).items():
        assert infos[name]["splits"] == [
            {"name": "train", "num_bytes": infos[name]["download_size"], "num_examples": rows}
        ]
    assert {"name": "images", "list": "image"} in infos["preview"]["features"]
    body = card.text
    for cite in ("arXiv:2510.08531", "Thinking in Space", "ScanNet: Richly-annotated 3D Reconstructions"):
        assert cite in body


def _rows(build: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    out = {}
    for spec in CONFIG_SPECS:
        files = [f for folder in spec.folders for f in (build / "data" / folder).glob("*.parquet")]
        if files:
            out[spec.name] = sum(pq.read_metadata(f).num_rows for f in files)
    return out


@pytest.mark.slow
def test_every_config_loads_and_preview_images_decode(sample_build: Path, tmp_path: Path):
    cache = str(tmp_path / "ds_cache")
    rows = _rows(sample_build)
    default = load_dataset(str(sample_build), split="train", cache_dir=cache)  # no config name
    assert default.num_rows == rows["spatial"]
    for config in (c["config_name"] for c in _front(sample_build)["configs"]):
        assert (
            load_dataset(str(sample_build), config, split="train", cache_dir=cache).num_rows == rows[config]
        )
    preview = load_dataset(str(sample_build), "preview", split="train", cache_dir=cache)
    assert 0 < preview.num_rows <= 200
    assert {"single_image", "multi_view", "video"} <= set(preview["data_type"])
    assert "localization" in preview["question_type"]  # grounding rows, answers as JSON boxes
    spatial = {r["question_id"]: r for r in default}
    for row in preview:
        assert row["images"] and all(isinstance(im, Image.Image) for im in row["images"])
        assert max(row["images"][0].size) <= 320
        if row["question_type"] != "localization":  # same question, answer and number of frames as the shard
            src = spatial[row["question_id"]]
            assert (row["question"], row["answer"], len(row["images"])) == (
                src["question"],
                src["answer"],
                len(src["image"]),
            )


def _licensed_config(tmp_path: Path, **licence):
    data = {
        "name": "scannet-test",
        "sources": [
            {"name": "scannet", "kind": "scannet", "root": "raw", "licensed": True, "licence": licence}
        ],
        "families": {"single_image": {"quotas": {"object_size": 2}}},
        "exclusions": [],
    }
    return parse_manifest(data, manifest=tmp_path / "m.yaml")


def test_licensed_scans_get_other_with_name_and_link(tmp_path: Path):
    cfg = _licensed_config(
        tmp_path, name="ScanNet Terms of Use", url="https://kaldir.vc.in.tum.de/scannet/ScanNet_TOS.pdf"
    )
    assert licence_fields(cfg) == {
        "license": "other",
        "license_name": "scannet-terms-of-use",
        "license_link": "https://kaldir.vc.in.tum.de/scannet/ScanNet_TOS.pdf",
    }
    # a Hub licence id on a licensed (not redistributable) source is still `other`
    assert licence_fields(_licensed_config(tmp_path, name="CC-BY-4.0"))["license"] == "other"


def test_size_categories_buckets():
    assert [size_category(n) for n in (0, 999, 1000, 26_610, 100_000)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "100K<n<1M",
    ]


def test_dataset_info_is_what_datasets_writes(sample_build: Path, tmp_path: Path):
    # the card's dataset_info is built with pyarrow alone; datasets' own DatasetInfosDict must agree,
    # for every config of a full build and for a build with a single config (a mapping, not a list)
    import shutil

    from huggingface_hub import DatasetCardData

    from ladderdata.writers.card import dataset_info_yaml, dataset_infos
    from ladderdata.writers.layout import BuildLayout

    single = tmp_path / "single"
    shutil.copytree(sample_build / "data" / "localization", single / "data" / "localization")
    for root in (sample_build, single):
        layout = BuildLayout(root)
        theirs = DatasetCardData()
        dataset_infos(layout).to_dataset_card_data(theirs)
        ours = dataset_info_yaml(layout)
        assert ours is not None
        mine = DatasetCardData()
        mine["dataset_info"] = ours if len(ours) > 1 else ours[0]
        assert mine.to_yaml() == theirs.to_yaml()
    assert (
        "list: image" in DatasetCardData(dataset_info=dataset_info_yaml(BuildLayout(sample_build))).to_yaml()
    )
