"""ARKitScenes adapter (3DOD layout): one video's annotation, mesh and low-resolution frames -> SceneRecord.

Reads the layout of reference/arkitscenes-format.md (`download_data.py 3dod`):

```
<root>/metadata.csv                                   video_id, visit_id, fold, sky_direction, ...
<root>/{Training,Validation}/<video_id>/<video_id>_3dod_annotation.json
                                       <video_id>_3dod_mesh.ply
                                       <video_id>_frames/lowres_wide.traj
                                       <video_id>_frames/lowres_wide/<video_id>_<ts>.png        RGB 256x192
                                       <video_id>_frames/lowres_depth/<video_id>_<ts>.png       uint16 mm
                                       <video_id>_frames/lowres_wide_intrinsics/<video_id>_<ts>.pincam
```

`root` is the `3dod` folder (or the download folder holding it). Objects are the annotation's oriented
boxes (`segments.obbAligned`); an object's points are the mesh vertices inside its box (grown by
`box_margin`), from which its boxes, point-set distances and visibility come exactly as for ScanNet
(shared code of `ScanNetSource`). The world is ARKit's gravity-aligned frame (z up, metres); it is not
turned to the room's walls, so `axis_alignment` is the identity and sizes use the yaw-oriented box.
The room floor is the lowest band of the mesh plus the footprints of standing objects (ARKitScenes
annotates no walls or floor).

Frames are stored in the sensor's landscape orientation; each is turned upright by the video's
`sky_direction` (metadata.csv, or the `sky_direction` option): FrameRecord width, height, intrinsics,
pose and 2D boxes are those of the upright image, and `color_image()` returns the upright pixels (the raw
file is not rotated: `FrameRecord.color_path` names it, `upright_rotation_cw` says how it turns).
Poses: `lowres_wide.traj` holds world-to-camera transforms; they are inverted to camera-to-world. A frame
is matched to the pose at its 3-decimal timestamp, else the nearest within 5 ms; frames without one are
counted (`frames_skipped_missing_pose`), like ScanNet's lost-tracking frames. FrameRecord.frame_index is
the frame's position among the video's colour frames in time order; `frame_stride` keeps every n-th.

Defects as for ScanNet: scan-level problems (missing or malformed mesh, annotation, trajectory, frames
folder, unknown sky direction, an annotation marked `skipped`) raise SourceError; a bad frame (missing
depth or intrinsics, wrong size) or object (no box, no mesh vertex inside it) raises under
`on_error="raise"` and is otherwise skipped and counted in `SceneRecord.stats`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ladderdata.errors import ConfigError, SourceError
from ladderdata.geometry.surface import vertex_areas_normals
from ladderdata.geometry.transforms import pose_problem
from ladderdata.geometry.upright import SKY_ROTATION_CW, Upright, upright_for_sky
from ladderdata.records import FrameRecord, ObjectRecord, SceneRecord, VideoRecord
from ladderdata.sources import arkitscenes_files as files
from ladderdata.sources.base import OnError, RawFile, check_scan_id
from ladderdata.sources.labels import LabelMap
from ladderdata.sources.ply import read_mesh
from ladderdata.sources.scannet import ScanNetSource, _Instance, _skip_summary
from ladderdata.sources.scannet_files import image_size, read_depth

FOLDS = ("Training", "Validation")
DEPTH_SCALE = 0.001
"""Metres per depth-PNG unit (millimetres)."""
BOX_MARGIN_M = 0.01
"""Mesh vertices this far outside an annotated box still belong to it (boxes are drawn on the surface)."""


def _clip_rate(steps: np.ndarray) -> float:
    """Frames per second of a clip from its positive time steps (10 when there are none).

    The mean of the regular steps (within 10 % of the median, so a tracking gap does not slow the
    clock), to four significant digits: the file names' millisecond timestamps make single steps
    0.333 or 0.334 s, and one decimal made a stride-7 3 fps capture's 0.4286 fps 0.4 (7 % late).
    """
    if not len(steps):
        return 10.0
    median = float(np.median(steps))
    regular = steps[np.abs(steps - median) <= 0.1 * median]
    return float(f"{1.0 / float(np.mean(regular)):.4g}")


class ARKitScenesSource(ScanNetSource):
    """Adapter for ARKitScenes 3DOD videos (see module docstring).

    root: the `3dod` folder (or its parent); export_root: unused (must be None); frame_stride: keep every
    n-th colour frame in time order (3DOD frames are already ~10 Hz, default 1); sky_direction: `Up`,
    `Left`, `Right` or `Down` for every video instead of metadata.csv's column; box_margin: metres a
    vertex may lie outside its box. Other options are ScanNetSource's (label_map, on_error, seeds, point
    caps, occlusion tolerance, room alpha).
    """

    name = "arkitscenes"
    licensed = True

    def __init__(
        self,
        root: str | Path,
        export_root: str | Path | None = None,
        *,
        frame_stride: int = 1,
        scan_ids: list[str] | None = None,
        label_map: LabelMap | str | Path | None = None,
        on_error: OnError = "raise",
        sky_direction: str | None = None,
        box_margin: float = BOX_MARGIN_M,
        **kwargs,
    ) -> None:
        if export_root is not None:
            raise ConfigError("ARKitScenes has no export folder: remove export_root from the source")
        if sky_direction is not None and sky_direction not in SKY_ROTATION_CW:
            raise ConfigError(
                f"sky_direction must be one of {', '.join(SKY_ROTATION_CW)}; got {sky_direction!r}"
            )
        root = Path(root)
        # the 3dod folder itself, or the download folder above it (paths in records stay relative to root)
        self.dataset_root = (
            root / "3dod" if not (root / "metadata.csv").is_file() and (root / "3dod").is_dir() else root
        )
        super().__init__(
            root,
            None,
            frame_stride=frame_stride,
            scan_ids=scan_ids,
            label_map=label_map,
            on_error=on_error,
            **kwargs,
        )
        self.sky_direction = sky_direction
        self.box_margin = float(box_margin)
        self._metadata: dict[str, dict[str, str]] | None = None
        self._pngs: dict[str, list[Path]] = {}

    # ------------------------------------------------------------------ listing
    def scan_ids(self) -> list[str]:
        """The given ids, or every video folder under `<root>/Training/` and `<root>/Validation/`."""
        if self._scan_ids is not None:
            return list(self._scan_ids)
        folds = [self.dataset_root / f for f in FOLDS if (self.dataset_root / f).is_dir()]
        if not folds:
            raise SourceError.at(
                self.dataset_root / "Training",
                "no Training/ or Validation/ folder",
                "point the source root at ARKitScenes' 3dod download folder",
            )
        ids = [i for fold in folds for i in self._scan_folders(fold, "rename the folder to its video id")]
        return sorted(set(ids))

    def scan_dir(self, scan_id: str) -> Path:
        """Folder of one video (in Training/ or Validation/)."""
        for fold in FOLDS:
            if (self.dataset_root / fold / scan_id).is_dir():
                return self.dataset_root / fold / scan_id
        raise SourceError.at(
            self.dataset_root / FOLDS[0] / scan_id,
            "video folder is missing (looked in Training/ and Validation/)",
            files.REDOWNLOAD,
        )

    def sky(self, scan_id: str) -> str:
        """The video's sky direction: the `sky_direction` option, else its metadata.csv row."""
        if self.sky_direction is not None:
            return self.sky_direction
        if self._metadata is None:
            self._metadata = files.read_metadata(self.dataset_root / "metadata.csv")
        row = self._metadata.get(scan_id)
        value = (row or {}).get("sky_direction", "")
        if value not in SKY_ROTATION_CW:
            raise SourceError.at(
                self.dataset_root / "metadata.csv",
                f"video {scan_id} has no valid sky_direction ({value or 'no row'!s})",
                "use the metadata.csv of the download or set the source option sky_direction",
            )
        return value

    # ------------------------------------------------------------------ one scan
    def load(self, scan_id: str) -> SceneRecord:
        """Read one video into a SceneRecord (ARKit world frame, upright frames)."""
        check_scan_id(scan_id, str(self.dataset_root))
        scan_dir = self.scan_dir(scan_id)
        stats: dict[str, int] = {}
        sky = self.sky(scan_id)

        mesh = read_mesh(scan_dir / f"{scan_id}_3dod_mesh.ply")
        vertices = mesh.vertices
        ann_path = scan_dir / f"{scan_id}_3dod_annotation.json"
        skipped, boxes = files.read_annotation(ann_path)
        if skipped:
            raise SourceError.at(
                ann_path,
                "annotation is marked skipped (the annotators rejected the video)",
                "exclude the video",
            )
        instances = self._instances_from_boxes(boxes, vertices, ann_path, stats)
        objects = [self._object_record(scan_id, inst, vertices, ann_path, stats) for inst in instances]
        keep = [i for i, obj in enumerate(objects) if obj is not None]
        instances = [instances[i] for i in keep]
        objects: list[ObjectRecord] = [objects[i] for i in keep]  # type: ignore[misc]
        stats["objects_kept"] = len(objects)
        if not objects:
            raise SourceError.at(
                ann_path, "no usable objects (every box was bad or empty)", "exclude the video"
            )

        room = self._room(scan_id, instances, objects, vertices, mesh.faces, stats)
        distances = self._distances(instances, vertices)
        surface = vertex_areas_normals(vertices, mesh.faces)
        frames, video = self._arkit_frames(scan_id, scan_dir, sky, instances, vertices, surface, stats)
        stats[f"sky_direction_{sky.lower()}"] = 1
        return SceneRecord(
            scan_id=scan_id,
            source=self.name,
            axis_alignment=np.eye(4).tolist(),
            room=room,
            objects=objects,
            frames=frames,
            video=video,
            color_size=(frames[0].width, frames[0].height),
            stats=dict(sorted(stats.items())),
            object_distances=distances,
        )

    def _instances_from_boxes(
        self, boxes: list[files.AnnotatedBox], vertices: np.ndarray, ann_path: Path, stats: dict[str, int]
    ) -> list[_Instance]:
        out: list[_Instance] = []
        seen: set[int] = set()
        for box in boxes:
            if box.problem is not None:
                self._defect(
                    stats, "objects_skipped_bad_box", SourceError.at(ann_path, box.problem, files.REDOWNLOAD)
                )
                continue
            where = f"data[{box.index}] ('{box.label}', objectId {box.instance_id})"
            if box.instance_id in seen:
                raise SourceError.at(ann_path, f"{where} repeats an objectId", files.REDOWNLOAD)
            seen.add(box.instance_id)
            inside = np.flatnonzero(box.contains(vertices, self.box_margin))
            if len(inside) < 2:
                self._defect(
                    stats,
                    "objects_skipped_empty",
                    SourceError.at(
                        ann_path,
                        f"{where}: {len(inside)} mesh vertices inside its box",
                        "check the annotation belongs to this mesh",
                    ),
                )
                continue
            raw = box.label.strip()
            mapped = self.label_map.map(raw) if self.label_map is not None else raw
            out.append(_Instance(box.instance_id, raw, mapped, inside))
        return out

    # ------------------------------------------------------------------ frames
    def _arkit_frames(
        self,
        scan_id: str,
        scan_dir: Path,
        sky: str,
        instances: list[_Instance],
        vertices: np.ndarray,
        surface: tuple[np.ndarray, np.ndarray],
        stats: dict[str, int],
    ) -> tuple[list[FrameRecord], VideoRecord]:
        frames_dir = scan_dir / f"{scan_id}_frames"
        times, poses = files.read_traj(frames_dir / "lowres_wide.traj")
        colour = files.frame_stems(frames_dir / "lowres_wide", scan_id)
        if not colour:
            raise SourceError.at(frames_dir / "lowres_wide", "no colour frames", files.REDOWNLOAD)
        ordered = sorted(colour, key=float)
        t0 = float(ordered[0])
        inputs = self._visibility_inputs(scan_id, instances, vertices, surface)
        stats["frames_total"] = len(ordered)
        selected = [(i, ts) for i, ts in enumerate(ordered) if i % self.frame_stride == 0]
        stats["frames_selected"] = len(selected)
        frames: list[FrameRecord] = []
        first_error: SourceError | None = None
        for index, ts in selected:
            pose_at = files.match_pose(float(ts), times)
            if pose_at is None:
                stats["frames_skipped_missing_pose"] = stats.get("frames_skipped_missing_pose", 0) + 1
                continue
            problem = pose_problem(poses[pose_at])
            if problem is not None:
                key = f"frames_skipped_pose_{problem}"
                stats[key] = stats.get(key, 0) + 1
                continue
            try:
                frame = self._arkit_frame(
                    scan_id,
                    frames_dir,
                    index,
                    ts,
                    float(ts) - t0,
                    colour[ts],
                    poses[pose_at],
                    sky,
                    inputs,
                    instances,
                )
            except SourceError as err:
                first_error = first_error or err
                self._defect(stats, _arkit_frame_reason(err), err)
                continue
            frames.append(frame)
        stats["frames_kept"] = len(frames)
        if not frames:
            detail = f" (first problem: {first_error})" if first_error else ""
            raise SourceError.at(
                frames_dir,
                f"no usable frames among {len(selected)} selected{_skip_summary(stats)}{detail}",
                "check the frames folder or lower frame_stride",
            )
        # the video is every selected frame at their capture rate (the 3DOD download has no video file);
        # frames skipped for a missing pose or a bad file keep their slot, so that a frame's time on the
        # clip's clock stays its capture time (tests/sources/test_layout_clip_clock.py)
        steps = np.diff([float(ts) - t0 for _, ts in selected])
        steps = steps[steps > 0]
        fps = _clip_rate(steps)
        video = VideoRecord(path=None, fps=fps, frame_indices=[i for i, _ in selected], sensor_fps=fps)
        return frames, video

    def _arkit_frame(
        self,
        scan_id: str,
        frames_dir: Path,
        index: int,
        ts: str,
        timestamp: float,
        color_path: Path,
        pose: np.ndarray,
        sky: str,
        inputs: tuple,
        instances: list[_Instance],
    ) -> FrameRecord:
        pincam = files.pincam_path(frames_dir / "lowres_wide_intrinsics", scan_id, ts)
        if pincam is None:
            raise SourceError.at(
                frames_dir / "lowres_wide_intrinsics" / f"{scan_id}_{ts}.pincam",
                "intrinsics file is missing",
                files.REDOWNLOAD,
            )
        width, height, k = files.read_pincam(pincam)
        try:
            size = image_size(color_path)
        except SourceError as err:
            raise SourceError.at(
                color_path, "colour image is missing or not an image", files.REDOWNLOAD
            ) from err
        if size != (width, height):
            raise SourceError.at(
                color_path,
                f"colour image is {size[0]}x{size[1]}, its .pincam says {width}x{height}",
                files.REDOWNLOAD,
            )
        depth_path = frames_dir / "lowres_depth" / color_path.name
        try:
            depth = read_depth(depth_path, (width, height))
        except SourceError as err:
            problem = str(err).removeprefix(f"{depth_path}: ").split(";")[0]
            raise SourceError.at(depth_path, problem, files.REDOWNLOAD) from err
        turn = upright_for_sky(sky, width, height)
        k_up, pose_up = turn.intrinsics(k), turn.pose(pose)
        depth_up = turn.image(depth).astype(np.float32) * DEPTH_SCALE
        entries = self._visibility_entries(pose_up, k_up, turn.size, depth_up, k_up, inputs, instances)
        return FrameRecord(
            frame_index=index,
            timestamp=timestamp,
            pose=pose_up.tolist(),
            intrinsics=k_up.tolist(),
            width=turn.size[0],
            height=turn.size[1],
            color_path=self._relpath(color_path),
            depth_path=self._relpath(depth_path),
            visibility=entries,
        )

    # ------------------------------------------------------------------ pixels
    def upright(self, scan_id: str, width: int, height: int) -> Upright:
        """The rotation that turns this video's stored width x height frames upright."""
        return upright_for_sky(self.sky(scan_id), width, height)

    # ------------------------------------------------------------------ raw layout
    def raw_files(self, scan_id: str) -> list[RawFile]:
        """Annotation, mesh, trajectory, intrinsics and the sky direction's metadata.csv (content); the
        colour and depth PNGs (size only: hashing every frame would cost more than loading the scan)."""
        check_scan_id(scan_id, str(self.dataset_root))
        scan_dir = self.scan_dir(scan_id)
        frames_dir = scan_dir / f"{scan_id}_frames"
        out = [
            RawFile(scan_dir / name, name)
            for name in (f"{scan_id}_3dod_annotation.json", f"{scan_id}_3dod_mesh.ply")
            if (scan_dir / name).is_file()
        ]
        if (frames_dir / "lowres_wide.traj").is_file():
            out.append(RawFile(frames_dir / "lowres_wide.traj", "lowres_wide.traj"))
        for sub, hashed in (
            ("lowres_wide_intrinsics", True),
            ("lowres_wide", False),
            ("lowres_depth", False),
        ):
            folder = frames_dir / sub
            if folder.is_dir():
                out += [
                    RawFile(p, f"{sub}/{p.name}", hashed) for p in sorted(folder.iterdir()) if p.is_file()
                ]
        if self.sky_direction is None and (self.dataset_root / "metadata.csv").is_file():
            out.append(RawFile(self.dataset_root / "metadata.csv", "metadata.csv"))
        return out

    def color_path(self, scan_id: str, frame_index: int) -> Path | None:
        """None: a published frame is the upright image re-encoded as JPEG (`color_jpeg`); no raw file
        holds those bytes (the raw PNG is stored in the sensor's orientation)."""
        return None

    def _colour_pngs(self, scan_id: str) -> list[Path]:
        """The video's colour PNGs in time order (position = FrameRecord.frame_index); listed once per
        scan (a build asks for many frames of one scan in turn)."""
        if scan_id not in self._pngs:
            folder = self.scan_dir(scan_id) / f"{scan_id}_frames" / "lowres_wide"
            stems = files.frame_stems(folder, scan_id)
            self._pngs = {scan_id: [stems[ts] for ts in sorted(stems, key=float)]}  # one scan kept
        return self._pngs[scan_id]

    def color_jpeg(self, scan_id: str, frame_index: int) -> bytes:
        """Frame `frame_index` upright (turned by the sky direction, as its record sees it) as a JPEG
        (`video.stills.encode_jpeg`: deterministic, so materialize reproduces the recorded sha256)."""
        from ladderdata.video.stills import encode_jpeg

        check_scan_id(scan_id, str(self.dataset_root))
        pngs = self._colour_pngs(scan_id)
        if not 0 <= frame_index < len(pngs):
            raise SourceError.at(
                self.scan_dir(scan_id),
                f"no colour frame {frame_index} (the video has {len(pngs)})",
                files.REDOWNLOAD,
            )
        return encode_jpeg(self._upright_pixels(scan_id, pngs[frame_index]))

    def color_frames(self, scan_id: str) -> Iterator[tuple[int, bytes]]:
        """Every colour frame in time order, upright, as (frame index, JPEG bytes)."""
        from ladderdata.video.stills import encode_jpeg

        for index, png in enumerate(self._colour_pngs(scan_id)):
            yield index, encode_jpeg(self._upright_pixels(scan_id, png))

    def _upright_pixels(self, scan_id: str, path: Path) -> np.ndarray:
        from PIL import Image

        try:
            with Image.open(path) as img:
                array = np.asarray(img.convert("RGB"))
        except FileNotFoundError:
            raise SourceError.at(path, "colour frame is missing", files.REDOWNLOAD) from None
        except OSError as err:
            raise SourceError.at(path, f"colour frame does not decode ({err})", files.REDOWNLOAD) from None
        return self.upright(scan_id, array.shape[1], array.shape[0]).image(array)

    def color_image(self, scan_id: str, frame: FrameRecord) -> np.ndarray:
        """The frame's colour pixels upright (RGB uint8, frame.height x frame.width), as its record sees them."""
        from PIL import Image

        path = Path(frame.color_path)
        path = path if path.is_absolute() else self.root / path
        with Image.open(path) as img:
            array = np.asarray(img.convert("RGB"))
        turn = self.upright(scan_id, array.shape[1], array.shape[0])
        return turn.image(array)


def _arkit_frame_reason(err: SourceError) -> str:
    path = err.path or ""
    if "/lowres_depth/" in path:
        return "frames_skipped_bad_depth"
    if "/lowres_wide_intrinsics/" in path:
        return "frames_skipped_bad_intrinsics"
    if "/lowres_wide/" in path:
        return "frames_skipped_bad_color"
    return "frames_skipped_other"
