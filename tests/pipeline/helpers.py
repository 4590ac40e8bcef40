"""Helpers of the build tests: run the real CLI, seed scene caches, compare build outputs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fixtures.build import REPO, write_manifest

DETERMINISTIC = (
    "data/**/*.parquet",
    "spld_*.jsonl",
    "README.md",
    "meta/info.json",
    "meta/stats.json",
    "meta/media.json",
)
"""Outputs that must be byte-identical for the same manifest and seed."""


def run_cli(
    *args: str | Path, cwd: Path | None = None, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m ladderdata.cli.app <args>` in a subprocess (the real entry point, exit codes and all);
    `env` adds to (or overrides) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", *map(str, args)],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )


def start_cli(*args: str | Path, **popen: Any) -> subprocess.Popen[str]:
    """Start the CLI without waiting (for kill tests); output discarded unless `popen` says otherwise."""
    options: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **popen}
    return subprocess.Popen(
        [sys.executable, "-m", "ladderdata.cli.app", *map(str, args)], cwd=REPO, text=True, **options
    )


def seed_scenes(from_build: Path, out: Path) -> None:
    """Copy a finished build's scene-record cache into a new output folder (skips scene loading)."""
    shutil.copytree(from_build / "scenes", out / "scenes")


def manifest_file(tmp_path: Path, data: dict[str, Any], name: str = "manifest.yaml") -> Path:
    """Write a manifest dict into tmp_path (named like the fixture's: the card quotes the file name)."""
    return write_manifest(tmp_path / name, data)


def digests(build: Path) -> dict[str, str]:
    """sha256 of every deterministic output file, by relative path."""
    out = {}
    for pattern in DETERMINISTIC:
        for path in sorted(build.glob(pattern)):
            out[path.relative_to(build).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
