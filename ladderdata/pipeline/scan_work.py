"""Per-scan work, run by an executor: load (or reuse) the scene record, run the generators, hash media.

`process_scan(task) -> ScanOutcome` is a pure function of picklable values and writes no files: the
driver (the single writer) spools its result. That keeps the work movable to any executor (process
pool, Ray) and makes a killed build safe: nothing a worker did is visible until the driver has written
the scan's spool and then its done marker.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.config import SourceConfig
from ladderdata.errors import ConfigError, GenerationError, SourceError
from ladderdata.generators import GENERATORS
from ladderdata.generators.coldstart import scan_facts
from ladderdata.generators.scene_index import SceneIndex
from ladderdata.generators.settings import GenerationSettings
from ladderdata.pipeline import keys
from ladderdata.pipeline.coldstart import facts_jsonl
from ladderdata.records import Family, QASample, SceneRecord
from ladderdata.sources import SOURCES
from ladderdata.sources.base import Source
from ladderdata.threads import prefetched, thread_count
from ladderdata.writers.media import MediaEntry, media_entry_from_bytes, raw_relpath, video_media_entries


@dataclass(frozen=True)
class ScanTask:
    """Everything a worker needs for one scan (plain data: picklable and JSON-able)."""

    scan_id: str
    source: dict[str, Any]
    """`SourceConfig.model_dump(mode="json")` with resolved paths."""
    generation: dict[str, Any]
    """`GenerationSettings.model_dump(mode="json")`."""
    families: tuple[str, ...]
    seed: int
    strict: bool
    """A whole-scan fault stops the build (`--strict`, or the source's `on_error: raise`)."""
    generation_key: str
    scene_cache: str | None = None
    """`scenes/<scan>.json` of the build (reused when `scene_cache_key` holds the current key)."""
    scene_cache_key: str | None = None
    strict_frames: bool = False
    """A bad frame or object stops the build too (`--strict` only); otherwise it is dropped and counted."""
    coldstart: bool = False
    """Record each spatial sample's cold-start trace facts (the manifest asks for cold-start rows)."""


@dataclass
class ScanOutcome:
    """What one scan produced; `error` set (and nothing else) when the scan was skipped."""

    scan_id: str
    source: str
    generation_key: str
    samples_jsonl: str = ""
    sample_count: int = 0
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    checksum: str | None = None
    scene_key: str | None = None
    scene_json: str | None = None
    """The freshly loaded scene record (None when the cache was reused)."""
    scene_reused: bool = False
    emitted: dict[str, dict[str, int]] = field(default_factory=dict)
    refused: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    scene_stats: dict[str, int] = field(default_factory=dict)
    coldstart_jsonl: str = ""
    """Cold-start trace facts of the spatial samples (`pipeline.coldstart.facts_jsonl`)."""
    error: str | None = None
    seconds: float = 0.0


MEDIA_WINDOW = 64
"""Used colour images read ahead of their decode check and hash (bounds the bytes held per scan)."""
UNDECODABLE = "frames_skipped_color_undecodable"
"""Scene-stats key of frames dropped because their colour image does not decode completely."""

_ADAPTERS: dict[str, Source] = {}
_GENERATORS: dict[str, Any] = {}


def make_adapter(cfg: SourceConfig, *, on_error: str | None = None) -> Source:
    """The source adapter of a source config (ConfigError when its `options` do not fit the adapter)."""
    cls = SOURCES[cfg.kind]
    kwargs: dict[str, Any] = dict(cfg.options)
    kwargs.update(frame_stride=cfg.frame_stride, on_error=on_error or cfg.on_error)
    if cfg.label_map is not None:
        kwargs["label_map"] = cfg.label_map
        kwargs["label_column"] = cfg.label_column
    if cfg.allow_unaligned:
        kwargs["allow_unaligned"] = True
    try:
        return cls(cfg.root, cfg.export_root, **kwargs)
    except TypeError as err:
        raise ConfigError(f"sources.{cfg.name}.options: {err}; see the {cls.__name__} docstring") from None


def colour_reader(sources: list[SourceConfig]) -> Callable[[MediaEntry], bytes]:
    """`entry -> colour JPEG bytes` through each source's adapter (for images without a raw file)."""
    configs = {s.name: s for s in sources}
    adapters: dict[str, Source] = {}

    def read(entry: MediaEntry) -> bytes:
        if entry.source not in adapters:
            adapters[entry.source] = make_adapter(configs[entry.source])
        return adapters[entry.source].color_jpeg(entry.scan_id, entry.frame_index)

    return read


def _adapter(task: ScanTask) -> Source:
    # The manifest's on_error governs whole scans (see process_scan); inside a scan a bad frame or
    # object is dropped and counted in the scene stats ("skip": workers log nothing), unless --strict.
    on_error = "raise" if task.strict_frames else "skip"
    key = keys.digest([task.source, on_error])
    if key not in _ADAPTERS:
        cfg = SourceConfig.model_validate(task.source)
        _ADAPTERS[key] = make_adapter(cfg, on_error=on_error)
    return _ADAPTERS[key]


def _generator(family: str, generation: dict[str, Any]) -> Any:
    key = keys.digest([family, generation])
    if key not in _GENERATORS:
        _GENERATORS[key] = GENERATORS[family](GenerationSettings.model_validate(generation))
    return _GENERATORS[key]


def _load_scene(task: ScanTask, adapter: Source, out: ScanOutcome) -> SceneRecord:
    out.checksum = adapter.checksum(task.scan_id)
    out.scene_key = keys.scene_key(out.checksum, task.source)
    if task.scene_cache and task.scene_cache_key:
        cache, key_file = Path(task.scene_cache), Path(task.scene_cache_key)
        try:
            if key_file.read_text(encoding="utf-8").strip() == out.scene_key:
                out.scene_reused = True
                return SceneRecord.model_validate_json(cache.read_bytes())
        except (OSError, ValueError):
            pass  # missing or unreadable cache: load from the raw files
    scene = adapter.load(task.scan_id)
    out.scene_json = scene.model_dump_json()
    return scene


def _media(
    samples: list[QASample], scene: SceneRecord, task: ScanTask, adapter: Source
) -> tuple[dict[str, dict[str, Any]], dict[int, str]]:
    """Media entries of every image the samples use (decoding and hashing run here, in parallel over
    scans and on `threads.prefetched`'s threads within one), and the frames whose colour image is
    missing or does not decode (frame index -> reason).

    The adapter gives each frame's colour bytes and raw file (video frames may lie outside the scene's
    kept frames, e.g. a frame with a lost pose: the adapter finds them all the same)."""
    entries: dict[str, dict[str, Any]] = {}
    bad: dict[int, str] = {}
    used = sorted({rel for s in samples for rel in s.image})
    decoded = [rel for rel in used if rel.startswith(f"{task.scan_id}/video/")]
    if decoded:
        entries.update(_video_media(decoded, scene, task))
    # the bytes are read here in turn, MEDIA_WINDOW images ahead at most; decoding and hashing them
    # (which release the GIL) run on threads, the results taken in order
    pending = [rel for rel in used if rel not in entries]
    reads = (_colour_read(rel, scene, task, adapter) for rel in pending)
    checked = prefetched(lambda read: _checked(read, task), reads, MEDIA_WINDOW, thread_count())
    with closing(checked):
        for read, got in checked:
            if isinstance(got, SourceError):  # missing, unreadable or undecodable: the frame goes
                if task.strict_frames:
                    raise got
                bad[read.index] = str(got)
                continue
            entries[read.rel] = got.to_dict()
    return entries, bad


@dataclass(frozen=True)
class _ColourRead:
    """One used frame's colour bytes (or the error reading them) and what its media entry records."""

    rel: str
    index: int
    data: bytes | SourceError
    raw: str
    where: str | Path


def _colour_read(rel: str, scene: SceneRecord, task: ScanTask, adapter: Source) -> _ColourRead:
    index = int(Path(rel).stem)
    path = adapter.color_path(task.scan_id, index)
    try:
        data: bytes | SourceError = adapter.color_jpeg(task.scan_id, index)
    except SourceError as err:
        data = err
    return _ColourRead(
        rel=rel,
        index=index,
        data=data,
        raw=raw_relpath(path.absolute(), Path(task.source["root"])) if path is not None else "",
        where=path if path is not None else f"{scene.scan_id} frame {index}",
    )


def _checked(read: _ColourRead, task: ScanTask) -> MediaEntry | SourceError:
    """Decode and hash one read (on a thread): its media entry, or the error that drops its frame."""
    if isinstance(read.data, SourceError):
        return read.data
    try:
        entry = media_entry_from_bytes(
            scan_id=task.scan_id,
            frame_index=read.index,
            data=read.data,
            raw=read.raw,
            source=task.source["name"],
            licensed=bool(task.source["licensed"]),
            where=read.where,
        )
    except SourceError as err:
        return err
    return entry


def _video_media(rels: list[str], scene: SceneRecord, task: ScanTask) -> dict[str, dict[str, Any]]:
    """Entries of the frames the video rows show decoded from the scan's video (`video` source option):
    frame index -> its position in the video, which plays the source's frames in order."""
    video = scene.video
    if video is None or video.path is None:
        raise GenerationError(f"{task.scan_id}: video rows name decoded frames but the scene has no video")
    position: dict[int, int] = {}
    for k, index in enumerate(video.frame_indices):
        position.setdefault(index, k)
    frames = {rel: (int(Path(rel).stem), position[int(Path(rel).stem)]) for rel in rels}
    found = video_media_entries(
        scan_id=task.scan_id,
        frames=frames,
        video_path=video.path,
        source=task.source["name"],
        source_root=task.source["root"],
        licensed=bool(task.source["licensed"]),
    )
    return {rel: entry.to_dict() for rel, entry in found.items()}


def _drop_frames(scene: SceneRecord, bad: dict[int, str]) -> SceneRecord:
    """The scene without the frames whose colour image does not decode (counted in its stats)."""
    frames = [f for f in scene.frames if f.frame_index not in bad]
    stats = dict(scene.stats)
    stats[UNDECODABLE] = stats.get(UNDECODABLE, 0) + len(scene.frames) - len(frames)
    stats["frames_kept"] = len(frames)
    if not frames:
        first = bad[min(bad)]
        raise SourceError(f"{scene.scan_id}: no usable frames (every colour image used fails: {first})")
    if len(frames) == len(scene.frames):
        # nothing to drop would regenerate the same samples forever
        raise GenerationError(f"{scene.scan_id}: {bad[min(bad)]} (an image outside the scene's frames)")
    # The video record keeps the dropped frames, as it keeps frames skipped for a missing pose: the
    # clip's clock is the capture's, so a later frame still plays at its own time (VideoTimeline shows
    # only kept frames; removing the index would move every later first appearance earlier).
    return scene.model_copy(update={"frames": frames, "stats": dict(sorted(stats.items()))})


def _generate(task: ScanTask, scene: SceneRecord, out: ScanOutcome) -> list[QASample]:
    samples: list[QASample] = []
    singles: list[QASample] | None = None
    for family in task.families:
        gen = _generator(family, task.generation)
        gen.reset_counts()
        if family == Family.localization.value and singles is not None and hasattr(gen, "ground"):
            # ground the single-image rows already made instead of generating them a second time
            produced = gen.ground(scene, singles, task.seed)
        else:
            produced = gen.generate(scene, task.seed)
        if family == Family.single_image.value:
            singles = produced
        samples.extend(produced)
        out.emitted[family] = dict(sorted(Counter(s.question_type.value for s in produced).items()))
        refused: dict[str, dict[str, int]] = {}
        for (qt, reason), n in sorted(gen.counts.items()):
            refused.setdefault(qt, {})[reason] = n
        out.refused[family] = refused
    return samples


def process_scan(task: ScanTask) -> ScanOutcome:
    """Run one scan; source and generation errors skip it (counted) unless `task.strict`.

    Python warnings raised while reading or generating (e.g. numpy's RuntimeWarning on odd input) stay
    off the console, where a progress display would scatter them, and are counted in the scan's stats
    (`warnings_<category>`) instead.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = _process_scan(task)
        finally:
            SceneIndex.release()  # the generators' per-scene caches hold the scene record
    if caught and out.error is None:
        counts = Counter(f"warnings_{w.category.__name__}" for w in caught)
        out.scene_stats = dict(sorted({**out.scene_stats, **counts}.items()))
    return out


def _process_scan(task: ScanTask) -> ScanOutcome:
    start = time.perf_counter()
    out = ScanOutcome(task.scan_id, task.source["name"], task.generation_key)
    try:
        adapter = _adapter(task)
        scene = _load_scene(task, adapter, out)
        while True:
            samples = _generate(task, scene, out)
            out.media, bad = _media(samples, scene, task, adapter)
            if not bad:
                break
            # A colour image that does not decode costs its frame, not the scan: drop the frame from
            # the scene and generate again (each round removes at least one frame, so this ends).
            scene = _drop_frames(scene, bad)
            out.scene_json = scene.model_dump_json()
        if task.coldstart:
            settings = GenerationSettings.model_validate(task.generation)
            out.coldstart_jsonl = facts_jsonl(scan_facts(scene, settings, samples))
    except (SourceError, GenerationError) as err:
        if task.strict:
            raise
        return ScanOutcome(
            task.scan_id,
            task.source["name"],
            task.generation_key,
            error=str(err),
            seconds=time.perf_counter() - start,
        )
    out.samples_jsonl = "".join(s.model_dump_json() + "\n" for s in samples)
    out.sample_count = len(samples)
    out.scene_stats = dict(scene.stats)
    out.seconds = time.perf_counter() - start
    return out
