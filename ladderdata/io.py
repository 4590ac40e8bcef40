"""File I/O at the bottom of every layer: atomic writes and the sha256 of a file.

Every output is written to a temporary name in the same folder, then renamed, so a killed process
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO


def _read_umask() -> int:
    # os.umask can only be read by setting it; restore it at once (import time, single thread).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's content, read in 1 MiB chunks (constant memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is fsynced and renamed onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
            with open(tmp_path, "rb") as fh:
                os.fsync(fh.fileno())
            # mkstemp creates 0600 files; published outputs get the usual 0666 & ~umask instead.
            os.chmod(tmp_path, 0o666 & ~_UMASK)
            os.replace(tmp_path, path)
        except OSError as err:
            if err.filename is not None or err.errno is None:
                raise
            # a failed write() names no file: name the output (disk full, file too large, ...)
            raise OSError(err.errno, os.strerror(err.errno), str(path)) from err
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[BinaryIO]:
    """Open a temporary file for writing (text `w` or binary `wb`); renamed onto `path` on success."""
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write bytes atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_open(path, "w") as fh:
        fh.write(text)


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write JSON atomically, with sorted keys and a trailing newline (byte-stable output)."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def replace_folder(staging: Path, out: Path) -> None:
    """Put the filled folder `staging` in place of `out` (renames on one file system; an existing `out`
    is moved aside first and removed after, so `out` is never half written)."""
    trash = None
    if out.exists():
        trash = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(out, trash)
    os.replace(staging, out)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
