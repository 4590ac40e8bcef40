"""Fault injection into a copy of the small test sample (real ScanNet-layout files, edited on disk).

Every injector takes the copied sample root and the scan to damage, changes real files the way the
fault matrix describes (missing, truncated or wrong-format images, bad poses, a single-vertex object,
a corrupt mesh) and returns what it expects the build to lose: `Loss(unit, reason, n)`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SCAN = "scene9000_00"
"""The scan every injector damages (the other sample scan stays intact)."""


@dataclass(frozen=True)
class Loss:
    """What a fault should cost: `n` of `unit` (frames, objects, scans) dropped for `reason`."""

    unit: str
    reason: str
    n: int = 1


def copy_sample(sample_root: Path, dest: Path) -> Path:
    """A private copy of the shared sample (never edit the shared one); of truth/ only the marker
    that makes it a complete sample (the adapter never reads the rest)."""
    shutil.copytree(
        sample_root, dest, ignore=lambda folder, names: names if Path(folder).name == "truth" else []
    )
    shutil.copyfile(sample_root / "truth" / "sample.json", dest / "truth" / "sample.json")
    return dest


def export(root: Path) -> Path:
    return root / "export" / SCAN


def kept_frames(reference_build: Path) -> list[int]:
    """Frame indices the clean build kept for SCAN (from its scene record)."""
    record = json.loads((reference_build / "scenes" / f"{SCAN}.json").read_text())
    return [f["frame_index"] for f in record["frames"]]


def shipped_frame(reference_build: Path) -> int:
    """A frame of SCAN whose image the clean build ships (so a bad copy of it must be noticed)."""
    images = json.loads((reference_build / "meta" / "media.json").read_text())["images"]
    return min(int(rel.split("/")[1].split(".")[0]) for rel in images if rel.startswith(SCAN + "/"))


def missing_color(root: Path, frame: int) -> Loss:
    (export(root) / "color" / f"{frame}.jpg").unlink()
    return Loss("frames", "bad_color")


def truncated_color(root: Path, frame: int) -> Loss:
    """Cut the JPEG in half: the header (and so the size) still reads fine, the pixels do not."""
    path = export(root) / "color" / f"{frame}.jpg"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Loss("frames", "color_undecodable")


def missing_depth(root: Path, frame: int) -> Loss:
    (export(root) / "depth" / f"{frame}.png").unlink()
    return Loss("frames", "bad_depth")


def truncated_depth(root: Path, frame: int) -> Loss:
    path = export(root) / "depth" / f"{frame}.png"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return Loss("frames", "bad_depth")


def depth_8bit(root: Path, frame: int) -> Loss:
    path = export(root) / "depth" / f"{frame}.png"
    depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), (depth // 256).astype(np.uint8))
    return Loss("frames", "bad_depth")


def garbage_pose(root: Path, frame: int) -> Loss:
    (export(root) / "pose" / f"{frame}.txt").write_text("not a pose\n")
    return Loss("frames", "bad_pose_file")


def non_orthonormal_pose(root: Path, frame: int) -> Loss:
    path = export(root) / "pose" / f"{frame}.txt"
    pose = np.loadtxt(path)
    pose[:3, :3] *= 1.5  # a scaled rotation
    np.savetxt(path, pose, fmt="%.6f")
    return Loss("frames", "pose_not_orthonormal")


def missing_half_poses(root: Path, frame: int) -> Loss:
    """Delete every other valid pose file (from `frame` on); their colour frames stay."""
    poses = sorted(
        int(p.stem) for p in (export(root) / "pose").glob("*.txt") if np.all(np.isfinite(np.loadtxt(p)))
    )
    gone = [i for i in poses if i >= frame][::2]
    for i in gone:
        (export(root) / "pose" / f"{i}.txt").unlink()
    return Loss("frames", "missing_pose", len(gone))


def single_vertex_object(root: Path, frame: int) -> Loss:
    """Add a segGroup whose only segment holds one vertex (taken from the last segment)."""
    scan_dir = root / "scans" / SCAN
    segs_path = scan_dir / f"{SCAN}_vh_clean_2.0.010000.segs.json"
    segs = json.loads(segs_path.read_text())
    new_seg = max(segs["segIndices"]) + 1
    segs["segIndices"][-1] = new_seg
    segs_path.write_text(json.dumps(segs))
    agg_path = scan_dir / f"{SCAN}.aggregation.json"
    agg = json.loads(agg_path.read_text())
    new_id = max(g["objectId"] for g in agg["segGroups"]) + 1
    agg["segGroups"].append({"id": new_id, "objectId": new_id, "segments": [new_seg], "label": "cup"})
    agg_path.write_text(json.dumps(agg))
    return Loss("objects", "degenerate")


def all_poses_inf(root: Path, frame: int) -> Loss:
    for path in (export(root) / "pose").glob("*.txt"):
        path.write_text("\n".join(["-inf -inf -inf -inf"] * 4) + "\n")
    return Loss("scans", "no usable frames among 60 selected")


def corrupt_ply(root: Path, frame: int) -> Loss:
    path = root / "scans" / SCAN / f"{SCAN}_vh_clean_2.ply"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Loss("scans", "")
