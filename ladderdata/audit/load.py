"""Read what the writers wrote (or the published SpatialLadder-26k JSONL files) into one audit input.

Two inputs are accepted:

- a build directory (`ladderdata/writers/layout.py`): Parquet shards `data/<family>/*.parquet`, plus
  `meta/manifest.json`, `meta/stats.json` and `meta/media.json` when present;
- a published JSONL file (`spld_spatial_data.jsonl` or `spld_grounding_data.jsonl`): the other file of
  the pair is read when it lies beside it, and images are resolved relative to the JSONL's folder (or its
  `images/` subfolder).

Rows are normalised to plain Python dicts with the published columns plus `family` and `scene_id`; the
JSONL files carry no provenance, so there the family is the `data_type` (`localization` for grounding
rows) and the scan is the first folder of the first image path (`scene0055_00/1070.jpg`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.errors import LadderDataError
from ladderdata.records import Family, QuestionType
from ladderdata.writers.layout import GROUNDING_JSONL, SPATIAL_JSONL, BuildLayout

GROUNDING_COLUMNS = ("question_id", "question", "answer", "image", "data_type")
SPATIAL_COLUMNS = ("question_id", "question", "options", "answer", "image", "question_type", "data_type")
LOCALIZATION = QuestionType.localization.value


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


def scan_of_image(relpath: str) -> str:
    """Scan id of a published image path: its first folder (`scene0055_00/1070.jpg` -> `scene0055_00`)."""
    parts = Path(relpath).parts
    return parts[0] if len(parts) > 1 else "?"


def _normalise(row: dict[str, Any], *, grounding: bool, origin: str) -> dict[str, Any]:
    missing = [c for c in (GROUNDING_COLUMNS if grounding else SPATIAL_COLUMNS) if c not in row]
    if missing:
        raise AuditInputError(
            f"{origin}: row without column(s) {', '.join(missing)}; expected the published "
            f"{'grounding' if grounding else 'spatial'} columns (DESIGN.md section 4)",
            path=origin,
        )
    out = dict(row)
    images = out.get("image") or []
    if isinstance(images, str):  # tolerate a bare string where the schema says list[str]
        images = [images]
    out["image"] = [str(p) for p in images]
    if grounding:
        out["family"] = Family.localization.value
        out["question_type"] = LOCALIZATION
        out["answer"] = [dict(a) for a in (out.get("answer") or [])]
    else:
        out["answer"] = str(out["answer"]).strip()
        out["options"] = [str(o) for o in out["options"]] if out.get("options") is not None else None
        out.setdefault("family", out["data_type"])
    if not out.get("family"):
        out["family"] = Family.localization.value if grounding else out["data_type"]
    if not out.get("scene_id"):
        out["scene_id"] = scan_of_image(out["image"][0]) if out["image"] else "?"
    return out


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise AuditInputError.at(path, f"unreadable JSON ({err})", "rebuild or restore the file") from err
    if not isinstance(data, dict):
        raise AuditInputError.at(path, "expected a JSON object", "rebuild or restore the file")
    return data


def _read_parquet_rows(path: Path) -> tuple[list[dict[str, Any]], bool]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise AuditInputError.at(path, f"unreadable Parquet shard ({err})", "rebuild the build") from err
    # grounding shards are the ones whose answer is a list of {bbox_2d, label} structs
    grounding = "answer" in table.column_names and pa.types.is_list(table.schema.field("answer").type)
    return table.to_pylist(), grounding


def load_build(root: Path) -> AuditInput:
    """Read a build directory written by `ladderdata build`."""
    layout = BuildLayout(root)
    shards = sorted(layout.data_dir.glob("*/*.parquet")) if layout.data_dir.is_dir() else []
    # cold-start rows explain spatial rows already audited; they are not questions themselves
    shards = [p for p in shards if p.parent != layout.coldstart_dir]
    if not shards:
        raise AuditInputError.at(
            layout.data_dir,
            "no Parquet shards (data/<family>/train-NNNNN.parquet)",
            "run `ladderdata build` first, or pass a spld_spatial_data.jsonl file",
        )
    spatial: list[dict[str, Any]] = []
    grounding: list[dict[str, Any]] = []
    for shard in shards:
        rows, is_grounding = _read_parquet_rows(shard)
        target = grounding if is_grounding else spatial
        target.extend(_normalise(r, grounding=is_grounding, origin=str(shard)) for r in rows)
    media = _read_json(layout.media_json)
    return AuditInput(
        path=layout.root,
        kind="build",
        spatial=spatial,
        grounding=grounding,
        manifest=_read_json(layout.manifest_json),
        stats=_read_json(layout.stats_json),
        media_policy=(media or {}).get("media_policy"),
        media_roots=[layout.media_root],
        files=shards,
    )


def _read_jsonl(path: Path, *, grounding: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise AuditInputError(
                        f"{path}:{lineno}: not a JSON object ({err.msg}); re-download or re-export the file",
                        path=path,
                    ) from err
                rows.append(_normalise(row, grounding=grounding, origin=f"{path}:{lineno}"))
    except OSError as err:
        raise AuditInputError.at(path, f"cannot read ({err.strerror})", "check the path") from err
    return rows


def _is_grounding_jsonl(path: Path) -> bool:
    """Grounding files hold answer lists of boxes and no question_type; decide from the first row."""
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


def load_jsonl(path: Path) -> AuditInput:
    """Read a published JSONL file; its partner (spatial <-> grounding) is read when it lies beside it."""
    folder = path.parent
    is_grounding = _is_grounding_jsonl(path)
    partner = folder / (SPATIAL_JSONL if is_grounding else GROUNDING_JSONL)
    files = [path]
    spatial: list[dict[str, Any]] = []
    grounding: list[dict[str, Any]] = []
    if is_grounding:
        grounding = _read_jsonl(path, grounding=True)
    else:
        spatial = _read_jsonl(path, grounding=False)
    if partner.is_file() and partner != path:
        files.append(partner)
        if is_grounding:
            spatial = _read_jsonl(partner, grounding=False)
        else:
            grounding = _read_jsonl(partner, grounding=True)
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
