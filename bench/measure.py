"""Run a command as a subprocess; measure its wall time and the peak RSS of its whole process tree.

The tree is sampled every `interval` seconds with psutil (the process, its pool workers, and for Ray
the raylet, GCS and worker processes it starts), summing RSS over live processes. Shared pages (e.g.
Ray's object store mapped into several processes) are counted once per process, so a Ray figure is an
upper bound. Sampling can miss a spike shorter than the interval; the kernel's ru_maxrss of the largest
single process (wait4) is reported beside it as a cross-check.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Measured:
    """What one subprocess run took."""

    returncode: int
    seconds: float
    peak_rss_bytes: int
    """Peak of the summed RSS of the process tree (sampled)."""
    max_child_rss_bytes: int
    """Kernel's ru_maxrss of the child and its reaped descendants (largest single process)."""
    stdout: str
    stderr: str


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_measured(
    cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, interval: float = 0.05
) -> Measured:
    """Run `cmd` to completion, sampling its tree's RSS; stdout/stderr are captured to temp files."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        popen = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        proc = psutil.Process(popen.pid)
        peak = 0
        while True:
            # wait4, not poll: its rusage is this child's own (and its reaped descendants')
            pid, status, usage = os.wait4(popen.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss(proc))
            time.sleep(interval)
        seconds = time.perf_counter() - start
        popen.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Measured(popen.returncode, seconds, peak, usage.ru_maxrss * 1024, stdout, stderr)
