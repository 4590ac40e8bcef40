"""`ladderdata verify BUILD`: every shard, JSONL file and image against the sha256 recorded in meta/."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def verify(
    build_dir: Path = typer.Argument(
        ..., metavar="BUILD_DIR", help="build directory (as written by `ladderdata build`)"
    ),
) -> None:
    """Check a build's shards, JSONL files and images against meta/; exit 1 naming each mismatch."""
    from ladderdata.verify import verify_build

    report = verify_build(build_dir)
    for line in report.problems:
        print(f"mismatch: {line}", file=sys.stderr)
    if not report.ok:
        print(f"{len(report.problems)} mismatch(es) in {report.root}", file=sys.stderr)
        raise typer.Exit(code=1)
    print(f"ok: {report.summary()}")


def register(app: typer.Typer) -> None:
    """Add the `verify` command."""
    app.command("verify")(verify)
