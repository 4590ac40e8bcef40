"""Fixtures for hub tests: the local fake Hub, an isolated Hub environment, the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures.handmade import HandmadeBuild
from tests.hub.fake_hub import FakeHub
from tests.hub.handmade import make_build

TOKEN = "hf_TestSecretToken0123456789abcdef"
"""The valid token of the fake Hub (user `tester`). Tests assert it never shows up in any output."""
REPO = "tester/spatial-qa"


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    hub = FakeHub({TOKEN: "tester"}).start()
    yield hub
    hub.stop()


@pytest.fixture
def hub_env(fake_hub: FakeHub, tmp_path: Path) -> dict[str, str]:
    """Environment for CLI subprocesses: the fake Hub, no Xet, a private HF_HOME (no real login cache)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "HUGGING_FACE_", "HUGGINGFACE_"))
        # huggingface_hub also reads TRANSFORMERS_OFFLINE as "offline", which the trainer tests set
        # process-wide; a push must never inherit it.
        and k not in ("COLUMNS", "TRANSFORMERS_OFFLINE")
    }
    env.update(
        HF_ENDPOINT=fake_hub.url,
        HF_HUB_DISABLE_XET="1",
        HF_HOME=str(tmp_path / "hf_home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_UPDATE_CHECK="1",
        HF_HUB_ETAG_TIMEOUT="5",
        NO_COLOR="1",
        COLUMNS="200",
    )
    return env


RunCli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_cli(hub_env: dict[str, str]) -> RunCli:
    """Run `python -m ladderdata.cli.app ARGS` with the hub environment (plus `env` overrides)."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "ladderdata.cli.app", *map(str, args)],
            env={**hub_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).resolve().parents[2],
        )

    return run


def assert_no_token(proc: subprocess.CompletedProcess) -> None:
    """The token must not appear anywhere in what the command printed."""
    assert TOKEN not in proc.stdout
    assert TOKEN not in proc.stderr
    # Also not a recognisable chunk of it (e.g. a truncated echo).
    assert TOKEN[3:19] not in proc.stdout + proc.stderr


@pytest.fixture
def copy_build(tmp_path: Path) -> HandmadeBuild:
    """Unlicensed (sample) build with media copied under images/."""
    return make_build(tmp_path / "build", tmp_path / "raw", source="sample", licensed=False, media="copy")


@pytest.fixture
def licensed_build(tmp_path: Path) -> HandmadeBuild:
    """Build of a licensed source (ScanNet-like) whose images/ were copied with --media copy."""
    return make_build(tmp_path / "build", tmp_path / "raw", source="scannet", licensed=True, media="copy")


@pytest.fixture
def reference_build(tmp_path: Path) -> HandmadeBuild:
    """Licensed build made with --media reference: no images/, only meta/media.json."""
    return make_build(
        tmp_path / "build", tmp_path / "raw", source="scannet", licensed=True, media="reference"
    )
