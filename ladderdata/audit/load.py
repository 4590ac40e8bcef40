"""Read what the writers wrote (or the published SpatialLadder-26k JSONL files) into one audit input.

Two inputs are accepted:

- a build directory (`ladderdata/writers/layout.py`): Parquet shards `data/<family>/*.parquet`, plus
  `meta/manifest.json`, `meta/stats.json` and `meta/media.json` when present;
- a published JSONL file (`spld_spatial_data.jsonl` or `spld_grounding_data.jsonl`): the other file of
  the pair is read when it lies beside it, and images are resolved relative to the JSONL's folder (or its
  `images/` subfolder).

Both are read by the one build reader (`ladderdata.writers.reader`), which normalises the rows: the
published columns plus `family` and `scene_id`; the JSONL files carry no provenance, so there the family
is the `data_type` (`localization` for grounding rows) and the scan is the first folder of the first
image path (`scene0055_00/1070.jpg`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.errors import LadderDataError
from ladderdata.writers.layout import GROUNDING_JSONL, SPATIAL_JSONL
from ladderdata.writers.reader import BuildReader, is_grounding_jsonl, rows_of_jsonl


class AuditInputError(LadderDataError):
    """The audit input is missing, unreadable or lacks the published columns."""


@dataclass
class AuditInput:
    """Everything the audit reads, already normalised.

    `spatial` rows: published spatial columns + `family`, `scene_id` (+ provenance columns of a build).
    `grounding` rows: published grounding columns + `family` (= localization), `question_type`
    (= localization), `scene_id`. `manifest`/`stats` are the build's meta JSON (None for JSONL input).
    `media_root` is the folder image paths are relative to; `media_roots` lists every folder tried.
    """

    path: Path
    kind: str  # "build" or "jsonl"
    spatial: list[dict[str, Any]]
    grounding: list[dict[str, Any]]
    manifest: dict[str, Any] | None = None
    stats: dict[str, Any] | None = None
    media_policy: str | None = None
    media_roots: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Grounding rows first, then spatial rows."""
        return self.grounding + self.spatial

    def resolve_image(self, relpath: str) -> Path | None:
        """The existing file for a published image path, or None when the pixels are absent."""
        for root in self.media_roots:
            candidate = root / relpath
            if candidate.is_file():
                return candidate
        return None


def load_build(root: Path) -> AuditInput:
    """Read a build directory written by `ladderdata build`."""
    reader = BuildReader(root, error=AuditInputError)
    layout = reader.layout
    # the family folders only: data/preview/ repeats rows of them with embedded frames
    shards = sorted(reader.shards())
    if not shards:
        raise AuditInputError.at(
            layout.data_dir,
            "no Parquet shards (data/<family>/train-NNNNN.parquet)",
            "run `ladderdata build` first, or pass a spld_spatial_data.jsonl file",
        )
    return AuditInput(
        path=layout.root,
        kind="build",
        spatial=list(reader.spatial_rows()),
        grounding=list(reader.grounding_rows()),
        manifest=reader.manifest(),
        stats=reader.stats(),
        media_policy=reader.media_policy(),
        media_roots=[layout.media_root],
        files=shards,
    )


def load_jsonl(path: Path) -> AuditInput:
    """Read a published JSONL file; its partner (spatial <-> grounding) is read when it lies beside it."""
    folder = path.parent
    is_grounding = is_grounding_jsonl(path)
    partner = folder / (SPATIAL_JSONL if is_grounding else GROUNDING_JSONL)
    files = [path]
    rows = {is_grounding: rows_of_jsonl(path, grounding=is_grounding, error=AuditInputError)}
    if partner.is_file() and partner != path:
        files.append(partner)
        rows[not is_grounding] = rows_of_jsonl(partner, grounding=not is_grounding, error=AuditInputError)
    spatial, grounding = list(rows.get(False, [])), list(rows.get(True, []))
    if not spatial and not grounding:
        raise AuditInputError.at(path, "no rows", "pass a non-empty spld_*_data.jsonl file")
    return AuditInput(
        path=path,
        kind="jsonl",
        spatial=spatial,
        grounding=grounding,
        media_roots=[folder, folder / "images"],
        files=files,
    )


def load_audit_input(path: str | Path) -> AuditInput:
    """Dispatch on the path: a build directory or a JSONL file."""
    path = Path(path)
    if path.is_dir():
        return load_build(path)
    if path.is_file() and path.suffix == ".jsonl":
        return load_jsonl(path)
    if not path.exists():
        raise AuditInputError.at(path, "does not exist", "pass a build directory or a spld_*_data.jsonl file")
    raise AuditInputError.at(
        path,
        "neither a build directory nor a .jsonl file",
        "pass a build directory or spld_spatial_data.jsonl",
    )
