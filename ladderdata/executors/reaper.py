"""A watchdog that ends a private Ray runtime when the build that started it dies, even by SIGKILL.

Ray ties its GCS and raylet to the driver, but the raylet's children (dashboard and runtime-env
agents, idle workers) only notice the raylet's death by polling, then try to report it to the already
dead GCS; on a busy machine they linger for tens of seconds. A SIGKILLed driver can run no cleanup, so
`RayExecutor` starts this process first: it remembers the driver's descendants (refreshed twice a
second while the driver lives) and, when its stdin pipe from the driver closes (the driver closed the
executor or died), SIGKILLs every remembered process still running, their own descendants too, and
every process whose environment carries `SESSION_ENV` set to this runtime's session folder (the driver
sets it before Ray starts, so every Ray process inherits it: an agent that started just before the
driver died, and was orphaned before the last refresh, is found that way). Then it removes the session
folder. It ends only what the driver started: psutil checks each pid's creation time, so a reused pid
is never hit, and the session folder is unique to this runtime.

Run as `python -m ladderdata.executors.reaper DRIVER_PID SESSION_DIR` with stdin a pipe from the driver.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys
import time

import psutil

REFRESH_SECONDS = 0.5
"""How often the driver's process tree is re-read while the driver lives."""
SESSION_ENV = "LADDERDATA_RAY_SESSION"
"""Environment variable naming the private runtime's session folder in every process it starts."""
SWEEPS = 3
"""Kill passes after the driver is gone (a process may spawn a child between two passes)."""


def _descendants(procs: dict[int, psutil.Process], roots: list[psutil.Process]) -> None:
    me = os.getpid()
    for root in roots:
        try:
            kids = root.children(recursive=True)
        except psutil.Error:
            continue
        for kid in kids:
            if kid.pid != me:
                procs.setdefault(kid.pid, kid)


def _marked(procs: dict[int, psutil.Process], session_dir: str) -> None:
    """Add every process whose environment names this runtime's session folder."""
    if not session_dir:
        return
    me = os.getpid()
    for proc in psutil.process_iter():
        if proc.pid == me or proc.pid in procs:
            continue
        try:
            if proc.environ().get(SESSION_ENV) == session_dir:
                procs[proc.pid] = proc
        except psutil.Error:  # gone, a zombie, or another user's process
            continue


def _kill_all(procs: dict[int, psutil.Process], session_dir: str) -> None:
    for _ in range(SWEEPS):
        _descendants(procs, list(procs.values()))  # children started since the last refresh
        _marked(procs, session_dir)
        for proc in list(procs.values()):
            try:
                if proc.is_running():  # False for a pid reused by another process
                    proc.kill()
            except psutil.Error:
                pass
        time.sleep(0.1)


def watch(driver_pid: int, session_dir: str) -> None:
    """Follow `driver_pid`'s process tree until stdin closes, then end it and remove `session_dir`."""
    try:
        driver = psutil.Process(driver_pid)
    except psutil.Error:
        driver = None
    procs: dict[int, psutil.Process] = {}
    while True:
        if driver is not None:
            _descendants(procs, [driver])
        ready, _, _ = select.select([sys.stdin.fileno()], [], [], REFRESH_SECONDS)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            break  # EOF: the driver closed the pipe or died
    _kill_all(procs, session_dir)
    if session_dir:
        shutil.rmtree(session_dir, ignore_errors=True)


def main() -> None:
    """Entry point: `python -m ladderdata.executors.reaper DRIVER_PID SESSION_DIR`."""
    # a Ctrl-C or SIGTERM sent to the whole process group is the driver's to handle; the watchdog must
    # stay to clean up after it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    watch(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "")


if __name__ == "__main__":
    main()
