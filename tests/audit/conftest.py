"""Fixtures for the audit tests: hand-made builds (tiny, made per test module) and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.audit.handmade import make_build

REPO = Path(__file__).resolve().parents[2]


def run_audit_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m ladderdata.cli.app audit ...` in a subprocess (the real CLI entry point)."""
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", "audit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "160"},
    )


@pytest.fixture(scope="module")
def balanced_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 scans, every family, letters and scans uniform, copied media."""
    return make_build(tmp_path_factory.mktemp("balanced") / "build")


@pytest.fixture(scope="module")
def build_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """make_build into a fresh folder: `build_factory(variant=..., media=...)`."""

    def factory(**kwargs) -> Path:
        return make_build(tmp_path_factory.mktemp(kwargs.get("variant", "build")) / "build", **kwargs)

    return factory
