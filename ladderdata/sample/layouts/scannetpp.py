"""The procedural sample in ScanNet++'s release layout (reference/scannetpp-format.md).

```
<out>/data/<scene>/scans/mesh_aligned_0.05.ply     the room mesh in the aligned frame (z up, metres)
                   scans/segments.json             {"sceneId", "segIndices"}
                   scans/segments_anno.json        {"sceneId", "segGroups": [{id, objectId, label, segments, obb}]}
                   iphone/rgb.mkv                  H.264 (libx264 through PyAV), VIDEO_SIZE, 3 fps
                   iphone/pose_intrinsic_imu.json  {"frame_%06d": {aligned_pose, intrinsic, timestamp}}
                   iphone/depth.bin                per-frame blocks: uint32 size + LZ4 block of uint16 mm
                   iphone/rgb/frame_%06d.jpg       the video's frames as the toolkit extracts them
<out>/splits/nvs_sem_train.txt
<out>/truth/<scene>/objects.json, frames.json; <out>/truth/sample.json; <out>/LICENSE.txt (CC0)
```

Scene ids are `fa` + 8 hex digits of the scan index (`fa00000000`, ...; ScanNet++ ids are 10 hex
characters). Scan i is the room of the ScanNet-layout sample's scan i (same frames and seed): the mesh,
segments and segGroups are the same (walls and floor included, as ScanNet++ annotates them); objects carry
an `obb` from the generator's boxes. Video frame k is exported frame k of the ScanNet layout (sensor frame
10k, so the video plays at 3 fps); frames whose tracking is lost have no pose key. The video is
VIDEO_SIZE (half the iPhone's 1920x1440, to keep rendering cheap) with the ScanNet colour camera's field
of view; `intrinsic` is the K of the written video. depth.bin is written as current v2 releases ship it
(length-prefixed LZ4 blocks of uint16 millimetres, reference/scannetpp-format.md §4); `write_scan`'s
`depth_encoding` also writes the official decoder's two DEFLATE float32-metre encodings (DEPTH_ENCODINGS).
"""

from __future__ import annotations

import json
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import cv2
import lz4.block
import numpy as np

from ladderdata.errors import ConfigError
from ladderdata.sample.generate import COLOR_SIZE, K_COLOR, MAX_DEPTH, Progress, SampleSpec
from ladderdata.sample.layouts.common import replay_scan
from ladderdata.sample.writer import write_ply

DEPTH_SIZE = (256, 192)
"""ScanNet++ iPhone LiDAR depth (width, height): reference/scannetpp-format.md."""
VIDEO_SIZE = (960, 720)
VIDEO_FPS = 3
JPEG_QUALITY = 95
DEPTH_ENCODINGS = ("lz4", "deflate-blocks", "deflate-whole")
"""depth.bin encodings (reference/scannetpp-format.md §4): per-frame LZ4 uint16 mm blocks (current v2
releases, the default), per-frame raw-DEFLATE float32 metre blocks, one whole-file raw-DEFLATE float32
stream (older releases)."""


def scene_id_for(index: int) -> str:
    """ScanNet++-style 10-hex-character scene id of the index-th sample scan."""
    return f"fa{index:08x}"


def video_intrinsics() -> np.ndarray:
    """K of the VIDEO_SIZE frames: the ScanNet colour camera scaled (same field of view)."""
    sx, sy = VIDEO_SIZE[0] / COLOR_SIZE[0], VIDEO_SIZE[1] / COLOR_SIZE[1]
    k = K_COLOR.copy()
    k[0, 0] *= sx
    k[1, 1] *= sy
    k[0, 2] = (K_COLOR[0, 2] + 0.5) * sx - 0.5
    k[1, 2] = (K_COLOR[1, 2] + 0.5) * sy - 0.5
    return np.round(k, 6)


def _groups(scan) -> list[dict]:
    truth = {o["instance_id"]: o for o in scan.truth_objects()}
    groups = []
    for inst in scan.mesh.instances:
        entry: dict = {
            "id": inst.id,
            "objectId": inst.id,
            "label": inst.label,
            "segments": [int(s) for s in scan.mesh.instance_segments[inst.id]],
        }
        obj = truth[inst.id]
        if obj["kind"] == "object":
            yaw = obj["yaw"]
            axes = [np.cos(yaw), np.sin(yaw), 0.0, -np.sin(yaw), np.cos(yaw), 0.0, 0.0, 0.0, 1.0]
            entry["obb"] = {
                "centroid": obj["center"],
                "axesLengths": obj["size"],
                "normalizedAxes": [round(float(v), 9) for v in axes],
            }
        groups.append(entry)
    return groups


