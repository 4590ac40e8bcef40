"""The `preview` config: a few hundred rows with their frames embedded, so the Hub's viewer shows pictures.

The published shards reference images by path (`scene0000_00/10.jpg`), which the Hub's dataset viewer
cannot show. The preview shard holds the first rows of each (data type, question type) in turn, round
robin in `question_id` order, up to `output.preview_rows`, with the frames of each row embedded as a
list of `datasets.Image` (one for single-image and grounding rows, 8 for multi-view, the sampled frames
for video). Frames are shrunk to at most PREVIEW_SIDE pixels on the long side (JPEG): the preview is for
looking, and full 1296x968 frames would make it larger than the rest of the build. Grounding answers
(boxes in full-resolution pixels) are kept as JSON text.

It is written only for builds whose pixels may be redistributed (`--media copy`, no licensed source).
"""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from ladderdata.io import atomic_path
from ladderdata.threads import ordered_map
from ladderdata.writers.layout import BuildLayout

PREVIEW_SIDE = 320
"""Longest side, in pixels, of an embedded preview frame."""
JPEG_QUALITY = 75
SPATIAL_FOLDERS = ("single_image", "multi_view", "video")


def _rows(layout: BuildLayout, folder: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for shard in sorted(layout.family_dir(folder).glob("*.parquet")):
        rows.extend(pq.read_table(shard).to_pylist())
    return rows


def select_rows(rows: Iterable[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Round robin over (data_type, question_type) groups, each in question_id order, up to `limit`."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["data_type"], r.get("question_type") or "localization")].append(r)
    queues = [sorted(g, key=lambda r: r["question_id"]) for _, g in sorted(groups.items())]
    out: list[dict[str, Any]] = []
    depth = 0
    while len(out) < limit and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(out) < limit:
                out.append(q[depth])
        depth += 1
    return out


def shrink_frame(image: Path | BinaryIO) -> bytes:
    """A frame as the preview embeds it: at most PREVIEW_SIDE pixels on the long side, JPEG."""
    from PIL import Image

    with Image.open(image) as im:
        im.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))  # JPEG: decode at a reduced DCT scale (4-8x cheaper)
        im = im.convert("RGB")
        im.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()


_STRING = {"dtype": "string", "_type": "Value"}
_FEATURES = {
    "question_id": {"dtype": "int64", "_type": "Value"},
    "data_type": _STRING,
    "question_type": _STRING,
    "question": _STRING,
    "options": {"feature": _STRING, "_type": "List"},
    "answer": _STRING,
    "images": {"feature": {"_type": "Image"}, "_type": "List"},
}
"""The `datasets.Features` dict of the preview (`Features({... "options": List(Value("string")),
"images": List(Image())}).to_dict()`, checked in tests/writers/test_preview.py): written as the schema's
`huggingface` metadata, which is how `datasets` knows the images column holds images."""

_IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
PREVIEW_SCHEMA = pa.schema(
    [
        ("question_id", pa.int64()),
        ("data_type", pa.string()),
        ("question_type", pa.string()),
        ("question", pa.string()),
        ("options", pa.list_(pa.string())),
        ("answer", pa.string()),
        ("images", pa.list_(_IMAGE)),
    ],
    metadata={"huggingface": json.dumps({"info": {"features": _FEATURES}})},
)
"""Arrow schema of the preview shard: those features' `arrow_schema`, spelled out so writing the
shard needs pyarrow only (importing `datasets` cost a build more than writing the shard)."""

# How `datasets` (5.x, `Dataset.to_parquet`) writes a dataset with embedded images; the preview shard is
# written with the same settings so its bytes are what `datasets` would write (tests/writers/test_preview).
_CDC = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}
_MAX_ROW_GROUP_BYTES = 100 * 10**6
_EMBEDDED = ("images.list.element.bytes", "images.list.element.path")
_PLAIN = ("question_id", "data_type", "question_type", "question", "options.list.element", "answer")


def _rows_per_group(table: pa.Table) -> int:
    """Rows per row group as `datasets` picks them: about 100 MB of data each, the embedded bytes
    counted and their paths not (estimated from the first 1000 rows)."""
    head = table.slice(0, 1000)
    paths = sum(chunk.flatten().field("path").nbytes for chunk in head.column("images").chunks)
    nbytes = table.nbytes - paths * table.num_rows // head.num_rows
    return max(1, table.num_rows * _MAX_ROW_GROUP_BYTES // nbytes) if nbytes > 0 else 1


def write_preview_table(table: pa.Table, target: str | os.PathLike[str]) -> None:
    """Write a `PREVIEW_SCHEMA` table as `datasets` writes it (row groups, per-column compression and
    encodings, content-defined chunking, its key-value metadata)."""
    import pyarrow.parquet as pq

    step = _rows_per_group(table)
    writer = pq.ParquetWriter(
        target,
        schema=PREVIEW_SCHEMA,
        use_content_defined_chunking=_CDC,
        write_page_index=True,
        compression={**dict.fromkeys(_PLAIN, "snappy"), **dict.fromkeys(_EMBEDDED, "none")},
        use_dictionary=list(_PLAIN),
        column_encoding=dict.fromkeys(_EMBEDDED, "PLAIN"),
    )
    try:
        for offset in range(0, table.num_rows, step):
            writer.write_table(table.slice(offset, step))
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(_CDC)})
    finally:
        writer.close()


def write_preview(layout: BuildLayout, limit: int) -> int:
    """Write `data/preview/train-00000.parquet` (atomically) from the build's shards and images/;
    returns the number of rows (0: nothing written, e.g. `limit` 0 or an empty build)."""
    rows = _rows(layout, "localization")
    for folder in SPATIAL_FOLDERS:
        rows.extend(_rows(layout, folder))
    chosen = select_rows(rows, limit) if limit > 0 else []
    if not chosen:
        return 0
    # every distinct frame shrunk once, on threads (Pillow decodes, resamples and encodes without the
    # GIL); the bytes of each depend only on its file, so the shard does not depend on the thread count
    relpaths = sorted({p for r in chosen for p in r["image"]})
    shrunk = dict(
        zip(relpaths, ordered_map(lambda rel: shrink_frame(layout.image(rel)), relpaths), strict=True)
    )

    def image(relpath: str) -> dict[str, Any]:
        return {"bytes": shrunk[relpath], "path": relpath}

    columns: dict[str, list[Any]] = defaultdict(list)
    for r in chosen:
        answer = r["answer"]
        columns["question_id"].append(r["question_id"])
        columns["data_type"].append(r["data_type"])
        columns["question_type"].append(r.get("question_type") or "localization")
        columns["question"].append(r["question"])
        columns["options"].append(list(r.get("options") or []))
        columns["answer"].append(answer if isinstance(answer, str) else json.dumps(answer, sort_keys=True))
        columns["images"].append([image(p) for p in r["image"]])
    table = pa.Table.from_pydict(dict(columns), schema=PREVIEW_SCHEMA)
    with atomic_path(layout.preview_shard) as tmp:
        write_preview_table(table, tmp)
    return len(chosen)
