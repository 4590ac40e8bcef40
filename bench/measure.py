"""Run a command as a subprocess; measure its wall time and the peak RSS of its whole process tree.

The tree is sampled every `interval` seconds with psutil (the process, its pool workers, and for Ray
the raylet, GCS and worker processes it starts), summing RSS over live processes and keeping each
process's CPU time. Shared pages (e.g.
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

from ladderdata.lifetime import die_with_parent


@dataclass
class Measured:
    """What one subprocess run took."""

    returncode: int
    seconds: float
    peak_rss_bytes: int
    """Peak of the summed RSS of the process tree (sampled)."""
    max_child_rss_bytes: int
    """Kernel's ru_maxrss of the child and its reaped descendants (largest single process)."""
    cpu_seconds: float
    """User + system CPU time of the whole tree (exact for reaped children, sampled for Ray's daemons)."""
    load_avg: float
    """1-minute load average when the run ended: other work on the machine competes for the cores."""
    stdout: str
    stderr: str


def _sample_tree(proc: psutil.Process, cpu: dict[int, float]) -> int:
    """Summed RSS of the tree now; records each process's CPU time so far in `cpu` (pid -> seconds)."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            with p.oneshot():
                total += p.memory_info().rss
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        except psutil.Error:
            continue
    return total


def run_measured(
    cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, interval: float = 0.05
) -> Measured:
    """Run `cmd` to completion, sampling its tree's RSS; stdout/stderr are captured to temp files."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # die_with_parent: a killed benchmark must not leave its build (and that build's workers) running
        popen = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, preexec_fn=die_with_parent)
        proc = psutil.Process(popen.pid)
        peak = 0
        cpu: dict[int, float] = {}
        while True:
            # wait4, not poll: its rusage is this child's own (and its reaped descendants')
            pid, status, usage = os.wait4(popen.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _sample_tree(proc, cpu))
            time.sleep(interval)
        seconds = time.perf_counter() - start
        popen.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    # wait4 counts reaped descendants exactly (pool workers); Ray's daemons are not reaped by the
    # child, so their CPU comes from the samples (last value seen per process)
    cpu_seconds = max(usage.ru_utime + usage.ru_stime, sum(cpu.values()))
    load = psutil.getloadavg()[0]
    return Measured(
        popen.returncode, seconds, peak, usage.ru_maxrss * 1024, cpu_seconds, load, stdout, stderr
    )
