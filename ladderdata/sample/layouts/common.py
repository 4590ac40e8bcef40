"""What every sample layout shares: replaying a ScanNet-sample room, and writing a layout atomically."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ladderdata.errors import ConfigError
from ladderdata.io import replace_folder
from ladderdata.sample.generate import (
    FRAME_STEP,
    LICENSE_TEXT,
    Progress,
    SampleSpec,
    _alignment,
    _check_replaceable,
    _truth_objects,
    default_sample_root,
    generator_fingerprint,
    scan_id_for,
)
from ladderdata.sample.mesh import SceneMesh, build_mesh
from ladderdata.sample.room import Room, build_room
from ladderdata.sample.trajectory import camera_trajectory, invalid_pose_frames


@dataclass
class ReplayedScan:
    """One sample room exactly as `sample.generate.generate_scan` draws it (same seed, same order)."""

    index: int
    scannet_scan_id: str
    room: Room
    mesh: SceneMesh
    align: np.ndarray
    """mesh frame -> aligned frame (the ScanNet twin's axisAlignment)."""
    verts_mesh: np.ndarray
    frame_indices: np.ndarray
    """Sensor frame numbers of the exported frames (30 fps clock)."""
    poses_aligned: np.ndarray
    invalid: set[int]
    """Positions among the exported frames whose tracking is lost."""
    renderer: object

    @property
    def to_mesh(self) -> np.ndarray:
        """aligned frame -> mesh frame."""
        return np.linalg.inv(self.align)

    def truth_objects(self) -> list[dict]:
        """The ScanNet sample's truth objects (aligned frame) of this room."""
        return _truth_objects(self.room, self.mesh)


def replay_scan(index: int, spec: SampleSpec) -> ReplayedScan:
    """Draw room, mesh, mesh frame, camera walk, lost-tracking burst and renderer of scan `index`."""
    from ladderdata.sample.render import Renderer, vertex_lighting

    rng = random.Random(f"ladderdata-sample/{spec.seed}/{index}")
    room = build_room(index, rng)
    mesh = build_mesh(room, np.random.default_rng(rng.getrandbits(64)))
    align = _alignment(room, rng)
    to_mesh = np.linalg.inv(align)
    verts_mesh = (mesh.vertices @ to_mesh[:3, :3].T + to_mesh[:3, 3]).astype(np.float32)
    frame_indices = np.arange(spec.frames) * FRAME_STEP
    poses_aligned = camera_trajectory(room.camera_loop, frame_indices, rng)
    invalid = set(invalid_pose_frames(spec.frames, rng))
    lit = vertex_lighting(mesh.colours, mesh.vertices, mesh.normals, room.light())
    renderer = Renderer(verts_mesh, mesh.faces, lit, mesh.face_instance, noise_seed=rng.getrandbits(32))
    return ReplayedScan(
        index,
        scan_id_for(index),
        room,
        mesh,
        align,
        verts_mesh,
        frame_indices,
        poses_aligned,
        invalid,
        renderer,
    )


ScanWriter = Callable[[Path, int, SampleSpec, "Progress | None"], str]


def _writers() -> dict[str, ScanWriter]:
    from ladderdata.sample.layouts import arkitscenes, scannetpp

    return {"arkitscenes": arkitscenes.write_scan, "scannetpp": scannetpp.write_scan}


LAYOUTS: tuple[str, ...] = ("scannet", "scannetpp", "arkitscenes")
"""`ladderdata sample --layout` values; `scannet` is `sample.generate` itself."""


def layout_fingerprint() -> str:
    """sha256 of the ScanNet generator and of these layout modules."""
    h = hashlib.sha256(generator_fingerprint().encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def default_layout_root(layout: str) -> Path:
    """`raw_sources/sample-<layout>` beside the default sample root."""
    root = default_sample_root()
    return root.parent / f"{root.name}-{layout}"


def marker(layout: str, spec: SampleSpec, scan_ids: list[str]) -> dict:
    """Content of `truth/sample.json` of a layout sample."""
    return {
        "layout": layout,
        "scans": spec.scans,
        "frames": spec.frames,
        "seed": spec.seed,
        "frame_step": FRAME_STEP,
        "generator": layout_fingerprint(),
        "scan_ids": scan_ids,
        "scannet_scan_ids": [scan_id_for(i) for i in range(spec.scans)],
    }


def layout_matches(root: Path, layout: str, spec: SampleSpec) -> bool:
    """True when `root` is a complete `layout` sample of exactly `spec` made by this code."""
    path = Path(root) / "truth" / "sample.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = {"layout": layout, "scans": spec.scans, "frames": spec.frames, "seed": spec.seed}
    return all(doc.get(k) == v for k, v in want.items()) and doc.get("generator") == layout_fingerprint()


def generate_layout(
    out: Path,
    layout: str,
    *,
    scans: int,
    frames: int,
    seed: int = 0,
    progress: Progress | None = None,
) -> Path:
    """Write the sample in `layout` into `out` atomically (staging folder, then rename); returns `out`."""
    writers = _writers()
    if layout not in writers:
        raise ConfigError(
            f"--layout {layout!r} is not a non-ScanNet layout; choose one of {', '.join(writers)}"
        )
    spec = SampleSpec(scans, frames, seed)
    spec.validate()
    out = Path(out).absolute()
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        ids = [writers[layout](staging, i, spec, progress) for i in range(scans)]
        (staging / "LICENSE.txt").write_text(LICENSE_TEXT, encoding="utf-8")
        (staging / "truth" / "sample.json").write_text(
            json.dumps(marker(layout, spec, ids), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        _check_replaceable(out)
        replace_folder(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out


def ensure_layout(root: Path, layout: str, *, scans: int, frames: int, seed: int = 0) -> Path:
    """`root`, generating the `layout` sample there first unless an identical one exists (file-locked)."""
    from filelock import FileLock

    root = Path(root).absolute()
    spec = SampleSpec(scans, frames, seed)
    if layout_matches(root, layout, spec):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root.parent / f".{root.name}.lock")):
        if not layout_matches(root, layout, spec):
            generate_layout(root, layout, scans=scans, frames=frames, seed=seed)
    return root
