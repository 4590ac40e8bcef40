"""Benchmark scans: procedural rooms in ScanNet layout, generated once per scan and cached.

Scans come from the bundled-sample generator (`ladderdata.sample.generate.generate_scan`), so they
have the sample's realism: ~150 exported frames (1296x968 JPEG colour, 640x480 16-bit depth, poses)
per scan, dense meshes, a few lost-tracking poses. Scan `i` depends only on (i, frames, seed), so a
cache of 16 scans serves every size up to 16 and growing the sizes generates only the new scans.

Cache layout: `<work>/raw/f<frames>-s<seed>/` is a ScanNet-layout root (scans/, export/, videos/,
truth/) plus `.bench/<scan_id>.json`, written last for each scan (its generator fingerprint). A scan
made by other generator code is regenerated (set BENCH_KEEP_STALE=1 to reuse it anyway).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ladderdata.lifetime import tie_to_parent
from ladderdata.sample.generate import (
    DEFAULT_FRAMES,
    SampleSpec,
    generate_scan,
    generator_fingerprint,
    scan_id_for,
)

PARTS = ("scans", "export", "truth")
"""Per-scan folders of a generated root (the video is `videos/<scan>.mp4`)."""


def cache_root(work: Path, frames: int = DEFAULT_FRAMES, seed: int = 0) -> Path:
    """The ScanNet-layout root holding the cached scans of (frames, seed)."""
    return work / "raw" / f"f{frames}-s{seed}"


def _marker(root: Path, scan_id: str) -> Path:
    return root / ".bench" / f"{scan_id}.json"


def _is_fresh(root: Path, scan_id: str, fingerprint: str) -> bool:
    try:
        data = json.loads(_marker(root, scan_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return data.get("generator") == fingerprint or os.environ.get("BENCH_KEEP_STALE") == "1"


def _remove_scan(root: Path, scan_id: str) -> None:
    _marker(root, scan_id).unlink(missing_ok=True)
    for part in PARTS:
        shutil.rmtree(root / part / scan_id, ignore_errors=True)
    (root / "videos" / f"{scan_id}.mp4").unlink(missing_ok=True)


def _generate_one(root: str, index: int, frames: int, seed: int) -> tuple[str, float]:
    """Generate scan `index` into a private staging root, then move it into `root` (marker last)."""
    start = time.perf_counter()
    root_p = Path(root)
    spec = SampleSpec(scans=index + 1, frames=frames, seed=seed)
    scan_id = scan_id_for(index)
    staging = root_p / ".staging" / scan_id
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    generate_scan(staging, index, spec)
    _remove_scan(root_p, scan_id)
    for part in PARTS:
        (root_p / part).mkdir(parents=True, exist_ok=True)
        os.replace(staging / part / scan_id, root_p / part / scan_id)
    (root_p / "videos").mkdir(exist_ok=True)
    os.replace(staging / "videos" / f"{scan_id}.mp4", root_p / "videos" / f"{scan_id}.mp4")
    shutil.rmtree(staging, ignore_errors=True)
    marker = _marker(root_p, scan_id)
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(
        json.dumps(
            {"scan_id": scan_id, "frames": frames, "seed": seed, "generator": generator_fingerprint()}
        ),
        encoding="utf-8",
    )
    return scan_id, time.perf_counter() - start


def ensure_scans(
    work: Path, count: int, *, frames: int = DEFAULT_FRAMES, seed: int = 0, workers: int = 2, log=print
) -> tuple[Path, list[str]]:
    """Make sure scans 0..count-1 exist in the cache; returns (root, their scan ids)."""
    root = cache_root(work, frames, seed)
    root.mkdir(parents=True, exist_ok=True)
    fingerprint = generator_fingerprint()
    ids = [scan_id_for(i) for i in range(count)]
    missing = [i for i, sid in enumerate(ids) if not _is_fresh(root, sid, fingerprint)]
    if missing:
        log(f"generating {len(missing)} benchmark scans ({frames} frames each) into {root} (cached)")
        start = time.perf_counter()
        if workers <= 1 or len(missing) == 1:
            for i in missing:
                sid, secs = _generate_one(str(root), i, frames, seed)
                log(f"  {sid} {secs:.0f}s")
        else:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=ctx, initializer=tie_to_parent, initargs=(os.getpid(),)
            ) as pool:
                futures = [pool.submit(_generate_one, str(root), i, frames, seed) for i in missing]
                for fut in futures:
                    sid, secs = fut.result()
                    log(f"  {sid} {secs:.0f}s")
        log(f"generated in {time.perf_counter() - start:.0f}s")
    shutil.rmtree(root / ".staging", ignore_errors=True)
    return root, ids
