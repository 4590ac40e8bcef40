"""Parquet shards: explicit schema, published columns first, rotation, bounded buffer, stable bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ladderdata.records import GroundingAnswer
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.parquet import GROUNDING_COLUMNS, SPATIAL_COLUMNS, ParquetShardWriter
from tests.fixtures.build import make_qa


def _rows(n: int, family: str = "single_image"):
    out = []
    for i in range(n):
        qt = "relative direction" if i % 2 else "object size"
        s = make_qa(family, qt, frames=[10 * i], question=f"Question {i}?", reference={"i": i, "d": [1.5, i]})
        s.question_id = i
        out.append(s)
    return out


def _write(root: Path, rows, **kw) -> ParquetShardWriter:
    w = ParquetShardWriter(BuildLayout(root), rows[0].family if rows else "single_image", **kw)
    for r in rows:
        w.write(r)
    w.close()
    return w


def test_spatial_schema_and_values(tmp_path: Path) -> None:
    rows = _rows(3)
    w = _write(tmp_path, rows)
    [shard] = w.shards
    table = pq.read_table(tmp_path / shard.path)
    assert table.schema.names[: len(SPATIAL_COLUMNS)] == list(SPATIAL_COLUMNS)
    types = {f.name: f.type for f in table.schema}
    assert types["question_id"] == pa.int64()
    assert types["options"] == pa.list_(pa.string())
    assert types["answer"] == pa.string()
    assert types["image"] == pa.list_(pa.string())
    assert types["reference"] == pa.string()
    got = table.to_pylist()
    assert got[0]["options"] is None and got[0]["answer"] == "1.5"  # numeric: options null
    assert got[1]["options"] == ["A. left", "B. right", "C. front", "D. back"] and got[1]["answer"] == "A"
    assert got[2]["image"] == ["scene0001_00/20.jpg"]
    assert got[2]["question_type"] == "object size" and got[2]["data_type"] == "single_image"
    assert json.loads(got[2]["reference"]) == {"i": 2, "d": [1.5, 2]}
    assert [r["question_id"] for r in got] == [0, 1, 2]


def test_grounding_schema(tmp_path: Path) -> None:
    s = make_qa(
        "localization",
        answer=[
            GroundingAnswer(bbox_2d=[1048, 82, 1296, 773], label="chair"),
            GroundingAnswer(bbox_2d=[81, 536, 736, 781], label="radiator"),
        ],
        linked_sample_id="q1",
    )
    s.question_id = 160
    w = _write(tmp_path, [s])
    table = pq.read_table(tmp_path / w.shards[0].path)
    assert table.schema.names[: len(GROUNDING_COLUMNS)] == list(GROUNDING_COLUMNS)
    assert table.schema.field("answer").type == pa.list_(
        pa.struct([("bbox_2d", pa.list_(pa.int64())), ("label", pa.string())])
    )
    row = table.to_pylist()[0]
    assert row["answer"] == [
        {"bbox_2d": [1048, 82, 1296, 773], "label": "chair"},
        {"bbox_2d": [81, 536, 736, 781], "label": "radiator"},
    ]
    assert row["question_id"] == 160 and row["linked_sample_id"] == "q1"
    assert "options" not in table.schema.names and "question_type" not in table.schema.names


def test_rotation_and_bounded_buffer(tmp_path: Path) -> None:
    w = _write(tmp_path, _rows(11), rows_per_shard=4, row_group_size=2)
    assert [s.rows for s in w.shards] == [4, 4, 3]
    assert [Path(s.path).name for s in w.shards] == [
        "train-00000.parquet",
        "train-00001.parquet",
        "train-00002.parquet",
    ]
    assert w.max_buffered_rows == 4
    meta = pq.ParquetFile(tmp_path / w.shards[0].path).metadata
    assert meta.num_row_groups == 2 and meta.row_group(0).num_rows == 2


def test_bytes_are_deterministic_and_carry_no_timestamps(tmp_path: Path) -> None:
    a = _write(tmp_path / "a", _rows(5), rows_per_shard=3)
    b = _write(tmp_path / "b", _rows(5), rows_per_shard=3)
    for sa, sb in zip(a.shards, b.shards, strict=True):
        assert (tmp_path / "a" / sa.path).read_bytes() == (tmp_path / "b" / sb.path).read_bytes()
        assert sa.sha256 == sb.sha256
    meta = pq.ParquetFile(tmp_path / "a" / a.shards[0].path).metadata
    assert set(meta.metadata) == {b"ARROW:schema"}


def test_empty_family_gets_one_empty_shard_and_stale_shards_go(tmp_path: Path) -> None:
    _write(tmp_path, _rows(9), rows_per_shard=3)
    assert len(list((tmp_path / "data" / "single_image").glob("*.parquet"))) == 3
    w = ParquetShardWriter(BuildLayout(tmp_path), "single_image", rows_per_shard=3)
    w.close()
    files = sorted((tmp_path / "data" / "single_image").glob("*.parquet"))
    assert [f.name for f in files] == ["train-00000.parquet"]
    assert pq.read_table(files[0]).num_rows == 0


def test_rejects_rows_without_ids_or_of_another_family(tmp_path: Path) -> None:
    w = ParquetShardWriter(BuildLayout(tmp_path), "single_image")
    with pytest.raises(ValueError, match="no question_id"):
        w.write(make_qa())
    other = make_qa("video", "object count")
    other.question_id = 1
    with pytest.raises(ValueError, match="video row given to the single_image writer"):
        w.write(other)
