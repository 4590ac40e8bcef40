"""`ladderdata materialize`: rebuild a build's images/ from the user's own raw scans.

For every image recorded in meta/media.json the raw colour file (`raw`, relative to the source root) is
copied byte for byte - `--media copy` builds store the raw JPEG bytes unchanged, so frame choice,
resolution and path are exactly those of the original build - and checked against the recorded sha256
while it is copied. Each file is written atomically (temporary name, then rename), so an interrupted run
leaves only whole, verified images; a rerun skips images already present with the right checksum.

A scan whose export folder is missing under `<root>/export/` is also looked up in `<root>/scans/<scan>/`
(in-place SensReader export, as the ScanNet adapter does) and a few other places (`raw_candidates`). A frame
read from a `.sens` (`scans/<scan>/<scan>.sens#color/<i>.jpg`) is its stored JPEG. Missing scans are reported one line each
with the expected path; a raw file whose bytes differ from the recorded checksum is never written.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ladderdata.errors import HubError, SourceError
from ladderdata.hub.files import sha256_file
from ladderdata.hub.media import MediaEntry, load_media_index
from ladderdata.hub.push import Report
from ladderdata.io import atomic_path
from ladderdata.sources.sens import read_color_bytes, split_member
from ladderdata.writers.layout import BuildLayout

_CHUNK = 1 << 20


@dataclass(frozen=True)
class MissingScan:
    """A scan none of whose needed frames could be found under the raw root."""

    scan_id: str
    source: str
    expected: Path
    frames: int


@dataclass(frozen=True)
class Mismatch:
    """A raw file found, but not the one the build recorded."""

    relpath: str
    raw: Path
    problem: str


@dataclass
class MaterializeResult:
    """Counts of one materialize run."""

    total: int = 0
    written: int = 0
    present: int = 0
    missing: list[MissingScan] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatches


def parse_raw_roots(values: list[str], sources: set[str]) -> dict[str | None, Path]:
    """`--raw PATH` (every source) or `--raw SOURCE=PATH` (one source), repeatable."""
    roots: dict[str | None, Path] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if sep and name not in sources and not Path(value).exists():
            known = ", ".join(sorted(sources)) or "none"
            raise HubError(f"--raw {value}: unknown source {name!r}; this build's sources: {known}")
        key, path = (name, Path(rest)) if sep and name in sources else (None, Path(value))
        if key in roots:
            which = f"source {key!r}" if key else "all sources"
            raise HubError(f"--raw {value}: a raw root for {which} was already given; pass each once")
        roots[key] = path.expanduser()
    for path in roots.values():
        if not path.is_dir():
            raise HubError.at(path, "raw root is not a folder", "pass the folder holding export/ or scans/")
    return roots


def _safe_relpath(value: str, what: str, media_json: Path) -> PurePosixPath:
    rel = PurePosixPath(value)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise HubError.at(media_json, f"{what} {value!r} is not a relative path inside the folder", "rebuild")
    return rel


def raw_candidates(root: Path, raw: str) -> list[Path]:
    """Where a raw colour file may be, most likely first.

    `<root>/<raw>` (the recorded layout); for `.../<scan>/color/<i>.jpg` also the in-place export
    `<root>/scans/<scan>/color/<i>.jpg`, `<root>/export/<scan>/...` and `<root>/<scan>/...` (the export
    folder passed directly); an absolute recorded path (export root outside the source root) is tried
    last. Any candidate is safe: what is copied must match the recorded sha256.
    """
    p = PurePosixPath(raw)
    candidates: list[Path] = []
    if not p.is_absolute():
        candidates.append(root.joinpath(*p.parts))
    if len(p.parts) >= 3 and p.parts[-2] == "color":
        tail = p.parts[-3:]
        for base in (root / "scans", root / "export", root):
            candidates.append(base.joinpath(*tail))
    if p.is_absolute():
        candidates.append(Path(raw))
    return list(dict.fromkeys(candidates))


class _ChecksumMismatch(Exception):
    pass


def _copy_verified(src: Path, dst: Path, sha256: str) -> None:
    with atomic_path(dst) as tmp:
        h = hashlib.sha256()
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(_CHUNK):
                h.update(chunk)
                fout.write(chunk)
        if h.hexdigest() != sha256:
            raise _ChecksumMismatch(h.hexdigest())  # atomic_path removes the temporary file


def _materialize_one(
    entry: MediaEntry, layout: BuildLayout, root: Path, media_json: Path
) -> tuple[str, Path | None, str | None]:
    """('present'|'written'|'missing'|'mismatch', raw path, problem)."""
    target = layout.image(str(_safe_relpath(entry.relpath, "image path", media_json)))
    if target.is_file() and target.stat().st_size == entry.bytes and sha256_file(target) == entry.sha256:
        return "present", None, None
    if split_member(entry.raw) is not None:
        return _materialize_sens_frame(entry, target, root / entry.raw)
    src = next((p for p in raw_candidates(root, entry.raw) if p.is_file()), None)
    if src is None:
        return "missing", None, None
    size = src.stat().st_size
    if size != entry.bytes:
        return "mismatch", src, f"{size} bytes, the build recorded {entry.bytes}"
    try:
        _copy_verified(src, target, entry.sha256)
    except _ChecksumMismatch as err:
        return "mismatch", src, f"sha256 {err.args[0]}, the build recorded {entry.sha256}"
    return "written", src, None


def _materialize_sens_frame(
    entry: MediaEntry, target: Path, member: Path
) -> tuple[str, Path | None, str | None]:
    """A frame of a `.sens` (`<scan>.sens#color/<i>.jpg`): its stored JPEG bytes, verified, then written."""
    sens = split_member(member)[0]  # type: ignore[index]
    if not sens.is_file():
        return "missing", None, None
    try:
        data = read_color_bytes(member)
    except SourceError as err:  # e.g. the frame lies beyond a cut in the file
        return "mismatch", member, str(err)
    if len(data) != entry.bytes:
        return "mismatch", member, f"{len(data)} bytes, the build recorded {entry.bytes}"
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        return "mismatch", member, f"sha256 {digest}, the build recorded {entry.sha256}"
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return "written", member, None


def materialize(
    build_dir: Path,
    raw: list[str],
    *,
    workers: int = 4,
    report: Report = print,
    report_problem: Report | None = None,
) -> MaterializeResult:
    """Rebuild `<build>/images/` from raw scans; see the module docstring. Does not raise on missing scans:
    the result lists them (the CLI turns them into a non-zero exit)."""
    problem = report_problem or report
    layout = BuildLayout(Path(build_dir))
    if not layout.root.is_dir():
        raise HubError.at(layout.root, "no such build directory", "pass a build or pulled build folder")
    index = load_media_index(layout, required=True)
    sources = {e.source for e in index.images.values()}
    roots = parse_raw_roots(raw, sources)
    unrooted = sorted(s for s in sources if s not in roots and None not in roots)
    if unrooted:
        raise HubError(
            f"no --raw root for source(s) {', '.join(unrooted)}; pass --raw PATH or --raw SOURCE=PATH"
        )
    entries = list(index.images.values())
    result = MaterializeResult(total=len(entries))
    media_json = layout.media_json

    def work(entry: MediaEntry):  # noqa: ANN202
        root = roots.get(entry.source, roots.get(None))
        return entry, root, _materialize_one(entry, layout, root, media_json)

    missing_by_scan: dict[tuple[str, str], list[tuple[MediaEntry, Path]]] = defaultdict(list)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for entry, root, (status, src, why) in pool.map(work, entries):
            if status == "present":
                result.present += 1
            elif status == "written":
                result.written += 1
            elif status == "missing":
                missing_by_scan[(entry.source, entry.scan_id)].append((entry, root))
            else:
                result.mismatches.append(Mismatch(entry.relpath, src, why))
    for (source, scan_id), items in sorted(missing_by_scan.items()):
        entry, root = items[0]
        expected = raw_candidates(root, entry.raw)[0]
        result.missing.append(MissingScan(scan_id, source, expected, len(items)))

    for m in result.missing:
        more = f" (+{m.frames - 1} more frames of this scan)" if m.frames > 1 else ""
        problem(f"missing scan {m.scan_id} (source {m.source}): expected {m.expected}{more}")
    for mm in result.mismatches:
        problem(f"checksum mismatch: {mm.raw} -> images/{mm.relpath}: {mm.problem}; not written")
    report(
        f"materialize {layout.root}: {result.written} written, {result.present} already present, "
        f"{sum(m.frames for m in result.missing)} missing in {len(result.missing)} scans, "
        f"{len(result.mismatches)} mismatched (of {result.total} images)"
    )
    return result


def require_complete(result: MaterializeResult, build_dir: Path) -> None:
    """Raise HubError (exit 2 in the CLI) when images are missing or mismatched."""
    if result.ok:
        return
    parts = []
    if result.missing:
        parts.append(f"{len(result.missing)} scans missing")
    if result.mismatches:
        parts.append(f"{len(result.mismatches)} raw files differ from the recorded checksums")
    raise HubError.at(
        Path(build_dir) / "images",
        f"incomplete: {', '.join(parts)} (listed above)",
        "point --raw at a complete raw copy (the same SensReader export the build used) and rerun",
    )
