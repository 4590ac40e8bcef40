"""`meta/info.json`: what a build holds (shards, row counts, columns, configs), for readers and the Hub.

Everything here is derived from the written files and the resolved config; no timestamps, so the file
is byte-identical across reruns with the same manifest and seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from ladderdata import __version__
from ladderdata.records import FAMILY_ORDER, SCHEMA_VERSION, Family
from ladderdata.writers.configs import config_entries
from ladderdata.writers.layout import COLDSTART_JSONL, GROUNDING_JSONL, SPATIAL_JSONL, BuildLayout
from ladderdata.writers.parquet import (
    GROUNDING_COLUMNS,
    GROUNDING_SCHEMA,
    SPATIAL_COLUMNS,
    SPATIAL_SCHEMA,
    ShardInfo,
)

SPATIAL_FAMILIES = (Family.single_image, Family.multi_view, Family.video)


def dataset_configs(layout: BuildLayout) -> list[dict[str, Any]]:
    """The card's `configs` (writers/configs.py: every config whose shards exist; `spatial` default)."""
    return config_entries(layout)


def _columns(schema: pa.Schema, published: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "type": str(f.type), "nullable": f.nullable, "published": f.name in published}
        for f in schema
    ]


def build_info(
    *,
    layout: BuildLayout,
    name: str,
    seed: int,
    media_policy: str,
    families: Sequence[Family],
    shards: Mapping[Family, Sequence[ShardInfo]],
    counts: Mapping[Family, Mapping[str, int]],
    jsonl_rows: Mapping[str, int],
    question_ids: Mapping[str, int | None],
    coldstart: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of meta/info.json (`coldstart`: the cold-start stats entry, when rows were written)."""
    fams = [f for f in FAMILY_ORDER if f in families]
    info = {
        "name": name,
        "schema_version": SCHEMA_VERSION,
        "code_version": __version__,
        "seed": seed,
        "media_policy": media_policy,
        "media_root": layout.media_root.name,
        "rows": {
            "grounding": sum(s.rows for s in shards.get(Family.localization, [])),
            "spatial": sum(s.rows for f in SPATIAL_FAMILIES for s in shards.get(f, [])),
        },
        "families": {
            f.value: {
                "rows": sum(s.rows for s in shards.get(f, [])),
                "question_types": dict(sorted(counts.get(f, {}).items())),
                "shards": [s.to_dict() for s in shards.get(f, [])],
            }
            for f in fams
        },
        "configs": dataset_configs(layout),
        "columns": {
            "grounding": _columns(GROUNDING_SCHEMA, GROUNDING_COLUMNS),
            "spatial": _columns(SPATIAL_SCHEMA, SPATIAL_COLUMNS),
        },
        "jsonl": {
            GROUNDING_JSONL: jsonl_rows.get("grounding", 0),
            SPATIAL_JSONL: jsonl_rows.get("spatial", 0),
        },
        "question_ids": dict(question_ids),
    }
    if coldstart is not None:
        info["coldstart"] = {"rows": coldstart["rows"], "shards": coldstart["shards"]}
        info["jsonl"][COLDSTART_JSONL] = coldstart["rows"]
    return info
