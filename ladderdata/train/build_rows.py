"""Read the rows of a build (Parquet shards, or the upstream JSONL files) and resolve their media.

Input folder, in order of preference:
1. a ladderdata build: `data/<family>/train-*.parquet` (published columns + provenance, incl. scene_id);
2. upstream-style files: `spld_grounding_data.jsonl` / `spld_spatial_data.jsonl` (published keys only;
   the scan id is the first component of the first image path, `scene0055_00/1070.jpg`).
Image paths are relative to the media root (`<build>/images` unless given).

Cold-start rows (`question_id, prompt, solution, image, data_type`) come from `--coldstart FILE`, or from
`spld_coldstart_data.jsonl` beside the build's exports (a build writes one when its manifest has a
`coldstart:` block).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.errors import TrainError
from ladderdata.records import Family
from ladderdata.writers.layout import BuildLayout

COLDSTART_JSONL = "spld_coldstart_data.jsonl"
GROUNDING_FAMILIES = (Family.localization,)
SPATIAL_FAMILIES = (Family.single_image, Family.multi_view, Family.video)
COLDSTART_KEYS = ("prompt", "solution", "image", "data_type")


def scene_of(image_paths: list[str]) -> str:
    """Scan id of a row without provenance: the first folder of its first image path."""
    first = image_paths[0].replace("\\", "/")
    return first.split("/", 1)[0] if "/" in first else ""


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file; a malformed line is a one-line error naming file and line."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise TrainError.at(
                    f"{path}:{number}", f"invalid JSON ({err.msg})", "re-export the file"
                ) from err
    return rows


def _read_parquet(files: list[Path]) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            rows.extend(pq.read_table(path).to_pylist())
        except Exception as err:  # pyarrow raises several types for damaged files
            raise TrainError.at(
                path, f"unreadable Parquet shard ({err})", "rebuild with `ladderdata build`"
            ) from err
    return rows


@dataclass
class BuildInput:
    """A build (or upstream export folder) opened for training."""

    root: Path
    media_root: Path
    _size_cache: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, build_dir: str | Path, media_root: str | Path | None = None) -> BuildInput:
        """Open a build folder; `media_root` defaults to `<build>/images`."""
        root = Path(build_dir)
        if not root.is_dir():
            raise TrainError.at(
                root, "build folder not found", "run `ladderdata build --out DIR` or fix --build"
            )
        media = Path(media_root) if media_root is not None else BuildLayout(root).media_root
        return cls(root=root, media_root=media)

    @property
    def layout(self) -> BuildLayout:
        return BuildLayout(self.root)

    def _shards(self, families: tuple[Family, ...]) -> list[Path]:
        files: list[Path] = []
        for family in families:
            files.extend(sorted(self.layout.family_dir(family).glob("*.parquet")))
        return files

    def _rows(self, families: tuple[Family, ...], jsonl: Path, what: str) -> list[dict[str, Any]]:
        shards = self._shards(families)
        if shards:
            rows = _read_parquet(shards)
        elif jsonl.exists():
            rows = read_jsonl(jsonl)
        else:
            return []
        for index, row in enumerate(rows):
            missing = [k for k in ("question", "answer", "image") if k not in row]
            if missing:
                source = shards[0].parent if shards else jsonl
                raise TrainError.at(
                    source,
                    f"{what} row {index} lacks {', '.join(missing)}",
                    "rebuild with `ladderdata build`",
                )
            if not row["image"]:
                raise TrainError.at(
                    jsonl if not shards else shards[0].parent, f"{what} row {index} has no image"
                )
            row["image"] = list(row["image"])
            if not row.get("scene_id"):
                row["scene_id"] = scene_of(row["image"])
        return rows

    def grounding_rows(self) -> list[dict[str, Any]]:
        """Localization rows: question, answer (list of {bbox_2d, label}), image, scene_id."""
        rows = self._rows(GROUNDING_FAMILIES, self.layout.grounding_jsonl, "grounding")
        for row in rows:
            row["question_type"] = "localization"
            if isinstance(row["answer"], str):  # tolerate a JSON-encoded answer list
                row["answer"] = json.loads(row["answer"])
        return rows

    def spatial_rows(self) -> list[dict[str, Any]]:
        """Spatial QA rows: question, options, answer, image, question_type, data_type, scene_id."""
        rows = self._rows(SPATIAL_FAMILIES, self.layout.spatial_jsonl, "spatial")
        for row in rows:
            row["answer"] = str(row["answer"])
            row["options"] = list(row["options"]) if row.get("options") else None
            row.setdefault("data_type", "single_image")
        return rows

    def coldstart_path(self, path: str | Path | None = None) -> Path | None:
        """The cold-start file to use: the given one (must exist), else the build's, else None."""
        if path is not None:
            path = Path(path)
            if not path.is_file():
                raise TrainError.at(path, "cold-start file not found", "fix --coldstart")
            return path
        default = self.root / COLDSTART_JSONL
        return default if default.is_file() else None

    def coldstart_rows(self, path: str | Path | None = None) -> list[dict[str, Any]]:
        """Cold-start rows (empty when there is no cold-start file)."""
        source = self.coldstart_path(path)
        if source is None:
            return []
        rows = read_jsonl(source)
        for number, row in enumerate(rows, 1):
            missing = [k for k in COLDSTART_KEYS if k not in row]
            if missing:
                raise TrainError.at(
                    f"{source}:{number}",
                    f"cold-start row lacks {', '.join(missing)}",
                    "each row needs question_id, prompt, solution, image, data_type",
                )
            row["image"] = [row["image"]] if isinstance(row["image"], str) else list(row["image"])
            row.setdefault("scene_id", scene_of(row["image"]))
        return rows

    def check_media(self, rows: list[dict[str, Any]]) -> None:
        """Raise one TrainError naming the first missing media file (and how many are missing)."""
        missing = [rel for row in rows for rel in row["image"] if not (self.media_root / rel).is_file()]
        if missing:
            total = sum(len(row["image"]) for row in rows)
            raise TrainError.at(
                self.media_root / missing[0],
                f"media file missing ({len(missing)} of {total} referenced files are absent)",
                "rebuild a --media reference build's images with `ladderdata materialize BUILD --raw DIR`, or pass --media-root DIR",
            )

    def media_path(self, relpath: str) -> str:
        """Absolute path of a media file (existence is checked by `check_media`)."""
        return str((self.media_root / relpath).resolve())

    def image_size(self, relpath: str) -> tuple[int, int]:
        """(width, height) of an image, read from its header once."""
        if relpath not in self._size_cache:
            from PIL import Image

            with Image.open(self.media_root / relpath) as img:
                self._size_cache[relpath] = img.size
        return self._size_cache[relpath]
