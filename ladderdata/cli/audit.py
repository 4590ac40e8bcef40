"""`ladderdata audit`: balance tables, blind-bias check, plots and an HTML gallery of a build or JSONL."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def audit(
    build_dir: Path = typer.Argument(
        ...,
        help="build directory (data/<family>/*.parquet + meta/), or a published spld_spatial_data.jsonl / "
        "spld_grounding_data.jsonl (its partner file beside it is read too)",
        metavar="BUILD_DIR|FILE.jsonl",
        show_default=False,
    ),
    html: Path | None = typer.Option(
        None,
        "--html",
        metavar="PATH",
        help="write a self-contained HTML report here (plus its <name>_files/ images folder)",
    ),
    json_path: Path | None = typer.Option(
        None, "--json", metavar="PATH", help="write every number of the audit as JSON here"
    ),
    fail_on_skew: bool = typer.Option(
        False, "--fail-on-skew", help="exit 1 with one line per violated threshold when any is violated"
    ),
    blind: bool = typer.Option(True, "--blind/--no-blind", help="run the text-only blind baseline"),
    samples_per_type: int = typer.Option(
        4, "--samples-per-type", metavar="N", min=0, help="gallery rows per question type"
    ),
    seed: int = typer.Option(
        0, "--seed", metavar="SEED", min=0, help="seed of the gallery sample and the blind baseline"
    ),
) -> None:
    """Audit a build (or the published SpatialLadder-26k JSONL): quotas, letter/label shares, numeric
    answer histograms, per-scan concentration, dropped rows, and how well a blind text-only model does."""
    from rich.console import Console

    from ladderdata.audit.report import run_audit
    from ladderdata.audit.terminal import print_report
    from ladderdata.io import write_json_atomic

    if (build_dir / "data").is_dir():  # a build: its files must match meta/ before its numbers mean anything
        from ladderdata.verify import verify_build

        verify_build(build_dir).raise_if_failed("audit")
    report = run_audit(build_dir, blind=blind, seed=seed)
    console = Console()
    if not console.is_terminal:  # piped or captured: wide enough that the tables do not wrap
        console = Console(width=max(console.width, 160))
    print_report(report, console, violations_elsewhere=fail_on_skew)
    if json_path is not None:
        write_json_atomic(json_path, report.to_json())
        console.print(f"wrote {json_path}", highlight=False)
    if html is not None:
        from ladderdata.audit.html import images_dir_for, write_html_report

        out = write_html_report(report, html, per_type=samples_per_type, seed=seed)
        console.print(f"wrote {out} (images in {images_dir_for(out)})", highlight=False)
    if fail_on_skew and report.violations:
        for v in report.violations:
            print(v.line, file=sys.stderr)
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the `audit` command."""
    app.command("audit")(audit)
