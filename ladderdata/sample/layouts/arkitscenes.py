"""The procedural sample in ARKitScenes' 3DOD layout (reference/arkitscenes-format.md).

```
<out>/3dod/metadata.csv                     video_id,visit_id,fold,sky_direction
<out>/3dod/Training/<video>/<video>_3dod_annotation.json      obbAligned boxes of the room's objects
                            <video>_3dod_mesh.ply             the room mesh in the "ARKit world" frame
                            <video>_frames/lowres_wide.traj   world-to-camera: ts rx ry rz tx ty tz
                            <video>_frames/lowres_wide/<video>_<ts>.png         RGB 256x192
                            <video>_frames/lowres_depth/<video>_<ts>.png        uint16 mm 256x192
                            <video>_frames/lowres_wide_intrinsics/<video>_<ts>.pincam
<out>/truth/<video>/objects.json, frames.json, instance/<position>.png (upright)
<out>/truth/sample.json, <out>/LICENSE.txt (CC0)
```

Video ids are `90000000 + scan index` (outside ARKitScenes' 4xxxxxxx range). Scan i is the room of the
ScanNet-layout sample's scan i with the same (frames, seed): same mesh, camera walk and lost-tracking
burst. The ARKit world is that sample's mesh frame (z up, turned about z and shifted from the room's
axes; `truth/<video>/objects.json` keeps `axis_alignment`, mesh -> aligned). Frames are rendered at
256x192 with the ScanNet colour camera's field of view, at the ScanNet export's times (timestamps
`1200 + sensor frame / 30` s, named with 3 decimals, posed in the .traj with 8); frames whose tracking is
lost keep their images but have no .traj line. Scan 1 is held rotated: its `sky_direction` is `Left`,
so its stored frames are the upright (portrait) view turned 90 degrees counter-clockwise, as the sensor
records a phone held upright; every other scan is `Up`. Object labels are the generator's own (ARKitScenes
annotates 17 classes; the sample keeps every object so that its layouts can be compared).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from ladderdata.geometry.upright import upright_for_sky
from ladderdata.sample.generate import COLOR_SIZE, K_COLOR, MAX_DEPTH, Progress, SampleSpec
from ladderdata.sample.layouts.common import replay_scan
from ladderdata.sample.writer import encode_png16, write_ply

VIDEO_ID_BASE = 90_000_000
LOWRES_SIZE = (256, 192)
TIME_ORIGIN_S = 1200.0
SENSOR_FPS = 30.0
"""Clock of the ScanNet sample's frame numbers (its camera walk is defined on it)."""
ROTATED_SCAN = 1
"""Index of the scan recorded with the phone held so that the sky is on the stored image's left."""


def video_id_for(index: int) -> str:
    """ARKitScenes-style 8-digit video id of the index-th sample scan."""
    return f"{VIDEO_ID_BASE + index:08d}"


def sky_for(index: int) -> str:
    """sky_direction of the index-th scan: `Left` for ROTATED_SCAN, else `Up`."""
    return "Left" if index == ROTATED_SCAN else "Up"


def lowres_intrinsics() -> np.ndarray:
    """K of the 256x192 frames: the ScanNet colour camera scaled (same field of view)."""
    sx, sy = LOWRES_SIZE[0] / COLOR_SIZE[0], LOWRES_SIZE[1] / COLOR_SIZE[1]
    k = K_COLOR.copy()
    k[0, 0] *= sx
    k[1, 1] *= sy
    k[0, 2] = (K_COLOR[0, 2] + 0.5) * sx - 0.5
    k[1, 2] = (K_COLOR[1, 2] + 0.5) * sy - 0.5
    return np.round(k, 6)


def traj_line(ts: float, camera_to_world: np.ndarray) -> tuple[str, np.ndarray]:
    """(`ts rx ry rz tx ty tz` of the world-to-camera transform, the camera-to-world pose it states)."""
    rot_wc = camera_to_world[:3, :3].T
    t_wc = -rot_wc @ camera_to_world[:3, 3]
    rvec, _ = cv2.Rodrigues(rot_wc)
    r = np.round(rvec.reshape(3), 12)
    t = np.round(t_wc, 9)
    line = f"{ts:.8f} " + " ".join(f"{v:.12f}" for v in r) + " " + " ".join(f"{v:.9f}" for v in t)
    back, _ = cv2.Rodrigues(r)
    pose = np.eye(4)
    pose[:3, :3] = back.T
    pose[:3, 3] = -back.T @ t
    return line, pose


