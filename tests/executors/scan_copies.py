"""Copy a ScanNet-layout scan under a new scan id (every file name and folder renamed; contents kept,
except the scan id inside the annotation JSON, e.g. the aggregation's `segmentsFile`, which the adapter
checks against the mesh it reads).

Used to grow the small test sample into a bigger one without rendering new scans: a copied scan is a
different scan to the build (its own id, spool, marker, images), with the same geometry.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_scan(src_root: Path, scan_id: str, dst_root: Path, new_id: str) -> None:
    """Copy `scans/<scan_id>/`, `export/<scan_id>/` and `videos/<scan_id>.mp4` to `new_id` under dst_root."""
    for part in ("scans", "export"):
        src = src_root / part / scan_id
        if not src.is_dir():
            continue
        dst = dst_root / part / new_id
        shutil.copytree(src, dst)
        for path in sorted(dst.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.suffix == ".json" and path.is_file():
                text = path.read_text()
                if scan_id in text:
                    path.write_text(text.replace(scan_id, new_id))
            if scan_id in path.name:
                path.rename(path.with_name(path.name.replace(scan_id, new_id)))
    video = src_root / "videos" / f"{scan_id}.mp4"
    if video.is_file():
        (dst_root / "videos").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(video, dst_root / "videos" / f"{new_id}.mp4")


def multiply_sample(src_root: Path, scan_ids: list[str], dst_root: Path, copies: int) -> list[str]:
    """A root holding `copies` copies of every scan (the originals' ids first); returns the new ids."""
    ids = []
    for k in range(copies):
        for scan_id in scan_ids:
            new_id = scan_id if k == 0 else f"{scan_id[:-2]}{k:02d}"  # scene9000_00 -> scene9000_01
            copy_scan(src_root, scan_id, dst_root, new_id)
            ids.append(new_id)
    return sorted(ids)
