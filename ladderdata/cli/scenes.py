"""`ladderdata scenes`: run a source adapter over its scans and write normalized scene records.

Each scan becomes `<out>/scenes/<scan_id>.json` (`SceneRecord.model_dump_json`), written atomically.
Bad scans are skipped and tabulated with their reason, or stop the run under `--strict`. A skipped
scan's stale record from an earlier run is removed, so the folder only ever holds current records.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer

from ladderdata.errors import ConfigError


class SourceKind(StrEnum):
    """`--source` values (keys of `ladderdata.sources.SOURCES`)."""

    sample = "sample"
    scannet = "scannet"
    scannetpp = "scannetpp"
    arkitscenes = "arkitscenes"


SCAN_IDS_HELP = "FILE with one scan id per line ('#' comments allowed), or comma-separated ids"


def parse_scan_ids(value: str | None) -> list[str] | None:
    """Scan ids from `--scan-ids`: an existing file (UTF-8, one per line) or a comma-separated list."""
    if value is None:
        return None
    path = Path(value)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise ConfigError.at(
                path, f"scan id list is not UTF-8 (byte {err.start})", "save it as UTF-8"
            ) from err
        ids = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        ids = [i for i in ids if i]
        if not ids:
            raise ConfigError.at(path, "scan id list is empty", "list one scan id per line")
        return ids
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids:
        raise ConfigError(
            f"--scan-ids {value!r}: no scan ids; pass a file or ids like scene0000_00,scene0001_00"
        )
    return ids


def scenes(
    source: SourceKind = typer.Option(
        SourceKind.sample, "--source", help="source kind: sample (bundled, rendered on first use) or scannet"
    ),
    root: Path | None = typer.Option(
        None,
        "--root",
        metavar="DIR",
        help="source root, the folder the adapter reads (default for sample: $LADDERDATA_SAMPLE_ROOT, else raw_sources/sample)",
    ),
    export_root: Path | None = typer.Option(
        None,
        "--export-root",
        metavar="DIR",
        help="SensReader export root (default <root>/export, then in-place)",
    ),
    out: Path | None = typer.Option(
        None, "--out", metavar="DIR", help="build directory (default build/<source>)"
    ),
    scan_ids: str | None = typer.Option(None, "--scan-ids", metavar="FILE|IDS", help=SCAN_IDS_HELP),
    frame_stride: int = typer.Option(
        10, "--frame-stride", metavar="N", min=1, help="keep frames whose index is a multiple of N"
    ),
    strict: bool = typer.Option(False, "--strict", help="fail on the first bad scan instead of skipping it"),
    label_map: Path | None = typer.Option(
        None,
        "--label-map",
        metavar="FILE",
        help="raw label map: ScanNet's labels .tsv or a YAML map (manifests/labels/)",
    ),
    label_column: str = typer.Option(
        "category",
        "--label-column",
        metavar="COLUMN",
        help="column of a .tsv label map to map raw labels to (category, nyu40class, mpcat40, ...)",
    ),
    allow_unaligned: bool = typer.Option(
        False,
        "--allow-unaligned",
        help="read scans without axisAlignment in their mesh frame instead of skipping them",
    ),
    seed: int = typer.Option(0, "--seed", metavar="SEED", help="seed of the point and floor samplers"),
) -> None:
    """Read scans into normalized scene records (3D boxes, aligned poses, 2D boxes, visibility, room)."""
    from rich.console import Console

    from ladderdata.io import write_text_atomic
    from ladderdata.sources import SOURCES
    from ladderdata.writers.layout import BuildLayout

    source = source.value if isinstance(source, SourceKind) else str(source)  # str: called from Python
    if source not in SOURCES:
        raise ConfigError(f"--source {source!r} is unknown; choose one of {', '.join(sorted(SOURCES))}")
    if root is None and source != "sample":
        raise ConfigError(f"--source {source} needs --root ({SOURCES[source].root_hint})")
    layout = BuildLayout(out if out is not None else Path("build") / source)
    adapter = SOURCES[source](
        root,
        export_root,
        frame_stride=frame_stride,
        scan_ids=parse_scan_ids(scan_ids),
        label_map=label_map,
        label_column=label_column,
        allow_unaligned=allow_unaligned,
        on_error="raise" if strict else "skip",
        seed=seed,
    )
    err = Console(stderr=True)
    if err.is_terminal:
        with err.status(f"listing {source} scans (the bundled sample is rendered on first use)"):
            ids = adapter.scan_ids()
    else:
        ids = adapter.scan_ids()

    stats: Counter[str] = Counter()
    ok: list[str] = []
    start = time.perf_counter()
    with _scan_progress(err, len(ids)) as advance:
        for result in adapter.iter_results():
            frames = result.scene.stats.get("frames_kept", 0) if result.scene is not None else 0
            advance(result.scan_id, frames)
            target = layout.scene_record(result.scan_id)
            if result.scene is None:
                target.unlink(missing_ok=True)  # a stale record must not outlive a now-bad scan
                continue
            write_text_atomic(target, result.scene.model_dump_json() + "\n")
            ok.append(result.scan_id)
            stats["objects"] += len(result.scene.objects)
            stats.update(
                {k: v for k, v in result.scene.stats.items() if k.startswith(("frames_", "objects_"))}
            )
    elapsed = time.perf_counter() - start
    _summary(Console(), source, layout, ok, adapter.skipped, stats, elapsed)


@contextmanager
def _scan_progress(err, total: int) -> Iterator[Callable[[str, int], None]]:
    """`advance(scan_id, frames_kept)`: a rich bar on a terminal, else plain periodic lines
    (`scenes: scan 2/3 scene9001_00, frames kept 90, 4 s elapsed, about 2 s left`)."""
    if not err.is_terminal:
        from ladderdata.progress import ProgressLines

        lines = ProgressLines("scenes", total, "scans")
        frames = [0]

        def plain(scan_id: str, kept: int) -> None:
            frames[0] += kept
            lines.update(detail=f"{scan_id}, frames kept {frames[0]}")

        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]scenes"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[scan]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with progress:
        task = progress.add_task("scenes", total=total, scan="")
        yield lambda scan_id, kept: progress.update(task, advance=1, scan=scan_id)


def _summary(
    console, source: str, layout, ok: list[str], skipped: dict[str, str], stats, elapsed: float
) -> None:
    from rich.table import Table

    table = Table(title=f"ladderdata scenes ({source})", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("scans written", str(len(ok)))
    table.add_row("scans skipped", str(len(skipped)))
    table.add_row("objects", str(stats.get("objects", 0)))
    kept = stats.get("frames_kept", 0)
    table.add_row("frames kept", str(kept))
    for key in sorted(k for k in stats if k.startswith(("frames_skipped_", "objects_skipped_"))):
        table.add_row(key.replace("_", " "), str(stats[key]))
    rate = kept / elapsed if elapsed > 0 else 0.0
    table.add_row("seconds", f"{elapsed:.2f}")
    table.add_row("frames / s", f"{rate:.1f}")
    console.print(table)
    if skipped:
        reasons = Table(title="skipped scans", show_header=True, header_style="bold")
        reasons.add_column("scan")
        reasons.add_column("reason", overflow="fold")
        for scan_id, reason in sorted(skipped.items()):
            reasons.add_row(scan_id, reason)
        console.print(reasons)
    console.print(f"scene records: {layout.scenes_dir}")


def register(app: typer.Typer) -> None:
    """Add the `scenes` command to the app."""
    app.command("scenes")(scenes)
