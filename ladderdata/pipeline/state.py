"""Build-directory state: refusing to clobber, `--overwrite`, `--resume`, spools and done markers.

The driver is the only writer. For each finished scan it writes, each atomically and in this order, the
scene cache (+ its key), the media entries, the sample spool, and last the done marker; a build killed
at any instant (even `kill -9`) therefore resumes from the markers and reproduces an uninterrupted run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

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


def read_marker(layout: BuildLayout, scan_id: str) -> dict[str, Any] | None:
    """A scan's done marker, or None when absent or unreadable."""
    try:
        return json.loads(layout.scan_done_marker(scan_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_done(layout: BuildLayout, task: ScanTask) -> bool:
    """True when the scan finished under the same generation key (and its spool is present)."""
    marker = read_marker(layout, task.scan_id)
    if marker is None or marker.get("generation_key") != task.generation_key:
        return False
    return marker.get("status") == "skipped" or layout.scan_spool(task.scan_id).is_file()


def record_outcome(layout: BuildLayout, outcome: ScanOutcome) -> dict[str, Any]:
    """Write one scan's result; the done marker goes last. Returns the marker."""
    scan = outcome.scan_id
    if outcome.scene_json is not None and outcome.scene_key is not None:
        write_text_atomic(layout.scene_record(scan), outcome.scene_json)
        write_text_atomic(layout.scene_key(scan), outcome.scene_key + "\n")
    marker: dict[str, Any] = {
        "scan_id": scan,
        "source": outcome.source,
        "generation_key": outcome.generation_key,
    }
    if outcome.error is not None:
        marker.update(status="skipped", error=outcome.error)
    else:
        write_json_atomic(layout.scan_media(scan), outcome.media)
        if outcome.coldstart_jsonl:
            write_text_atomic(layout.scan_coldstart(scan), outcome.coldstart_jsonl)
        write_text_atomic(layout.scan_spool(scan), outcome.samples_jsonl)
        marker.update(
            status="ok",
            samples=outcome.sample_count,
            checksum=outcome.checksum,
            scene_key=outcome.scene_key,
            scene_reused=outcome.scene_reused,
            emitted=outcome.emitted,
            refused=outcome.refused,
            scene_stats=outcome.scene_stats,
        )
    write_json_atomic(layout.scan_done_marker(scan), marker)
    return marker