def write_scan(
    out: Path,
    index: int,
    spec: SampleSpec,
    progress: Progress | None = None,
    *,
    depth_encoding: str = "lz4",
) -> str:
    """Write scan `index` of `spec` in ScanNet++ layout under `out`; returns its scene id.

    `depth_encoding` is one of DEPTH_ENCODINGS (the same millimetre depth in each).
    """
    import av

    if depth_encoding not in DEPTH_ENCODINGS:
        raise ConfigError(f"depth_encoding {depth_encoding!r} is not one of {', '.join(DEPTH_ENCODINGS)}")

    scan = replay_scan(index, spec)
    scene_id = scene_id_for(index)
    scene = out / "data" / scene_id
    scans, iphone, truth = scene / "scans", scene / "iphone", out / "truth" / scene_id
    for d in (scans, iphone / "rgb", truth):
        d.mkdir(parents=True, exist_ok=True)
    write_ply(
        scans / "mesh_aligned_0.05.ply",
        scan.mesh.vertices.astype(np.float32),
        scan.mesh.colours,
        scan.mesh.faces,
    )
    (scans / "segments.json").write_text(
        json.dumps(
            {"sceneId": scene_id, "segIndices": [int(s) for s in scan.mesh.segments]}, separators=(",", ":")
        ),
        encoding="utf-8",
    )
    (scans / "segments_anno.json").write_text(
        json.dumps({"sceneId": scene_id, "segGroups": _groups(scan)}, indent=1), encoding="utf-8"
    )

    k = video_intrinsics()
    w, h = VIDEO_SIZE
    k_depth = np.diag([DEPTH_SIZE[0] / w, DEPTH_SIZE[1] / h, 1.0]) @ k
    to_mesh = scan.to_mesh
    poses: dict[str, dict] = {}
    depths = []
    container = av.open(str(iphone / "rgb.mkv"), mode="w", format="matroska")
    try:
        stream = container.add_stream("libx264", rate=Fraction(VIDEO_FPS, 1))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        # one thread and fixed settings: x264's output bytes then depend only on the input
        stream.options = {"crf": "18", "preset": "fast", "threads": "1"}
        for pos in range(len(scan.frame_indices)):
            pose = np.round(scan.poses_aligned[pos], 9)
            image, _ = scan.renderer.colour(to_mesh @ pose, k, w, h, frame_seed=int(scan.frame_indices[pos]))
            depth_mm = scan.renderer.depth(to_mesh @ pose, k_depth, *DEPTH_SIZE, max_depth=MAX_DEPTH)
            depths.append(depth_mm)
            frame = av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
            if pos not in scan.invalid:
                poses[f"frame_{pos:06d}"] = {
                    "aligned_pose": pose.tolist(),
                    "intrinsic": k.tolist(),
                    "timestamp": round(pos / VIDEO_FPS, 6),
                }
            if progress is not None:
                progress(scene_id, pos + 1, spec.frames)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    (iphone / "pose_intrinsic_imu.json").write_text(json.dumps(poses, indent=1), encoding="utf-8")
    (iphone / "depth.bin").write_bytes(encode_depth(depths, depth_encoding))
    _extract_frames(iphone / "rgb.mkv", iphone / "rgb")

    splits = out / "splits"
    splits.mkdir(exist_ok=True)
    with open(splits / "nvs_sem_train.txt", "a", encoding="utf-8") as fh:
        fh.write(scene_id + "\n")
    from shapely.geometry import Polygon

    doc = {
        "scene_id": scene_id,
        "scannet_scan_id": scan.scannet_scan_id,
        "scene_type": scan.room.scene_type,
        "floor_polygon": [[round(x, 6), round(y, 6)] for x, y in scan.room.floor],
        "floor_area_m2": round(Polygon(scan.room.floor).area, 6),
        "objects": scan.truth_objects(),
    }
    (truth / "objects.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    frames_doc = {
        "scene_id": scene_id,
        "video_fps": VIDEO_FPS,
        "scannet_frame_indices": [int(f) for f in scan.frame_indices],
        "invalid_pose_frames": sorted(scan.invalid),
    }
    (truth / "frames.json").write_text(
        json.dumps(frames_doc, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return scene_id


def _extract_frames(video: Path, folder: Path) -> None:
    """What the toolkit's `ffmpeg -i rgb.mkv -start_number 0 rgb/frame_%06d.jpg` writes: every frame."""
    from ladderdata.video import open_video

    with open_video(video) as reader:
        for k, (_, rgb) in enumerate(reader.frames_at(reader.timestamps())):
            ok, buf = cv2.imencode(
                ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
            )
            (folder / f"frame_{k:06d}.jpg").write_bytes(buf.tobytes())


def encode_depth(frames_mm: list[np.ndarray], encoding: str = "lz4") -> bytes:
    """The bytes of a depth.bin holding `frames_mm` (uint16 millimetres, 192x256) in `encoding`.

    DEFLATE encodings store float32 metres = millimetres / 1000 (exactly what the reader's LZ4 path
    returns for the same millimetres, so the three encodings decode to identical depth).
    """
    if encoding not in DEPTH_ENCODINGS:
        raise ConfigError(f"depth encoding {encoding!r} is not one of {', '.join(DEPTH_ENCODINGS)}")
    mm = [np.ascontiguousarray(f, dtype="<u2") for f in frames_mm]
    if encoding == "deflate-whole":
        return _deflate(np.stack(mm).astype(np.float32) / np.float32(1000))
    out = bytearray()
    for frame in mm:
        if encoding == "lz4":
            block = lz4.block.compress(frame.tobytes(), store_size=False)
        else:
            block = _deflate(frame.astype(np.float32) / np.float32(1000))
        out += struct.pack("<I", len(block)) + block
    return bytes(out)


def _deflate(metres: np.ndarray) -> bytes:
    """Raw DEFLATE (no zlib header, wbits=-15) of little-endian float32 metres."""
    comp = zlib.compressobj(level=6, wbits=-15)
    return comp.compress(np.ascontiguousarray(metres, dtype="<f4").tobytes()) + comp.flush()
