"""The decode floor: read and decode exactly the raw data a build reads, and nothing else.

Per scan: the scene meta, the PLY mesh, the segments and aggregation JSON, every pose file at the
build's frame stride, the depth PNG of every kept frame (decoded), the colour JPEG header of every
selected frame (the adapter checks sizes from headers and never decodes colour), and the bytes of each
colour image the build hashes for its media entries (read, not decoded; `--media copy` copies exactly
those bytes). It uses the adapter's own readers (plyfile, json, OpenCV, Pillow), so the ratio build /
floor is the cost of everything the build adds on top of getting the data off the disk. A scan with a
`<scan>.sens` is read from it instead: its frame index, then the same frames (poses, JPEG headers, zlib
depth, colour bytes) by seeking.

`--verify-colour` also decodes every one of those colour images completely, with the build's own check
(`writers.media.check_decodes`, issue 13: a shipped JPEG must decode), the floor of a build that may
only ship images it has decoded; without it (the default, the figure `make bench` has always reported)
their bytes are only read.

`--preview PREVIEW.json` (with `--verify-colour`: the **output floor**) also makes the preview's
shrunk frames of the images the build's preview shard embeds (`writers.preview.shrink_frame`, the
build's own code): work whose bytes the published preview fixes, so no build with the same outputs
can skip it. The three floors bracket the build: what it reads, what it must decode, what it must
produce beyond the geometry.

`python -m bench.floor --root R --stride 10 --images IMAGES.json [--verify-colour] [--preview P.json]
scene9000_00 ...` prints one JSON line: seconds, scans, frames, bytes read, preview frames made.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from ladderdata.geometry.transforms import pose_problem
from ladderdata.sources import scannet_files as files
from ladderdata.sources.ply import read_mesh
from ladderdata.sources.sens import SensFile, build_index, read_color_bytes
from ladderdata.writers.media import MediaEntry, check_decodes

UNFILED = "#"
"""Prefix of an image the build read from inside a `.sens` (its media entry has no raw file): `#<index>`."""


def _colour(data: bytes, where: str | Path, verify: bool) -> int:
    if verify:
        check_decodes(data, where)
    return len(data)


def decode_sens(sens: Path, stride: int, unfiled: list[int], verify: bool = False) -> tuple[int, int]:
    """The frames of a `.sens` as the adapter reads them: the index, then per selected frame with an
    image its pose, its JPEG header (bytes read, not decoded) and, for a valid pose, its depth; last the
    colour bytes of the frames the build hashed (`unfiled`). Returns (frames, colour bytes read)."""
    import io

    from PIL import Image

    frames = 0
    with SensFile(sens, build_index(sens)) as f:
        for index in range(0, f.frames, stride):
            if not f.has_image(index) or pose_problem(f.pose(index)) is not None:
                continue
            with Image.open(io.BytesIO(f.color_bytes(index))) as img:
                img.size  # noqa: B018 - the header is what the adapter reads
            f.depth(index)
            frames += 1
        color_bytes = sum(_colour(f.color_bytes(index), sens, verify) for index in unfiled)
    return frames, color_bytes


def decode_scan(
    root: Path, scan_id: str, stride: int, images: list[str], verify: bool = False
) -> dict[str, int]:
    """Read one scan as the build does; returns counts (frames decoded, bytes of colour read).

    A scan with `scans/<scan>/<scan>.sens` is read from it (as the adapter's frames_from: auto does)."""
    scan_dir = root / "scans" / scan_id
    export = root / "export" / scan_id
    meta_path = scan_dir / f"{scan_id}.txt"
    meta = files.read_scene_meta(meta_path)
    mesh = read_mesh(scan_dir / f"{scan_id}_vh_clean_2.ply")
    files.read_aggregation(scan_dir / f"{scan_id}.aggregation.json")
    files.read_segs(scan_dir / f"{scan_id}_vh_clean_2.0.010000.segs.json", len(mesh.vertices))
    sens = scan_dir / f"{scan_id}.sens"
    if sens.is_file():
        unfiled = [int(rel[len(UNFILED) :]) for rel in images if rel.startswith(UNFILED)]
        frames, color_bytes = decode_sens(sens, stride, unfiled, verify)
        color_bytes += sum(
            _colour(read_color_bytes(root / rel), rel, verify)
            for rel in images
            if not rel.startswith(UNFILED)
        )
        return {"frames": frames, "color_bytes": color_bytes}
    depth_size = (
        files.meta_int(meta, "depthWidth", meta_path),
        files.meta_int(meta, "depthHeight", meta_path),
    )
    for kind in ("color", "depth"):
        files.read_matrix4(export / "intrinsic" / f"intrinsic_{kind}.txt", kind)
    indices = sorted(int(p.stem) for p in (export / "pose").glob("*.txt") if p.stem.isdigit())
    frames = 0
    for index in indices:
        if index % stride:
            continue
        pose = files.read_matrix4(export / "pose" / f"{index}.txt", "pose")
        if pose_problem(pose) is not None:
            continue
        files.image_size(export / "color" / f"{index}.jpg")
        files.read_depth(export / "depth" / f"{index}.png", depth_size)
        frames += 1
    color_bytes = 0
    for rel in images:
        color_bytes += _colour((root / rel).read_bytes(), root / rel, verify)
    return {"frames": frames, "color_bytes": color_bytes}


def images_by_scan(entries: Iterable[MediaEntry]) -> dict[str, list[str]]:
    """Raw colour paths (relative to the source root) per scan, from a build's per-scan media entries;
    `#<frame index>` for a frame without a raw file (read from the scan's `.sens`)."""
    out: dict[str, list[str]] = {}
    for entry in entries:
        out.setdefault(entry.scan_id, []).append(entry.raw or f"{UNFILED}{entry.frame_index}")
    return {k: sorted(set(v)) for k, v in out.items()}


def preview_sources(media: Mapping[str, MediaEntry], shown: Iterable[str]) -> list[str]:
    """Raw colour paths (relative to the source root) of the build images `shown` in the preview, from
    the build's media entries (image path -> entry); `#<frame index>@<scan>` for a frame inside a `.sens`."""
    raws = set()
    for rel in shown:
        entry = media[rel]
        raws.add(entry.raw or f"{UNFILED}{entry.frame_index}@{entry.scan_id}")
    return sorted(raws)


def shrink_previews(root: Path, raws: list[str]) -> int:
    """Make the preview frame of each raw colour image, as the build does (`shrink_frame`)."""
    import io

    from ladderdata.writers.preview import shrink_frame

    for raw in raws:
        if raw.startswith(UNFILED):
            index, scan_id = raw[len(UNFILED) :].split("@")
            with SensFile(root / "scans" / scan_id / f"{scan_id}.sens") as f:
                shrink_frame(io.BytesIO(f.color_bytes(int(index))))
        else:
            shrink_frame(root / raw)
    return len(raws)


def run_floor(
    root: Path,
    scan_ids: list[str],
    stride: int,
    images: dict[str, list[str]],
    verify: bool = False,
    preview: list[str] | None = None,
) -> dict[str, float]:
    """Decode every scan in turn (one process, like `--workers 1`), then make the `preview` frames
    (raw paths); returns timing and counts."""
    start = time.perf_counter()
    frames = color_bytes = 0
    for scan_id in scan_ids:
        got = decode_scan(root, scan_id, stride, images.get(scan_id, []), verify)
        frames += got["frames"]
        color_bytes += got["color_bytes"]
    previews = shrink_previews(root, preview or [])
    return {
        "seconds": time.perf_counter() - start,
        "scans": len(scan_ids),
        "frames": frames,
        "color_images": sum(len(images.get(s, [])) for s in scan_ids),
        "color_bytes": color_bytes,
        "preview_frames": previews,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="ScanNet-layout root (scans/, export/)")
    parser.add_argument("--stride", type=int, default=10)
    parser.add_argument("--images", type=Path, help="JSON {scan_id: [raw colour paths]} to read as bytes")
    parser.add_argument(
        "--verify-colour", action="store_true", help="decode every colour image read, as the build"
    )
    parser.add_argument(
        "--preview", type=Path, help="JSON [raw colour paths] whose preview frames to make, as the build"
    )
    parser.add_argument("scan_ids", nargs="+")
    args = parser.parse_args(argv)
    images = json.loads(args.images.read_text(encoding="utf-8")) if args.images else {}
    preview = json.loads(args.preview.read_text(encoding="utf-8")) if args.preview else None
    print(json.dumps(run_floor(args.root, args.scan_ids, args.stride, images, args.verify_colour, preview)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
