"""Exception hierarchy: every error ladderdata raises derives from LadderDataError.

Messages are one line that names the offending file (or key) and says how to fix it, e.g.
`build/meta/media.json: not valid JSON (Expecting value at line 1); rebuild the build`. Use `LadderDataError.at(path, problem, fix)` to build that shape consistently.
"""

from __future__ import annotations

from pathlib import Path


class LadderDataError(Exception):
    """Base class; `str(err)` is a single line naming the file and the fix."""

    def __init__(self, message: str, *, path: str | Path | None = None):
        self.path = str(path) if path is not None else None
        super().__init__(" ".join(str(message).split()))  # force one line

    @classmethod
    def at(cls, path: str | Path, problem: str, fix: str | None = None) -> LadderDataError:
        """Build `<path>: <problem>; <fix>`."""
        msg = f"{path}: {problem}"
        if fix:
            msg += f"; {fix}"
        return cls(msg, path=path)


class SourceError(LadderDataError):
    """A raw scan is missing, malformed or inconsistent (the scan is skipped unless --strict)."""


class GeometryError(LadderDataError):
    """Geometry input is degenerate (e.g. a non-orthonormal pose, a zero-volume box)."""


class ConfigError(LadderDataError):
    """A manifest or CLI option is invalid (message gives the key path)."""


class TemplateError(LadderDataError):
    """A template failed to render (message gives the template file and line)."""


class GenerationError(LadderDataError):
    """A generator could not produce a sample it was asked for."""


class ValidationError(LadderDataError):
    """A build's samples fail a validator (quotas, balance, decontamination)."""


class OutputError(LadderDataError):
    """The output directory is in a state we must not overwrite or cannot read."""


class HubError(LadderDataError):
    """A push/pull/materialize problem (never includes the token)."""


class TrainError(LadderDataError):
    """Trainer input or configuration problem."""
