"""ScanNet adapter: a ScanNet v2 scan plus its SensReader export -> SceneRecord.

Reads exactly the layout of reference/scannet-format.md (and docs/contracts.md for the export root):

- mesh `<scan>_vh_clean_2.ply`, per-vertex segments `<scan>_vh_clean_2.0.010000.segs.json`,
  instances `<scan>.aggregation.json` or `<scan>_vh_clean.aggregation.json` (an instance is a segGroup:
  the vertices whose segment id is in its `segments`; the segments file is the one the aggregation's
  `segmentsFile` names), meta `<scan>.txt` (axisAlignment: a scan without one, as ScanNet's v1 and test
  scans, is skipped with reason `no_axis_alignment` unless `allow_unaligned`);
- frames from `scans/<scan>/<scan>.sens` as downloaded (sources/sens.py, read by seeking; it wins when
  present, see `frames_from`), else from the export `<export_root>/<scan>/` (falling back to an in-place
  export in `scans/<scan>/`): pose/<i>.txt (camera-to-world in the mesh frame), depth/<i>.png,
  color/<i>.jpg, intrinsic/intrinsic_color.txt and intrinsic_depth.txt (preferred over the scene meta's
  intrinsics, which can disagree). Both give the same record (sources/scannet_frames.py).

The raw-layout methods (sources.base) answer from this layout: `raw_files` lists the scan files and the
export (poses and intrinsics by content, colour, depth and the mp4 by size), `color_path` is the export's
`color/<i>.jpg` (its bytes are what a build publishes), and `color_candidates` also looks in the places
a user's raw copy may keep an export (in place under `scans/<scan>/`, or the export root itself).

Everything is returned in the aligned frame: mesh points and poses are multiplied by axisAlignment
(aligned pose = A @ pose). Boxes use all instance vertices: the axis-aligned box and the yaw-oriented
box (minimum-area rectangle of the footprint). `SceneRecord.object_distances` holds the minimum
distance between every two objects' mesh vertices (KD-tree, once per pair; structure labels such as
walls and floor are left out). The room floor is the alpha shape of the floor points, the bases of the
walls and the footprints of the objects standing on the floor (reconstructions have no floor under
furniture against walls). Each frame's visibility also estimates the visible pixel share of every
object from its depth-tested visible vertices, each standing for its share of the mesh's surface. Visibility projects, per object, all vertices
up to `visibility_points_per_object` (a seeded subset beyond it; 2D boxes are exact below the cap and
near-tight above it); `ObjectRecord.points` keeps a smaller seeded sample (`max_points_per_object`).
Colour images are never decoded (only their header is read to check the size); each kept frame's depth
PNG is decoded once and all objects are projected in one pass (geometry.visibility).

Defects: scan-level problems (missing or malformed mesh, segs, aggregation, meta, export, intrinsics)
raise SourceError. Frame- and object-level problems (missing colour/depth file, wrong depth size or
dtype, unreadable pose file, empty or degenerate segGroup) raise under `on_error="raise"` and otherwise
skip that frame/object and count it in `SceneRecord.stats`. Invalid poses (non-finite, as ScanNet writes
for lost tracking, or non-orthonormal) are normal data: always skipped and counted.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import shapely
from scipy.spatial import cKDTree

from ladderdata.errors import ConfigError, SourceError
from ladderdata.geometry.boxes import box3d_from_points, box_corners, degenerate_axes
from ladderdata.geometry.distances import pairwise_point_set_distances
from ladderdata.geometry.room import (
    DEFAULT_ALPHA,
    DEFAULT_SPACING,
    floor_shape,
    rectangle_points,
    sample_floor_points,
)
from ladderdata.geometry.surface import vertex_areas_normals
from ladderdata.geometry.transforms import apply_transform, pose_problem
from ladderdata.geometry.visibility import OCCLUSION_TOLERANCE, frame_visibility
from ladderdata.records import (
    FrameRecord,
    ObjectRecord,
    ObjectVisibility,
    RoomRecord,
    SceneRecord,
    VideoRecord,
)
from ladderdata.sources import scannet_files as files
from ladderdata.sources.base import OnError, RawFile, Source, check_scan_id
from ladderdata.sources.labels import LabelMap, normalize_label
from ladderdata.sources.ply import read_mesh
from ladderdata.sources.scannet_frames import FRAMES_FROM, ExportFrames, FrameRead, SensFrames, read_frame
from ladderdata.sources.sens import REDOWNLOAD, SensError, SensFile, sens_index
from ladderdata.threads import beside, prefetched

logger = logging.getLogger("ladderdata.sources")

SENSOR_FPS = 30.0
"""ScanNet's RGB-D capture rate; FrameRecord.timestamp = frame_index / SENSOR_FPS."""
DEFAULT_COLOR_SIZE = (1296, 968)
DEFAULT_DEPTH_SIZE = (640, 480)
DEPTH_SCALE = 0.001
"""Metres per depth-PNG unit (ScanNet depth is millimetres)."""
NO_AXIS_ALIGNMENT = "no_axis_alignment"
"""Skip reason of a scan whose scene file has no axisAlignment (unless allow_unaligned)."""
STRUCTURE_LABELS = frozenset({"wall", "floor", "ceiling"})
"""Labels that are room structure: never an object of a distance, never a standing footprint."""
WALL_CONTACT_M = 0.01
"""Floor points this close to a wall base lie on the room's boundary."""
FLOOR_CONTACT_M = 0.05
"""An object whose oriented box reaches this close to the floor level stands on the floor."""
POINT_DECIMALS = 5
"""ObjectRecord.points are rounded to 10 micrometres (float32 meshes hold no more) to keep JSON small."""


