"""Builds on Ray: byte-identical to the local executor, failing scans skipped and counted, crash + resume.

The reference is the cached local `--workers 1` build of the small test sample (`sample_build`); the
Ray builds here read the very same manifest file, so every published byte must match. One local Ray
runtime with 2 CPUs is shared by the module (`ray_runtime`); the CLI test starts its own private one.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ladderdata.config import load_manifest
from ladderdata.errors import LadderDataError, SourceError
from ladderdata.executors.ray import RayExecutor
from ladderdata.pipeline import BuildOptions, run_build
from ladderdata.pipeline.scan_work import ScanTask, process_scan
from ladderdata.writers.layout import UNPUBLISHED_DIRS, BuildLayout
from tests.fixtures.build import build_manifest_data, write_manifest

pytestmark = pytest.mark.slow

VICTIM = "scene9001_00"
"""The scan these tests break (the sample's second scan); scene9000_00 stays healthy."""


def published(out: Path) -> dict[str, bytes]:
    """Every published file of a build (not its state, drop logs or scene cache) -> bytes."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and rel.parts[0] not in UNPUBLISHED_DIRS:
            files[rel.as_posix()] = path.read_bytes()
    return files


def assert_same_build(got: Path, want: Path) -> None:
    a, b = published(got), published(want)
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []


@pytest.fixture
def sample_manifest(sample_build: Path) -> Path:
    """The manifest file the cached `sample_build` was built from."""
    return sample_build.parent / "manifest.yaml"


def test_ray_build_is_byte_identical_to_local(ray_runtime, sample_build, sample_manifest, tmp_path):
    out = tmp_path / "ray"
    summary = run_build(
        load_manifest(sample_manifest),
        BuildOptions(out=out, workers=2, executor="ray", allow_short=True),
        executor=RayExecutor(workers=2),
    )
    assert summary.scans_run == summary.scans_total == 2
    assert_same_build(out, sample_build)


@pytest.fixture
def broken_sample(sample_root: Path, tmp_path: Path) -> Path:
    """A copy of the sample whose VICTIM mesh is cut in half (a truncated download)."""
    root = tmp_path / "raw"
    shutil.copytree(sample_root, root, ignore=shutil.ignore_patterns("truth"))
    ply = root / "scans" / VICTIM / f"{VICTIM}_vh_clean_2.ply"
    data = ply.read_bytes()
    ply.write_bytes(data[: len(data) // 2])
    return root


def broken_manifest(root: Path, path: Path) -> Path:
    """The test manifest on the broken copy, read as a plain ScanNet root (not a generated sample)."""
    data = build_manifest_data(root)
    data["sources"][0]["kind"] = "scannet"
    return write_manifest(path, data)


def test_scan_failing_inside_a_ray_task_is_skipped_and_counted(ray_runtime, broken_sample, tmp_path):
    manifest = broken_manifest(broken_sample, tmp_path / "m.yaml")
    out = tmp_path / "out"
    summary = run_build(
        load_manifest(manifest),
        BuildOptions(out=out, workers=2, executor="ray", allow_short=True),
        executor=RayExecutor(workers=2),
    )
    assert summary.stats["scans"]["generated"] == 1
    assert summary.stats["scans"]["skipped"] == 1
    marker = json.loads(BuildLayout(out).scan_done_marker(VICTIM).read_text(encoding="utf-8"))
    assert marker["status"] == "skipped"
    assert f"{VICTIM}_vh_clean_2.ply" in marker["error"]
    rows = [json.loads(line) for line in (out / "spld_spatial_data.jsonl").read_text().splitlines()]
    assert rows and all(VICTIM not in p for r in rows for p in r["image"])


def test_strict_build_fails_with_the_adapters_error(ray_runtime, broken_sample, tmp_path):
    manifest = broken_manifest(broken_sample, tmp_path / "m.yaml")
    with pytest.raises(SourceError) as info:
        run_build(
            load_manifest(manifest),
            BuildOptions(out=tmp_path / "out", workers=2, executor="ray", strict=True, allow_short=True),
            executor=RayExecutor(workers=2),
        )
    assert type(info.value) is SourceError  # not Ray's wrapper: the CLI prints it as one line
    assert f"{VICTIM}_vh_clean_2.ply" in str(info.value) and "\n" not in str(info.value)


def crash_after(marker: str, task: ScanTask):
    """Task function: VICTIM's worker dies once the other scan is recorded; other scans run normally."""
    if task.scan_id == VICTIM:
        deadline = time.monotonic() + 300
        while not Path(marker).exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # wait for the driver to record the healthy scan, then crash
        os._exit(1)
    return process_scan(task)


class CrashingRay(RayExecutor):
    """A RayExecutor whose worker dies on VICTIM (no retries)."""

    def __init__(self, marker: Path) -> None:
        super().__init__(workers=2, task_retries=0)
        self.marker = str(marker)

    def imap_unordered(self, fn, tasks):
        return super().imap_unordered(functools.partial(crash_after, self.marker), tasks)


def test_worker_crash_keeps_finished_scans_and_resume_completes(
    ray_runtime, sample_build, sample_manifest, tmp_path
):
    out = tmp_path / "out"
    layout = BuildLayout(out)
    healthy = layout.scan_done_marker("scene9000_00")
    config = load_manifest(sample_manifest)
    with pytest.raises(LadderDataError, match=f"^{VICTIM}: the Ray worker running it died.*--resume"):
        run_build(config, BuildOptions(out=out, workers=2, allow_short=True), executor=CrashingRay(healthy))
    assert json.loads(healthy.read_text(encoding="utf-8"))["status"] == "ok"
    assert not layout.scan_done_marker(VICTIM).exists()

    summary = run_build(
        config,
        BuildOptions(out=out, workers=2, resume=True, allow_short=True),
        executor=RayExecutor(workers=2),
    )
    assert (summary.scans_resumed, summary.scans_run) == (1, 1)
    assert_same_build(out, sample_build)


def assert_same_cli_build(got_dir: Path, want_dir: Path) -> None:
    """A CLI build equals the API-built `sample_build` byte for byte, but for the CLI's recorded flags."""
    got, want = published(got_dir), published(want_dir)
    assert sorted(got) == sorted(want)
    # the CLI records its flags under "overrides" (sample_build ran through the API, without them);
    # executor, workers and address are not among them, so nothing else may differ
    manifest_got = json.loads(got.pop("meta/manifest.json"))
    manifest_want = json.loads(want.pop("meta/manifest.json"))
    assert manifest_got.pop("overrides")["allow_short"] is True
    manifest_want.pop("overrides")
    assert manifest_got == manifest_want
    assert [name for name in got if got[name] != want[name]] == []


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "ladderdata.cli.app", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)


