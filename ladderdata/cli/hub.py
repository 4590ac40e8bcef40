"""`ladderdata push`, `ladderdata pull`, `ladderdata materialize`: publish a build and get it back."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from ladderdata.errors import HubError

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


def parse_size(text: str) -> int:
    """'2GiB' -> 2147483648, '500MB' -> 500000000, '1024' -> 1024."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise HubError(f"--commit-bytes {text!r}: expected a size like 2GiB, 500MB or 1048576")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def push_command(
    build_dir: Path = typer.Argument(
        ..., metavar="BUILD_DIR", show_default=False, help="Build directory written by `ladderdata build`."
    ),
    repo_id: str = typer.Argument(
        ..., metavar="REPO_ID", show_default=False, help="Dataset repo, NAMESPACE/NAME (created if missing)."
    ),
    private: bool = typer.Option(False, "--private", help="Create the repo private."),
    revision: str = typer.Option(
        "main", "--revision", metavar="REV", help="Branch to push to (created if missing)."
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        metavar="TOKEN",
        help="Hub token. Default: HF_TOKEN, then the `hf auth login` cache. Prefer those: a flag is "
        "visible in the process list.",
        show_default=False,
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print files, sizes and commit plan; send nothing."
    ),
    allow_media: bool = typer.Option(
        False, "--allow-media", help="Also upload pixel media of licensed sources (only if you may)."
    ),
    commit_files: int = typer.Option(250, "--commit-files", metavar="N", help="Most files per commit."),
    commit_bytes: str = typer.Option("2GiB", "--commit-bytes", metavar="SIZE", help="Most bytes per commit."),
) -> None:
    """Upload a build to a Hugging Face dataset repo: resumable bounded commits, card checked first."""
    from ladderdata.hub.push import PushOptions, push

    opts = PushOptions(
        repo_id=repo_id,
        revision=revision,
        private=private,
        token=token,
        dry_run=dry_run,
        allow_media=allow_media,
        max_commit_files=commit_files,
        max_commit_bytes=parse_size(commit_bytes),
    )
    result = push(build_dir, opts, report=typer.echo)
    if result is not None:
        typer.echo(
            f"pushed {len(result.uploaded)} files in {len(result.commits)} commits "
            f"({len(result.already_there)} already there, {len(result.deleted)} stale deleted); "
            f"head {result.head} tagged {result.tag}"
        )


def pull_command(
    repo_id: str = typer.Argument(
        ..., metavar="REPO_ID", show_default=False, help="Dataset repo, NAMESPACE/NAME."
    ),
    out: Path = typer.Argument(
        ...,
        metavar="OUT",
        show_default=False,
        help="Folder to download into (new, empty, or an earlier pull).",
    ),
    revision: str | None = typer.Option(
        None, "--revision", metavar="REV", help="Branch, tag or commit (default main)."
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        metavar="TOKEN",
        help="Hub token for private repos (default HF_TOKEN / login cache).",
        show_default=False,
    ),
) -> None:
    """Download a pushed build (`materialize` then rebuilds any withheld images)."""
    from ladderdata.hub.pull import pull

    pull(repo_id, out, revision=revision, token=token, report=typer.echo)


def materialize_command(
    build_dir: Path = typer.Argument(
        ..., metavar="BUILD_DIR", show_default=False, help="Build or pulled build holding meta/media.json."
    ),
    raw: list[str] = typer.Option(
        ...,
        "--raw",
        metavar="PATH|SOURCE=PATH",
        help="Raw source root (what the build's source root held); SOURCE=PATH for one source; repeatable.",
    ),
    workers: int = typer.Option(4, "--workers", metavar="N", help="Parallel file copies."),
) -> None:
    """Rebuild images/ from your raw scans, verified byte for byte against meta/media.json."""
    from ladderdata.hub.materialize import materialize, require_complete

    result = materialize(
        build_dir,
        raw,
        workers=workers,
        report=typer.echo,
        report_problem=lambda line: typer.echo(line, err=True),
    )
    require_complete(result, build_dir)


def register(app: typer.Typer) -> None:
    """Add `push`, `pull` and `materialize` to the app."""
    app.command("push")(push_command)
    app.command("pull")(pull_command)
    app.command("materialize")(materialize_command)