@dataclass
class _Instance:
    """An instance being assembled: its segGroup and its vertex indices into the mesh."""

    instance_id: int
    raw_label: str
    label: str
    vertices: np.ndarray


class ScanNetSource(Source):
    """Adapter for ScanNet v2 scans (see module docstring).

    root: folder holding `scans/<scan_id>/`; export_root: SensReader export root (default
    `<root>/export`); frame_stride: keep frames whose index is a multiple of it; scan_ids: restrict to
    these ids (validated: plain folder names only); label_map: LabelMap or path of a .tsv/.yaml map
    (normalises ObjectRecord.label); on_error: raise | warn | skip; max_points_per_object: size of the
    stored seeded point sample; visibility_points_per_object: cap on points projected per object;
    label_column: column of a .tsv label map to map to (`category`, `nyu40class`, ...);
    allow_unaligned: read scans without axisAlignment in their mesh frame (one warning per scan and
    the stat `unaligned`) instead of skipping them;
    video: the scan's video, for the video family to show frames decoded from it (resampled to
    `video_fps`) instead of the colour images: a path relative to the root (or absolute) with `{scan}`
    for the scan id, e.g. `videos/{scan}.mp4`, or a folder holding `<scan>.mp4`; video frame k plays
    the k-th exported colour frame (what `ladderdata video` writes);
    floor_labels: raw/mapped labels whose points form the room floor (else the lowest z band of
    `floor_band` metres is used); wall_labels: labels whose bases bound the room floor; seed: seeds
    every sampler (with the scan id and instance id); frames_from: where frames come from, `auto`
    (`scans/<scan>/<scan>.sens` when present, else the export), `sens` or `export`.
    """

    name = "scannet"
    licensed = True
    root_hint = "the folder holding scans/"

    def __init__(
        self,
        root: str | Path,
        export_root: str | Path | None = None,
        *,
        frame_stride: int = 10,
        scan_ids: list[str] | None = None,
        label_map: LabelMap | str | Path | None = None,
        on_error: OnError = "raise",
        max_points_per_object: int = 1024,
        visibility_points_per_object: int = 8192,
        label_column: str = "category",
        allow_unaligned: bool = False,
        floor_labels: tuple[str, ...] = ("floor",),
        wall_labels: tuple[str, ...] = ("wall",),
        floor_band: float = 0.1,
        room_alpha: float = DEFAULT_ALPHA,
        occlusion_tolerance: float = OCCLUSION_TOLERANCE,
        seed: int = 0,
        frames_from: str = "auto",
        video: str | None = None,
    ) -> None:
        super().__init__(on_error=on_error)
        if frames_from not in FRAMES_FROM:
            raise ConfigError(f"frames_from must be one of {', '.join(FRAMES_FROM)}; got {frames_from!r}")
        self.frames_from = frames_from
        if frame_stride < 1:
            raise ConfigError(f"frame_stride must be >= 1; got {frame_stride}")
        if max_points_per_object < 1 or visibility_points_per_object < 1:
            raise ConfigError("max_points_per_object and visibility_points_per_object must be >= 1")
        self.root = Path(root)
        self.export_root = Path(export_root) if export_root is not None else self.root / "export"
        self.frame_stride = int(frame_stride)
        self._scan_ids = None
        if scan_ids is not None:
            self._scan_ids = [check_scan_id(s, "scan id list") for s in scan_ids]
        if label_map is not None and not isinstance(label_map, LabelMap):
            label_map = LabelMap.load(label_map, column=label_column)
        self.label_map: LabelMap | None = label_map
        self.max_points_per_object = int(max_points_per_object)
        self.visibility_points_per_object = int(visibility_points_per_object)
        self.allow_unaligned = bool(allow_unaligned)
        self.floor_labels = frozenset(normalize_label(x) for x in floor_labels)
        self.wall_labels = frozenset(normalize_label(x) for x in wall_labels)
        self.floor_band = float(floor_band)
        self.room_alpha = float(room_alpha)
        self.occlusion_tolerance = float(occlusion_tolerance)
        self.seed = int(seed)
        self.video = None if video is None else str(video)

    # ------------------------------------------------------------------ listing
    def scan_ids(self) -> list[str]:
        """The given ids, or every folder under `<root>/scans/` (unsafe names are skipped/raised)."""
        if self._scan_ids is not None:
            return list(self._scan_ids)
        scans = self.root / "scans"
        if not scans.is_dir():
            raise SourceError.at(
                scans,
                "no scans/ folder",
                "point the source root (`scenes --root`, or `sources[].root` of a build manifest) at the "
                "folder holding scans/",
            )
        return self._scan_folders(scans, "rename the folder to a plain scan id")

    # ------------------------------------------------------------------ raw layout
    def raw_files(self, scan_id: str) -> list[RawFile]:
        """Scene meta, mesh, segments and aggregations (content); the export's poses and intrinsics
        (content); its colour and depth frames and the scan's mp4 (size only: hashing every JPEG of a
        ScanNet scan would cost more than loading it)."""
        check_scan_id(scan_id, str(self.root / "scans"))
        scan_dir = self.root / "scans" / scan_id
        out: list[RawFile] = []
        if scan_dir.is_dir():
            names = [f"{scan_id}.txt", f"{scan_id}_vh_clean_2.ply"]
            names += sorted(p.name for p in scan_dir.glob(f"{scan_id}_vh_clean_2*.segs.json"))
            names += [f"{scan_id}.aggregation.json", f"{scan_id}_vh_clean.aggregation.json"]
            out += [RawFile(scan_dir / n, n) for n in dict.fromkeys(names) if (scan_dir / n).is_file()]
        export = self._find_export(scan_id)
        if export is not None:
            for sub, hashed in (("pose", True), ("intrinsic", True), ("color", False), ("depth", False)):
                folder = export / sub
                if folder.is_dir():
                    out += [
                        RawFile(path, f"{sub}/{path.name}", hashed)
                        for path in sorted(folder.iterdir())
                        if path.is_file()
                    ]
        video = self.video_path(scan_id)
        if video.is_file():
            out.append(RawFile(video, f"videos/{video.name}", hashed=False))
        sens = self._sens_file(scan_id)
        if sens is not None and sens.is_file():  # its content enters through the frame-header fingerprint
            out.append(RawFile(sens, sens.name, hashed=False))
        return out

    def checksum(self, scan_id: str) -> str:
        """`Source.checksum` over `raw_files`; a scan read from its `.sens` also hashes the file's header
        and every frame header (poses, timestamps, payload sizes): hashing gigabytes of frames would
        cost more than loading the scan, and a re-download with other content changes those."""
        base = super().checksum(scan_id)
        sens = self._sens_file(scan_id)
        if sens is None or not sens.is_file():
            return base
        return hashlib.sha256(f"{base}:{sens_index(sens).fingerprint}".encode()).hexdigest()

    def _sens_file(self, scan_id: str) -> Path | None:
        """`scans/<scan>/<scan>.sens` when the scan's frames come from it (`frames_from`), else None."""
        sens = self.root / "scans" / scan_id / f"{scan_id}.sens"
        if self.frames_from == "sens" or (self.frames_from == "auto" and sens.is_file()):
            return sens
        return None

    def color_path(self, scan_id: str, frame_index: int) -> Path | None:
        """`<export>/color/<frame_index>.jpg` of the scan's export (the default export folder when the
        scan has none, so a read names the file a user would expect); None when the frames come from
        the scan's `.sens` (the JPEG lies inside it: `color_jpeg` reads it)."""
        check_scan_id(scan_id, str(self.root / "scans"))
        if self._sens_file(scan_id) is not None:
            return None
        export = self._find_export(scan_id) or self.export_root / scan_id
        return export / "color" / f"{int(frame_index)}.jpg"

    def color_jpeg(self, scan_id: str, frame_index: int) -> bytes:
        """The frame's colour JPEG: from the scan's `.sens` as stored (no re-encode) when its frames come
        from there, else the export's file (`Source.color_jpeg`)."""
        check_scan_id(scan_id, str(self.root / "scans"))
        sens = self._sens_file(scan_id)
        if sens is None:
            return super().color_jpeg(scan_id, frame_index)
        with SensFile(sens) as f:
            if not 0 <= frame_index < f.frames or not f.has_image(frame_index):
                raise SensError.at(
                    f.member("color", frame_index),
                    "the file holds no colour image for this frame",
                    REDOWNLOAD,
                )
            return f.color_bytes(frame_index)

    def color_candidates(self, scan_id: str, frame_index: int, recorded: str) -> list[Path]:
        """The recorded path under this root, then the colour file in every place an export may sit in a
        raw copy: in place in `scans/<scan>/`, `<export_root>/<scan>/` and `<root>/<scan>/` (the export
        root itself passed as the root); an absolute recorded path last."""
        check_scan_id(scan_id, str(self.root / "scans"))
        rec = PurePosixPath(recorded) if recorded else None
        tail = ("color", f"{int(frame_index)}.jpg")
        out = [self.root.joinpath(*rec.parts)] if rec is not None and not rec.is_absolute() else []
        for base in (self.root / "scans" / scan_id, self.export_root / scan_id, self.root / scan_id):
            out.append(base.joinpath(*tail))
        if rec is not None and rec.is_absolute():
            out.append(Path(recorded))
        return list(dict.fromkeys(out))

    # ------------------------------------------------------------------ one scan
    def load(self, scan_id: str) -> SceneRecord:
        """Read one scan into a SceneRecord (all geometry in the aligned frame)."""
        check_scan_id(scan_id, str(self.root / "scans"))
        scan_dir = self.root / "scans" / scan_id
        if not scan_dir.is_dir():
            raise SourceError.at(scan_dir, "scan folder is missing", "check --root and the scan id list")
        stats: dict[str, int] = {}

        meta_path = scan_dir / f"{scan_id}.txt"
        meta = files.read_scene_meta(meta_path)
        align = self._axis_alignment(meta, meta_path, stats)

        mesh_path = scan_dir / f"{scan_id}_vh_clean_2.ply"
        mesh = read_mesh(mesh_path)
        vertices = apply_transform(align, mesh.vertices)
        agg_path = self._aggregation_path(scan_dir, scan_id)
        groups = files.read_aggregation(agg_path)
        segs_path = self._segs_path(scan_dir, scan_id, agg_path)
        seg = files.read_segs(segs_path, len(vertices))

        instances = self._instances(scan_id, groups, seg, agg_path, stats)
        objects = [self._object_record(scan_id, inst, vertices, agg_path, stats) for inst in instances]
        keep = [i for i, obj in enumerate(objects) if obj is not None]
        instances = [instances[i] for i in keep]
        objects = [objects[i] for i in keep]
        stats["objects_kept"] = len(objects)
        if not objects:
            raise SourceError.at(
                agg_path,
                "no usable objects (every segGroup was empty or degenerate)",
                "re-download the scan or exclude it",
            )

        def frames_and_video() -> tuple[list[FrameRecord], VideoRecord]:
            surface = vertex_areas_normals(vertices, mesh.faces)
            return self._frames(
                scan_id, scan_dir, meta, meta_path, align, instances, vertices, surface, stats
            )

        # the room outline and object distances (scan-level geometry) run on a thread beside the frames;
        # neither reads the other's results, and a room error still comes first, as in turn
        (room, distances), (frames, video) = beside(
            lambda: (
                self._room(scan_id, instances, objects, vertices, mesh.faces, stats),
                self._distances(instances, vertices),
            ),
            frames_and_video,
        )
        color_size = (frames[0].width, frames[0].height)
        return SceneRecord(
            scan_id=scan_id,
            source=self.name,
            axis_alignment=align.tolist(),
            room=room,
            objects=objects,
            frames=frames,
            video=video,
            color_size=color_size,
            stats=dict(sorted(stats.items())),
            object_distances=distances,
        )

    # ------------------------------------------------------------------ scan-level files
    def _axis_alignment(self, meta: dict[str, str], path: Path, stats: dict[str, int]) -> np.ndarray:
        if "axisAlignment" not in meta:
            # Identity would silently tilt every box (volumes grow by a median 1.28x on ScanNet v1).
            if not self.allow_unaligned:
                raise SourceError.at(
                    path,
                    f"{NO_AXIS_ALIGNMENT}: no axisAlignment (ScanNet v1 and test scans lack it); scan skipped",
                    "set allow_unaligned: true on the source to read it in its mesh frame",
                )
            logger.warning("%s: no axisAlignment; reading the scan in its mesh frame (allow_unaligned)", path)
            stats["unaligned"] = 1
            return np.eye(4)
        align = files.parse_floats(meta["axisAlignment"], 16, path, "axisAlignment").reshape(4, 4)
        problem = pose_problem(align)
        if problem is not None:
            raise SourceError.at(
                path, f"axisAlignment is not a rigid transform ({problem})", files.REDOWNLOAD
            )
        return align

    @staticmethod
    def _aggregation_path(scan_dir: Path, scan_id: str) -> Path:
        for name in (f"{scan_id}.aggregation.json", f"{scan_id}_vh_clean.aggregation.json"):
            if (scan_dir / name).is_file():
                return scan_dir / name
        raise SourceError.at(
            scan_dir / f"{scan_id}.aggregation.json",
            "aggregation file is missing (also looked for _vh_clean.aggregation.json)",
            files.REDOWNLOAD,
        )

    @staticmethod
    def _segs_path(scan_dir: Path, scan_id: str, agg_path: Path) -> Path:
        """The segments file the aggregation names (`segmentsFile`, with or without `scannet.`).

        A `_vh_clean.aggregation.json` may refer to the low-resolution mesh's segments: it must then
        not be paired with `_vh_clean_2`'s, so a name that does not match is an error, never a guess.
        """
        named = files.read_segments_file_name(agg_path)
        path = scan_dir / f"{scan_id}_vh_clean_2.0.010000.segs.json"
        if named is not None:
            name = named.removeprefix("scannet.")
            if not name.startswith(f"{scan_id}_vh_clean_2"):
                raise SourceError.at(
                    agg_path,
                    f"segmentsFile {named!r} is not the segments of {scan_id}_vh_clean_2.ply (the mesh read)",
                    "use the aggregation that belongs to the _vh_clean_2 mesh",
                )
            path = scan_dir / name
            if not path.is_file():
                raise SourceError.at(
                    path,
                    f"segments file named by {agg_path.name} (segmentsFile) is missing",
                    files.REDOWNLOAD,
                )
            return path
        if path.is_file():
            return path
        others = sorted(scan_dir.glob(f"{scan_id}_vh_clean_2*.segs.json"))
        if others:
            return others[0]
        raise SourceError.at(path, "segments file is missing", files.REDOWNLOAD)

    # ------------------------------------------------------------------ objects
    def _defect(self, stats: dict[str, int], key: str, err: SourceError) -> None:
        """A frame/object defect: fatal under on_error=raise, otherwise counted (and logged under warn)."""
        if self.on_error == "raise":
            raise err
        stats[key] = stats.get(key, 0) + 1
        if self.on_error == "warn":
            logger.warning("%s", err)

    def _instances(
        self, scan_id: str, groups: list[dict], seg: np.ndarray, agg_path: Path, stats: dict[str, int]
    ) -> list[_Instance]:
        """Vertex indices of every segGroup (vectorised: one sort of the segment ids, then slices)."""
        uniq, inverse, counts = np.unique(seg, return_inverse=True, return_counts=True)
        order = np.argsort(inverse, kind="stable")  # vertices grouped by segment, ascending index
        ends = np.cumsum(counts)
        starts = ends - counts
        seen_ids: set[int] = set()
        seen_sets: set[tuple[str, tuple[int, ...]]] = set()
        out = []
        for group in groups:
            label, ident = group["label"], group["instance_id"]
            where = f"segGroups[{group['index']}] ('{label}', objectId {ident})"
            segments = np.unique(np.asarray(group["segments"], dtype=np.int64))
            if len(segments) == 0:
                self._defect(
                    stats,
                    "objects_skipped_empty",
                    SourceError.at(agg_path, f"{where} has no segments", files.REDOWNLOAD),
                )
                continue
            pos = np.searchsorted(uniq, segments)
            known = (pos < len(uniq)) & (uniq[np.minimum(pos, len(uniq) - 1)] == segments)
            if not np.all(known):
                bad = segments[~known][:3].tolist()
                raise SourceError.at(
                    agg_path,
                    f"{where} lists segment ids {bad} that the segs.json does not contain",
                    "use the aggregation and segs.json of the same scan release",
                )
            # ScanNet repeats some objects verbatim (e.g. scene0217_00): keep the first copy only,
            # otherwise every count question about them is doubled.
            key = (normalize_label(label), tuple(segments.tolist()))
            if key in seen_sets:
                stats["objects_skipped_duplicate"] = stats.get("objects_skipped_duplicate", 0) + 1
                continue
            seen_sets.add(key)
            if ident in seen_ids:  # a different object under a used id: instance ids would collide
                raise SourceError.at(agg_path, f"{where} repeats an objectId", files.REDOWNLOAD)
            seen_ids.add(ident)
            verts = np.sort(np.concatenate([order[starts[p] : ends[p]] for p in pos]))
            mapped = self.label_map.map(label) if self.label_map is not None else label
            out.append(_Instance(ident, label, mapped, verts))
        return out

    def _rng(self, scan_id: str, *stream: int) -> np.random.Generator:
        """Generator seeded by (seed, crc32(scan_id), stream...): stable across runs and platforms."""
        return np.random.default_rng([self.seed, zlib.crc32(scan_id.encode("utf-8")), *stream])

    def _object_record(
        self, scan_id: str, inst: _Instance, vertices: np.ndarray, agg_path: Path, stats: dict[str, int]
    ) -> ObjectRecord | None:
        points = vertices[inst.vertices]
        where = f"segGroups objectId {inst.instance_id} ('{inst.raw_label}')"
        if len(points) < 2:
            self._defect(
                stats,
                "objects_skipped_degenerate",
                SourceError.at(agg_path, f"{where} covers a single vertex", "drop or fix the segGroup"),
            )
            return None
        box = box3d_from_points(points)
        if degenerate_axes(np.asarray(box.max) - np.asarray(box.min)) >= 2:
            # Points on a line (or one position) have no area and no volume: nothing a question can
            # ask about. Flat objects (one zero extent: floors, pictures, planes of the procedural sample)
            # are kept, their size and distances are well defined.
            self._defect(
                stats,
                "objects_skipped_degenerate",
                SourceError.at(
                    agg_path,
                    f"{where} has zero volume (all {len(points)} vertices on a line or point)",
                    "drop or fix the segGroup",
                ),
            )
            return None
        sample = points
        if len(points) > self.max_points_per_object:
            rng = self._rng(scan_id, 1, inst.instance_id)
            sample = points[np.sort(rng.choice(len(points), self.max_points_per_object, replace=False))]
        return ObjectRecord(
            instance_id=inst.instance_id,
            raw_label=inst.raw_label,
            label=inst.label,
            box=box,
            obox=box3d_from_points(points, oriented=True),
            point_count=len(points),
            points=(np.round(sample, POINT_DECIMALS) + 0.0).tolist(),  # + 0.0: no -0.0 in JSON
        )

    # ------------------------------------------------------------------ room
    def _is_structure(self, inst: _Instance) -> bool:
        labels = {normalize_label(inst.raw_label), normalize_label(inst.label)}
        return bool(labels & (self.floor_labels | self.wall_labels | STRUCTURE_LABELS))

    def _room(
        self,
        scan_id: str,
        instances: list[_Instance],
        objects: list[ObjectRecord],
        vertices: np.ndarray,
        faces: np.ndarray,
        stats: dict[str, int],
    ) -> RoomRecord:
        """Floor polygon: alpha shape of the floor surface (the floor segGroups, else the lowest z band
        of the mesh), the bases of the walls and the footprints of the objects standing on the floor."""
        floor = [
            i
            for i in instances
            if normalize_label(i.raw_label) in self.floor_labels
            or normalize_label(i.label) in self.floor_labels
        ]
        mask = np.zeros(len(vertices), dtype=bool)
        for inst in floor:
            mask[inst.vertices] = True
        if mask.sum() >= 3:
            stats["room_from_floor_label"] = 1
        else:
            z = vertices[:, 2]
            mask = z <= np.percentile(z, 1.0) + self.floor_band  # robust to stray points below the floor
            stats["room_from_lowest_band"] = 1
        floor_z = float(np.median(vertices[mask, 2]))
        floor_faces = faces[np.all(mask[faces], axis=1)] if len(faces) else None
        # sample_floor_points indexes faces into the vertex subset: remap indices
        remap = np.full(len(vertices), -1, dtype=np.int64)
        remap[mask] = np.arange(int(mask.sum()))
        sub_faces = remap[floor_faces] if floor_faces is not None and len(floor_faces) else None
        parts = [sample_floor_points(vertices[mask], sub_faces, self._rng(scan_id, 2))]
        # wall bases: wall vertices within the floor band above the floor (they only bound the floor)
        walls = []
        for inst in instances:
            labels = {normalize_label(inst.raw_label), normalize_label(inst.label)}
            if labels & self.wall_labels:
                pts = vertices[inst.vertices]
                base = pts[pts[:, 2] <= floor_z + self.floor_band]
                walls.append(base[:, :2])
        wall_points = np.concatenate(walls) if walls else np.zeros((0, 2))
        stats["room_wall_base_points"] = len(wall_points)
        parts.append(wall_points)
        # footprints of objects standing on the floor (their oriented box reaches down to it), within
        # the hull of the floor and the wall bases: a door's frame standing in the wall is not room
        bounds = shapely.convex_hull(shapely.MultiPoint(np.concatenate(parts))).buffer(1e-6)
        standing = 0
        for inst, obj in zip(instances, objects, strict=True):
            if self._is_structure(inst) or obj.obox is None:
                continue
            if obj.obox.min[2] <= floor_z + FLOOR_CONTACT_M:
                pts = rectangle_points(
                    box_corners(obj.obox.center, obj.obox.size, obj.obox.yaw)[:4, :2], DEFAULT_SPACING
                )
                inside = shapely.contains_xy(bounds, pts[:, 0], pts[:, 1])
                parts.append(pts[inside])
                standing += 1
        stats["room_standing_objects"] = standing
        parts.append(parts.pop(1))  # wall bases last: a point shared with the floor counts as floor
        points = np.concatenate(parts)
        boundary = np.zeros(len(points), dtype=bool)
        boundary[len(points) - len(wall_points) :] = True
        if len(wall_points):
            # floor points on the wall line bound the floor too: with the wall bases they would span
            # the outside of a reflex corner (an L-shaped room's inner corner)
            near, _ = cKDTree(wall_points).query(points, k=1, distance_upper_bound=WALL_CONTACT_M)
            boundary |= np.isfinite(near)
        shape = floor_shape(points, alpha=self.room_alpha, boundary=boundary)
        stats["room_floor_points"] = len(points)
        return RoomRecord(floor_polygon=(np.round(shape.polygon, 6) + 0.0).tolist(), area_m2=shape.area_m2)

    # ------------------------------------------------------------------ distances
    def _distances(self, instances: list[_Instance], vertices: np.ndarray) -> list[tuple[int, int, float]]:
        """Minimum distance between the mesh vertices of every two non-structure objects."""
        keep = [i for i, inst in enumerate(instances) if not self._is_structure(inst)]
        found = pairwise_point_set_distances([vertices[instances[i].vertices] for i in keep])
        out = []
        for (a, b), d in sorted(found.items()):
            ia, ib = instances[keep[a]].instance_id, instances[keep[b]].instance_id
            out.append((min(ia, ib), max(ia, ib), float(d)))
        return sorted(out)

    # ------------------------------------------------------------------ frames
    def _find_export(self, scan_id: str) -> Path | None:
        """The scan's SensReader export: `<export_root>/<scan>/`, else in place in `scans/<scan>/`."""
        for candidate in (self.export_root / scan_id, self.root / "scans" / scan_id):
            if (candidate / "pose").is_dir():
                return candidate
        return None

    def _export_dir(self, scan_id: str, scan_dir: Path) -> Path:
        found = self._find_export(scan_id)
        if found is not None:
            return found
        raise SourceError.at(
            self.export_root / scan_id / "pose",
            f"no {scan_id}.sens and no SensReader export (looked in {self.export_root / scan_id} and "
            f"{scan_dir})",
            f"put {scan_id}.sens in the scan folder, or pass --export-root",
        )

    def _frame_store(
        self, scan_id: str, scan_dir: Path, meta: dict[str, str], meta_path: Path
    ) -> ExportFrames | SensFrames:
        """The scan's `.sens` (auto: when present) or its SensReader export (`frames_from`)."""
        sens = scan_dir / f"{scan_id}.sens"
        if self.frames_from == "sens" or (self.frames_from == "auto" and sens.is_file()):
            if not sens.is_file():
                raise SourceError.at(
                    sens, "no .sens file (frames_from: sens)", "set frames_from: auto to read the export"
                )
            return SensFrames(sens, strict=self.on_error == "raise")
        return ExportFrames(self._export_dir(scan_id, scan_dir), meta, meta_path)

    def _relpath(self, path: Path) -> str:
        """Path relative to the source root when inside it (portable records), else absolute."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        resolved = path.resolve()
        try:  # e.g. an absolute --export-root inside a relative --root
            return resolved.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(resolved)

    def _frames(
        self,
        scan_id: str,
        scan_dir: Path,
        meta: dict[str, str],
        meta_path: Path,
        align: np.ndarray,
        instances: list[_Instance],
        vertices: np.ndarray,
        surface: tuple[np.ndarray, np.ndarray],
        stats: dict[str, int],
    ) -> tuple[list[FrameRecord], VideoRecord]:
        store = self._frame_store(scan_id, scan_dir, meta, meta_path)
        try:
            return self._frames_from(store, scan_id, align, instances, vertices, surface, stats)
        finally:
            store.close()

    def _frames_from(
        self,
        store: ExportFrames | SensFrames,
        scan_id: str,
        align: np.ndarray,
        instances: list[_Instance],
        vertices: np.ndarray,
        surface: tuple[np.ndarray, np.ndarray],
        stats: dict[str, int],
    ) -> tuple[list[FrameRecord], VideoRecord]:
        indices = store.indices
        k_color, k_depth = store.k_color, store.k_depth
        color_size, depth_size = store.color_size, store.depth_size
        stats.update(store.stats)

        points, owner, bounds, weights = self._visibility_inputs(scan_id, instances, vertices, surface)

        stats["frames_total"] = len(indices)
        selected = [i for i in indices if i % self.frame_stride == 0]
        stats["frames_selected"] = len(selected)
        # a colour frame without its pose file cannot be placed: count it instead of losing it silently
        unposed = store.unposed(self.frame_stride)
        if unposed:
            stats["frames_skipped_missing_pose"] = unposed
        frames: list[FrameRecord] = []
        first_error: SourceError | None = None
        # poses and depth maps are read up to four frames ahead on a thread, overlapping the depth decode
        # with the previous frame's visibility; frames are still processed one at a time, in order
        with closing(prefetched(lambda i: read_frame(store, i), selected)) as reads:
            for index, read in reads:
                try:
                    frame = self._frame(
                        store,
                        index,
                        read,
                        align,
                        k_color,
                        k_depth,
                        color_size,
                        depth_size,
                        points,
                        owner,
                        bounds,
                        weights,
                        instances,
                        stats,
                    )
                except SourceError as err:
                    first_error = first_error or err
                    self._defect(stats, _frame_reason(err), err)
                    continue
                if frame is not None:
                    frames.append(frame)
                    if color_size[0] is None:  # no size in the meta: the first image fixes it
                        color_size = (frame.width, frame.height)
        stats["frames_kept"] = len(frames)
        if not frames:
            why = _skip_summary(stats)
            detail = f" (first problem: {first_error})" if first_error else ""
            raise SourceError.at(
                store.where,
                f"no usable frames among {len(selected)} selected{why}{detail}",
                "check the export or lower --frame-stride",
            )
        video = self._video(scan_id, indices)
        return frames, video

    def _frame(
        self,
        store: ExportFrames | SensFrames,
        index: int,
        read: FrameRead,
        align: np.ndarray,
        k_color: np.ndarray,
        k_depth: np.ndarray | None,
        color_size: tuple[int | None, int | None],
        depth_size: tuple[int, int],
        points: np.ndarray,
        owner: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
        weights: tuple[np.ndarray, np.ndarray],
        instances: list[_Instance],
        stats: dict[str, int],
    ) -> FrameRecord | None:
        pose = read.pose()
        problem = pose_problem(pose)
        if problem is not None:  # lost tracking etc.: normal data, never fatal
            key = f"frames_skipped_pose_{problem}"
            stats[key] = stats.get(key, 0) + 1
            return None
        color_path = store.color_path(index)
        width, height = store.image_size(index)
        if color_size[0] is not None and (width, height) != color_size:
            raise SourceError.at(
                color_path,
                f"colour image is {width}x{height}, expected {color_size[0]}x{color_size[1]}",
                files.REEXPORT,
            )
        depth_path = store.depth_path(index)
        depth = read.depth()
        if k_depth is None:
            # no depth intrinsics anywhere: assume the depth map spans the colour field of view
            scale = np.diag([depth_size[0] / width, depth_size[1] / height, 1.0])
            k_depth = scale @ k_color
        aligned = align @ pose
        entries = self._visibility_entries(
            aligned,
            k_color,
            (width, height),
            depth.astype(np.float32) * DEPTH_SCALE,
            k_depth,
            (points, owner, bounds, weights),
            instances,
        )
        return FrameRecord(
            frame_index=index,
            timestamp=index / SENSOR_FPS,
            pose=aligned.tolist(),
            intrinsics=k_color.tolist(),
            width=width,
            height=height,
            color_path=self._relpath(color_path),
            depth_path=self._relpath(depth_path),
            visibility=entries,
        )

    def _visibility_inputs(
        self,
        scan_id: str,
        instances: list[_Instance],
        vertices: np.ndarray,
        surface: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Every object's visibility points, concatenated once per scan in object order: (points,
        owner index, per-object point bounds, (point areas, point normals)). Shared with the adapters
        of other datasets (ARKitScenes), which build `_Instance`s from their own annotations."""
        # All objects' visibility points concatenated once per scan, object index ascending.
        vis_points, vis_owner, vis_area, vis_normal = [], [], [], []
        areas, normals = surface
        for n, inst in enumerate(instances):
            idx = inst.vertices
            area = areas[idx]
            total = float(area.sum())
            if len(idx) > self.visibility_points_per_object:
                rng = self._rng(scan_id, 3, inst.instance_id)
                idx = np.sort(rng.choice(idx, self.visibility_points_per_object, replace=False))
                area = areas[idx]
                kept = float(area.sum())
                # a subset stands for the whole surface: scale its patches up to the full area
                area = area * (total / kept) if kept > 0 else area
            vis_points.append(vertices[idx])
            vis_owner.append(np.full(len(idx), n, dtype=np.int64))
            vis_area.append(area)
            vis_normal.append(normals[idx])
        points, owner = np.concatenate(vis_points), np.concatenate(vis_owner)
        weights = (np.concatenate(vis_area), np.concatenate(vis_normal))
        # per-object bounds of those points: lets each frame skip objects wholly outside its frustum
        bounds = (
            np.array([p.min(axis=0) for p in vis_points]),
            np.array([p.max(axis=0) for p in vis_points]),
        )
        return points, owner, bounds, weights

    def _visibility_entries(
        self,
        pose: np.ndarray,
        k_color: np.ndarray,
        size: tuple[int, int],
        depth_m: np.ndarray,
        k_depth: np.ndarray,
        inputs: tuple,
        instances: list[_Instance],
    ) -> list[ObjectVisibility]:
        """Per-object visibility of one frame (camera-to-world `pose`, colour `k_color` and `size`,
        depth map in metres with `k_depth`) from `_visibility_inputs`: occlusion-tested 2D boxes."""
        points, owner, bounds, weights = inputs
        vis = frame_visibility(
            points,
            owner,
            len(instances),
            pose,
            k_color,
            size,
            depth_m=depth_m,
            k_depth=k_depth,
            occlusion_tolerance=self.occlusion_tolerance,
            object_bounds=bounds,
            point_areas=weights[0],
            point_normals=weights[1],
        )
        ratio, area, pixel = vis.ratio, vis.area_frac, vis.pixel_frac
        return [
            ObjectVisibility(
                instance_id=instances[n].instance_id,
                visibility=float(ratio[n]),
                visible_points=int(vis.visible[n]),
                in_frustum_points=int(vis.in_frustum[n]),
                bbox_2d=vis.boxes[n].tolist() if vis.visible[n] > 0 else None,
                truncated=bool(vis.truncated[n]),
                area_frac=float(area[n]),
                pixel_frac=float(pixel[n]),
            )
            for n in np.flatnonzero(vis.in_frustum > 0)
        ]

    def video_path(self, scan_id: str) -> Path:
        """The scan's video file: the `video` option (template or folder), else `videos/<scan>.mp4`."""
        if self.video is None:
            return self.root / "videos" / f"{scan_id}.mp4"
        named = Path(self.video.replace("{scan}", scan_id))
        path = named if named.is_absolute() else self.root / named
        return path / f"{scan_id}.mp4" if "{scan}" not in self.video else path

    def _video(self, scan_id: str, indices: list[int]) -> VideoRecord:
        """The colour stream as a video: `videos/<scan>.mp4` when the source has one, else a frame list.

        An mp4 is taken to play the export's colour frames in index order (docs/contracts.md); its
        header gives the rate and frame count. Without one the video is every exported frame at the
        sensor rate, for the video generator to resample. With the `video` option the file must exist
        (SourceError otherwise) and the video rows show its decoded frames.
        """
        path = self.video_path(scan_id)
        if self.video is not None:
            from ladderdata.video import VideoError, open_video

            try:
                with open_video(path) as reader:
                    fps, count = reader.info.fps, len(reader.timestamps())
            except VideoError as err:
                raise SourceError.at(
                    path,
                    f"video named by the source's `video` option: {err}",
                    "write it with `ladderdata video`",
                ) from None
            return VideoRecord(
                path=self._relpath(path),
                fps=fps,
                frame_indices=indices[:count],
                sensor_fps=SENSOR_FPS,
                frames_from_video=True,
            )
        if path.is_file():
            import cv2

            cap = cv2.VideoCapture(str(path))
            try:
                fps = float(cap.get(cv2.CAP_PROP_FPS))
                count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            finally:
                cap.release()
            if fps > 0 and count > 0:
                return VideoRecord(
                    path=self._relpath(path), fps=fps, frame_indices=indices[:count], sensor_fps=SENSOR_FPS
                )
            logger.warning("%s: unreadable video header; using the frame list instead", path)
        return VideoRecord(path=None, fps=SENSOR_FPS, frame_indices=indices, sensor_fps=SENSOR_FPS)

    def color_frames(self, scan_id: str) -> Iterator[tuple[int, bytes]]:
        """Every colour frame of the scan in index order: (frame index, JPEG bytes as stored), from the
        scan's `.sens` when its frames come from there (dropped sensor frames left out), else from the
        export."""
        check_scan_id(scan_id, str(self.root / "scans"))
        sens = self._sens_file(scan_id)
        if sens is not None:
            with SensFile(sens) as f:
                for index in range(f.frames):
                    if f.has_image(index):
                        yield index, f.color_bytes(index)
            return
        export = self._export_dir(scan_id, self.root / "scans" / scan_id)
        color = export / "color"
        indices = sorted(int(p.stem) for p in color.glob("*.jpg") if p.stem.isdigit())
        if not indices:
            raise SourceError.at(color, "export has no colour images", files.REEXPORT)
        for index in indices:
            path = color / f"{index}.jpg"
            try:
                yield index, path.read_bytes()
            except OSError as err:
                raise SourceError.at(
                    path, f"cannot read colour image ({err.strerror})", files.REEXPORT
                ) from None


