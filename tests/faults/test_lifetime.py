"""Interrupts, killed parents, a second build on a locked folder, and a build that runs out of room.

Real `ladderdata build` subprocesses on the small sample: SIGTERM / SIGINT give one line and 143 / 130
and leave no worker; a SIGKILLed parent's workers exit within seconds (they poll their parent); a
second build into a folder another holds is refused naming the holder's pid and changes nothing; a
write that fails with EFBIG (RLIMIT_FSIZE) gives one line naming the file, and `--resume` then
finishes byte-identical to an uninterrupted build.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ladderdata.lifetime import INTERRUPT_MESSAGE
from ladderdata.pipeline.lock import output_lock
from ladderdata.writers.layout import BuildLayout
from tests.fixtures.build import REPO
from tests.pipeline.helpers import digests, manifest_file, run_cli, start_cli

GONE_WITHIN = 5.0
"""Seconds a worker may outlive its killed parent (the issue's bound)."""


def _start(*args: str | Path, **popen: object) -> subprocess.Popen[str]:
    return start_cli(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def _wait_for_workers(proc: subprocess.Popen[str], n: int, timeout: float = 120) -> list[psutil.Process]:
    """The build's descendants once `n` pool workers run (spawned python processes)."""
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        kids = parent.children(recursive=True)
        workers = [k for k in kids if _is_spawned_worker(k)]
        if len(workers) >= n:
            time.sleep(1.0)  # let them pick up scans
            return parent.children(recursive=True)
        time.sleep(0.2)
    raise AssertionError(f"no {n} workers after {timeout}s")


def _is_spawned_worker(p: psutil.Process) -> bool:
    try:
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return False
    return "multiprocessing.spawn" in cmd or "spawn_main" in cmd


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive


def _assert_all_gone(procs: list[psutil.Process], within: float = GONE_WITHIN) -> None:
    deadline = time.monotonic() + within
    while _alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(procs)
    for p in left:  # do not leave them running whatever the outcome
        p.kill()
    assert not left, f"still running {within}s after the parent died: {[p.cmdline() for p in left]}"


@pytest.fixture
def build_args(tmp_path: Path, sample_build_manifest: dict) -> list[str | Path]:
    return ["build", "-m", manifest_file(tmp_path, sample_build_manifest), "--allow-short"]


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"])
def test_signal_stops_workers_with_one_line_and_resume_finishes(
    sig: int, code: int, build_args: list, tmp_path: Path, sample_build: Path
) -> None:
    out = tmp_path / "out"
    proc = _start(*build_args, "--out", out, "--workers", "2", "-q")
    tree = _wait_for_workers(proc, 2)
    proc.send_signal(sig)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert stderr.strip() == INTERRUPT_MESSAGE
    _assert_all_gone(tree)
    again = run_cli(*build_args, "--out", out, "--resume", "-q")
    assert again.returncode == 0, again.stderr
    assert digests(out) == digests(sample_build)


@pytest.mark.slow
def test_sigkilled_parent_leaves_no_worker(build_args: list, tmp_path: Path) -> None:
    proc = _start(*build_args, "--out", tmp_path / "out", "--workers", "2", "-q")
    tree = _wait_for_workers(proc, 2)
    proc.kill()
    proc.communicate(timeout=30)
    _assert_all_gone(tree)


@pytest.mark.slow
def test_sigkilled_parent_leaves_no_ray_process(build_args: list, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    proc = _start(*build_args, "--out", tmp_path / "out", "--workers", "2", "--executor", "ray", "-q")
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 180
    tree: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        tree = parent.children(recursive=True)
        if any("raylet" in " ".join(_cmd(p)) for p in tree) and any(_is_ray_worker(p) for p in tree):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    tree = parent.children(recursive=True)
    sessions = {_session_dir(p) for p in tree} - {None}
    assert len(sessions) == 1, [_cmd(p) for p in tree]
    proc.kill()
    proc.communicate(timeout=30)
    _assert_all_gone(tree, within=15.0)
    # the watchdog (executors/reaper.py) also removes the private runtime's session folder
    session = Path(sessions.pop())
    deadline = time.monotonic() + 15.0
    while session.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not session.exists(), f"{session} left behind"


def _session_dir(p: psutil.Process) -> str | None:
    """The private runtime's `ldray-*` folder named on a Ray daemon's command line."""
    for arg in _cmd(p):
        if "/ldray-" in arg:
            head, _, tail = arg.partition("/ldray-")
            return head.split("=")[-1] + "/ldray-" + tail.split("/")[0]
    return None


def _cmd(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _is_ray_worker(p: psutil.Process) -> bool:
    cmd = " ".join(_cmd(p))  # Ray retitles its workers `ray::IDLE`, `ray::_apply`, ...
    return "ray::" in cmd or "default_worker.py" in cmd


def test_bench_subprocesses_die_with_the_benchmark(tmp_path: Path) -> None:
    """bench.measure.run_measured (how bench runs builds): killing the benchmark ends its build."""
    script = (
        "import sys; from bench.measure import run_measured; "
        "run_measured([sys.executable, '-c', 'import time; time.sleep(120)'])"
    )
    bench = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    parent = psutil.Process(bench.pid)
    deadline = time.monotonic() + 30
    while not parent.children() and time.monotonic() < deadline:
        time.sleep(0.1)
    tree = parent.children(recursive=True)
    assert tree
    bench.kill()
    bench.wait(timeout=30)
    _assert_all_gone(tree)


def test_second_build_on_a_held_folder_is_refused_and_touches_nothing(
    build_args: list, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "scenes").mkdir()
    (out / "scenes" / "keep.json").write_text("{}")
    with output_lock(BuildLayout(out)):
        before = sorted((p.relative_to(out).as_posix(), p.stat().st_mtime_ns) for p in out.rglob("*"))
        proc = run_cli(*build_args, "--out", out, "--overwrite", "-q")
        after = sorted((p.relative_to(out).as_posix(), p.stat().st_mtime_ns) for p in out.rglob("*"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"another build is writing here (pid {os.getpid()})" in lines[0], proc.stderr
    assert str(out) in lines[0]
    assert after == before


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
def test_file_too_large_is_one_line_and_the_build_resumes(
    build_args: list, tmp_path: Path, sample_build: Path
) -> None:
    out = tmp_path / "out"
    # scene records (the largest files, written as each scan finishes) exceed 200 kB
    proc = _start(*build_args, "--out", out, "-q", preexec_fn=_limit_file_size(200_000))
    _stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "File too large (EFBIG)" in lines[0] and str(out) in lines[0] and "--resume" in lines[0]
    again = run_cli(*build_args, "--out", out, "--resume", "-q")
    assert again.returncode == 0, again.stderr
    assert digests(out) == digests(sample_build)
