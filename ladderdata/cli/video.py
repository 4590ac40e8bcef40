"""`ladderdata video`: write `videos/<scan>.mp4` from each scan's colour frames, as VSI-Bench's ScanNet
clips were made: every colour frame of the scan in capture order, one video frame each, h264 (yuv420p)
at 24 fps.

Frames come through the source adapter (`Source.color_frames`), so any raw layout the adapter reads
(an export folder, ScanNet's sensor stream) gives the same clip. The clips are what a source's `video` option
(`options: {video: "videos/{scan}.mp4"}`) reads back for the video family. Existing clips are kept
unless `--overwrite`; each is written to a temporary file and renamed, so an interrupted run leaves no
half clip.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ladderdata.cli.scenes import SCAN_IDS_HELP, SourceKind, parse_scan_ids
from ladderdata.errors import ConfigError

if TYPE_CHECKING:
    from ladderdata.sources.base import Source

VSI_BENCH_FPS = 24.0
"""Playback rate of VSI-Bench's ScanNet clips."""


def _parse_size(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {value!r}: expected WIDTHxHEIGHT, e.g. 640x480") from None
    if w < 2 or h < 2:
        raise ConfigError(f"--size {value!r}: width and height must be at least 2")
    return w, h


def _jobs(manifest, source, root, export_root, ids, out):  # -> list of (adapter, scan_id, target)
    """(adapter, scan id, output path) for every scan to write, from a manifest or one source root."""
    from ladderdata.sources import SOURCES

    if manifest is not None:
        from ladderdata.config import load_manifest
        from ladderdata.pipeline.run import plan_scans
        from ladderdata.pipeline.scan_work import make_adapter

        config = load_manifest(manifest)
        adapters = {s.name: (make_adapter(s, on_error="raise"), s) for s in config.sources}
        jobs = []
        for scan_id, name in plan_scans(config).scans:
            if ids is not None and scan_id not in ids:
                continue
            adapter, _cfg = adapters[name]
            jobs.append((adapter, scan_id, _target(adapter, scan_id, out)))
        return jobs
    kind = source.value if isinstance(source, SourceKind) else str(source)
    if root is None and kind != "sample":
        raise ConfigError(f"--source {kind} needs --root ({SOURCES[kind].root_hint}), or pass --manifest")
    adapter = SOURCES[kind](root, export_root, scan_ids=ids, on_error="raise")
    scan_ids = adapter.scan_ids()
    return [(adapter, s, _target(adapter, s, out)) for s in scan_ids]


def _target(adapter: Source, scan_id: str, out: Path | None) -> Path:
    """Where a scan's clip goes: `--out/<scan>.mp4`, else the adapter's place for it (`Source.clip_path`)."""
    return adapter.clip_path(scan_id) if out is None else out / f"{scan_id}.mp4"


def video(
    manifest: Path | None = typer.Option(
        None, "--manifest", metavar="FILE", help="write clips for the scans of this build manifest"
    ),
    source: SourceKind = typer.Option(
        SourceKind.sample, "--source", help="source kind when no manifest is given"
    ),
    root: Path | None = typer.Option(
        None, "--root", metavar="DIR", help="source root, as the source kind reads it (without --manifest)"
    ),
    export_root: Path | None = typer.Option(
        None, "--export-root", metavar="DIR", help="SensReader export root (default <root>/export)"
    ),
    scan_ids: str | None = typer.Option(None, "--scan-ids", metavar="FILE|IDS", help=SCAN_IDS_HELP),
    out: Path | None = typer.Option(
        None, "--out", metavar="DIR", help="folder for <scan>.mp4 (default <source root>/videos)"
    ),
    fps: float = typer.Option(VSI_BENCH_FPS, "--fps", min=0.1, help="playback rate (VSI-Bench: 24)"),
    size: str | None = typer.Option(
        None, "--size", metavar="WxH", help="resize frames to WIDTHxHEIGHT (default: as captured)"
    ),
    crf: int = typer.Option(18, "--crf", min=0, max=51, help="x264 quality (lower = better, larger)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="rewrite clips that already exist"),
) -> None:
    """Write videos/<scan>.mp4 (h264, 24 fps) from each scan's colour frames, as VSI-Bench's clips."""
    from ladderdata.progress import ProgressLines
    from ladderdata.video.writer import write_clip

    wanted = parse_scan_ids(scan_ids)
    resize = _parse_size(size)
    jobs = _jobs(manifest, source, root, export_root, None if wanted is None else set(wanted), out)
    if not jobs:
        raise ConfigError("no scans to write; check --scan-ids and the source's scans")
    lines = ProgressLines("video", len(jobs), "scans")
    written = kept = frames_total = 0
    start = time.perf_counter()
    for adapter, scan_id, target in jobs:
        if target.exists() and not overwrite:
            kept += 1
            lines.update(detail=f"{scan_id} kept (exists; --overwrite rewrites it)")
            continue
        frames = (jpeg for _index, jpeg in adapter.color_frames(scan_id))
        if resize is not None:
            frames = (_resized(jpeg, resize) for jpeg in frames)
        n = write_clip(target, frames, fps, crf=crf)
        written += 1
        frames_total += n
        lines.update(detail=f"{scan_id}, {n} frames -> {target}")
    elapsed = time.perf_counter() - start
    rate = frames_total / elapsed if elapsed > 0 else 0.0
    typer.echo(
        f"video: {written} clip(s) written, {kept} kept, {frames_total} frames at {fps:g} fps "
        f"in {elapsed:.1f} s ({rate:.0f} frames/s)"
    )


def _resized(jpeg: bytes, size: tuple[int, int]):
    import io

    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as img:
        return np.asarray(img.convert("RGB").resize(size, Image.Resampling.LANCZOS))


def register(app: typer.Typer) -> None:
    """Add the `video` command to the app."""
    app.command("video")(video)