def test_cli_ray_private_runtime_matches_local_and_cleans_up(sample_build, sample_manifest, tmp_path):
    session_parent = Path(tempfile.mkdtemp(prefix="ldt-", dir="/tmp"))  # short: Ray's socket paths
    try:
        env = {**os.environ, "TMPDIR": str(session_parent)}
        out = tmp_path / "cli-ray"
        args = ["build", "--manifest", str(sample_manifest), "--out", str(out), "--quiet", "--allow-short"]
        res = _cli(*args, "--executor", "ray", "--workers", "2", env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        assert list(session_parent.iterdir()) == []  # the Ray session folder was removed at close
    finally:
        shutil.rmtree(session_parent, ignore_errors=True)
    assert_same_cli_build(out, sample_build)


def test_cli_refuses_a_ray_address_without_the_ray_executor(sample_manifest, tmp_path):
    res = _cli(
        "build", "--manifest", str(sample_manifest), "--out", str(tmp_path / "o"), "--ray-address", "auto"
    )
    assert res.returncode == 2
    assert "--ray-address needs --executor ray" in res.stderr + res.stdout
    assert not (tmp_path / "o").exists()


def test_cli_joins_a_running_cluster_by_address(ray_runtime, sample_build, sample_manifest, tmp_path):
    import ray

    address = ray.get_runtime_context().gcs_address  # HOST:PORT of the module's runtime
    out = tmp_path / "joined"
    args = ["build", "--manifest", str(sample_manifest), "--out", str(out), "--quiet", "--allow-short"]
    res = _cli(*args, "--executor", "ray", "--workers", "2", "--ray-address", address)
    assert res.returncode == 0, res.stderr[-3000:]
    assert_same_cli_build(out, sample_build)
    # the CLI only disconnected from the cluster it joined: it still runs tasks
    assert list(RayExecutor(workers=1).imap_unordered(abs, [-3])) == [3]


def test_cli_bad_ray_address_is_a_one_line_error(sample_manifest, tmp_path):
    args = ["build", "--manifest", str(sample_manifest), "--out", str(tmp_path / "o"), "--quiet"]
    res = _cli(*args, "--executor", "ray", "--ray-address", "not-an-address")
    assert res.returncode == 2
    line = next(x for x in res.stderr.splitlines() if "--ray-address not-an-address" in x)
    assert "cannot connect to a Ray cluster" in line and "ray start --head" in line
