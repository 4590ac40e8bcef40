"""meta/media.json and the licence rule for pixel media.

`meta/media.json` (docs/contracts.md): `{"media_policy": "copy"|"reference", "images": {relpath: {"scan_id",
"frame_index", "source", "licensed", "raw", "sha256", "bytes"}}}`; `relpath` is relative to the build's
media root (`images/`), `raw` to the source root.

Licence rule for `push`: a pixel file (image or video) is *licensed* when media.json marks its entry
licensed, when its source is marked `licensed: true` in `meta/manifest.json`, or when it is not listed
in media.json at all while the build has any licensed source (unknown provenance is treated as
licensed). Licensed pixels are withheld unless `--allow-media`; everything else is pushed. The `preview`
config's shard (`data/preview/`) embeds frames, so in a build with any licensed source it is withheld too
(a licensed build writes none; `push` then refuses a card that still declares it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.errors import HubError
from ladderdata.hub.files import BuildFile
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.media import MediaEntry

_REQUIRED_IMAGE_KEYS = ("scan_id", "frame_index", "source", "raw", "sha256", "bytes")


@dataclass
class MediaIndex:
    """Parsed meta/media.json (empty when the build has none): image relpath (under `images/`) -> entry."""

    policy: str | None = None
    images: dict[str, MediaEntry] = field(default_factory=dict)

    @property
    def any_licensed(self) -> bool:
        return any(e.licensed for e in self.images.values())


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise HubError.at(
            path, f"not valid JSON ({err.msg} at line {err.lineno})", "rebuild the build"
        ) from None
    except OSError as err:
        raise HubError.at(path, f"cannot read ({err.strerror})", "check the build directory") from None


def load_media_index(layout: BuildLayout, *, required: bool = False) -> MediaIndex:
    """Read meta/media.json; an absent file gives an empty index unless `required`."""
    path = layout.media_json
    if not path.is_file():
        if required:
            raise HubError.at(
                path,
                "missing; materialize needs the per-image record a build writes",
                "pass a build (or pulled build) directory made by `ladderdata build`",
            )
        return MediaIndex()
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("images", {}), dict):
        raise HubError.at(path, "expected an object with an `images` mapping", "rebuild the build")
    index = MediaIndex(policy=data.get("media_policy"))
    for relpath, rec in sorted(data.get("images", {}).items()):
        missing = [k for k in _REQUIRED_IMAGE_KEYS if not isinstance(rec, dict) or k not in rec]
        if missing:
            raise HubError.at(
                path, f"image {relpath!r} lacks {', '.join(missing)}", "rebuild with the current ladderdata"
            )
        try:
            index.images[relpath] = MediaEntry(
                scan_id=str(rec["scan_id"]),
                frame_index=int(rec["frame_index"]),
                source=str(rec["source"]),
                licensed=bool(rec.get("licensed", False)),
                raw=str(rec["raw"]),
                sha256=str(rec["sha256"]).lower(),
                bytes=int(rec["bytes"]),
            )
        except (TypeError, ValueError):
            raise HubError.at(
                path, f"image {relpath!r}: frame_index and bytes must be integers", "rebuild the build"
            ) from None
    return index


def _manifest_sources(layout: BuildLayout) -> list[tuple[str | None, dict[str, Any]]]:
    """(key, object) of every source meta/manifest.json lists (key None in the list form)."""
    path = layout.manifest_json
    if not path.is_file():
        return []
    manifest = _read_json(path)
    sources = manifest.get("sources") if isinstance(manifest, dict) else None
    items: list[tuple[str | None, Any]] = []
    if isinstance(sources, dict):
        items = list(sources.items())
    elif isinstance(sources, list):
        items = [(None, s) for s in sources]
    return [(key, src) for key, src in items if isinstance(src, dict)]


def licensed_sources(layout: BuildLayout) -> set[str]:
    """Names of the sources meta/manifest.json marks `licensed: true`.

    Accepts `sources` as a list of objects (named by `name`, `id` or `kind`) or a mapping name -> object.
    """
    names: set[str] = set()
    for key, src in _manifest_sources(layout):
        if not src.get("licensed"):
            continue
        for name in (key, src.get("name"), src.get("id"), src.get("kind")):
            if name:
                names.add(str(name))
    return names


def source_kinds(layout: BuildLayout) -> dict[str, str]:
    """Source name -> source kind (the adapter, `sources.SOURCES`), from meta/manifest.json."""
    kinds: dict[str, str] = {}
    for key, src in _manifest_sources(layout):
        kind = src.get("kind")
        name = key or src.get("name") or src.get("id")
        if isinstance(kind, str) and name:
            kinds[str(name)] = kind
    return kinds


@dataclass
class MediaDecision:
    """Pixel files withheld from a push, grouped by the reason."""

    withheld: list[BuildFile] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)


def withhold_licensed_media(
    files: list[BuildFile], layout: BuildLayout, index: MediaIndex, *, allow_media: bool
) -> MediaDecision:
    """The licensed pixel files among `files` (none when `allow_media`); see the module docstring."""
    decision = MediaDecision()
    if allow_media:
        return decision
    licensed = licensed_sources(layout)
    build_licensed = bool(licensed) or index.any_licensed
    media_prefix = layout.media_root.relative_to(layout.root).as_posix() + "/"
    preview = layout.preview_shard.parent.relative_to(layout.root).as_posix() + "/"
    for f in files:
        if f.relpath.startswith(preview) and build_licensed:  # the preview embeds frames (writers/preview.py)
            decision.withheld.append(f)
            decision.sources.add("preview")
            continue
        if not f.is_pixel_media:
            continue
        entry = (
            index.images.get(f.relpath[len(media_prefix) :]) if f.relpath.startswith(media_prefix) else None
        )
        if entry is not None:
            if entry.licensed or entry.source in licensed:
                decision.withheld.append(f)
                decision.sources.add(entry.source)
        elif build_licensed:
            decision.withheld.append(f)
            decision.sources.add("unrecorded")
    return decision
