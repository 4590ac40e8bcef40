"""meta/media.json and the licence rule for pixel media.

`meta/media.json` (docs/contracts.md): `{"media_policy": "copy"|"reference", "images": {relpath: {"scan_id",
"frame_index", "source", "licensed", "raw", "sha256", "bytes"}}}`; `relpath` is relative to the build's
media root (`images/`), `raw` to the source root. It is read by the build reader
(`BuildReader.media_index`, `ladderdata.writers.reader`).

Licence rule for `push`: a pixel file (image or video) is *licensed* when media.json marks its entry
licensed, when its source is marked `licensed: true` in `meta/manifest.json`, or when it is not listed
in media.json at all while the build has any licensed source (unknown provenance is treated as
licensed). Licensed pixels are withheld unless `--allow-media`; everything else is pushed. The `preview`
config's shard (`data/preview/`) embeds frames, so in a build with any licensed source it is withheld too
(a licensed build writes none; `push` then refuses a card that still declares it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ladderdata.errors import HubError
from ladderdata.hub.files import BuildFile
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.reader import BuildReader, MediaIndex


def _manifest_sources(layout: BuildLayout) -> list[tuple[str | None, dict[str, Any]]]:
    """(key, object) of every source meta/manifest.json lists (key None in the list form)."""
    manifest = BuildReader(layout.root, error=HubError).manifest() or {}
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
