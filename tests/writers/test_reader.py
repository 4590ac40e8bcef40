"""The build reader reads back what the writers wrote: rows (shards or JSONL exports), meta and media."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ladderdata.errors import LadderDataError, TrainError
from ladderdata.records import Family, GroundingAnswer
from ladderdata.writers.jsonl import PublishedJsonlWriter
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.media import MediaEntry, write_media
from ladderdata.writers.parquet import ParquetShardWriter
from ladderdata.writers.reader import BuildReader, BuildReadError, read_jsonl, scan_of_image
from tests.fixtures.build import make_qa


def _samples():
    """Two single-image rows, one video row and one grounding row, in two scans, ids set by hand."""
    size = make_qa("single_image", "object size", scene="scene0001_00", frames=[10], answer="41")
    size.question_id = 1
    direction = make_qa("single_image", "relative direction", scene="scene0002_00", frames=[20])
    direction.question_id = 2
    count = make_qa("video", "object count", scene="scene0002_00", answer="3")
    count.question_id = 3
    box = make_qa(
        "localization",
        scene="scene0001_00",
        frames=[10],
        answer=[GroundingAnswer(bbox_2d=[1, 2, 30, 40], label="chair")],
    )
    box.question_id = 1
    return [size, direction, count, box]


def _write_build(root: Path) -> BuildLayout:
    layout = BuildLayout(root)
    samples = _samples()
    exports = PublishedJsonlWriter(layout)
    for family in (Family.video, Family.single_image, Family.localization):  # not in the read order
        with ParquetShardWriter(layout, family) as shards:
            for s in samples:
                if s.family == family:
                    shards.write(s)
    for s in samples:
        exports.write(s)
    exports.close()
    return layout


def test_rows_from_shards_in_family_order(tmp_path: Path):
    reader = BuildReader(_write_build(tmp_path).root)
    spatial = reader.spatial_rows()
    # single-image before video (records.FAMILY_ORDER), whatever order the folders were written in
    assert [(r["family"], r["question_id"]) for r in spatial] == [
        ("single_image", 1),
        ("single_image", 2),
        ("video", 3),
    ]
    size, direction, count = spatial
    assert size["answer"] == "41" and size["options"] is None and size["image"] == ["scene0001_00/10.jpg"]
    assert direction["options"] == ["A. left", "B. right", "C. front", "D. back"]
    assert count["scene_id"] == "scene0002_00" and count["image"][0] == "scene0002_00/0.jpg"
    [box] = reader.grounding_rows()
    assert box["answer"] == [{"bbox_2d": [1, 2, 30, 40], "label": "chair"}]
    assert box["family"] == box["question_type"] == "localization"
    assert box["sample_id"]  # a build's rows keep their provenance columns
    assert reader.shards() == [
        tmp_path / "data/single_image/train-00000.parquet",
        tmp_path / "data/video/train-00000.parquet",
        tmp_path / "data/localization/train-00000.parquet",
    ]


def test_jsonl_exports_read_like_the_shards(tmp_path: Path):
    _write_build(tmp_path / "build")
    shutil.copytree(tmp_path / "build", tmp_path / "upstream")
    shutil.rmtree(tmp_path / "upstream" / "data")  # only the spld_*.jsonl files, as upstream ships them
    shards, exports = BuildReader(tmp_path / "build"), BuildReader(tmp_path / "upstream")
    keys = ("question_id", "question", "options", "answer", "image", "question_type", "data_type")
    keys += ("family", "scene_id")  # derived from data_type and the image path for the exports
    assert [{k: r[k] for k in keys} for r in exports.spatial_rows()] == [
        {k: r[k] for k in keys} for r in shards.spatial_rows()
    ]
    [box] = exports.grounding_rows()
    assert box["scene_id"] == "scene0001_00" and "sample_id" not in box
    assert box["answer"] == [{"bbox_2d": [1, 2, 30, 40], "label": "chair"}]


def test_empty_folder_has_no_rows_and_no_meta(tmp_path: Path):
    reader = BuildReader(tmp_path)
    assert reader.spatial_rows() == [] == reader.grounding_rows() == reader.coldstart_rows()
    assert reader.manifest() is None and reader.stats() is None and reader.media_policy() is None
    assert reader.media_index().images == {} and reader.scan_media("scene0001_00") == {}


def test_media_index_round_trip(tmp_path: Path):
    layout = BuildLayout(tmp_path)
    entries = {
        "scene0001_00/10.jpg": MediaEntry("scene0001_00", 10, "scannet", True, "a/10.jpg", "ab" * 32, 120),
        "scene0002_00/0.jpg": MediaEntry("scene0002_00", 0, "sample", False, "b/0.jpg", "cd" * 32, 99),
    }
    write_media(layout, "reference", entries, {})
    index = BuildReader(tmp_path).media_index(required=True)
    assert index.policy == "reference" and index.images == entries and index.any_licensed
    assert BuildReader(tmp_path).media_policy() == "reference"


def test_scan_media_entries(tmp_path: Path):
    layout = BuildLayout(tmp_path)
    entry = MediaEntry("scene0001_00", 10, "sample", False, "export/scene0001_00/color/10.jpg", "ef" * 32, 7)
    layout.scan_media("scene0001_00").parent.mkdir(parents=True)
    layout.scan_media("scene0001_00").write_text(json.dumps({"scene0001_00/10.jpg": entry.to_dict()}))
    assert BuildReader(tmp_path).scan_media("scene0001_00") == {"scene0001_00/10.jpg": entry}


def test_coldstart_rows(tmp_path: Path):
    row = {
        "question_id": 4,
        "prompt": "p",
        "solution": "s",
        "image": "scene0003_00/5.jpg",
        "data_type": "video",
    }
    BuildLayout(tmp_path).coldstart_jsonl.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [got] = BuildReader(tmp_path).coldstart_rows()
    assert got["image"] == ["scene0003_00/5.jpg"] and got["scene_id"] == "scene0003_00"
    (tmp_path / "bad.jsonl").write_text(json.dumps({"prompt": "p"}) + "\n", encoding="utf-8")
    with pytest.raises(BuildReadError, match=r"bad.jsonl:1: cold-start row lacks solution, image, data_type"):
        BuildReader(tmp_path).coldstart_rows(tmp_path / "bad.jsonl")
    with pytest.raises(BuildReadError, match="cold-start file not found"):
        BuildReader(tmp_path).coldstart_rows(tmp_path / "nope.jsonl")


def test_errors_are_one_line_in_the_callers_class(tmp_path: Path):
    layout = BuildLayout(tmp_path)
    layout.spatial_jsonl.write_text('{"question": "x"}\n\n{broken\n', encoding="utf-8")
    with pytest.raises(TrainError, match=r"spld_spatial_data.jsonl:3: invalid JSON"):
        read_jsonl(layout.spatial_jsonl, TrainError)
    with pytest.raises(
        TrainError, match=r"spld_spatial_data.jsonl:1: row without column\(s\) question_id, options"
    ):
        layout.spatial_jsonl.write_text('{"question": "x"}\n', encoding="utf-8")
        BuildReader(tmp_path, error=TrainError).spatial_rows()
    layout.meta_dir.mkdir()
    layout.manifest_json.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BuildReadError, match="manifest.json: expected a JSON object"):
        BuildReader(tmp_path).manifest()
    with pytest.raises(BuildReadError, match="media.json: missing") as err:
        BuildReader(tmp_path).media_index(required=True)
    assert isinstance(err.value, LadderDataError) and "\n" not in str(err.value)
    layout.media_json.write_text(json.dumps({"images": {"s/1.jpg": {"scan_id": "s"}}}), encoding="utf-8")
    with pytest.raises(BuildReadError, match="'s/1.jpg' lacks frame_index, source, raw, sha256, bytes"):
        BuildReader(tmp_path).media_index()


@pytest.mark.parametrize(
    ("images", "scan"),
    [
        (["scene0055_00/1070.jpg"], "scene0055_00"),
        (["scene0055_00\\1070.jpg", "other/1.jpg"], "scene0055_00"),
        (["1070.jpg"], ""),
        ([], ""),
    ],
)
def test_scan_of_image(images: list[str], scan: str):
    assert scan_of_image(images) == scan
