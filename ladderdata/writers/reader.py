"""Read a build back: the reader half of the writers, used by the audit, the trainer, the Hub commands
and the bench.

`layout.py` names the paths; this module reads them:

- rows: `data/<family>/*.parquet` (published columns + provenance), or, where a build has no shards of
  that kind, the upstream-style exports `spld_grounding_data.jsonl` / `spld_spatial_data.jsonl`
  (published keys only) in the same folder; a published JSONL file anywhere (`rows_of_jsonl`);
- cold-start rows: `spld_coldstart_data.jsonl` (or a file given);
- meta: `meta/manifest.json`, `meta/stats.json` (JSON objects, None when absent);
- media: `meta/media.json` as `writers.media.MediaEntry` records by image path (`MediaIndex`), and the
  per-scan media entries a build's workers leave in `_state/media/<scan_id>.json`.

Rows are normalised once, here: `image` is a list of paths, `scene_id` is set (rows without provenance
take the first folder of their first image path, `scene0055_00/1070.jpg`), grounding rows carry
`family` and `question_type` `localization` and a list of `{bbox_2d, label}` answers, spatial rows a
stripped string answer, options as a list (None for numeric rows) and a `family` (the `data_type` when
the row has no provenance). A row without the published columns is a one-line error naming the file.

Errors are raised as the caller's error class (`BuildReader(root, error=TrainError)`), so each command
keeps its own; by default `BuildReadError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from ladderdata.errors import LadderDataError, OutputError
from ladderdata.records import FAMILY_ORDER, Family, QuestionType
from ladderdata.writers.layout import GROUNDING_JSONL, SPATIAL_JSONL, BuildLayout
from ladderdata.writers.media import MediaEntry
from ladderdata.writers.parquet import GROUNDING_COLUMNS, SPATIAL_COLUMNS

LOCALIZATION = QuestionType.localization.value
GROUNDING_FAMILIES = (Family.localization,)
SPATIAL_FAMILIES = tuple(f for f in FAMILY_ORDER if f not in GROUNDING_FAMILIES)
COLDSTART_COLUMNS = ("question_id", "prompt", "solution", "image", "data_type")
"""Published cold-start keys, in the published order."""
_MEDIA_KEYS = ("scan_id", "frame_index", "source", "raw", "sha256", "bytes")
"""Keys every `meta/media.json` image record must have (`licensed` may be absent); materialize asks the
source adapter for a frame by its index, so `frame_index` is required."""


class BuildReadError(OutputError):
    """A build (or export folder) is missing, unreadable or lacks the published columns."""


class GroundingRow(TypedDict, total=False):
    """A localization row: published grounding columns, `family`/`question_type` `localization`, `scene_id`
    (a build's rows also carry the provenance columns of `writers.parquet.GROUNDING_SCHEMA`)."""

    question_id: int
    question: str
    answer: list[dict[str, Any]]
    image: list[str]
    data_type: str
    family: str
    question_type: str
    scene_id: str


class SpatialRow(TypedDict, total=False):
    """A spatial QA row: published spatial columns, `family`, `scene_id` (+ provenance in a build)."""

    question_id: int
    question: str
    options: list[str] | None
    answer: str
    image: list[str]
    question_type: str
    data_type: str
    family: str
    scene_id: str


class ColdstartRow(TypedDict, total=False):
    """A cold-start row: published cold-start keys and `scene_id`."""

    question_id: int
    prompt: str
    solution: str
    image: list[str]
    data_type: str
    scene_id: str


@dataclass
class MediaIndex:
    """Parsed `meta/media.json` (empty when the build has none)."""

    policy: str | None = None
    images: dict[str, MediaEntry] = field(default_factory=dict)
    """Image path (relative to the media root) -> its record."""

    @property
    def any_licensed(self) -> bool:
        """True when some image comes from a licensed source."""
        return any(e.licensed for e in self.images.values())


def scan_of_image(image: Iterable[str]) -> str:
    """Scan id of a row without provenance: the first folder of its first image path ('' when none)."""
    first = next(iter(image), "").replace("\\", "/")
    return first.split("/", 1)[0] if "/" in first else ""


def read_jsonl(path: Path, error: type[LadderDataError] = BuildReadError) -> list[dict[str, Any]]:
    """The objects of a JSONL file; a malformed line is a one-line error naming file and line."""
    return [row for _number, row in _jsonl_lines(path, error)]


def _jsonl_lines(path: Path, error: type[LadderDataError]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) of every non-blank line."""
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise error.at(
                        f"{path}:{number}", f"invalid JSON ({err.msg})", "re-export the file"
                    ) from err
                if not isinstance(row, dict):
                    raise error.at(f"{path}:{number}", "not a JSON object", "re-export the file")
                rows.append((number, row))
    except OSError as err:
        raise error.at(path, f"cannot read ({err.strerror})", "check the path") from err
    return rows


def read_parquet(path: Path, error: type[LadderDataError] = BuildReadError) -> list[dict[str, Any]]:
    """The rows of one Parquet shard as dicts."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).to_pylist()
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise error.at(path, f"unreadable Parquet shard ({err})", "rebuild with `ladderdata build`") from err


def read_json_object(path: Path, error: type[LadderDataError] = BuildReadError) -> dict[str, Any] | None:
    """A JSON object file, None when absent; unreadable JSON or another JSON type is an error."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise error.at(
            path, f"not valid JSON ({err.msg} at line {err.lineno})", "rebuild the build"
        ) from None
    except OSError as err:
        raise error.at(path, f"cannot read ({err.strerror})", "check the build directory") from None
    if not isinstance(data, dict):
        raise error.at(path, "expected a JSON object", "rebuild the build")
    return data


def _images(row: Mapping[str, Any]) -> list[str]:
    images = row.get("image") or []
    if isinstance(images, str):  # tolerate a bare string where the schema says list[str]
        images = [images]
    return [str(p) for p in images]


def _require(row: Mapping[str, Any], columns: tuple[str, ...], what: str, origin: str, error: type) -> None:
    missing = [c for c in columns if c not in row]
    if missing:
        raise error(
            f"{origin}: row without column(s) {', '.join(missing)}; expected the published "
            f"{what} columns (DESIGN.md section 4)",
            path=origin,
        )
    if not _images(row):
        raise error(f"{origin}: {what} row without an image; rebuild with `ladderdata build`", path=origin)


def grounding_row(
    row: dict[str, Any], origin: str, error: type[LadderDataError] = BuildReadError
) -> GroundingRow:
    """A grounding row normalised (see the module docstring); `origin` names it in errors."""
    _require(row, GROUNDING_COLUMNS, "grounding", origin, error)
    out = dict(row)
    out["image"] = _images(row)
    answer = out.get("answer") or []
    if isinstance(answer, str):  # tolerate a JSON-encoded answer list
        answer = json.loads(answer)
    out["answer"] = [dict(a) for a in answer]
    out["family"] = Family.localization.value
    out["question_type"] = LOCALIZATION
    if not out.get("scene_id"):
        out["scene_id"] = scan_of_image(out["image"])
    return out  # type: ignore[return-value]


def spatial_row(
    row: dict[str, Any], origin: str, error: type[LadderDataError] = BuildReadError
) -> SpatialRow:
    """A spatial row normalised (see the module docstring); `origin` names it in errors."""
    _require(row, SPATIAL_COLUMNS, "spatial", origin, error)
    out = dict(row)
    out["image"] = _images(row)
    out["answer"] = str(out["answer"]).strip()
    out["options"] = [str(o) for o in out["options"]] if out.get("options") else None
    if not out.get("family"):
        out["family"] = out["data_type"]
    if not out.get("scene_id"):
        out["scene_id"] = scan_of_image(out["image"])
    return out  # type: ignore[return-value]


def is_grounding_jsonl(path: Path) -> bool:
    """Grounding files hold answer lists of boxes and no question_type; decide by name, else first row."""
    if path.name == GROUNDING_JSONL:
        return True
    if path.name == SPATIAL_JSONL:
        return False
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    return False
                return isinstance(row, dict) and isinstance(row.get("answer"), list)
    return False


def rows_of_jsonl(
    path: Path, *, grounding: bool, error: type[LadderDataError] = BuildReadError
) -> list[GroundingRow] | list[SpatialRow]:
    """The normalised rows of a published JSONL file (grounding or spatial)."""
    normalise = grounding_row if grounding else spatial_row
    return [normalise(row, f"{path}:{number}", error) for number, row in _jsonl_lines(path, error)]


@dataclass(frozen=True)
class BuildReader:
    """One build directory (or a folder of upstream exports), opened for reading."""

    root: Path
    error: type[LadderDataError] = BuildReadError
    """The error class raised for a missing, unreadable or malformed file."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def layout(self) -> BuildLayout:
        """The build's paths."""
        return BuildLayout(self.root)

    # rows
    def shards(self, families: Iterable[Family] = FAMILY_ORDER) -> list[Path]:
        """`data/<family>/*.parquet` of the given families, by family, then by name."""
        return [p for f in families for p in sorted(self.layout.family_dir(f).glob("*.parquet"))]

    def _rows(self, families: tuple[Family, ...], export: Path, grounding: bool) -> list[dict[str, Any]]:
        shards = self.shards(families)
        if not shards:
            return (
                list(rows_of_jsonl(export, grounding=grounding, error=self.error)) if export.is_file() else []
            )
        normalise = grounding_row if grounding else spatial_row
        return [
            normalise(row, str(shard), self.error)
            for shard in shards
            for row in read_parquet(shard, self.error)
        ]

    def grounding_rows(self) -> list[GroundingRow]:
        """Localization rows: the shards of `data/localization/`, else `spld_grounding_data.jsonl`, else []."""
        return self._rows(GROUNDING_FAMILIES, self.layout.grounding_jsonl, grounding=True)  # type: ignore[return-value]

    def spatial_rows(self) -> list[SpatialRow]:
        """Spatial rows: the single-image, multi-view and video shards, else `spld_spatial_data.jsonl`, else []."""
        return self._rows(SPATIAL_FAMILIES, self.layout.spatial_jsonl, grounding=False)  # type: ignore[return-value]

    def coldstart_path(self, path: str | Path | None = None) -> Path | None:
        """The cold-start file: the given one (must exist), else the build's, else None."""
        if path is not None:
            path = Path(path)
            if not path.is_file():
                raise self.error.at(path, "cold-start file not found", "fix --coldstart")
            return path
        default = self.layout.coldstart_jsonl
        return default if default.is_file() else None

    def coldstart_rows(self, path: str | Path | None = None) -> list[ColdstartRow]:
        """Cold-start rows (empty when there is no cold-start file), with `image` a list and `scene_id`."""
        source = self.coldstart_path(path)
        if source is None:
            return []
        rows = read_jsonl(source, self.error)
        for number, row in enumerate(rows, 1):
            missing = [k for k in COLDSTART_COLUMNS[1:] if k not in row]
            if missing:
                raise self.error.at(
                    f"{source}:{number}",
                    f"cold-start row lacks {', '.join(missing)}",
                    f"each row needs {', '.join(COLDSTART_COLUMNS)}",
                )
            row["image"] = _images(row)
            row.setdefault("scene_id", scan_of_image(row["image"]))
        return rows  # type: ignore[return-value]

    # meta
    def manifest(self) -> dict[str, Any] | None:
        """`meta/manifest.json` (None when absent)."""
        return read_json_object(self.layout.manifest_json, self.error)

    def stats(self) -> dict[str, Any] | None:
        """`meta/stats.json` (None when absent)."""
        return read_json_object(self.layout.stats_json, self.error)

    # media
    def media_policy(self) -> str | None:
        """`media_policy` of `meta/media.json` (`copy` or `reference`; None without the file)."""
        return (read_json_object(self.layout.media_json, self.error) or {}).get("media_policy")

    def media_index(self, *, required: bool = False) -> MediaIndex:
        """`meta/media.json`; an absent file gives an empty index unless `required`."""
        path = self.layout.media_json
        data = read_json_object(path, self.error)
        if data is None:
            if required:
                raise self.error.at(
                    path,
                    "missing; materialize needs the per-image record a build writes",
                    "pass a build (or pulled build) directory made by `ladderdata build`",
                )
            return MediaIndex()
        images = data.get("images", {})
        if not isinstance(images, dict):
            raise self.error.at(path, "expected an object with an `images` mapping", "rebuild the build")
        index = MediaIndex(policy=data.get("media_policy"))
        for relpath, rec in sorted(images.items()):
            missing = [k for k in _MEDIA_KEYS if not isinstance(rec, dict) or k not in rec]
            if missing:
                raise self.error.at(
                    path,
                    f"image {relpath!r} lacks {', '.join(missing)}",
                    "rebuild with the current ladderdata",
                )
            try:
                index.images[relpath] = media_entry_of(rec)
            except (TypeError, ValueError):
                raise self.error.at(
                    path, f"image {relpath!r}: frame_index and bytes must be integers", "rebuild the build"
                ) from None
        return index

    def scan_media(self, scan_id: str) -> dict[str, MediaEntry]:
        """The media entries one scan's worker recorded (`_state/media/<scan_id>.json`; {} when absent)."""
        data = read_json_object(self.layout.scan_media(scan_id), self.error) or {}
        return {rel: media_entry_of(rec) for rel, rec in sorted(data.items())}


def media_entry_of(rec: Mapping[str, Any]) -> MediaEntry:
    """A `MediaEntry` from its JSON record (`frame_index` -1 and `licensed` False when absent)."""
    frame_index = rec.get("frame_index")
    return MediaEntry(
        scan_id=str(rec["scan_id"]),
        frame_index=int(frame_index) if frame_index is not None else -1,
        source=str(rec["source"]),
        licensed=bool(rec.get("licensed", False)),
        raw=str(rec["raw"]),
        sha256=str(rec["sha256"]).lower(),
        bytes=int(rec["bytes"]),
    )