_SKIP_WORDS = {
    "frames_skipped_pose_non_finite": "a non-finite pose (lost tracking: -inf/NaN)",
    "frames_skipped_pose_not_orthonormal": "a pose whose rotation is not orthonormal",
    "frames_skipped_pose_bad_last_row": "a pose whose last row is not 0 0 0 1",
    "frames_skipped_pose_bad_shape": "a pose that is not 4x4",
    "frames_skipped_missing_pose": "a colour image but no pose file",
    "frames_skipped_bad_color": "a missing or unreadable colour image",
    "frames_skipped_bad_depth": "a missing or bad depth image",
    "frames_skipped_bad_pose_file": "an unreadable pose file",
    "frames_skipped_other": "another problem",
}


def _skip_summary(stats: dict[str, int]) -> str:
    """`: 150 with a non-finite pose (lost tracking: -inf/NaN), ...` from the frame skip counters."""
    parts = [
        f"{n} with {_SKIP_WORDS.get(key, key.removeprefix('frames_skipped_').replace('_', ' '))}"
        for key, n in sorted(stats.items())
        if key.startswith("frames_skipped_") and n
    ]
    return f": {', '.join(parts)}" if parts else ""


def _frame_reason(err: SourceError) -> str:
    """Stats key of a frame defect, from the file it names."""
    path = err.path or ""
    if "/depth/" in path or ".sens#depth/" in path:
        return "frames_skipped_bad_depth"
    if "/color/" in path or ".sens#color/" in path:
        return "frames_skipped_bad_color"
    if "/pose/" in path:
        return "frames_skipped_bad_pose_file"
    return "frames_skipped_other"
