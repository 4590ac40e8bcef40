"""`ladderdata verify`: a build's published files against the sha256 recorded in its `meta/`.

- every shard and JSONL file against `meta/checksums.json` (missing, changed, or a shard/JSONL file on
  disk that it does not record: `datasets` would load an unrecorded shard);
- every image under `images/` against `meta/media.json` (missing, changed, or not listed). A build
  without an `images/` folder (media policy `reference`, or licensed images withheld from a push) has
  no images to check until `ladderdata materialize` writes them.

`audit` and `push` run it first; push refuses a build that fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ladderdata.errors import LadderDataError, OutputError
from ladderdata.io import sha256_file
from ladderdata.writers.checksums import recorded_files
from ladderdata.writers.layout import BuildLayout


class IntegrityError(LadderDataError):
    """A build's files do not match the checksums in its meta/ (exit status 1: a check failed)."""

    exit_code = 1


@dataclass
class VerifyReport:
    """What `verify_build` checked and every mismatch (one line each, naming the file)."""

    root: Path
    files: int = 0
    images: int = 0
    images_present: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing mismatched."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was checked."""
        images = f"{self.images} images" if self.images_present else "no images/ folder (nothing to check)"
        return f"{self.root}: {self.files} shard/JSONL files and {images} checked against meta/"

    def raise_if_failed(self, doing: str) -> None:
        """IntegrityError naming the first mismatch (and how many more) when the build failed."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise IntegrityError(
                f"{self.problems[0]}{more}; {doing} refused: rebuild it with --resume "
                "(or --overwrite), or pull it again; `ladderdata verify` lists every mismatch"
            )


def _read_json(path: Path, fix: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IntegrityError.at(path, "missing", fix) from None
    except (OSError, ValueError) as err:
        raise IntegrityError.at(path, f"unreadable ({err})", fix) from None
    if not isinstance(data, dict):
        raise IntegrityError.at(path, "is not a JSON object", fix)
    return data


def _check(report: VerifyReport, path: Path, rel: str, record: object) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("sha256"), str):
        report.problems.append(f"{path}: meta/ records no sha256 for {rel}")
        return
    if not path.is_file():
        report.problems.append(f"{path}: missing (meta/ records sha256 {record['sha256'][:12]}...)")
        return
    sha, size = sha256_file(path), path.stat().st_size
    if sha != record["sha256"]:
        report.problems.append(
            f"{path}: sha256 {sha[:12]}... differs from the recorded {record['sha256'][:12]}... "
            f"({size} bytes, recorded {record.get('bytes', '?')})"
        )


def verify_build(build_dir: str | Path) -> VerifyReport:
    """Check every shard, JSONL file and image of the build at `build_dir` (see module docstring)."""
    layout = BuildLayout(Path(build_dir))
    if not layout.root.is_dir():
        raise OutputError.at(
            layout.root, "no such build directory", "pass the folder `ladderdata build` wrote"
        )
    report = VerifyReport(layout.root)
    rebuild = "rebuild with `ladderdata build --resume` to record it"
    files = _read_json(layout.checksums_json, rebuild).get("files")
    if not isinstance(files, dict):
        raise IntegrityError.at(layout.checksums_json, "has no 'files' table", rebuild)
    for rel, record in sorted(files.items()):
        report.files += 1
        _check(report, layout.root / rel, rel, record)
    for path in recorded_files(layout):
        rel = path.relative_to(layout.root).as_posix()
        if rel not in files:
            report.problems.append(f"{path}: not recorded in {layout.checksums_json}")

    media = _read_json(layout.media_json, rebuild).get("images", {})
    if layout.media_root.is_dir():
        report.images_present = True
        for rel, record in sorted(media.items()):
            report.images += 1
            _check(report, layout.image(rel), rel, record)
        for path in sorted(p for p in layout.media_root.rglob("*") if p.is_file()):
            rel = path.relative_to(layout.media_root).as_posix()
            if rel not in media:
                report.problems.append(f"{path}: not listed in {layout.media_json}")
    return report
