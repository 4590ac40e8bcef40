"""`ladderdata build`: build a dataset from a manifest (default: the bundled sample into build/sample/)."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer


class Modality(StrEnum):
    """`--modality` values."""

    localization = "localization"
    single_image = "single_image"
    multi_view = "multi_view"
    video = "video"
    all = "all"


class ExecutorName(StrEnum):
    """`--executor` values (keys of `ladderdata.executors.EXECUTORS`)."""

    local = "local"
    ray = "ray"


class MediaPolicy(StrEnum):
    """`--media` values."""

    copy = "copy"
    reference = "reference"


class RichReporter:
    """Rich progress bars, one per build stage (scans, validate, write, media)."""

    LABELS = {
        "scans": "scenes + generation",
        "validate": "validate spools",
        "write": "balance + write",
        "media": "media",
    }

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = console
        self.progress = Progress(
            TextColumn("[bold]{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self._started = False

    def __enter__(self) -> RichReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self.progress.stop()

    def start(self, stage: str, total: int) -> None:
        # the display starts with the first stage, so errors found while planning print alone
        if not self._started:
            self.progress.start()
            self._started = True
        self.tasks[stage] = self.progress.add_task(self.LABELS.get(stage, stage), total=max(total, 0))

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self.tasks and n:
            self.progress.advance(self.tasks[stage], n)

    def finish(self, stage: str) -> None:
        if stage in self.tasks:
            task = self.tasks[stage]
            total = self.progress.tasks[task].total or 0
            self.progress.update(task, completed=total)

    def note(self, message: str) -> None:
        # soft_wrap: a one-line message (naming a long path) stays one line when piped
        self.progress.console.print(f"[yellow]{message}[/yellow]", highlight=False, soft_wrap=True)


class PlainReporter:
    """Plain periodic lines per build stage, for a stderr that is not a terminal (CI logs, pipes):
    `build scans: scans 2/3, 12 s elapsed, about 6 s left` (see `ladderdata.progress`)."""

    UNITS = {"scans": "scans", "validate": "scans", "write": "rows", "media": "images"}

    def __init__(self) -> None:
        self.lines: dict[str, Any] = {}

    def __enter__(self) -> PlainReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, stage: str, total: int) -> None:
        from ladderdata.progress import ProgressLines

        label = f"build {RichReporter.LABELS.get(stage, stage)}"
        self.lines[stage] = ProgressLines(label, total, self.UNITS.get(stage, "items"))

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self.lines and n:
            self.lines[stage].update(n)

    def finish(self, stage: str) -> None:
        lines = self.lines.pop(stage, None)
        if lines is not None and lines.done < lines.total:  # the last unit printed its own line
            lines.update(lines.total - lines.done)

    def note(self, message: str) -> None:
        import sys

        print(message, file=sys.stderr, flush=True)


def print_summary(console: Any, summary: Any, elapsed: float) -> None:
    """The end-of-build tables: rows per family and question type, drops per stage and reason."""
    from rich.table import Table

    stats = summary.stats
    rows = Table(title="rows per family and question type", title_justify="left")
    for col, justify in (
        ("family", "left"),
        ("question type", "left"),
        ("rows", "right"),
        ("quota", "right"),
    ):
        rows.add_column(col, justify=justify)
    for family, per_type in stats["kept"].items():
        quotas = stats["quotas"].get(family, {})
        for qt in sorted(set(quotas) | set(per_type)):
            got, want = per_type.get(qt, 0), quotas.get(qt, 0)
            style = "red" if got < want else None
            rows.add_row(family, qt, str(got), str(want), style=style)
    rows.add_row("[bold]total", "", f"[bold]{stats['rows']['grounding'] + stats['rows']['spatial']}", "")
    console.print(rows)

    drops = Table(title="rows kept and dropped per stage", title_justify="left")
    for col, justify in (("stage", "left"), ("kept", "right"), ("dropped", "right"), ("reasons", "left")):
        drops.add_column(col, justify=justify)
    for stage, st in stats["stages"].items():
        reasons = ", ".join(f"{r} {n}" for r, n in st["dropped"].items())
        if stage == "decontam" and st.get("scans_dropped"):
            scans = ", ".join(f"{r} {n}" for r, n in st["scans_dropped"].items())
            reasons = "; ".join(x for x in (reasons, f"scans: {scans}") if x)
        drops.add_row(stage, str(st["kept"]), str(st["dropped_total"]), reasons or "-")
    console.print(drops)

    scans = stats["scans"]
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in summary.seconds.items())
    console.print(
        f"[green]built[/green] {summary.out}: {stats['rows']['grounding']} grounding + "
        f"{stats['rows']['spatial']} spatial rows from {scans['generated']} scans "
        f"({summary.scans_resumed} resumed, {scans['skipped']} skipped, {summary.result.run['scene_cache_reused']} cached "
        f"scene records) in {elapsed:.1f}s ({timing})",
        highlight=False,
    )
    for unit, reasons in stats.get("faults", {}).items():
        listed = ", ".join(f"{reason} {n}" for reason, n in reasons.items())
        console.print(
            f"[yellow]dropped {unit}[/yellow] (bad input): {listed}", highlight=False, soft_wrap=True
        )
    for s in summary.result.shortfalls:
        console.print(
            f"[yellow]short[/yellow] {s['family']}/{s['question_type']}: {s['selected']} of {s['quota']} "
            f"(--allow-short)",
            highlight=False,
        )


def executor_options(executor: str, ray_address: str | None) -> dict[str, Any]:
    """Keyword arguments of the executor class from the CLI flags (ConfigError on a misplaced flag)."""
    from ladderdata.errors import ConfigError

    if ray_address is None:
        return {}
    if executor != "ray":
        raise ConfigError(f"--ray-address needs --executor ray (got --executor {executor})")
    return {"address": ray_address}


def register(app: typer.Typer) -> None:
    """Add the `build` command."""

    @app.command("build")
    def build(
        manifest: Path = typer.Option(
            None,
            "--manifest",
            "-m",
            metavar="FILE",
            help="Build recipe (default: manifests/sample.yaml, the bundled sample).",
        ),
        modality: Modality = typer.Option(
            Modality.all, "--modality", help="Build one family only (localization also runs single-image)."
        ),
        out: Path = typer.Option(
            None, "--out", "-o", metavar="DIR", help="Output folder (default: build/<manifest name>)."
        ),
        workers: int = typer.Option(
            1, "--workers", "-w", metavar="N", min=1, help="Processes for per-scan work."
        ),
        executor: ExecutorName = typer.Option(
            ExecutorName.local,
            "--executor",
            help="Where per-scan work runs: local (process pool) or ray (Ray tasks).",
        ),
        ray_address: str = typer.Option(
            None,
            "--ray-address",
            metavar="ADDRESS",
            help="With --executor ray: join a cluster (auto or HOST:PORT), else start a local one.",
        ),
        seed: int = typer.Option(None, "--seed", metavar="SEED", min=0, help="Override the manifest's seed."),
        limit_scans: int = typer.Option(
            None, "--limit-scans", metavar="N", min=1, help="Only the first N scans (sorted)."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Fail on the first bad scan instead of skipping it."
        ),
        resume: bool = typer.Option(False, "--resume", help="Continue a killed or finished build in --out."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace the build in --out."),
        allow_short: bool = typer.Option(
            False, "--allow-short", help="Write the build even when quotas are not met (reported)."
        ),
        media: MediaPolicy = typer.Option(
            None,
            "--media",
            help="copy: write the images under images/; reference: paths only (licensed data).",
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary tables."),
    ) -> None:
        """Build Parquet shards, JSONL exports, the dataset card and meta/ from a manifest."""
        from rich.console import Console

        from ladderdata.config import DEFAULT_MANIFEST, apply_overrides, load_manifest
        from ladderdata.pipeline import BuildOptions, run_build
        from ladderdata.pipeline.progress import NullReporter

        start = time.perf_counter()
        config = load_manifest(manifest or DEFAULT_MANIFEST)
        config = apply_overrides(
            config,
            seed=seed,
            media=media.value if media else None,
            modality=modality.value,
        )
        options = BuildOptions(
            out=out or Path("build") / config.name,
            workers=workers,
            resume=resume,
            overwrite=overwrite,
            strict=strict,
            allow_short=allow_short,
            limit_scans=limit_scans,
            executor=executor.value,
            executor_options=executor_options(executor.value, ray_address),
        )
        overrides = {
            "seed": seed,
            "media": media.value if media else None,
            "modality": modality.value,
            "limit_scans": limit_scans,
            "strict": strict,
            "allow_short": allow_short,
        }
        console = Console(stderr=True)
        if quiet:
            run_build(config, options, reporter=NullReporter(), overrides=overrides)
            return
        with RichReporter(console) if console.is_terminal else PlainReporter() as reporter:
            summary = run_build(config, options, reporter=reporter, overrides=overrides)
        print_summary(Console(), summary, time.perf_counter() - start)
