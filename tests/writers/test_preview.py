"""The preview shard is written with pyarrow alone, yet byte for byte as `datasets` writes the same rows
(`Dataset.from_dict(..., features=preview_features()).to_parquet`), and it reads back with `datasets` as
lists of images."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
from datasets import Dataset, Features, List, Value, load_dataset
from datasets import Image as ImageFeature
from PIL import Image

from ladderdata.writers.preview import PREVIEW_SCHEMA, write_preview_table


def preview_features() -> Features:
    """The preview's features as `datasets` declares them (the reference the shard must match)."""
    return Features(
        {
            "question_id": Value("int64"),
            "data_type": Value("string"),
            "question_type": Value("string"),
            "question": Value("string"),
            "options": List(Value("string")),
            "answer": Value("string"),
            "images": List(ImageFeature()),
        }
    )


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG", quality=75)
    return buf.getvalue()


def _columns() -> dict[str, list]:
    red, blue = _jpeg((200, 30, 30), (320, 239)), _jpeg((20, 40, 220), (240, 320))
    return {
        "question_id": [0, 1, 7],
        "data_type": ["single_image", "multi_view", "single_image"],
        "question_type": ["object_size", "relative_distance", "localization"],
        "question": ["How long is the bed?", "Which is closer to the chair?", "Where is the lamp?"],
        "options": [[], ["A. bed", "B. lamp"], []],
        "answer": ["1.9", "A", json.dumps([{"bbox_2d": [1, 2, 30, 40], "label": "lamp"}])],
        "images": [
            [{"bytes": red, "path": "scene0/10.jpg"}],
            [{"bytes": red, "path": "scene0/10.jpg"}, {"bytes": blue, "path": "scene0/20.jpg"}],
            [{"bytes": blue, "path": "scene0/20.jpg"}],
        ],
    }


def test_schema_is_what_datasets_declares_for_the_features():
    assert PREVIEW_SCHEMA.equals(preview_features().arrow_schema, check_metadata=True)


def test_bytes_equal_datasets_to_parquet_and_read_back_as_images(tmp_path: Path):
    columns = _columns()
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_preview_table(pa.Table.from_pydict(columns, schema=PREVIEW_SCHEMA), ours)
    Dataset.from_dict(columns, features=preview_features()).to_parquet(str(theirs))
    assert ours.read_bytes() == theirs.read_bytes()

    loaded = load_dataset("parquet", data_files=str(ours), split="train", cache_dir=str(tmp_path / "cache"))
    assert loaded["question_id"] == [0, 1, 7]
    images = loaded[1]["images"]
    assert [im.size for im in images] == [(320, 239), (240, 320)]
    assert images[1].convert("RGB").getpixel((100, 100))[2] > 180  # the blue frame, decoded
