"""A build (or a folder of upstream exports) opened for training: its rows and their media files.

Rows come from the one build reader (`ladderdata.writers.reader`), in order of preference:
1. a ladderdata build: `data/<family>/train-*.parquet` (published columns + provenance, incl. scene_id);
2. upstream-style files: `spld_grounding_data.jsonl` / `spld_spatial_data.jsonl` (published keys only;
   the scan id is the first component of the first image path, `scene0055_00/1070.jpg`).
Image paths are relative to the media root (`<build>/images` unless given).

Cold-start rows (`question_id, prompt, solution, image, data_type`) come from `--coldstart FILE`, or from
`spld_coldstart_data.jsonl` beside the build's exports (a build writes one when its manifest has a
`coldstart:` block).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.errors import TrainError
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.reader import BuildReader


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
    def reader(self) -> BuildReader:
        """The build's reader (errors are TrainErrors)."""
        return BuildReader(self.root, error=TrainError)

    def grounding_rows(self) -> list[dict[str, Any]]:
        """Localization rows: question, answer (list of {bbox_2d, label}), image, scene_id."""
        return list(self.reader.grounding_rows())

    def spatial_rows(self) -> list[dict[str, Any]]:
        """Spatial QA rows: question, options, answer, image, question_type, data_type, scene_id."""
        return list(self.reader.spatial_rows())

    def coldstart_path(self, path: str | Path | None = None) -> Path | None:
        """The cold-start file to use: the given one (must exist), else the build's, else None."""
        return self.reader.coldstart_path(path)

    def coldstart_rows(self, path: str | Path | None = None) -> list[dict[str, Any]]:
        """Cold-start rows (empty when there is no cold-start file)."""
        return list(self.reader.coldstart_rows(path))

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
