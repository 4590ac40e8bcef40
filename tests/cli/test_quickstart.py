"""The README's quick start, run for real: `ladderdata build` and `ladderdata scenes` on a fresh checkout
whose default sample root does not exist yet, and CI running the very command the README prints.

The default root and size are moved with LADDERDATA_SAMPLE_ROOT / _SCANS / _FRAMES (README "Quick
start"), so the first-use render is one scan of a few frames instead of the minutes-long default.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.build import REPO

TINY = {"LADDERDATA_SAMPLE_SCANS": "1", "LADDERDATA_SAMPLE_FRAMES": "12", "LADDERDATA_PROGRESS_SECONDS": "0"}


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


def quickstart_commands() -> list[str]:
    """The commands of the README's "Quick start" bash block, comments stripped."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def test_ci_runs_the_readme_quickstart_exactly_before_the_tests():
    commands = quickstart_commands()
    assert commands == ["make setup", ".venv/bin/ladderdata build"]
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    ci = [line for line in ci if line and not line.startswith("#")]
    positions = [ci.index(c) for c in commands]  # ValueError = the README's command is not run verbatim
    assert positions == sorted(positions)
    assert ci.index("make test") > positions[-1]


@pytest.mark.slow
def test_build_renders_a_missing_default_sample_then_builds(tmp_path):
    root = tmp_path / "fresh" / "raw_sources" / "sample"  # not there yet, nor its parent
    env = {**TINY, "LADDERDATA_SAMPLE_ROOT": str(root)}
    # cwd = an empty folder, as a fresh clone's build/ is absent; --allow-short: 1 scan cannot fill the
    # sample's quotas (the command is otherwise the README's)
    proc = _cli("build", "--allow-short", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (root / "scans" / "scene9000_00").is_dir() and not (root / "scans" / "scene9001_00").exists()
    build = tmp_path / "build" / "sample"
    assert (build / "README.md").is_file() and list((build / "data").glob("*/*.parquet"))
    # stderr is a pipe here: plain progress lines, not rich bars
    assert f"rendering the bundled sample into {root}" in proc.stderr
    assert "rendering sample: scan 1/1 scene9000_00, frames 12/12" in proc.stderr
    assert re.search(r"^build scenes \+ generation: scans 1/1, .* elapsed, done$", proc.stderr, re.M)


@pytest.mark.slow
def test_scenes_renders_a_missing_default_sample(tmp_path):
    root = tmp_path / "elsewhere" / "sample"
    proc = _cli("scenes", cwd=tmp_path, env={**TINY, "LADDERDATA_SAMPLE_ROOT": str(root)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "build" / "sample" / "scenes" / "scene9000_00.json").is_file()
    assert re.search(r"^scenes: scene9000_00, frames kept \d+, scans 1/1, .* done$", proc.stderr, re.M)
    # a second run finds the sample and renders nothing
    again = _cli("scenes", cwd=tmp_path, env={**TINY, "LADDERDATA_SAMPLE_ROOT": str(root)})
    assert again.returncode == 0 and "rendering" not in again.stderr


def test_bad_sample_size_variable_is_a_one_line_usage_error(tmp_path):
    env = {"LADDERDATA_SAMPLE_SCANS": "three", "LADDERDATA_SAMPLE_ROOT": str(tmp_path / "s")}
    proc = _cli("scenes", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: LADDERDATA_SAMPLE_SCANS='three' is not a whole number; unset it or set e.g. "
        "LADDERDATA_SAMPLE_SCANS=3"
    )
