"""Media: the images the rows use, recorded in `meta/media.json` and copied under `images/` on request.

`meta/media.json` (docs/contracts.md): `{"media_policy": "copy"|"reference", "images": {relpath:
{"scan_id", "frame_index", "source", "licensed", "raw", "sha256", "bytes"}}}`, where `raw` is the colour
file's path relative to its source root. `--media copy` copies the raw JPEG bytes unchanged to
`images/<scan_id>/<frame_index>.jpg` (so `materialize` can rebuild a reference build byte for byte from
the user's own raw copy); `--media reference` writes the paths and checksums only. A frame a source keeps
inside a container (ScanNet's RGB-D sensor stream) has no raw file: its `raw` is "" and its bytes, copied as stored,
come from the source adapter (`Source.color_jpeg`).

Frames the video rows show decoded from a source's video (the `video` source option) have no raw file:
their entry names the video (`raw`) and the frame's position in it (`video_frame`), and `copy` decodes
and JPEG-encodes them again (`video.stills`), checking the recorded hash.

Entries are made where the frames are read (the per-scan workers, `media_entry`, on the bytes the
source adapter gives: `Source.color_jpeg`), so hashing runs in parallel; the writer only merges them,
and copies (checking each file against its recorded hash).
`media_entry` decodes every image completely before hashing the very bytes it decoded (a JPEG cut after
its header has a valid header: only a full decode notices), so the hash, and therefore the copy, only
ever names an image that decodes.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ladderdata.errors import OutputError, SourceError
from ladderdata.io import sha256_file, write_bytes_atomic, write_json_atomic
from ladderdata.threads import prefetched, thread_count
from ladderdata.writers.layout import BuildLayout

COPY_WINDOW = 64
"""Images placed ahead of the one being counted (on `threads.prefetched`'s threads)."""

MediaPolicy = Literal["copy", "reference"]


@dataclass(frozen=True)
class MediaEntry:
    """One published image and where its bytes come from."""

    scan_id: str
    frame_index: int
    source: str
    licensed: bool
    raw: str
    """Where the bytes come from: the colour file's path relative to the source root (POSIX
    separators; absolute when outside it), empty when the source keeps colour in a container
    (`Source.color_path` is None: the bytes come from `Source.color_jpeg`)."""
    sha256: str
    bytes: int
    video_frame: int | None = None
    """Set for a frame decoded from a video: its position in the video at `raw` (display order); the
    published JPEG is `video.stills.jpeg_frames` of it, not a copy of a raw file."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (keys sorted by the JSON writer); `video_frame` only when set."""
        data = asdict(self)
        if self.video_frame is None:
            del data["video_frame"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MediaEntry:
        """Inverse of `to_dict`."""
        return cls(**data)


def raw_relpath(color_path: str | Path, source_root: str | Path) -> str:
    """A colour path relative to the source root (absolute paths outside the root stay absolute)."""
    p = Path(color_path)
    root = Path(source_root).resolve()
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


class UndecodableImage(SourceError):
    """A colour image that does not decode completely (truncated or corrupt): its frame is dropped."""


def check_decodes(data: bytes, path: str | Path) -> tuple[int, int]:
    """(width, height) after decoding all of `data`; UndecodableImage when it does not decode.

    Pillow's draft mode lets libjpeg skip most of the inverse DCT (a 1/8-scale decode) while still
    reading every entropy-coded byte, which is what finds a truncated file, at a fraction of the cost.
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            size = img.size
            if img.format == "JPEG":
                img.draft("RGB", (max(1, size[0] // 8), max(1, size[1] // 8)))
            img.load()
    except (OSError, SyntaxError, ValueError) as err:  # Pillow reports bad data as any of these
        detail = " ".join(str(err).split()) or type(err).__name__
        raise UndecodableImage.at(
            path, f"colour image does not decode completely ({detail})", "re-export the frame"
        ) from None
    return size


def media_entry_from_bytes(
    *,
    scan_id: str,
    frame_index: int,
    data: bytes,
    raw: str,
    source: str,
    licensed: bool,
    where: str | Path,
) -> MediaEntry:
    """Decode, then hash the colour JPEG `data` of one frame (UndecodableImage naming `where` when it
    does not decode completely); `raw` is recorded as where the bytes come from (see MediaEntry.raw)."""
    check_decodes(data, where)
    return MediaEntry(
        scan_id, int(frame_index), source, licensed, raw, hashlib.sha256(data).hexdigest(), len(data)
    )


def media_entry(
    *,
    scan_id: str,
    frame_index: int,
    color_path: str | Path,
    source: str,
    source_root: str | Path,
    licensed: bool,
) -> MediaEntry:
    """`media_entry_from_bytes` of a colour file (relative paths are under `source_root`, and `raw` is
    the path relative to it); UndecodableImage when the file is missing or does not decode completely."""
    path = Path(color_path)
    if not path.is_absolute():
        path = Path(source_root) / path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UndecodableImage.at(
            path, "colour frame used by a question is missing", "re-export the scan"
        ) from None
    return media_entry_from_bytes(
        scan_id=scan_id,
        frame_index=frame_index,
        data=data,
        raw=raw_relpath(path, source_root),
        source=source,
        licensed=licensed,
        where=path,
    )


def video_media_entries(
    *,
    scan_id: str,
    frames: dict[str, tuple[int, int]],
    video_path: str | Path,
    source: str,
    source_root: str | Path,
    licensed: bool,
) -> dict[str, MediaEntry]:
    """Entries of frames decoded from a video: `frames` maps a published path to (frame index, position
    in the video). Decodes and encodes them here (in the worker) to record their hashes."""
    from ladderdata.video.reader import VideoError
    from ladderdata.video.stills import jpeg_frames

    path = Path(video_path)
    if not path.is_absolute():
        path = Path(source_root) / path
    try:
        data = jpeg_frames(path, [k for _i, k in frames.values()])
    except VideoError as err:
        raise SourceError(f"{err}; rewrite it with `ladderdata video`") from None
    raw = raw_relpath(path, source_root)
    out = {}
    for rel, (index, k) in frames.items():
        jpeg = data[k]
        sha = hashlib.sha256(jpeg).hexdigest()
        out[rel] = MediaEntry(scan_id, int(index), source, licensed, raw, sha, len(jpeg), video_frame=k)
    return out


def _decoded(entries: Mapping[str, MediaEntry], source_roots: Mapping[str, Path]) -> dict[str, bytes]:
    """JPEG bytes of the entries decoded from videos (one decode pass per video), checked by hash."""
    from ladderdata.video.reader import VideoError
    from ladderdata.video.stills import jpeg_frames

    by_video: dict[tuple[str, str], list[str]] = {}
    for rel, entry in entries.items():
        if entry.video_frame is not None:
            by_video.setdefault((entry.source, entry.raw), []).append(rel)
    out: dict[str, bytes] = {}
    for (source, raw), rels in sorted(by_video.items()):
        path = Path(source_roots[source]) / raw
        try:
            data = jpeg_frames(path, [entries[r].video_frame for r in rels])  # type: ignore[misc]
        except VideoError as err:
            raise SourceError(f"{err}; restore the video and resume") from None
        for rel in rels:
            jpeg = data[entries[rel].video_frame]  # type: ignore[index]
            if hashlib.sha256(jpeg).hexdigest() != entries[rel].sha256:
                raise OutputError.at(
                    path, "video decodes differently than during the build", "rebuild with --overwrite"
                )
            out[rel] = jpeg
    return out


def write_media(
    layout: BuildLayout,
    policy: MediaPolicy,
    entries: Mapping[str, MediaEntry],
    source_roots: Mapping[str, Path],
    *,
    on_copy: Any = None,
    read_unfiled: Callable[[MediaEntry], bytes] | None = None,
) -> dict[str, Any]:
    """Write `meta/media.json` and, for `copy`, the image files; returns a summary for the stats.

    `on_copy(n)` is called after each copied image (progress). In copy mode, files under `images/` that
    no row uses any more (from an earlier run of this build) are removed. An entry without a raw file
    (`raw` empty: its source keeps colour in a container) is read with `read_unfiled(entry)` (the
    adapter's `Source.color_jpeg`).
    """
    copied = reused = 0
    if policy == "copy":
        missing = {
            rel: e
            for rel, e in entries.items()
            if e.video_frame is not None
            and not (layout.image(rel).is_file() and sha256_file(layout.image(rel)) == e.sha256)
        }
        decoded = _decoded(missing, source_roots)

        def place(rel: str) -> bool:
            """Put one image in images/ (True: written, False: the file there already holds it)."""
            entry, dest = entries[rel], layout.image(rel)
            if rel in decoded:
                write_bytes_atomic(dest, decoded[rel])
                return True
            if dest.is_file() and sha256_file(dest) == entry.sha256:
                return False
            if entry.raw or read_unfiled is None:
                src: str | Path = Path(source_roots[entry.source]) / entry.raw
                try:
                    data = src.read_bytes()
                except FileNotFoundError:
                    raise SourceError.at(
                        src, "image vanished during the build", "restore it and resume"
                    ) from None
            else:
                src = f"{entry.source} scan {entry.scan_id} frame {entry.frame_index}"
                data = read_unfiled(entry)
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                raise OutputError.at(
                    src, "image changed during the build (sha256 differs)", "rebuild with --overwrite"
                )
            write_bytes_atomic(dest, data)
            return True

        # images are placed on threads, COPY_WINDOW ahead at most: reading, hashing and each file's
        # fsync wait release the GIL; every image is still its own atomic file, so an interrupted copy
        # keeps what it wrote
        placed = prefetched(place, sorted(entries), COPY_WINDOW, thread_count())
        with closing(placed):
            for _rel, written in placed:
                copied += written
                reused += not written
                if on_copy is not None:
                    on_copy(1)
        _prune(layout.media_root, {layout.image(rel) for rel in entries})
    write_json_atomic(
        layout.media_json,
        {"media_policy": policy, "images": {rel: entries[rel].to_dict() for rel in sorted(entries)}},
    )
    return {
        "policy": policy,
        "images": len(entries),
        "bytes": sum(e.bytes for e in entries.values()),
        "copied": copied,
        "reused": reused,
    }


def _prune(root: Path, keep: Iterable[Path]) -> None:
    keep = set(keep)
    if not root.is_dir():
        return
    for dirpath, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(dirpath) / name
            if path not in keep:
                path.unlink()
        if Path(dirpath) != root and not any(Path(dirpath).iterdir()):
            Path(dirpath).rmdir()