def _annotation(video_id: str, scan, to_mesh: np.ndarray) -> dict:
    data = []
    for obj in scan.truth_objects():
        if obj["kind"] != "object":
            continue
        yaw = obj["yaw"]
        axes_aligned = np.array(
            [[np.cos(yaw), np.sin(yaw), 0.0], [-np.sin(yaw), np.cos(yaw), 0.0], [0.0, 0.0, 1.0]]
        )
        axes = axes_aligned @ to_mesh[:3, :3].T  # each row turned into the mesh frame
        centre = to_mesh[:3, :3] @ np.asarray(obj["center"]) + to_mesh[:3, 3]
        data.append(
            {
                "uid": f"{video_id}-{obj['instance_id']}",
                "label": obj["label"],
                "objectId": obj["instance_id"],
                "modelId": None,
                "children": [],
                "hierarchy": 0,
                "isInGroup": False,
                "labelType": "object",
                "attributes": {},
                "segments": {
                    "obbAligned": {
                        "centroid": [round(float(v), 6) for v in centre],
                        "axesLengths": [round(float(v), 6) for v in obj["size"]],
                        "normalizedAxes": [round(float(v), 9) for v in axes.reshape(-1)],
                    }
                },
            }
        )
    return {"skipped": False, "comment": "", "confirm": True, "stats": {"objects": len(data)}, "data": data}


def write_scan(out: Path, index: int, spec: SampleSpec, progress: Progress | None = None) -> str:
    """Write scan `index` of `spec` in ARKitScenes 3DOD layout under `out`; returns its video id."""
    scan = replay_scan(index, spec)
    video_id = video_id_for(index)
    sky = sky_for(index)
    to_mesh = scan.to_mesh
    root = out / "3dod"
    video_dir = root / "Training" / video_id
    frames_dir = video_dir / f"{video_id}_frames"
    truth = out / "truth" / video_id
    for d in (frames_dir / "lowres_wide", frames_dir / "lowres_depth", frames_dir / "lowres_wide_intrinsics"):
        d.mkdir(parents=True, exist_ok=True)
    (truth / "instance").mkdir(parents=True, exist_ok=True)

    write_ply(video_dir / f"{video_id}_3dod_mesh.ply", scan.verts_mesh, scan.mesh.colours, scan.mesh.faces)
    (video_dir / f"{video_id}_3dod_annotation.json").write_text(
        json.dumps(_annotation(video_id, scan, to_mesh), indent=1) + "\n", encoding="utf-8"
    )
    k = lowres_intrinsics()
    w, h = LOWRES_SIZE
    turn = upright_for_sky(sky, w, h)
    hold = np.eye(4)
    hold[:3, :3] = turn.camera_rotation  # upright camera -> the sensor as the phone held it
    pincam = f"{w} {h} {k[0, 0]:.6f} {k[1, 1]:.6f} {k[0, 2]:.6f} {k[1, 2]:.6f}\n"
    lines, poses_up, timestamps = [], {}, []
    for pos, fi in enumerate(scan.frame_indices):
        ts = round(TIME_ORIGIN_S + float(fi) / SENSOR_FPS, 3)
        name = f"{video_id}_{ts:.3f}"
        line, sensor_pose = traj_line(ts, to_mesh @ scan.poses_aligned[pos] @ hold)
        image, mask = scan.renderer.colour(sensor_pose, k, w, h, frame_seed=int(fi))
        depth = scan.renderer.depth(sensor_pose, k, w, h, max_depth=MAX_DEPTH)
        ok, buf = cv2.imencode(".png", image)
        (frames_dir / "lowres_wide" / f"{name}.png").write_bytes(buf.tobytes())
        (frames_dir / "lowres_depth" / f"{name}.png").write_bytes(encode_png16(depth))
        (frames_dir / "lowres_wide_intrinsics" / f"{name}.pincam").write_text(pincam, encoding="utf-8")
        (truth / "instance" / f"{pos}.png").write_bytes(encode_png16(turn.image(mask)))
        timestamps.append(ts)
        if pos not in scan.invalid:
            lines.append(line)
            poses_up[str(pos)] = np.round(scan.align @ turn.pose(sensor_pose), 9).tolist()
        if progress is not None:
            progress(video_id, pos + 1, spec.frames)
    (frames_dir / "lowres_wide.traj").write_text("\n".join(lines) + "\n", encoding="utf-8")

    meta = root / "metadata.csv"
    if not meta.is_file():
        meta.write_text("video_id,visit_id,fold,sky_direction\n", encoding="utf-8")
    with open(meta, "a", encoding="utf-8") as fh:
        fh.write(f"{video_id},{VIDEO_ID_BASE // 10 + index},Training,{sky}\n")

    floor = [[round(x, 6), round(y, 6)] for x, y in scan.room.floor]
    from shapely.geometry import Polygon

    doc = {
        "video_id": video_id,
        "scannet_scan_id": scan.scannet_scan_id,
        "scene_type": scan.room.scene_type,
        "axis_alignment": scan.align.tolist(),
        "floor_polygon": floor,
        "floor_area_m2": round(Polygon(scan.room.floor).area, 6),
        "objects": scan.truth_objects(),
    }
    (truth / "objects.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    frames_doc = {
        "video_id": video_id,
        "sky_direction": sky,
        "timestamps": timestamps,
        "scannet_frame_indices": [int(f) for f in scan.frame_indices],
        "invalid_pose_positions": sorted(scan.invalid),
        "poses_aligned_upright": poses_up,
        "upright_size": list(turn.size),
        "upright_intrinsics": np.round(turn.intrinsics(k), 9).tolist(),
        "instance_mask": "instance/<position>.png: upright, uint16, object id + 1, 0 = no surface",
    }
    (truth / "frames.json").write_text(
        json.dumps(frames_doc, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return video_id
