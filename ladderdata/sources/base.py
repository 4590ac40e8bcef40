"""Adapter API shared by every source (docs/contracts.md, "Sources -> SceneRecord").

An adapter lists its scans (`scan_ids()`), turns one into a `SceneRecord` (`load(scan_id)`, raising
`SourceError` with a one-line message naming the file) and iterates over all of them honouring
`on_error`: `raise` stops at the first bad scan (`--strict`), `warn` logs and skips it, `skip` skips it
silently. Skipped scans are recorded in `.skipped` (scan id -> reason), so `len(source.skipped)` is the
skip count and the reasons can be tabulated.

An adapter also owns its raw layout: nothing outside `sources/` names a raw file of a dataset. What the
pipeline, the hub and the trainer need to know about raw files they ask the adapter:

- `raw_files(scan_id)`: the raw files a scan's record is made from, each `hashed` (its content enters
  the checksum) or not (only its size does: bulky media, where hashing would cost more than loading);
- `checksum(scan_id)`: a content checksum of those files (the scene cache key; override when a cheaper
  or finer one exists, e.g. a container's own digest);
- `color_jpeg(scan_id, frame_index)`: the encoded colour JPEG of one frame, the bytes a build publishes
  (a file's bytes, a frame of a `.sens` container, a re-encoded video frame);
- `color_path(scan_id, frame_index)`: the raw file whose bytes *are* that JPEG, or None when the colour
  lives inside a container or a video (then `color_jpeg` is the only way to get it);
- `color_candidates(scan_id, frame_index, recorded)`: where a user's raw copy may hold that file,
  given the path a build recorded for it (`materialize`, whose raw copy may be laid out differently).

A source whose colour frames are files implements `color_path` and inherits `color_jpeg`; a source
whose frames sit in a container implements `color_jpeg` and leaves `color_path` None.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import ClassVar, Literal

from ladderdata.errors import ConfigError, SourceError
from ladderdata.records import SceneRecord

OnError = Literal["raise", "warn", "skip"]
ON_ERROR_VALUES: tuple[str, ...] = ("raise", "warn", "skip")

logger = logging.getLogger("ladderdata.sources")

CHECKSUM_VERSION = "2"
"""Bumped when the meaning of `Source.checksum` changes (every cached scene record is then rebuilt)."""

_SCAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def scan_id_problem(scan_id: object) -> str | None:
    """Why `scan_id` cannot name a scan folder, or None when it is a plain, safe folder name.

    Refused: non-strings, names that are not valid UTF-8 (undecodable bytes surface from os.listdir as
    surrogate escapes), anything with a path separator or `..` (`../x` would escape the root), and
    names not starting with a letter or digit (hidden folders, `-flag`).
    """
    if not isinstance(scan_id, str) or not scan_id:
        return "scan id must be a non-empty string"
    try:
        scan_id.encode("utf-8")
    except UnicodeEncodeError:
        return f"scan id {scan_id!r} is not valid UTF-8"
    if "/" in scan_id or "\\" in scan_id or ".." in scan_id:
        return f"scan id {scan_id!r} is path-like"
    if not _SCAN_ID.fullmatch(scan_id):
        return f"scan id {scan_id!r} has characters outside letters, digits, '_', '-', '.'"
    return None


def check_scan_id(scan_id: object, where: str) -> str:
    """Return `scan_id` when it is a plain folder name, else raise SourceError naming `where`."""
    problem = scan_id_problem(scan_id)
    if problem is not None:
        raise SourceError.at(where, problem, "use plain scan folder names such as scene0000_00")
    return scan_id  # type: ignore[return-value]


@dataclass(frozen=True)
class ScanResult:
    """Outcome of loading one scan: a record, or the reason it was skipped."""

    scan_id: str
    scene: SceneRecord | None
    error: str | None = None


@dataclass(frozen=True)
class RawFile:
    """One raw input file of a scan (see `Source.raw_files`)."""

    path: Path
    name: str
    """Stable name of the file within its scan (POSIX, e.g. `pose/10.txt`): what the checksum records,
    so a moved source root keeps its checksums."""
    hashed: bool = True
    """Whether the file's content enters the checksum; False: its size only (bulky media)."""


