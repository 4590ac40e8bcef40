"""Adapter API shared by every source (docs/contracts.md, "Sources -> SceneRecord").

An adapter lists its scans (`scan_ids()`), turns one into a `SceneRecord` (`load(scan_id)`, raising
`SourceError` with a one-line message naming the file) and iterates over all of them honouring
`on_error`: `raise` stops at the first bad scan (`--strict`), `warn` logs and skips it, `skip` skips it
silently. Skipped scans are recorded in `.skipped` (scan id -> reason), so `len(source.skipped)` is the
skip count and the reasons can be tabulated.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

from ladderdata.errors import ConfigError, SourceError
from ladderdata.records import SceneRecord

OnError = Literal["raise", "warn", "skip"]
ON_ERROR_VALUES: tuple[str, ...] = ("raise", "warn", "skip")

logger = logging.getLogger("ladderdata.sources")

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


class Source(ABC):
    """Base class of source adapters (see module docstring)."""

    name: ClassVar[str] = "source"
    """Source kind written into SceneRecord.source (the SOURCES key)."""
    licensed: ClassVar[bool] = True
    """Whether the source's pixels may not be redistributed (media policy defaults to reference)."""

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

    def color_frames(self, scan_id: str) -> Iterator[tuple[int, bytes]]:
        """Every colour frame of a scan in capture order, as (frame index, encoded image bytes as stored).

        For writing the scan's video (`ladderdata video`); no pose or depth is read. Adapters whose raw
        layout holds a colour stream override it; the default raises SourceError.
        """
        raise SourceError(f"{scan_id}: the {self.name} source has no colour frames to read")

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
