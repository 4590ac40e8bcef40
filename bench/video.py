"""Video decoding row of `make bench`: decode-at-times throughput of `ladderdata.video` and its floor.

For each benchmark scan a clip is written once (cached) as `ladderdata video` writes it: every colour
frame at 24 fps, h264/yuv420p, crf 18. Then, in one process (like `--workers 1`):

- sparse: the video family's pick, `video_num_frames` (16) frames spread over each clip;
- dense: every frame of each clip (times j / 24), the `media.video_clips` re-encode's read;
- floors of the same frames: a raw `read()` of every clip file (what the disk costs), and the decode
  of the very colour JPEGs the clip was made from (Pillow, full size: what reading frames costs
  without a video).

`python -m bench.video --root R --work W scene9000_00 ...` prints one JSON line: frames, seconds and
CPU seconds of each, frames/s, and the ratios to the floors.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

SPARSE_FRAMES = 16
FPS = 24.0


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def ensure_clips(root: Path, work: Path, scan_ids: list[str]) -> list[Path]:
    """`<work>/videos/<scan>.mp4` for every scan (written once from the colour frames)."""
    from ladderdata.sources.scannet import ScanNetSource
    from ladderdata.video.writer import write_clip

    source = ScanNetSource(root, scan_ids=scan_ids)
    out = []
    for scan_id in scan_ids:
        path = work / "videos" / f"{scan_id}.mp4"
        if not path.is_file():
            write_clip(path, (jpeg for _i, jpeg in source.color_frames(scan_id)), FPS)
        out.append(path)
    return out


def measure(clips: list[Path], pick: str) -> dict[str, float]:
    """Decode `pick` ('sparse' or 'dense') frames of every clip; frames, wall and CPU seconds."""
    from ladderdata.video import open_video

    start, cpu, frames = time.perf_counter(), _cpu(), 0
    for clip in clips:
        with open_video(clip) as reader:
            ts = reader.timestamps()
            times = (
                ts
                if pick == "dense"
                else ts[np.unique(np.linspace(0, len(ts) - 1, SPARSE_FRAMES).round().astype(int))]
            )
            for _t, rgb in reader.frames_at([float(t) for t in times]):
                frames += 1 if rgb.size else 0
    return {"frames": frames, "seconds": time.perf_counter() - start, "cpu_seconds": _cpu() - cpu}


def read_floor(clips: list[Path]) -> dict[str, float]:
    """A raw read() of every clip file."""
    start, size = time.perf_counter(), 0
    for clip in clips:
        with open(clip, "rb") as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
    return {"bytes": size, "seconds": time.perf_counter() - start}


def jpeg_floor(root: Path, scan_ids: list[str]) -> dict[str, float]:
    """Decode every colour JPEG the clips were made from (full size, RGB)."""
    from PIL import Image

    start, cpu, frames = time.perf_counter(), _cpu(), 0
    for scan_id in scan_ids:
        for path in sorted((root / "export" / scan_id / "color").glob("*.jpg")):
            with Image.open(path) as img:
                img.convert("RGB").load()
            frames += 1
    return {"frames": frames, "seconds": time.perf_counter() - start, "cpu_seconds": _cpu() - cpu}


def run(root: Path, work: Path, scan_ids: list[str]) -> dict[str, object]:
    """The whole row (see module docstring)."""
    clips = ensure_clips(root, work, scan_ids)
    read = read_floor(clips)  # after writing: the page cache holds the files, as it does a build's
    jpeg = jpeg_floor(root, scan_ids)
    sparse = measure(clips, "sparse")
    dense = measure(clips, "dense")
    for row in (sparse, dense, jpeg):
        row["frames_per_s"] = row["frames"] / row["seconds"] if row["seconds"] > 0 else None
    return {
        "scans": len(scan_ids),
        "sparse": sparse,
        "dense": dense,
        "read_floor": read,
        "jpeg_floor": jpeg,
        "dense_over_jpeg": dense["seconds"] / jpeg["seconds"] * jpeg["frames"] / max(dense["frames"], 1),
        "dense_over_read": dense["seconds"] / read["seconds"] if read["seconds"] > 0 else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="ScanNet-layout root (scans/, export/)")
    parser.add_argument("--work", type=Path, required=True, help="cache folder (clips under videos/)")
    parser.add_argument("scan_ids", nargs="+")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.root, args.work, args.scan_ids)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
