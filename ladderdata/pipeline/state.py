"""Build-directory state: refusing to clobber, `--overwrite`, `--resume`, spools and done markers.

The driver is the only writer. For each finished scan it writes, each atomically and in this order, the
scene cache (+ its key), the media entries, the sample spool, and last the done marker; a build killed
at any instant (even `kill -9`) therefore resumes from the markers and reproduces an uninterrupted run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ladderdata.errors import OutputError
from ladderdata.io import write_json_atomic, write_text_atomic
from ladderdata.pipeline.scan_work import ScanOutcome, ScanTask
from ladderdata.writers.layout import COLDSTART_JSONL, GROUNDING_JSONL, SPATIAL_JSONL, BuildLayout

_BUILD_ENTRIES = (
    "README.md",
    GROUNDING_JSONL,
    SPATIAL_JSONL,
    COLDSTART_JSONL,
    "data",
    "images",
    "meta",
    "_state",
    "_dropped",
)
"""What `--overwrite` removes (`scenes/` stays: cached records are checked against their keys)."""


def prepare_output(layout: BuildLayout, *, resume: bool, overwrite: bool, build_key: str) -> bool:
    """Make the output directory ready; returns True when a resumable build was found.

    A folder holding another build is refused unless `--overwrite` (start over) or `--resume` (continue
    when it was started with the same generation settings). A non-empty folder that is not a build is
    always refused: we never delete files we did not write.
    """
    root = layout.root
    if resume and overwrite:
        raise OutputError("--resume and --overwrite exclude each other; pick one")
    if root.exists() and not root.is_dir():
        raise OutputError.at(root, "output path is a file", "pass --out with a folder")
    # a folder holding only a scene-record cache (e.g. from `ladderdata scenes`) is a fine start
    ours = {"scenes", layout.lock_file.name, layout.lock_owner.name}
    exists = root.is_dir() and any(p.name not in ours for p in root.iterdir())
    if exists and not layout.is_build():
        raise OutputError.at(
            root,
            "folder is not empty and holds no ladderdata build",
            "choose another --out (nothing was changed)",
        )
    found = False
    if exists:
        if overwrite:
            for name in _BUILD_ENTRIES:
                path = root / name
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
        elif resume:
            previous = read_build_state(layout)
            if previous is not None and previous.get("build_key") != build_key:
                raise OutputError.at(
                    root,
                    "holds a build made with another manifest, seed or code version",
                    "use --overwrite to start over, or resume with the original manifest and seed",
                )
            found = previous is not None
            sweep_temp_files(root)
        else:
            raise OutputError.at(
                root, "already holds a build", "pass --resume to continue it or --overwrite to replace it"
            )
    root.mkdir(parents=True, exist_ok=True)
    write_json_atomic(layout.build_state, {"build_key": build_key})
    return found


def read_build_state(layout: BuildLayout) -> dict[str, Any] | None:
    """`_state/build.json`, or None when absent or unreadable."""
    try:
        return json.loads(layout.build_state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sweep_temp_files(root: Path) -> int:
    """Remove temporary files a killed run left behind (`.<name>.<random>.tmp`); returns the count."""
    n = 0
    for path in root.rglob(".*.tmp"):
        if path.is_file():
            path.unlink()
            n += 1
    return n


class ScanMarker(BaseModel):
    """A scan's done marker (`_state/done/<scan>.done`), written last for the scan.

    A skipped scan carries its one-line `error` only; a finished one its sample count, raw-data
    checksum, scene key and the generators' counts, which `pipeline.stats` merges into meta/stats.json.
    """

    scan_id: str
    source: str
    generation_key: str
    status: Literal["ok", "skipped"]
    error: str | None = None
    samples: int = 0
    checksum: str | None = None
    scene_key: str | None = None
    scene_reused: bool = False
    emitted: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Family -> question type -> samples the generators emitted."""
    refused: dict[str, dict[str, dict[str, int]]] = Field(default_factory=dict)
    """Family -> question type -> reason -> candidates the generators refused."""
    scene_stats: dict[str, int] = Field(default_factory=dict)
    """The scene record's stats (frames and objects kept and skipped, per reason)."""

    @property
    def ok(self) -> bool:
        """True when the scan produced samples (False: skipped for `error`)."""
        return self.status == "ok"

    @classmethod
    def of(cls, outcome: ScanOutcome) -> ScanMarker:
        """The marker of one scan's result."""
        head = {
            "scan_id": outcome.scan_id,
            "source": outcome.source,
            "generation_key": outcome.generation_key,
        }
        if outcome.error is not None:
            return cls(**head, status="skipped", error=outcome.error)
        return cls(
            **head,
            status="ok",
            samples=outcome.sample_count,
            checksum=outcome.checksum,
            scene_key=outcome.scene_key,
            scene_reused=outcome.scene_reused,
            emitted=outcome.emitted,
            refused=outcome.refused,
            scene_stats=outcome.scene_stats,
        )

    def to_json(self) -> dict[str, Any]:
        """The file's content: a skipped scan's marker holds no counts, a finished one's no error."""
        if self.ok:
            return self.model_dump(exclude={"error"})
        return self.model_dump(include={"scan_id", "source", "generation_key", "status", "error"})


def read_marker(layout: BuildLayout, scan_id: str) -> ScanMarker | None:
    """A scan's done marker, or None when absent or unreadable."""
    try:
        return ScanMarker.model_validate_json(layout.scan_done_marker(scan_id).read_bytes())
    except (OSError, ValueError):  # pydantic.ValidationError is a ValueError
        return None


def is_done(layout: BuildLayout, task: ScanTask) -> bool:
    """True when the scan finished under the same generation key (and its spool is present)."""
    marker = read_marker(layout, task.scan_id)
    if marker is None or marker.generation_key != task.generation_key:
        return False
    return not marker.ok or layout.scan_spool(task.scan_id).is_file()


def record_outcome(layout: BuildLayout, outcome: ScanOutcome) -> ScanMarker:
    """Write one scan's result; the done marker goes last. Returns the marker."""
    scan = outcome.scan_id
    if outcome.scene_json is not None and outcome.scene_key is not None:
        write_text_atomic(layout.scene_record(scan), outcome.scene_json)
        write_text_atomic(layout.scene_key(scan), outcome.scene_key + "\n")
    if outcome.error is None:
        write_json_atomic(layout.scan_media(scan), outcome.media)
        if outcome.coldstart_jsonl:
            write_text_atomic(layout.scan_coldstart(scan), outcome.coldstart_jsonl)
        write_text_atomic(layout.scan_spool(scan), outcome.samples_jsonl)
    marker = ScanMarker.of(outcome)
    write_json_atomic(layout.scan_done_marker(scan), marker.to_json())
    return marker
