"""Cache keys of a build: when a cached scene record or a finished scan may be reused.

- `scan_checksum`: content hash of the raw files one scan's record is made from (mesh, segments,
  aggregation, scene meta, poses, intrinsics) plus the names and sizes of its colour/depth frames and
  video (hashing every JPEG of a ScanNet scan would cost more than loading it). An adapter that knows
  better provides `checksum(scan_id)` and is used instead.
- `scene_key`: checksum + adapter settings + code version + a fingerprint of the code that makes scene
  records (geometry, adapters, records); a cached `scenes/<scan>.json` is reused only when its stored
  key matches, so a fix in the geometry never serves stale records.
- `generation_key`: everything a scan's spool depends on apart from the raw data (source settings,
  generation settings, families, seed, versions, the generators' code and the templates); a done
  marker counts only when its key matches.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from ladderdata import __version__
from ladderdata.sources.base import Source

KEY_VERSION = "2"
"""Bumped when the meaning of a key changes (invalidates every cache)."""


_PACKAGE = Path(__file__).resolve().parents[1]
SCENE_CODE = ("geometry", "sources", "records.py")
"""Package paths whose code shapes a scene record (the sample generator, `sample/`, is not: the sample's
files are covered by the raw-data checksum)."""
GENERATION_CODE = ("generators", "records.py")
"""Package paths whose code shapes a scan's generated samples (templates are hashed separately)."""


@functools.cache
def code_fingerprint(parts: tuple[str, ...]) -> str:
    """sha256 of the `.py` files under `parts` (folders or files relative to the package)."""
    files: list[Path] = []
    for part in parts:
        path = _PACKAGE / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(_PACKAGE).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def tree_digest(folder: Path) -> str:
    """sha256 over the relative paths and contents of every file below `folder`."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(file_digest(path).encode())
    return h.hexdigest()


def digest(obj: Any) -> str:
    """sha256 hex of the canonical JSON of `obj`."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 hex of a file's content."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_CONTENT_DIRS = ("pose", "intrinsic")
_LISTED_DIRS = ("color", "depth")


def scan_checksum(adapter: Source, scan_id: str) -> str:
    """Content checksum of one scan's raw inputs (see module docstring)."""
    custom = getattr(adapter, "checksum", None)
    if callable(custom):
        return str(custom(scan_id))
    root = Path(adapter.root)  # type: ignore[attr-defined]
    scan_dir = root / "scans" / scan_id
    parts: list[Any] = []
    if scan_dir.is_dir():
        for name in (
            f"{scan_id}.txt",
            f"{scan_id}_vh_clean_2.ply",
            f"{scan_id}_vh_clean_2.0.010000.segs.json",
            f"{scan_id}.aggregation.json",
            f"{scan_id}_vh_clean.aggregation.json",
        ):
            path = scan_dir / name
            if path.is_file():
                parts.append(["content", name, file_digest(path)])
    export_root = Path(getattr(adapter, "export_root", root / "export"))
    export = export_root / scan_id
    if not (export / "pose").is_dir():
        export = scan_dir
    for sub in _CONTENT_DIRS:
        folder = export / sub
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file():
                    parts.append(["content", f"{sub}/{path.name}", file_digest(path)])
    for sub in _LISTED_DIRS:
        folder = export / sub
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file():
                    parts.append(["size", f"{sub}/{path.name}", path.stat().st_size])
    video_path = getattr(adapter, "video_path", None)  # the `video` option's file, else videos/<scan>.mp4
    video = Path(video_path(scan_id)) if video_path else root / "videos" / f"{scan_id}.mp4"
    if video.is_file():
        parts.append(["size", f"videos/{video.name}", video.stat().st_size])
    return digest([KEY_VERSION, scan_id, parts])


def source_settings(source_cfg: dict[str, Any]) -> dict[str, Any]:
    """The parts of a source's config that change its scene records (not its name or paths)."""
    label_map = source_cfg.get("label_map")
    return {
        "kind": source_cfg["kind"],
        "frame_stride": source_cfg.get("frame_stride"),
        "options": source_cfg.get("options", {}),
        "label_map": file_digest(Path(label_map)) if label_map else None,
        "label_column": source_cfg.get("label_column", "category") if label_map else None,
        "allow_unaligned": bool(source_cfg.get("allow_unaligned", False)),
    }


def scene_key(checksum: str, source_cfg: dict[str, Any]) -> str:
    """Key of a cached scene record."""
    return digest(
        [KEY_VERSION, __version__, code_fingerprint(SCENE_CODE), checksum, source_settings(source_cfg)]
    )


def generation_key(
    *,
    source_cfg: dict[str, Any],
    generation: dict[str, Any],
    families: list[str],
    seed: int,
    generator_version: str,
    templates: str,
) -> str:
    """Key of a scan's spool (raw data excluded: a resumed build trusts its finished scans)."""
    return digest(
        [
            KEY_VERSION,
            __version__,
            generator_version,
            code_fingerprint(GENERATION_CODE),
            templates,
            source_settings(source_cfg),
            generation,
            sorted(families),
            seed,
        ]
    )
