"""ScanNet++ adapter: one scene's annotated mesh and iPhone stream -> SceneRecord.

Reads the release layout of reference/scannetpp-format.md:

```
<root>/data/<scene_id>/scans/mesh_aligned_0.05.ply          the annotation mesh (aligned frame, z up, m)
                       scans/segments.json                  {"segIndices": [per-vertex segment id]}
                       scans/segments_anno.json             {"segGroups": [{id, objectId, label, segments, obb}]}
                       iphone/rgb.mkv (older: rgb.mp4)      RGB video
                       iphone/pose_intrinsic_imu.json       {"frame_%06d": {aligned_pose, intrinsic, ...}}
                       iphone/depth.bin                     LiDAR depth 256x192 (both encodings)
                       iphone/rgb/frame_%06d.jpg            optional: frames the toolkit extracted
```

Objects are segGroups exactly as for ScanNet (shared `ScanNetSource` code: points = the vertices of the
group's segments, boxes, point-set distances, room from the floor and wall groups); groups labelled
`remove` are dropped (`objects_skipped_remove`). Where a group ships an `obb`, its centroid is compared with
the box of the group's points (`objects_obb_disagree` counts centres more than `obb_tolerance` apart).
Labels go through `label_map` (manifests/labels/scannetpp_vocabulary.yaml maps ScanNet++ classes to the
generators' vocabulary).

Frames come from the iPhone stream: video frame k is posed by key `frame_%06d` k of
pose_intrinsic_imu.json (camera-to-world in the aligned frame; K of the video's resolution), its depth
is frame k of depth.bin, and `frame_stride` keeps every n-th video frame. The video is opened through
`ladderdata.video.open_video` (rate, size, frame times); `color_image()` decodes a frame from it.
FrameRecord.color_path names the toolkit-extracted `iphone/rgb/frame_%06d.jpg` (which builds copy or
reference as media) and falls back to the video file when none was extracted (then only the colour
bytes a source hands out can serve as media). Video frames without a pose key are counted
(`frames_skipped_missing_pose`, like lost tracking); a frame whose depth is missing or corrupt is a
frame defect (skipped and counted, or raised under on_error="raise").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ladderdata.errors import ConfigError, SourceError
from ladderdata.geometry.surface import vertex_areas_normals
from ladderdata.geometry.transforms import pose_problem
from ladderdata.records import FrameRecord, SceneRecord, VideoRecord
from ladderdata.sources import scannet_files
from ladderdata.sources import scannetpp_files as files
from ladderdata.sources.base import OnError, RawFile, check_scan_id
from ladderdata.sources.labels import LabelMap
from ladderdata.sources.ply import read_mesh
from ladderdata.sources.scannet import ScanNetSource, _Instance, _skip_summary

REMOVE_LABEL = "remove"
OBB_TOLERANCE_M = 0.10


class ScanNetPPSource(ScanNetSource):
    """Adapter for ScanNet++ scenes (see module docstring).

    root: the release root holding `data/<scene_id>/`; export_root: unused (must be None); frame_stride:
    keep every n-th video frame (the iPhone video runs at 60 fps); obb_tolerance: metres between a shipped
    obb centre and the points' box centre before it is counted as a disagreement. Other options are
    ScanNetSource's (label_map, on_error, seeds, point caps, floor/wall labels, occlusion tolerance).
    """

    name = "scannetpp"
    licensed = True

    def __init__(
        self,
        root: str | Path,
        export_root: str | Path | None = None,
        *,
        frame_stride: int = 10,
        scan_ids: list[str] | None = None,
        label_map: LabelMap | str | Path | None = None,
        on_error: OnError = "raise",
        obb_tolerance: float = OBB_TOLERANCE_M,
        **kwargs,
    ) -> None:
        if export_root is not None:
            raise ConfigError("ScanNet++ has no export folder: remove export_root from the source")
        super().__init__(
            root,
            None,
            frame_stride=frame_stride,
            scan_ids=scan_ids,
            label_map=label_map,
            on_error=on_error,
            **kwargs,
        )
        self.obb_tolerance = float(obb_tolerance)

    def scan_ids(self) -> list[str]:
        """The given ids, or every folder under `<root>/data/`."""
        if self._scan_ids is not None:
            return list(self._scan_ids)
        data = self.root / "data"
        if not data.is_dir():
            raise SourceError.at(
                data, "no data/ folder", "point the source root at the ScanNet++ release root"
            )
        return self._scan_folders(data, "rename the folder to its scene id")

    def video_path(self, scan_id: str) -> Path:
        """`iphone/rgb.mkv`, or the older releases' `iphone/rgb.mp4`."""
        iphone = self.root / "data" / scan_id / "iphone"
        for name in ("rgb.mkv", "rgb.mp4"):
            if (iphone / name).is_file():
                return iphone / name
        raise SourceError.at(
            iphone / "rgb.mkv", "RGB video is missing (also looked for rgb.mp4)", files.REDOWNLOAD
        )

    def load(self, scan_id: str) -> SceneRecord:
        """Read one scene into a SceneRecord (aligned frame)."""
        check_scan_id(scan_id, str(self.root / "data"))
        scene_dir = self.root / "data" / scan_id
        if not scene_dir.is_dir():
            raise SourceError.at(scene_dir, "scene folder is missing", "check the root and the scene id list")
        stats: dict[str, int] = {}
        scans = scene_dir / "scans"
        mesh = read_mesh(scans / "mesh_aligned_0.05.ply")
        vertices = mesh.vertices
        anno_path = scans / "segments_anno.json"
        groups = scannet_files.read_aggregation(anno_path)
        kept = [g for g in groups if g["label"].strip().lower() != REMOVE_LABEL]
        if len(kept) < len(groups):
            stats["objects_skipped_remove"] = len(groups) - len(kept)
        seg = scannet_files.read_segs(scans / "segments.json", len(vertices))
        instances = self._instances(scan_id, kept, seg, anno_path, stats)
        objects = [self._object_record(scan_id, inst, vertices, anno_path, stats) for inst in instances]
        keep = [i for i, obj in enumerate(objects) if obj is not None]
        instances = [instances[i] for i in keep]
        objects = [objects[i] for i in keep]
        stats["objects_kept"] = len(objects)
        if not objects:
            raise SourceError.at(
                anno_path, "no usable objects (every segGroup was empty or degenerate)", "exclude the scene"
            )
        self._check_obbs(anno_path, objects, stats)

        room = self._room(scan_id, instances, objects, vertices, mesh.faces, stats)
        distances = self._distances(instances, vertices)
        surface = vertex_areas_normals(vertices, mesh.faces)
        frames, video = self._iphone_frames(
            scan_id, scene_dir / "iphone", instances, vertices, surface, stats
        )
        return SceneRecord(
            scan_id=scan_id,
            source=self.name,
            axis_alignment=np.eye(4).tolist(),
            room=room,
            objects=objects,  # type: ignore[arg-type]
            frames=frames,
            video=video,
            color_size=(frames[0].width, frames[0].height),
            stats=dict(sorted(stats.items())),
            object_distances=distances,
        )

    def _check_obbs(self, anno_path: Path, objects: list, stats: dict[str, int]) -> None:
        doc = scannet_files.read_json(anno_path)
        centres = {}
        for group in doc.get("segGroups", []):
            obb = group.get("obb") if isinstance(group, dict) else None
            ident = group.get("objectId", group.get("id")) if isinstance(group, dict) else None
            try:
                centres[ident] = np.asarray(obb["centroid"], dtype=np.float64).reshape(3)
            except (KeyError, TypeError, ValueError):
                continue
        compared = disagree = 0
        for obj in objects:
            if obj.instance_id in centres:
                compared += 1
                if np.abs(np.asarray(obj.box.center) - centres[obj.instance_id]).max() > self.obb_tolerance:
                    disagree += 1
        stats["objects_obb_compared"] = compared
        if disagree:
            stats["objects_obb_disagree"] = disagree

    def _iphone_frames(
        self,
        scan_id: str,
        iphone: Path,
        instances: list[_Instance],
        vertices: np.ndarray,
        surface: tuple[np.ndarray, np.ndarray],
        stats: dict[str, int],
    ) -> tuple[list[FrameRecord], VideoRecord]:
        from ladderdata.video import open_video
        from ladderdata.video.reader import VideoError

        video_path = self.video_path(scan_id)
        try:
            with open_video(video_path) as reader:
                info = reader.info
                times = reader.timestamps()
        except VideoError as err:
            raise SourceError(str(err), path=video_path) from None
        poses = files.read_pose_intrinsics(iphone / "pose_intrinsic_imu.json")
        depth = files.DepthStream(iphone / "depth.bin")
        n_video = len(times)
        inputs = self._visibility_inputs(scan_id, instances, vertices, surface)
        stats["frames_total"] = n_video
        selected = [k for k in range(n_video) if k % self.frame_stride == 0]
        stats["frames_selected"] = len(selected)
        frames: list[FrameRecord] = []
        first_error: SourceError | None = None
        for k in selected:
            if k not in poses:
                stats["frames_skipped_missing_pose"] = stats.get("frames_skipped_missing_pose", 0) + 1
                continue
            pose, k_color = poses[k]
            problem = pose_problem(pose)
            if problem is not None:
                key = f"frames_skipped_pose_{problem}"
                stats[key] = stats.get(key, 0) + 1
                continue
            try:
                d = depth.frame(k)
            except SourceError as err:
                first_error = first_error or err
                self._defect(stats, "frames_skipped_bad_depth", err)
                continue
            size = (info.width, info.height)
            # the JSON's K is the full-resolution RGB's; the depth map spans the same field of view
            scale = np.diag([files.DEPTH_SIZE[0] / size[0], files.DEPTH_SIZE[1] / size[1], 1.0])
            entries = self._visibility_entries(pose, k_color, size, d, scale @ k_color, inputs, instances)
            extracted = iphone / "rgb" / f"frame_{k:06d}.jpg"
            frames.append(
                FrameRecord(
                    frame_index=k,
                    timestamp=float(times[k] - times[0]),
                    pose=pose.tolist(),
                    intrinsics=k_color.tolist(),
                    width=size[0],
                    height=size[1],
                    color_path=self._relpath(extracted if extracted.is_file() else video_path),
                    depth_path=self._relpath(depth.path),
                    visibility=entries,
                )
            )
        stats["frames_kept"] = len(frames)
        if not frames:
            detail = f" (first problem: {first_error})" if first_error else ""
            raise SourceError.at(
                iphone,
                f"no usable frames among {len(selected)} selected{_skip_summary(stats)}{detail}",
                "check the iPhone stream or lower frame_stride",
            )
        fps = round(info.fps, 3) if info.fps > 0 else 60.0
        # the clip is every selected video frame at the video's rate over the stride (a frame list: the
        # video file itself holds every frame). Frames skipped for a missing pose or bad depth keep
        # their slot, as ScanNet's lost-tracking frames do: dropping them would move every later frame
        # earlier on the clip's clock than it plays in the video (tests/sources/test_layout_clip_clock.py)
        video = VideoRecord(
            path=None,
            fps=fps / self.frame_stride,
            frame_indices=selected,
            sensor_fps=fps,
        )
        return frames, video

    # ------------------------------------------------------------------ raw layout
    def raw_files(self, scan_id: str) -> list[RawFile]:
        """The annotated mesh, its segments and groups, the poses (content); the video, depth stream and
        extracted frames (size only: hashing video would cost more than loading the scene)."""
        check_scan_id(scan_id, str(self.root / "data"))
        scene = self.root / "data" / scan_id
        out = [
            RawFile(scene / rel, rel)
            for rel in (
                "scans/mesh_aligned_0.05.ply",
                "scans/segments.json",
                "scans/segments_anno.json",
                "iphone/pose_intrinsic_imu.json",
            )
            if (scene / rel).is_file()
        ]
        for rel in ("iphone/rgb.mkv", "iphone/rgb.mp4", "iphone/depth.bin"):
            if (scene / rel).is_file():
                out.append(RawFile(scene / rel, rel, hashed=False))
        extracted = scene / "iphone" / "rgb"
        if extracted.is_dir():
            out += [
                RawFile(path, f"iphone/rgb/{path.name}", hashed=False)
                for path in sorted(extracted.glob("frame_*.jpg"))
            ]
        return out

    def color_path(self, scan_id: str, frame_index: int) -> Path | None:
        """The toolkit-extracted `iphone/rgb/frame_%06d.jpg` of video frame `frame_index` when present;
        None otherwise (the frame is decoded from the video: `color_jpeg`)."""
        check_scan_id(scan_id, str(self.root / "data"))
        path = self.root / "data" / scan_id / "iphone" / "rgb" / f"frame_{int(frame_index):06d}.jpg"
        return path if path.is_file() else None

    def color_jpeg(self, scan_id: str, frame_index: int) -> bytes:
        """The extracted JPEG as stored, else video frame `frame_index` decoded and encoded as a JPEG
        (`video.stills`, deterministic: the same video gives the same bytes)."""
        if self.color_path(scan_id, frame_index) is not None:
            return super().color_jpeg(scan_id, frame_index)
        from ladderdata.video import VideoError
        from ladderdata.video.stills import jpeg_frames

        path = self.video_path(scan_id)
        try:
            return jpeg_frames(path, [frame_index])[int(frame_index)]
        except VideoError as err:
            raise SourceError.at(
                path, f"cannot decode frame {frame_index} ({err})", files.REDOWNLOAD
            ) from None

    def color_candidates(self, scan_id: str, frame_index: int, recorded: str) -> list[Path]:
        """The recorded path under this root, then the extracted frame (`Source.color_candidates`)."""
        return super(ScanNetSource, self).color_candidates(scan_id, frame_index, recorded)

    def color_frames(self, scan_id: str) -> Iterator[tuple[int, bytes]]:
        """Every video frame in display order as (frame index, JPEG bytes): the extracted JPEG when
        present, else the frame decoded and encoded (`video.stills`); only frames without an
        extracted JPEG are decoded."""
        from ladderdata.video import open_video
        from ladderdata.video.stills import encode_jpeg

        with open_video(self.video_path(scan_id)) as reader:
            ts = reader.timestamps()
            paths = [self.color_path(scan_id, k) for k in range(len(ts))]
            # frames_at yields in ascending time: the n-th decoded frame is the n-th frame without a file
            decoded = reader.frames_at([float(ts[k]) for k, path in enumerate(paths) if path is None])
            for k, path in enumerate(paths):
                yield k, path.read_bytes() if path is not None else encode_jpeg(next(decoded)[1])

    def color_image(self, scan_id: str, frame: FrameRecord) -> np.ndarray:
        """Frame `frame.frame_index` of the scene's video, decoded (RGB uint8, height x width)."""
        from ladderdata.video import open_video

        with open_video(self.video_path(scan_id)) as reader:
            t = reader.timestamps()[frame.frame_index]
            for _, image in reader.frames_at([float(t)]):
                return image
        raise SourceError.at(self.video_path(scan_id), f"no frame {frame.frame_index}", files.REDOWNLOAD)
