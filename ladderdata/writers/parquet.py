"""Parquet shards with an explicit schema: published columns first, provenance after.

`grounding` (localization) and `spatial` (single-image, multi-view, video) reproduce the published
SpatialLadder-26k columns with their exact types; our provenance columns follow, `reference` as a JSON
string. Shards rotate by row count (`train-00000.parquet`, ...) with small row groups, so a reader can
stream them; the writer holds at most one shard of rows (`max_buffered_rows` records the high-water
mark). Bytes are deterministic: no timestamps are written and every value comes from the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ladderdata.io import atomic_path, sha256_file
from ladderdata.records import Family, QASample
from ladderdata.writers.layout import BuildLayout

GROUNDING_COLUMNS = ("question_id", "question", "answer", "image", "data_type")
"""Published grounding columns, in the published order."""
SPATIAL_COLUMNS = ("question_id", "question", "options", "answer", "image", "question_type", "data_type")
"""Published spatial columns, in the published order."""

_BBOX_ANSWER = pa.list_(pa.struct([("bbox_2d", pa.list_(pa.int64())), ("label", pa.string())]))

_PROVENANCE = [
    pa.field("sample_id", pa.string(), nullable=False),
    pa.field("family", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("scene_id", pa.string(), nullable=False),
    pa.field("frame_ids", pa.list_(pa.int64()), nullable=False),
    pa.field("template_id", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=False),
    pa.field("generator_version", pa.string(), nullable=False),
    pa.field("subtype", pa.string()),
]

GROUNDING_SCHEMA = pa.schema(
    [
        pa.field("question_id", pa.int64(), nullable=False),
        pa.field("question", pa.string(), nullable=False),
        pa.field("answer", _BBOX_ANSWER, nullable=False),
        pa.field("image", pa.list_(pa.string()), nullable=False),
        pa.field("data_type", pa.string(), nullable=False),
        *_PROVENANCE,
        pa.field("linked_sample_id", pa.string(), nullable=False),
        pa.field("reference", pa.string(), nullable=False),
    ]
)
"""Schema of `data/localization/*.parquet` (the `grounding` config)."""

SPATIAL_SCHEMA = pa.schema(
    [
        pa.field("question_id", pa.int64(), nullable=False),
        pa.field("question", pa.string(), nullable=False),
        pa.field("options", pa.list_(pa.string()), nullable=True),
        pa.field("answer", pa.string(), nullable=False),
        pa.field("image", pa.list_(pa.string()), nullable=False),
        pa.field("question_type", pa.string(), nullable=False),
        pa.field("data_type", pa.string(), nullable=False),
        *_PROVENANCE,
        pa.field("reference", pa.string(), nullable=False),
    ]
)
"""Schema of the single-image, multi-view and video shards (the `spatial` config)."""


def schema_for(family: Family | str) -> pa.Schema:
    """Arrow schema of a family's shards."""
    return GROUNDING_SCHEMA if Family(family) == Family.localization else SPATIAL_SCHEMA


def reference_json(reference: dict[str, Any]) -> str:
    """Canonical JSON text of a sample's `reference` (sorted keys, compact)."""
    return json.dumps(reference, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sample_to_row(sample: QASample) -> dict[str, Any]:
    """One Parquet row (a dict keyed by column name) of a sample whose question_id is assigned."""
    if sample.question_id is None:
        raise ValueError(f"sample {sample.sample_id} has no question_id; assign ids before writing")
    row: dict[str, Any] = {
        "question_id": sample.question_id,
        "question": sample.question,
        "image": list(sample.image),
        "data_type": sample.data_type.value,
        "sample_id": sample.sample_id,
        "family": sample.family.value,
        "source": sample.source,
        "scene_id": sample.scene_id,
        "frame_ids": list(sample.frame_ids),
        "template_id": sample.template_id,
        "seed": sample.seed,
        "generator_version": sample.generator_version,
        "subtype": sample.subtype,
        "reference": reference_json(sample.reference),
    }
    if sample.family == Family.localization:
        assert isinstance(sample.answer, list)
        row["answer"] = [{"bbox_2d": list(a.bbox_2d), "label": a.label} for a in sample.answer]
        row["linked_sample_id"] = sample.linked_sample_id
    else:
        row["options"] = list(sample.options) if sample.options is not None else None
        row["answer"] = sample.answer
        row["question_type"] = sample.question_type.value
    return row


@dataclass(frozen=True)
class ShardInfo:
    """One written shard: path relative to the build root, rows, size and content hash."""

    path: str
    rows: int
    bytes: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form for meta/info.json."""
        return {"path": self.path, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


class ParquetShardWriter:
    """Writes one family's rows into `data/<family>/train-NNNNN.parquet`, rotating every `rows_per_shard`.

    A family with no rows still gets one empty shard, so its dataset config loads (with zero rows).
    Shards of an earlier run that this run did not write are deleted on `close`.
    """

    def __init__(
        self,
        layout: BuildLayout,
        family: Family | str,
        *,
        rows_per_shard: int = 5000,
        row_group_size: int = 500,
        compression: str = "zstd",
    ) -> None:
        if rows_per_shard < 1 or row_group_size < 1:
            raise ValueError("rows_per_shard and row_group_size must be >= 1")
        self.layout = layout
        self.family = Family(family)
        self.schema = schema_for(self.family)
        self.rows_per_shard = rows_per_shard
        self.row_group_size = row_group_size
        self.compression = None if compression == "none" else compression
        self._buffer: list[dict[str, Any]] = []
        self.max_buffered_rows = 0
        """High-water mark of rows held in memory (never above rows_per_shard)."""
        self.shards: list[ShardInfo] = []
        self._closed = False

    def write(self, sample: QASample) -> None:
        """Buffer one row; a full buffer is flushed to the next shard."""
        if self._closed:
            raise RuntimeError("writer is closed")
        if sample.family != self.family:
            raise ValueError(f"a {sample.family.value} row given to the {self.family.value} writer")
        self._buffer.append(sample_to_row(sample))
        self.max_buffered_rows = max(self.max_buffered_rows, len(self._buffer))
        if len(self._buffer) >= self.rows_per_shard:
            self._flush()

    def _flush(self) -> None:
        path = self.layout.shard(self.family, len(self.shards))
        table = pa.Table.from_pylist(self._buffer, schema=self.schema)
        with atomic_path(path) as tmp:
            pq.write_table(
                table,
                tmp,
                row_group_size=self.row_group_size,
                compression=self.compression,
                write_statistics=True,
                store_schema=True,
            )
        rel = path.relative_to(self.layout.root).as_posix()
        self.shards.append(ShardInfo(rel, table.num_rows, path.stat().st_size, sha256_file(path)))
        self._buffer = []

    def close(self) -> list[ShardInfo]:
        """Flush the last (partial) shard, remove stale shards, and return what was written."""
        if self._closed:
            return self.shards
        if self._buffer or not self.shards:
            self._flush()
        self._closed = True
        keep = {self.layout.root / s.path for s in self.shards}
        for old in self.layout.family_dir(self.family).glob("*.parquet"):
            if old not in keep:
                old.unlink()
        return self.shards

    def __enter__(self) -> ParquetShardWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
