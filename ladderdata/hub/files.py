"""Which files of a build directory are published, and their checksums.

Published: everything under the build root except the working-state folders of
`writers.layout.UNPUBLISHED_DIRS` (`_state/`, `_dropped/`, `scenes/`), dotfiles and dot-folders
(`.cache/` of a pulled build, editor files) and scratch files (`*.tmp`, `*.part`, ...), which a killed
writer may leave behind. Paths are POSIX, relative to the build root, sorted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ladderdata.writers.layout import UNPUBLISHED_DIRS

SCRATCH_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".incomplete", ".lock", ".swp", "~")
PIXEL_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".png",
        ".webp",
        ".bmp",
        ".gif",
        ".tif",
        ".tiff",
        ".mp4",
        ".avi",
        ".mov",
        ".mkv",
        ".webm",
    }
)
"""Suffixes treated as pixel media for the licence check."""

_CHUNK = 1 << 20


@dataclass(frozen=True)
class BuildFile:
    """One file of a build: `relpath` is POSIX and relative to the build root."""

    relpath: str
    path: Path
    size: int

    @property
    def is_pixel_media(self) -> bool:
        """True for images and videos (the files a licence may forbid redistributing)."""
        return Path(self.relpath).suffix.lower() in PIXEL_SUFFIXES


@dataclass(frozen=True)
class Skipped:
    """A file left out of the push, and why."""

    relpath: str
    reason: str


def _skip_reason(parts: tuple[str, ...]) -> str | None:
    if parts[0] in UNPUBLISHED_DIRS:
        return f"working state ({parts[0]}/)"
    if any(part.startswith(".") for part in parts):
        return "dotfile"
    if parts[-1].endswith(SCRATCH_SUFFIXES):
        return "scratch file"
    return None


def list_build_files(root: Path) -> tuple[list[BuildFile], list[Skipped]]:
    """(published files, skipped files) of the build at `root`, both sorted by relpath.

    Unpublished folders are reported once as a folder (`_state/`), not file by file.
    """
    root = Path(root)
    published: list[BuildFile] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames.sort()
        kept_dirs = []
        for name in dirnames:
            parts = (*rel_dir.parts, name)
            if len(parts) == 1 and name in UNPUBLISHED_DIRS:
                skipped.append(Skipped(f"{name}/", f"working state ({name}/)"))
            elif name.startswith("."):
                skipped.append(Skipped("/".join(parts) + "/", "dot-folder"))
            else:
                kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            parts = (*rel_dir.parts, name)
            relpath = "/".join(parts)
            path = Path(dirpath) / name
            reason = _skip_reason(parts)
            if reason is None and not path.is_file():
                reason = "not a regular file"
            if reason is not None:
                skipped.append(Skipped(relpath, reason))
                continue
            published.append(BuildFile(relpath, path, path.stat().st_size))
    published.sort(key=lambda f: f.relpath)
    skipped.sort(key=lambda s: s.relpath)
    return published, skipped


@dataclass(frozen=True)
class FileDigest:
    """Content checksums of one file: sha256 (LFS/Xet object id) and the git blob id (sha1)."""

    sha256: str
    git_sha1: str
    size: int


def digest_file(path: Path) -> FileDigest:
    """sha256 and git blob sha1 of a file, in one streaming pass (constant memory)."""
    size = os.path.getsize(path)
    sha256 = hashlib.sha256()
    git = hashlib.sha1()  # noqa: S324 - git's object id, not a security hash
    git.update(f"blob {size}\0".encode())
    read = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha256.update(chunk)
            git.update(chunk)
            read += len(chunk)
    if read != size:  # the file changed while we read it
        raise OSError(f"{path}: size changed while hashing ({size} -> {read}); is a build still running?")
    return FileDigest(sha256.hexdigest(), git.hexdigest(), size)