class Source(ABC):
    """Base class of source adapters (see module docstring)."""

    name: ClassVar[str] = "source"
    """Source kind written into SceneRecord.source (the SOURCES key)."""
    licensed: ClassVar[bool] = True
    """Whether the source's pixels may not be redistributed (media policy defaults to reference)."""
    root_hint: ClassVar[str] = "the source's raw data"
    """What the source root holds, for messages (`point the root at <root_hint>`)."""
    root: Path
    """The source root every raw path of this adapter is relative to (the first constructor argument)."""

    def __init__(self, *, on_error: OnError = "raise") -> None:
        if on_error not in ON_ERROR_VALUES:
            raise ConfigError(f"on_error must be one of {', '.join(ON_ERROR_VALUES)}; got {on_error!r}")
        self.on_error: OnError = on_error
        self.skipped: dict[str, str] = {}

    @abstractmethod
    def scan_ids(self) -> list[str]:
        """Scan ids this source will load, sorted."""

    @abstractmethod
    def load(self, scan_id: str) -> SceneRecord:
        """One scan as a SceneRecord; raises SourceError (one line naming the file) on bad input."""

    # ------------------------------------------------------------------ raw layout
    @abstractmethod
    def raw_files(self, scan_id: str) -> list[RawFile]:
        """The raw files `load(scan_id)` reads (or may read), in a stable order; absent ones are left out."""

    def checksum(self, scan_id: str) -> str:
        """sha256 over the names and contents (or sizes, for files not `hashed`) of `raw_files`."""
        parts: list[list[object]] = []
        for raw in self.raw_files(scan_id):
            if raw.hashed:
                with open(raw.path, "rb") as fh:
                    parts.append(["content", raw.name, hashlib.file_digest(fh, "sha256").hexdigest()])
            else:
                parts.append(["size", raw.name, raw.path.stat().st_size])
        text = json.dumps([CHECKSUM_VERSION, scan_id, parts], separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def color_path(self, scan_id: str, frame_index: int) -> Path | None:
        """The raw file whose bytes are frame `frame_index`'s colour JPEG (it need not exist), or None
        when the source keeps colour inside a container or video (the default)."""
        return None

    def color_jpeg(self, scan_id: str, frame_index: int) -> bytes:
        """The encoded colour JPEG of one frame, byte for byte what a build publishes.

        The default reads `color_path`; SourceError naming the file when it is missing or unreadable.
        A source without colour files overrides this (decode the container, encode the frame).
        """
        path = self.color_path(scan_id, frame_index)
        if path is None:
            raise SourceError(
                f"{self.name}: scan {scan_id} frame {frame_index}: the adapter has no colour file and "
                "does not implement color_jpeg"
            )
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SourceError.at(path, "colour image is missing", "re-export the scan") from None
        except OSError as err:
            raise SourceError.at(
                path, f"cannot read colour image ({err.strerror})", "re-export the scan"
            ) from None

    def color_candidates(self, scan_id: str, frame_index: int, recorded: str) -> list[Path]:
        """Files under this adapter's root that may hold the frame's colour JPEG, most likely first.

        `recorded` is the path a build recorded for the image (relative to the source root it was
        built from, or absolute). The default: the recorded path under this root, then `color_path`,
        then an absolute recorded path. Adapters add the other layouts their raw copies come in.
        Callers must check what they find against the recorded sha256: a candidate is only a guess.
        """
        rec = PurePosixPath(recorded) if recorded else None
        out: list[Path] = []
        if rec is not None and not rec.is_absolute():
            out.append(Path(self.root).joinpath(*rec.parts))
        own = self.color_path(scan_id, frame_index)
        if own is not None:
            out.append(own)
        if rec is not None and rec.is_absolute():
            out.append(Path(recorded))
        return list(dict.fromkeys(out))

    def clip_path(self, scan_id: str) -> Path:
        """Where `ladderdata video` writes the scan's clip by default: `<root>/videos/<scan>.mp4`, the
        place VSI-Bench keeps its clips and a ScanNet source's `video` option reads them from."""
        return Path(self.root) / "videos" / f"{scan_id}.mp4"

    def color_frames(self, scan_id: str) -> Iterator[tuple[int, bytes]]:
        """Every colour frame of a scan in capture order, as (frame index, encoded image bytes as stored).

        For writing the scan's video (`ladderdata video`); no pose or depth is read. Adapters whose raw
        layout holds a colour stream override it; the default raises SourceError.
        """
        raise SourceError(f"{scan_id}: the {self.name} source has no colour frames to read")

    def _scan_folders(self, parent: Path, fix: str) -> list[str]:
        """Names of the folders under `parent` that are safe scan ids, sorted; an unsafe name raises
        (naming the folder and `fix`) under on_error=raise, else it is skipped and recorded."""
        ids = []
        for entry in sorted(p.name for p in parent.iterdir() if p.is_dir()):
            problem = scan_id_problem(entry)
            if problem is None:
                ids.append(entry)
            elif self.on_error == "raise":
                raise SourceError.at(parent / entry.encode("utf-8", "replace").decode(), problem, fix)
            else:
                self._record_skip(ascii(entry), problem)
        return ids

    # ------------------------------------------------------------------ iteration
    def iter_results(self) -> Iterator[ScanResult]:
        """Load every scan in order, yielding successes and (unless on_error=raise) skips."""
        for scan_id in self.scan_ids():
            try:
                scene = self.load(scan_id)
            except SourceError as err:
                if self.on_error == "raise":
                    raise
                self._record_skip(scan_id, str(err))
                yield ScanResult(scan_id, None, str(err))
                continue
            yield ScanResult(scan_id, scene)

    def iter_scenes(self) -> Iterator[SceneRecord]:
        """Every loadable scan as a SceneRecord; skipped scans are counted in `.skipped`."""
        for result in self.iter_results():
            if result.scene is not None:
                yield result.scene

    def _record_skip(self, scan_id: str, reason: str) -> None:
        self.skipped[scan_id] = reason
        if self.on_error == "warn":
            logger.warning("skipped scan %s: %s", scan_id, reason)
