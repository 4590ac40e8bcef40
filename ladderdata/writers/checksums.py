"""`meta/checksums.json`: the sha256 and size of every published shard and JSONL file of a build.

Written last by finalize (after the shards, JSONL and card), read by `ladderdata verify` (which checks
images against `meta/media.json`): `{"algorithm": "sha256", "files": {relpath: {"sha256", "bytes"}}}`,
relpaths POSIX and relative to the build root, sorted. Byte-stable: no timestamps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderdata.io import sha256_file, write_json_atomic
from ladderdata.writers.layout import COLDSTART_JSONL, GROUNDING_JSONL, SPATIAL_JSONL, BuildLayout


def recorded_files(layout: BuildLayout) -> list[Path]:
    """The files checksums.json covers: every `data/**/*.parquet` and the JSONL exports present."""
    files = sorted(layout.data_dir.glob("*/*.parquet")) if layout.data_dir.is_dir() else []
    files += [
        layout.root / name
        for name in (GROUNDING_JSONL, SPATIAL_JSONL, COLDSTART_JSONL)
        if (layout.root / name).is_file()
    ]
    return files


def checksums(layout: BuildLayout) -> dict[str, Any]:
    """The content of meta/checksums.json for the files on disk now."""
    entries = {}
    for path in recorded_files(layout):
        entries[path.relative_to(layout.root).as_posix()] = {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
        }
    return {"algorithm": "sha256", "files": dict(sorted(entries.items()))}


def write_checksums(layout: BuildLayout) -> dict[str, Any]:
    """Hash the shards and JSONL files and write meta/checksums.json; returns its content."""
    doc = checksums(layout)
    write_json_atomic(layout.checksums_json, doc)
    return doc
