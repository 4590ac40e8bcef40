"""An exclusive lock on a build's output folder: one build (or resume, or overwrite) writes it at a time.

`filelock` holds `<out>/.ladderdata.lock` (an OS lock, released by the kernel when the holder dies, so
a killed build never leaves a stale lock; the file stays, a hidden file the Hub push skips);
`<out>/.ladderdata.lock.owner` names the holder's pid for the
message a second build gets. The second build touches nothing: it only tries the lock, once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from ladderdata.errors import OutputError
from ladderdata.writers.layout import BuildLayout


def _holder(layout: BuildLayout) -> str:
    try:
        pid = layout.lock_owner.read_text(encoding="utf-8").strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process"


@contextmanager
def output_lock(layout: BuildLayout) -> Iterator[None]:
    """Hold the folder's lock for the block; OutputError naming the holder when another build has it."""
    root = layout.root
    created = not root.exists()
    if root.exists() and not root.is_dir():
        raise OutputError.at(root, "output path is a file", "pass --out with a folder")
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(layout.lock_file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError.at(
            root,
            f"another build is writing here ({_holder(layout)})",
            "wait for it to finish, or stop it and rerun with --resume (nothing was changed)",
        ) from None
    try:
        layout.lock_owner.write_text(f"{os.getpid()}\n", encoding="utf-8")
        yield
    finally:
        layout.lock_owner.unlink(missing_ok=True)
        lock.release()
        # The lock file stays (unlinking it would let two later builds lock different inodes), except
        # in a folder this call created for a build that then wrote nothing (e.g. a bad manifest).
        if created and [p.name for p in root.iterdir()] == [layout.lock_file.name]:
            layout.lock_file.unlink()
            root.rmdir()
