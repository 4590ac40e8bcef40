"""The truth of the procedural sample written in ScanNet++'s and ARKitScenes' layouts, for the checker.

`ladderdata sample --layout scannetpp|arkitscenes` writes the rooms of the ScanNet-layout sample with the
same (scans, frames, seed) in each dataset's layout, with a `truth/<scan>/` folder naming the ScanNet
twin (`scannet_scan_id`). The truth objects and floor are the twin's (aligned frame); everything about
the scan's own frames is read from the layout's raw files by each dataset's documented conventions
(shared/reference/scannetpp-format.md, arkitscenes-format.md), written again here from the text:
nothing is imported from ladderdata.

ScanNet++ (`data/<scene>/`): the mesh `scans/mesh_aligned_0.05.ply` is already in the aligned frame and
`segments.json` + `segments_anno.json` are ScanNet's schema, so instance vertices come from the scene's
own files. A row's frame id k is video frame k of `iphone/rgb.mkv` (= key `frame_%06d` of
`pose_intrinsic_imu.json`, whose `aligned_pose` is camera-to-world in the aligned frame, and
`iphone/rgb/frame_%06d.jpg`); the video plays at truth `video_fps`, so frame k is at k / fps s. The
layout's truth has no instance masks: frame k is rendered from the twin's exported frame
`scannet_frame_indices[k]` pose with the same field of view (4:3 both), so the twin's mask of that frame
gives the pixel shares (`check_layout_poses` asserts the poses are the twin's).

ARKitScenes (`3dod/Training/<video>/`): the mesh `<video>_3dod_mesh.ply` is in the ARKit world (the
twin's mesh frame); truth `axis_alignment` maps it to the aligned frame. ARKitScenes has no per-vertex
segmentation, so an instance's true vertices are the twin's segGroup vertices (same mesh, same vertex
order: `check_layout_poses` asserts it) placed with this layout's own mesh. A row's frame id p is the
position of the colour frame among `lowres_wide/<video>_<ts>.png` in time order; its time is
ts(p) - ts(0); its pose is the `lowres_wide.traj` line at its 3-decimal timestamp (else within 5 ms),
a world-to-camera transform that is inverted, then turned upright by the video's `sky_direction`
(metadata.csv: the rotation cv2 applies to the stored image, Left = 90 degrees clockwise), then mapped
to the aligned frame; masks `truth/<video>/instance/<p>.png` are upright. Only the annotation's objects
exist for this layout (ARKitScenes annotates no walls or floor).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tests.truth.checker import ScanTruth, TruthScan, read_label_map, read_ply_vertices, scannet_groups

POSE_TOLERANCE_S = 0.005
"""ARKitScenes: a frame without a pose at its 3-decimal timestamp takes the nearest one this close
(arkitscenes-format.md §3, the official TenFpsDataLoader)."""
BOX_MARGIN_M = 0.01
"""The ARKitScenes adapter's documented `box_margin`: an object's points are the mesh vertices inside its
annotated box grown by 1 cm on every side (README, ScanNet++ and ARKitScenes sources)."""
FLOOR_ALPHA = 5.0
"""Alpha (1/m) of the room rule's floor alpha shape (question-rules.md, room size: disc radius 0.2 m)."""
SKY_ROTATE = {
    "Up": None,
    "Left": cv2.ROTATE_90_CLOCKWISE,
    "Right": cv2.ROTATE_90_COUNTERCLOCKWISE,
    "Down": cv2.ROTATE_180,
}
"""The cv2 rotation that makes a stored ARKitScenes frame upright, by `sky_direction` (format note §5)."""


