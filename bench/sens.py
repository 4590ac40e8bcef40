"""`.sens` input rows of `make bench`: the same scans built from `<scan>.sens` and from their export.

- `sens_root`: a ScanNet-layout root holding the benchmark scans as downloaded: mesh, segments,
  aggregation, scene file and `<scan>.sens` (written once from the cached export with the sample's
  writer, ladderdata.sample.sens), no export; the mp4 is linked so both builds see the same inputs.
  `dense/<scan>.sens` holds the exported frames only (every frame with an image, like ScanNet's files)
  for the read rows.
- `read_throughput`: the `.sens` reader against a plain `read()` of the same files, in the same run,
  interleaved, best of `repeats`: index pass + every frame's JPEG and depth bytes (the reader's own cost
  over the disk), and the same with every depth inflated (what the adapter adds per kept frame).
  Ratio = raw read seconds / reader seconds (1.0 = disk speed).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from ladderdata.sample.sens import write_sens_from_export
from ladderdata.sources import scannet_files as files
from ladderdata.sources.sens import SensFile, build_index

SCAN_FILES = ("{s}.txt", "{s}_vh_clean_2.ply", "{s}_vh_clean_2.0.010000.segs.json", "{s}.aggregation.json")
CHUNK = 1 << 20


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def sens_root(root: Path, scan_ids: list[str], log=print) -> Path:
    """`<root>-sens/`: the scans with `.sens` instead of an export (made once, rewritten when stale)."""
    out = root.parent / f"{root.name}-sens"
    for scan_id in scan_ids:
        src, dst = root / "scans" / scan_id, out / "scans" / scan_id
        for pattern in SCAN_FILES:
            _link(src / pattern.format(s=scan_id), dst / pattern.format(s=scan_id))
        video = root / "videos" / f"{scan_id}.mp4"
        if video.is_file():
            _link(video, out / "videos" / video.name)
        sens = dst / f"{scan_id}.sens"
        export = root / "export" / scan_id
        newest = max(p.stat().st_mtime for p in (export / "pose").iterdir())
        tmp = sens.with_suffix(".sens.tmp")
        if not sens.is_file() or sens.stat().st_mtime < newest:
            meta = files.read_scene_meta(src / f"{scan_id}.txt")
            log(f"writing {sens}")
            write_sens_from_export(export, tmp, num_frames=int(meta["numColorFrames"]))
            os.replace(tmp, sens)
        dense = out / "dense" / f"{scan_id}.sens"
        if not dense.is_file() or dense.stat().st_mtime < newest:
            dense.parent.mkdir(parents=True, exist_ok=True)
            write_sens_from_export(export, tmp, compact=True)
            os.replace(tmp, dense)
    return out


def _raw_read(paths: list[Path]) -> int:
    n = 0
    for path in paths:
        with open(path, "rb", buffering=0) as fh:
            while chunk := fh.read(CHUNK):
                n += len(chunk)
    return n


def _sens_read(paths: list[Path], *, inflate: bool) -> int:
    n = 0
    for path in paths:
        with SensFile(path, build_index(path)) as f:  # the index pass is timed, never cached
            for i in range(f.frames):
                n += len(f.color_bytes(i))
                if inflate and f.has_image(i):
                    n += f.depth(i).nbytes
                else:
                    n += len(f.depth_bytes(i))
    return n


def read_throughput(paths: list[Path], repeats: int = 3) -> dict[str, Any]:
    """Best-of-`repeats` seconds and MB/s of a raw read, the reader, and the reader with depth inflated."""
    size = sum(p.stat().st_size for p in paths)
    _raw_read(paths)  # warm the page cache: every variant then reads the same cached pages
    best = {"raw": float("inf"), "sens": float("inf"), "sens_inflate": float("inf")}
    for _ in range(repeats):
        for key, fn in (
            ("raw", lambda: _raw_read(paths)),
            ("sens", lambda: _sens_read(paths, inflate=False)),
            ("sens_inflate", lambda: _sens_read(paths, inflate=True)),
        ):
            start = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - start)
    frames = sum(build_index(p).frames for p in paths)
    return {
        "files": len(paths),
        "bytes": size,
        "frames": frames,
        **{f"{k}_seconds": v for k, v in best.items()},
        **{f"{k}_mb_per_s": size / v / 1e6 for k, v in best.items()},
        "sens_over_raw": best["raw"] / best["sens"],
        "sens_inflate_over_raw": best["raw"] / best["sens_inflate"],
    }


def table(rows: dict[str, Any]) -> str:
    """Lines of the `.sens` rows for the printed summary."""
    r, b, d = rows["read"], rows["build"], rows["read_dense"]
    return "\n".join(
        [
            f".sens input, {rows['scans']} scans ({r['bytes'] / 1e6:.0f} MB, {r['frames']} frames):",
            f"  build from .sens {b['sens_seconds']:.1f} s vs from export {b['export_seconds']:.1f} s "
            f"(ratio {b['sens_seconds'] / b['export_seconds']:.2f}; CPU {b['sens_cpu_seconds']:.1f} s vs "
            f"{b['export_cpu_seconds']:.1f} s); floor .sens "
            f"{b['sens_floor_seconds']:.1f} s vs export {b['export_floor_seconds']:.1f} s; "
            f"rows identical: {b['rows_identical']}",
            f"  read: raw read() {r['raw_mb_per_s']:.0f} MB/s, .sens reader {r['sens_mb_per_s']:.0f} MB/s "
            f"(ratio {r['sens_over_raw']:.2f} of disk speed), with every depth inflated "
            f"{r['sens_inflate_mb_per_s']:.0f} MB/s (ratio {r['sens_inflate_over_raw']:.2f})",
            f"  read, every frame with an image ({d['bytes'] / 1e6:.0f} MB, {d['frames']} frames): raw "
            f"{d['raw_mb_per_s']:.0f} MB/s, .sens reader {d['sens_mb_per_s']:.0f} MB/s (ratio "
            f"{d['sens_over_raw']:.2f}), depth inflated {d['sens_inflate_mb_per_s']:.0f} MB/s (ratio "
            f"{d['sens_inflate_over_raw']:.2f})",
        ]
    )


def rows(
    work: Path,
    root: Path,
    scan_ids: list[str],
    export_manifest: Path,
    export_builds: list[dict[str, Any]],
    export_floors: list[dict[str, Any]],
    *,
    stride: int,
    repeats: int,
    build_fn,
    floor_fn,
    digest_fn,
    log=print,
) -> dict[str, Any]:
    """Build the scans from `.sens` (`repeats` times, fastest kept) beside their export builds; the
    decode floor of both; whether the rows match; the reader's throughput. `*_fn` are bench.run's."""
    import yaml

    sroot = sens_root(root, scan_ids, log=log)
    data = yaml.safe_load(export_manifest.read_text(encoding="utf-8"))
    data["sources"][0].update(root=str(sroot), options={"frames_from": "sens"})
    data["name"] = f"{data['name']}-sens"
    manifest = export_manifest.with_name(f"{export_manifest.stem}-sens.yaml")
    manifest.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    n = len(scan_ids)
    builds, floors = [], []
    for _ in range(repeats):
        b = build_fn(work, manifest, f"sens-w1-{n}", workers=1, executor="local")
        builds.append(b)
        floors.append(floor_fn(work, sroot, scan_ids, stride, Path(b["out"])))
    best = min(builds, key=lambda r: r["seconds"])
    export_best = min(export_builds, key=lambda r: r["seconds"])

    def rows_of(out: str) -> dict[str, str]:
        return {k: v for k, v in digest_fn(Path(out)).items() if k.startswith("data/")}

    log("reading the .sens files (reader vs raw read()) ...")
    sens_files = [sroot / "scans" / s / f"{s}.sens" for s in scan_ids]
    return {
        "scans": n,
        "root": str(sroot),
        "build": {
            "sens_seconds": best["seconds"],
            "export_seconds": export_best["seconds"],
            "sens_stages": best["stages"],
            "export_stages": export_best["stages"],
            "sens_cpu_seconds": best.get("cpu_seconds"),
            "export_cpu_seconds": export_best.get("cpu_seconds"),
            "sens_peak_rss_bytes": best["peak_rss_bytes"],
            "sens_floor_seconds": min(f["seconds"] for f in floors),
            "export_floor_seconds": min(f["seconds"] for f in export_floors),
            "sens_over_floor": best["seconds"] / min(f["seconds"] for f in floors),
            "rows_identical": rows_of(best["out"]) == rows_of(builds[-1]["out"])
            and rows_of(builds[-1]["out"]) == rows_of(export_builds[-1]["out"]),
            "all_sens_seconds": [b["seconds"] for b in builds],
        },
        "read": read_throughput(sens_files, repeats=max(9, repeats)),
        # every frame with an image, as in ScanNet's files (the sample's have 9 dropped frames in 10)
        "read_dense": read_throughput(
            [sroot / "dense" / f"{s}.sens" for s in scan_ids], repeats=max(9, repeats)
        ),
    }
