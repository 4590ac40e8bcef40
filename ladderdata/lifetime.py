"""Process lifetime: interrupts become one line, and child processes never outlive the build.

- `Interrupted` is raised in the main thread on SIGINT or SIGTERM (`handle_interrupts`; not
  KeyboardInterrupt, which click would turn into "Aborted!" and exit 1); the CLI prints
  `interrupted; rerun with --resume` and exits 130 / 143. Executors see the exception pass through
  their `with` block and terminate their workers instead of waiting.
- Worker processes call `tie_to_parent(pid)` first: on Linux the kernel sends them SIGKILL when their
  parent dies (`PR_SET_PDEATHSIG`), and everywhere a daemon thread polls `os.getppid()` and exits the
  process when the parent is gone, so even a SIGKILLed driver leaves no worker (they notice within
  `POLL_SECONDS`). Workers ignore SIGINT: a Ctrl-C reaches the whole process group, and only the driver
  should react (it terminates them), rather than every worker printing a traceback.
- `die_with_parent` is a `preexec_fn` for subprocesses (bench runs builds as subprocesses).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

POLL_SECONDS = 0.5
"""How often an orphan check runs in a worker (a SIGKILLed parent's workers exit within this)."""
_PR_SET_PDEATHSIG = 1
INTERRUPT_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""Exit status of a build stopped by a signal (128 + signal number, as shells report it)."""
INTERRUPT_MESSAGE = "interrupted; rerun with --resume"


class Interrupted(BaseException):  # noqa: N818 - named for what happened, like KeyboardInterrupt
    """A termination signal arrived (BaseException: no `except Exception` swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number."""
        return 128 + self.signum


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def handle_interrupts() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted` in the main thread (`finally` blocks
    run, executors stop their workers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_interrupted) for sig in INTERRUPT_EXIT}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def set_parent_death_signal(signum: int = signal.SIGKILL) -> bool:
    """Ask the Linux kernel to send `signum` to this process when its parent dies; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):  # no libc/prctl (e.g. a musl build without the symbol)
        return False


def _watch_parent(parent_pid: int) -> None:
    # os.getppid() changes (to init or a subreaper) the moment the parent dies
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)  # no cleanup: the driver that would read our result is gone
        threading.Event().wait(POLL_SECONDS)


def tie_to_parent(parent_pid: int) -> None:
    """Make this (worker) process end with `parent_pid`; see module docstring."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the kernel was told to watch it
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def die_with_parent() -> None:
    """`preexec_fn` of a subprocess: SIGTERM it when the process that started it dies (Linux)."""
    set_parent_death_signal(signal.SIGTERM)


def exit_with_parent() -> None:
    """Call first in a long-running entry point (e.g. `bench.run`): when its parent (`make`) dies it
    gets SIGTERM, whose default action ends it; its own children are tied to it in turn."""
    parent = os.getppid()
    set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the kernel was told to watch it
        os._exit(128 + signal.SIGTERM)