def upright_maps(sky: str, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(A, R) of turning a stored width x height frame upright by its sky direction: A (3x3) maps a
    stored pixel (u, v, 1) to its upright pixel and R (3x3) stored camera coordinates to upright ones.

    Found by rotating an image of pixel numbers with the very cv2 call the format note names, so the
    maps follow from the documented image operation rather than from a hand-written formula."""
    numbers = np.arange(width * height, dtype=np.int32).reshape(height, width)
    code = SKY_ROTATE[sky]
    turned = numbers if code is None else cv2.rotate(numbers, code)

    def moved(u: int, v: int) -> np.ndarray:
        y, x = np.argwhere(turned == v * width + u)[0]
        return np.array([x, y], dtype=np.float64)

    origin = moved(0, 0)
    linear = np.column_stack([moved(1, 0) - origin, moved(0, 1) - origin])
    a = np.eye(3)
    a[:2, :2], a[:2, 2] = linear, origin
    # camera x and y run along the pixel axes (square pixels: fx = fy): they turn with the pixels
    r = np.eye(3)
    r[:2, :2] = linear
    return a, r


class ScanNetPPTruth(ScanTruth):
    """A scene of the ScanNet++-layout sample (see the module docstring)."""

    layout = "scannetpp"

    def __init__(
        self,
        root: Path,
        scene_id: str,
        *,
        twin_root: Path,
        frame_stride: int = 1,
        label_map: dict[str, str] | None = None,
    ) -> None:
        super().__init__(root, scene_id, label_map)
        self.scene_dir = self.root / "data" / scene_id
        self.frame_stride = int(frame_stride)
        self.twin = TruthScan(Path(twin_root), self.doc["scannet_scan_id"], label_map)

    @cached_property
    def frames(self) -> dict[str, Any]:
        return json.loads((self.truth_dir / "frames.json").read_text(encoding="utf-8"))

    @cached_property
    def aligned_mesh(self) -> np.ndarray:
        return read_ply_vertices(self.scene_dir / "scans" / "mesh_aligned_0.05.ply")

    @cached_property
    def groups(self) -> dict[int, np.ndarray]:
        scans = self.scene_dir / "scans"
        seg = np.asarray(json.loads((scans / "segments.json").read_text(encoding="utf-8"))["segIndices"])
        anno = json.loads((scans / "segments_anno.json").read_text(encoding="utf-8"))
        return {
            g.get("objectId", g.get("id")): np.flatnonzero(np.isin(seg, g["segments"]))
            for g in anno["segGroups"]
            if g["label"].strip().lower() != "remove"
        }

    @cached_property
    def vertices(self) -> dict[int, np.ndarray]:
        return {i: self.aligned_mesh[idx] for i, idx in self.groups.items()}

    @cached_property
    def poses(self) -> dict[int, np.ndarray]:
        """Video frame k -> `aligned_pose` of key `frame_%06d` (frames without a key are absent)."""
        doc = json.loads((self.scene_dir / "iphone" / "pose_intrinsic_imu.json").read_text(encoding="utf-8"))
        return {int(k.removeprefix("frame_")): np.asarray(v["aligned_pose"], float) for k, v in doc.items()}

    @cached_property
    def clip(self) -> list[int]:
        # the video holds one frame per exported twin frame; the build keeps every frame_stride-th
        n = len(self.frames["scannet_frame_indices"])
        return [k for k in range(n) if k % self.frame_stride == 0]

    def time(self, frame: int) -> float:
        return frame / float(self.frames["video_fps"])

    def _mask_path(self, frame: int) -> Path:
        return self.twin._mask_path(self.frames["scannet_frame_indices"][frame])

    def pose(self, frame: int) -> np.ndarray:
        return self.poses[frame]


@dataclass(frozen=True)
class Box:
    """One ARKitScenes annotation box (`segments.obbAligned`), in the ARKit world."""

    object_id: int
    label: str
    centroid: np.ndarray
    lengths: np.ndarray
    axes: np.ndarray
    """Row i: the box's i-th axis in world coordinates (the official corners are axes.T @ local)."""

    def inside(self, points: np.ndarray, margin: float) -> np.ndarray:
        local = (points - self.centroid) @ self.axes.T
        return np.all(np.abs(local) <= self.lengths / 2 + margin, axis=1)


class ARKitScenesTruth(ScanTruth):
    """A video of the ARKitScenes-layout sample (see the module docstring)."""

    layout = "arkitscenes"

    def __init__(
        self,
        root: Path,
        video_id: str,
        *,
        twin_root: Path,
        frame_stride: int = 1,
        label_map: dict[str, str] | None = None,
    ) -> None:
        super().__init__(root, video_id, label_map)
        dataset = self.root / "3dod" if (self.root / "3dod").is_dir() else self.root
        self.dataset = dataset
        (self.scan_dir,) = [
            dataset / fold / video_id
            for fold in ("Training", "Validation")
            if (dataset / fold / video_id).is_dir()
        ]
        self.frames_dir = self.scan_dir / f"{video_id}_frames"
        self.frame_stride = int(frame_stride)
        self.twin = TruthScan(Path(twin_root), self.doc["scannet_scan_id"], label_map)

    @cached_property
    def boxes(self) -> dict[int, Box]:
        doc = json.loads((self.scan_dir / f"{self.scan_id}_3dod_annotation.json").read_text(encoding="utf-8"))
        out = {}
        for entry in doc["data"]:
            obb = entry["segments"]["obbAligned"]
            out[entry["objectId"]] = Box(
                entry["objectId"],
                entry["label"],
                np.asarray(obb["centroid"], float),
                np.asarray(obb["axesLengths"], float),
                np.asarray(obb["normalizedAxes"], float).reshape(3, 3),
            )
        return out

    @cached_property
    def objects(self) -> dict[int, dict[str, Any]]:
        # ARKitScenes' objects are its annotation's boxes: walls and floor exist only in the truth
        return {i: o for i, o in super().objects.items() if i in self.boxes}

    @cached_property
    def alignment(self) -> np.ndarray:
        """ARKit world (mesh frame) -> aligned frame."""
        return np.asarray(self.doc["axis_alignment"], dtype=np.float64)

    @cached_property
    def mesh(self) -> np.ndarray:
        """The layout's mesh, ARKit world."""
        return read_ply_vertices(self.scan_dir / f"{self.scan_id}_3dod_mesh.ply")

    @cached_property
    def aligned_mesh(self) -> np.ndarray:
        return self.mesh @ self.alignment[:3, :3].T + self.alignment[:3, 3]

    @cached_property
    def vertices(self) -> dict[int, np.ndarray]:
        groups = scannet_groups(self.twin.root / "scans" / self.twin.scan_id, self.twin.scan_id)
        return {i: self.aligned_mesh[groups[i]] for i in self.objects}

    @cached_property
    def stems(self) -> list[str]:
        """Timestamp texts of the colour frames in time order (position = a row's frame id)."""
        prefix = f"{self.scan_id}_"
        names = [
            p.stem.removeprefix(prefix) for p in (self.frames_dir / "lowres_wide").glob(f"{prefix}*.png")
        ]
        return sorted(names, key=float)

    @cached_property
    def trajectory(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, camera-to-world poses) of `lowres_wide.traj` (each line world-to-camera, inverted)."""
        times, poses = [], []
        for line in (self.frames_dir / "lowres_wide.traj").read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            ts, rx, ry, rz, tx, ty, tz = (float(v) for v in line.split())
            rot, _ = cv2.Rodrigues(np.array([rx, ry, rz]))
            world_to_camera = np.eye(4)
            world_to_camera[:3, :3], world_to_camera[:3, 3] = rot, (tx, ty, tz)
            times.append(ts)
            poses.append(np.linalg.inv(world_to_camera))
        return np.asarray(times), np.asarray(poses)

    @cached_property
    def sky(self) -> str:
        text = (self.dataset / "metadata.csv").read_text(encoding="utf-8")
        (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["video_id"] == self.scan_id]
        return row["sky_direction"]

    @cached_property
    def stored_size(self) -> tuple[int, int]:
        w, h = (
            (self.frames_dir / "lowres_wide_intrinsics" / f"{self.scan_id}_{self.stems[0]}.pincam")
            .read_text(encoding="utf-8")
            .split()[:2]
        )
        return int(w), int(h)

    @cached_property
    def upright(self) -> tuple[np.ndarray, np.ndarray]:
        return upright_maps(self.sky, *self.stored_size)

    def sensor_pose(self, frame: int) -> np.ndarray | None:
        """Camera-to-world (ARKit world, stored orientation) of frame position `frame`; None: no pose."""
        times, poses = self.trajectory
        ts = float(self.stems[frame])
        exact = np.flatnonzero(np.round(times, 3) == round(ts, 3))
        if len(exact):
            return poses[exact[0]]
        nearest = int(np.argmin(np.abs(times - ts)))
        return poses[nearest] if abs(times[nearest] - ts) <= POSE_TOLERANCE_S else None

    def pose(self, frame: int) -> np.ndarray:
        sensor = self.sensor_pose(frame)
        assert sensor is not None, f"{self.scan_id}: no pose for frame {frame}"
        _, turn = self.upright
        upright = sensor.copy()
        upright[:3, :3] = sensor[:3, :3] @ turn.T  # upright camera coords -> stored -> world
        return self.alignment @ upright

    def intrinsics(self, frame: int) -> np.ndarray:
        """Upright K of frame position `frame` (its `.pincam`, turned with the image)."""
        path = self.frames_dir / "lowres_wide_intrinsics" / f"{self.scan_id}_{self.stems[frame]}.pincam"
        _, _, fx, fy, cx, cy = (float(v) for v in path.read_text(encoding="utf-8").split())
        a, turn = self.upright
        return a @ np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]]) @ turn.T

    @cached_property
    def clip(self) -> list[int]:
        return [p for p in range(len(self.stems)) if p % self.frame_stride == 0]

    def time(self, frame: int) -> float:
        return float(self.stems[frame]) - float(self.stems[0])

    def _mask_path(self, frame: int) -> Path:
        return self.truth_dir / "instance" / f"{frame}.png"

    def dataset_view(self) -> ScanTruth:
        return ARKitScenesBoxes(
            self.root,
            self.scan_id,
            twin_root=self.twin.root,
            frame_stride=self.frame_stride,
            label_map=self.label_map,
        )


def reflex_corners(polygon: np.ndarray) -> int:
    """Number of reflex (inner, > 180 degree) corners of a simple polygon."""
    p = np.asarray(polygon, dtype=np.float64)
    signed = 0.5 * np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])
    a, b = p - np.roll(p, 1, axis=0), np.roll(p, -1, axis=0) - p
    turn = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return int(np.sum(turn * np.sign(signed) < -1e-12))


class ARKitScenesBoxes(ARKitScenesTruth):
    """An ARKitScenes video as the dataset defines its objects: oriented boxes, nothing finer.

    ARKitScenes annotates boxes, not vertices, so an object's points can only be the mesh vertices
    inside its box (grown by the adapter's BOX_MARGIN_M), re-derived here from the annotation file.
    Where a box holds another surface those points differ from the object's own mesh:
    - the support under the object lies in the box's bottom margin (the floor under a table, the desk
      top under a monitor's whole footprint, not only under its foot), so distances to such an object
      can be shorter than the truth: by up to the support's reach inside the footprint (9.8 cm on the
      test sample, the desk under a monitor), never longer (the truth box holds the object's mesh);
    - a neighbour's part inside the box (a chair tucked under a table) likewise;
    - a sliver of support within the margin around the footprint can widen the box of the points by up
      to the margin on each side, so a size can exceed the truth by up to 2 x BOX_MARGIN_M.
    And ARKitScenes has no floor or wall annotation: the room is the rule's alpha shape of the mesh's
    lowest band, which, without wall bases to stop it, bridges each reflex corner of the floor with a
    chord shorter than 2 / alpha, adding up to (1 / alpha)^2 m^2 per reflex corner.
    `tests/truth/test_truth_layouts.py` asserts these bounds on the sample."""

    definition = "ARKitScenes box definition"

    @cached_property
    def box_points(self) -> dict[int, np.ndarray]:
        """Instance id -> aligned mesh vertices inside its annotated box grown by BOX_MARGIN_M."""
        out = {}
        for i in self.objects:
            inside = self.boxes[i].inside(self.mesh, BOX_MARGIN_M)
            out[i] = self.aligned_mesh[inside]
        return out

    @property
    def vertices(self) -> dict[int, np.ndarray]:
        return self.box_points

    def longest_side(self, iid: int) -> float:
        """Longest extent of the box's points along the annotated box's own axes."""
        box = self.boxes[iid]
        inside = self.mesh[box.inside(self.mesh, BOX_MARGIN_M)]
        local = (inside - box.centroid) @ box.axes.T
        return float((local.max(axis=0) - local.min(axis=0)).max())

    def area_bounds(self) -> tuple[float, float]:
        lo, hi = super().area_bounds()
        return lo, hi + reflex_corners(self.doc["floor_polygon"]) / FLOOR_ALPHA**2

    def dataset_view(self) -> None:
        return None


@dataclass
class Layout:
    """Where the rows of one build source find their truth: the sample root in `kind`'s layout, the
    ScanNet-layout twin (same scans, frames and seed), and the source's frame_stride and label map."""

    kind: str
    root: Path
    twin_root: Path | None = None
    frame_stride: int = 1
    label_map: Path | None = None

    @cached_property
    def labels(self) -> dict[str, str]:
        return read_label_map(self.label_map)

    def scan(self, scan_id: str) -> ScanTruth:
        if self.kind == "scannet":
            return TruthScan(self.root, scan_id, self.labels)
        cls = {"scannetpp": ScanNetPPTruth, "arkitscenes": ARKitScenesTruth}[self.kind]
        assert self.twin_root is not None, f"{self.kind}: the ScanNet-layout twin root is needed"
        return cls(
            self.root,
            scan_id,
            twin_root=self.twin_root,
            frame_stride=self.frame_stride,
            label_map=self.labels,
        )
