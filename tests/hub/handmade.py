"""A tiny hand-made build, following docs/contracts.md, for hub tests until `ladderdata build` exists.

Raw tree: `<raw>/export/<scan>/color/<i>.jpg` (small deterministic JPEGs written with OpenCV).
Build: Parquet shards via pyarrow, README.md card with YAML `configs`, JSONL exports, meta/*.json,
images/<scan>/<i>.jpg copied byte for byte from the raw tree (media copy) or absent (media reference),
plus the working state and scratch files a real build leaves behind (which push must skip).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ladderdata.writers.checksums import write_checksums
from ladderdata.writers.layout import BuildLayout

SCANS = {"scene0001_00": (0, 10, 20), "scene0002_00": (0, 10)}

CARD = """---
pretty_name: hand-made ladderdata build
license: other
configs:
- config_name: grounding
  data_files:
  - split: train
    path: data/localization/*.parquet
- config_name: spatial
  data_files:
  - split: train
    path:
    - data/single_image/*.parquet
    - data/multi_view/*.parquet
- config_name: single_image
  data_files: data/single_image/*.parquet
---

# Hand-made build

Test fixture.
"""


def make_raw_tree(raw: Path, scans: dict[str, tuple[int, ...]] = SCANS) -> dict[str, Path]:
    """Write `<raw>/export/<scan>/color/<i>.jpg`; returns {image relpath: raw file}."""
    out: dict[str, Path] = {}
    for s, (scan, frames) in enumerate(sorted(scans.items())):
        for frame in frames:
            rng = np.random.default_rng(1000 * s + frame)
            pixels = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
            ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 90])
            assert ok
            path = raw / "export" / scan / "color" / f"{frame}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.tobytes())
            out[f"{scan}/{frame}.jpg"] = path
    return out


@dataclass
class HandmadeBuild:
    root: Path
    raw: Path
    images: dict[str, Path]
    """image relpath (relative to images/) -> raw file it was copied from."""


def _grounding_table(images: list[str]) -> pa.Table:
    answer_type = pa.list_(pa.struct([("bbox_2d", pa.list_(pa.int64())), ("label", pa.string())]))
    return pa.table(
        {
            "question_id": pa.array([1, 2], pa.int64()),
            "question": ["Locate the chair.", "Locate the table."],
            "answer": pa.array(
                [
                    [{"bbox_2d": [1, 2, 10, 12], "label": "chair"}],
                    [{"bbox_2d": [3, 4, 20, 22], "label": "table"}],
                ],
                answer_type,
            ),
            "image": pa.array([[images[0]], [images[1]]], pa.list_(pa.string())),
            "data_type": ["single_image", "single_image"],
            "scene_id": [images[0].split("/")[0], images[1].split("/")[0]],
        }
    )


def _spatial_table(images: list[str], data_type: str, first_id: int) -> pa.Table:
    return pa.table(
        {
            "question_id": pa.array([first_id, first_id + 1], pa.int64()),
            "question": ["How many chairs?", "Which is closer to the door?"],
            "options": pa.array([None, ["A. chair", "B. table"]], pa.list_(pa.string())),
            "answer": ["2", "A"],
            "image": pa.array([[images[0]], list(images)], pa.list_(pa.string())),
            "question_type": ["object count", "relative distance"],
            "data_type": [data_type, data_type],
            "scene_id": [images[0].split("/")[0]] * 2,
        }
    )


def make_build(
    root: Path,
    raw: Path,
    *,
    source: str = "sample",
    licensed: bool = False,
    media: str = "copy",
    scratch: bool = True,
) -> HandmadeBuild:
    """Write a complete small build at `root` from the raw tree at `raw` (created if missing)."""
    images = (
        make_raw_tree(raw)
        if not (raw / "export").is_dir()
        else {f"{p.parent.parent.name}/{p.name}": p for p in sorted((raw / "export").glob("*/color/*.jpg"))}
    )
    rels = sorted(images)
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text(CARD, encoding="utf-8")
    for family, table in (
        ("localization", _grounding_table(rels)),
        ("single_image", _spatial_table(rels[:2], "single_image", 1)),
        ("multi_view", _spatial_table(rels[2:4], "multi_view", 3)),
    ):
        path = root / "data" / family / "train-00000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
    (root / "spld_grounding_data.jsonl").write_text(
        json.dumps({"question_id": 1, "question": "Locate the chair.", "image": [rels[0]]}) + "\n"
    )
    (root / "spld_spatial_data.jsonl").write_text(
        json.dumps({"question_id": 1, "question": "How many chairs?", "answer": "2", "image": [rels[0]]})
        + "\n"
    )
    meta = root / "meta"
    meta.mkdir(exist_ok=True)
    manifest = {
        "sources": [{"name": source, "kind": source, "licensed": licensed}],
        "media": media,
        "seed": 7,
    }
    (meta / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (meta / "stats.json").write_text(json.dumps({"kept": 6, "dropped": {"answers": 1}}) + "\n")
    (meta / "info.json").write_text(json.dumps({"schema_version": "1.0"}) + "\n")
    records = {}
    for rel in rels:
        data = images[rel].read_bytes()
        scan, name = rel.split("/")
        records[rel] = {
            "scan_id": scan,
            "frame_index": int(name.split(".")[0]),
            "source": source,
            "licensed": licensed,
            "raw": f"export/{scan}/color/{name}",
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
        if media == "copy":
            dst = root / "images" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(images[rel], dst)
    (meta / "media.json").write_text(json.dumps({"media_policy": media, "images": records}, indent=2) + "\n")
    write_checksums(BuildLayout(root))  # as finalize does: `push` verifies the build first
    if scratch:  # what a real build directory also holds, none of which is published
        for rel, text in {
            "scenes/scene0001_00.json": "{}",
            "_state/done/scene0001_00.done": "",
            "_state/samples/scene0001_00.jsonl": "{}\n",
            "_dropped/answers.jsonl": '{"reason": "recheck"}\n',
            "data/single_image/train-00001.parquet.tmp": "half a shard",
            "meta/.info.json.x1y2.tmp": "{",
            ".DS_Store": "junk",
        }.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return HandmadeBuild(root=root, raw=raw, images={rel: images[rel] for rel in rels})


PUBLISHED = sorted(
    [
        "README.md",
        "data/localization/train-00000.parquet",
        "data/multi_view/train-00000.parquet",
        "data/single_image/train-00000.parquet",
        "meta/checksums.json",
        "meta/info.json",
        "meta/manifest.json",
        "meta/media.json",
        "meta/stats.json",
        "spld_grounding_data.jsonl",
        "spld_spatial_data.jsonl",
    ]
    + [f"images/{scan}/{f}.jpg" for scan, frames in SCANS.items() for f in frames]
)
"""What a media-copy hand-made build publishes (written out by hand, not computed by the code under test)."""
