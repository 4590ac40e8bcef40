"""One-line messages for the OS errors a build can meet while writing (disk full, file too large, ...).

Builds write atomically and record finished scans in done markers, so after any of these the build is
resumable: the message says what to fix and to rerun with `--resume`.
"""

from __future__ import annotations

import errno
import os

REMEDIES: dict[int, str] = {
    errno.ENOSPC: "free disk space (or point --out at a larger disk)",
    errno.EDQUOT: "free space within your disk quota (or point --out elsewhere)",
    errno.EFBIG: "the file exceeds the size limit (check `ulimit -f` and the file system's limit)",
    errno.EACCES: "make the folder writable for this user (or choose another --out)",
    errno.EPERM: "make the folder writable for this user (or choose another --out)",
    errno.EROFS: "the file system is read-only: choose another --out",
}
"""errno -> what the user should do."""


def describe_os_error(err: OSError) -> str | None:
    """`<path>: <strerror> (<ERRNO>); <remedy>; rerun with --resume`, or None for other errors."""
    remedy = REMEDIES.get(err.errno or -1)
    if remedy is None:
        return None
    path = err.filename if err.filename is not None else "(unknown file)"
    name = errno.errorcode.get(err.errno or -1, str(err.errno))
    reason = os.strerror(err.errno) if err.errno else (err.strerror or name)
    return f"{path}: {reason} ({name}); {remedy}, then rerun with --resume (finished scans are kept)"
