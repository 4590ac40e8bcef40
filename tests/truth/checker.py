"""An independent truth checker: re-derives every QA row's answer from the procedural sample's ground truth.

It reads only the sample's `truth/` (the generator's yaw-rotated object boxes, floor polygon, aligned
poses, per-pixel instance masks) and raw files (mesh, segments, aggregation, scene `.txt`; in the
ScanNet++ and ARKitScenes layouts their own files: tests/truth/layouts.py), never the scene records,
and imports nothing from ladderdata: every rule of reference/question-rules.md is
written again here from the text, so a bug in the project's geometry cannot hide in both.

What a row is checked against (`check_row`):
- object count: the truth's instances of the category;
- object size: the longest side of the truth's oriented box, in cm;
- absolute / relative distance: minimum distance between the two objects' mesh vertices (scipy
  cKDTree over the raw PLY, aligned with the scene's axisAlignment); a category's distance is to its
  closest instance; the refusal thresholds (0.2 m; 0.15 / 0.30 m margins; 0.15 m closest) must hold;
- room size: the truth floor polygon's area;
- relative direction, allocentric: truth box centres in the floor plane, sectors and every refusal
  rule (10 degree margins, 0.3..5 m pairs, corners, 0.3 m standpoint footprints, easy back half);
- relative direction, camera-centric: truth box corners in the frame's upright camera frame; exactly the
  answered direction(s) must hold (extents disjoint on that axis);
- appearance order: first frame of the video (on the video's own clock: ScanNet layout, position / the
  mp4's fps) whose truth instance mask covers 1 % of the image; gaps of 1 s; four different first
  frames among the frames the row shows, in order.

A row *agrees* when the truth gives its answer and no refusal rule fires. It is a *rounding tie*
when it agrees only after moving the truth value by the measurement tolerance (`TOLERANCE`: the
float32 mesh, 6-decimal files, the alpha shape's corner triangles, the 1 % threshold): the row's
answer is one of the answers the truth allows within that tolerance. A row that disagrees with the
truth but agrees with the dataset's own definition of its objects, re-derived here from the dataset's
raw annotation (`ScanTruth.dataset_view`; only ARKitScenes has one: its objects are oriented boxes,
tests/truth/layouts.py says why and how far that lies from the mesh truth) is counted as *dataset*.
Anything else *disagrees*.

Layouts: `TruthScan` reads the ScanNet-layout sample; tests/truth/layouts.py reads the same rooms in
ScanNet++'s and ARKitScenes' layouts (`ladderdata sample --layout`), mapping the rows' frame ids through
each dataset's own conventions.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml
from scipy.spatial import cKDTree

TOLERANCE = {
    "size_m": 0.001,
    "distance_m": 1e-4,
    "area_m2": 0.01,
    "angle_deg": 0.5,
    "camera_gap_m": 0.01,
    "pixel_share_factor": 1.25,
}
"""How far a truth value may move to count a disagreement as a rounding tie."""

DECIMALS = {"single_image": 2, "multi_view": 1, "video": 1}
"""Distance decimals per data type (question-rules.md: 0.1 m; single image keeps 2)."""
LETTERS = "ABCDEFGH"


def round_half_up(value: float, decimals: int) -> str:
    """Plain number text, half-up, trailing zeros dropped."""
    q = Decimal(1).scaleb(-decimals)
    text = format(Decimal(f"{value:.12g}").quantize(q, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def roundings(value: float, eps: float, decimals: int, scale: float = 1.0) -> set[str]:
    """Every rounded text of a value within +-eps (scaled after moving)."""
    return {round_half_up((value + d) * scale, decimals) for d in np.linspace(-eps, eps, 41)}


# --- raw files ---------------------------------------------------------------------------------------


def read_ply_vertices(path: Path) -> np.ndarray:
    """xyz (N, 3) of a binary little-endian PLY whose vertex properties are float xyz then uchars."""
    data = path.read_bytes()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    header = data[:end].decode("ascii").splitlines()
    n = next(int(line.split()[2]) for line in header if line.startswith("element vertex"))
    props = []
    in_vertex = False
    for line in header:
        if line.startswith("element"):
            in_vertex = line.startswith("element vertex")
        elif line.startswith("property") and in_vertex:
            kind, name = line.split()[1], line.split()[2]
            props.append((name, {"float": "<f4", "uchar": "u1", "double": "<f8"}[kind]))
    verts = np.frombuffer(data, dtype=np.dtype(props), count=n, offset=end)
    return np.stack([verts["x"], verts["y"], verts["z"]], axis=1).astype(np.float64)


def read_alignment(path: Path) -> np.ndarray:
    """axisAlignment of a scene `.txt` as a 4x4 matrix."""
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "axisAlignment":
            return np.array([float(v) for v in value.split()]).reshape(4, 4)
    raise AssertionError(f"{path}: no axisAlignment")


def normalize_label(raw: str) -> str:
    """Lower case, whitespace collapsed: how a label map's keys are matched (manifests/labels/*.yaml)."""
    return " ".join(str(raw).split()).lower()


def read_label_map(path: Path | None) -> dict[str, str]:
    """A build's label map (`labels:` mapping of raw label -> vocabulary name); {} when none."""
    if path is None:
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("labels"), dict):
        data = data["labels"]
    return {normalize_label(k): str(v).strip() for k, v in data.items()}


def scannet_groups(scan_dir: Path, scan_id: str) -> dict[int, np.ndarray]:
    """Vertex indices of every segGroup of a ScanNet-layout scan (instance id -> indices)."""
    agg = json.loads((scan_dir / f"{scan_id}.aggregation.json").read_text(encoding="utf-8"))
    segs_name = agg["segmentsFile"].removeprefix("scannet.")
    seg = np.asarray(json.loads((scan_dir / segs_name).read_text(encoding="utf-8"))["segIndices"])
    return {g["objectId"]: np.flatnonzero(np.isin(seg, g["segments"])) for g in agg["segGroups"]}


def mask_shares(path: Path, n_ids: int) -> np.ndarray:
    """(n_ids,) share of the image's pixels each instance covers in a truth mask (uint16, id + 1)."""
    mask = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert mask is not None, f"{path}: no truth mask"
    counts = np.bincount(mask.reshape(-1), minlength=n_ids + 1)[1 : n_ids + 1]
    return counts / mask.size


class ScanTruth:
    """One scan's ground truth in the aligned frame, whatever layout it was written in.

    Shared by every layout: the truth objects (`truth/<scan>/objects.json`: the generator's yaw-rotated
    boxes and floor polygon, aligned frame), their labels through the build's label map, point-set
    distances and box geometry. Each layout supplies the per-instance mesh vertices (aligned frame) and
    its frames: which frames the video plays (`clip`), when (`time`), what each shows (`shares`, from
    the truth instance masks) and from where (`pose`, the upright camera-to-world in the aligned frame),
    all keyed by the frame id the rows carry.
    """

    layout = ""

    def __init__(self, root: Path, scan_id: str, label_map: dict[str, str] | None = None) -> None:
        self.root = Path(root)
        self.scan_id = scan_id
        self.label_map = label_map or {}
        self._trees: dict[int, cKDTree] = {}
        self._shares: dict[int, np.ndarray] = {}

    @property
    def truth_dir(self) -> Path:
        return self.root / "truth" / self.scan_id

    @cached_property
    def doc(self) -> dict[str, Any]:
        return json.loads((self.truth_dir / "objects.json").read_text(encoding="utf-8"))

    @cached_property
    def objects(self) -> dict[int, dict[str, Any]]:
        return {o["instance_id"]: o for o in self.doc["objects"]}

    def label(self, iid: int) -> str:
        """The object's label as the build names it (the raw label through the build's label map)."""
        raw = self.objects[iid]["label"]
        return self.label_map.get(normalize_label(raw), raw)

    def instances_of(self, label: str) -> list[int]:
        return sorted(i for i in self.objects if self.label(i) == label)

    def the(self, label: str) -> int:
        (iid,) = self.instances_of(label)
        return iid

    @property
    def vertices(self) -> dict[int, np.ndarray]:
        """Aligned mesh vertices of every instance (instance id -> (N, 3))."""
        raise NotImplementedError

    def distance(self, a: int, b: int) -> float:
        """Minimum distance between two instances' mesh vertices."""
        pa, pb = self.vertices[a], self.vertices[b]
        if len(pa) > len(pb):
            a, b, pa, pb = b, a, pb, pa
        if b not in self._trees:
            self._trees[b] = cKDTree(pb)
        return float(self._trees[b].query(pa, k=1)[0].min())

    def category_distance(self, primary: int, label: str) -> float:
        return min(self.distance(primary, i) for i in self.instances_of(label))

    def longest_side(self, iid: int) -> float:
        """Longest side of the object's box (the truth's oriented box)."""
        return max(self.objects[iid]["size"])

    def area_bounds(self) -> tuple[float, float]:
        """Room areas (m^2) a row may round from: the truth floor polygon's area within TOLERANCE."""
        area = float(self.doc["floor_area_m2"])
        return area - TOLERANCE["area_m2"], area + TOLERANCE["area_m2"]

    definition = "truth"
    """What this view's objects are (a dataset view names the dataset's definition)."""

    def dataset_view(self) -> ScanTruth | None:
        """The scan as the dataset itself defines its objects, where that differs from the mesh truth
        (ARKitScenes: mesh vertices inside annotated boxes); None where the truth is the definition."""
        return None

    def corners(self, iid: int) -> np.ndarray:
        """8 corners of the truth oriented box (bottom 4 first)."""
        o = self.objects[iid]
        c, s, yaw = np.array(o["center"]), np.array(o["size"]), o["yaw"]
        signs = np.array([[-1, -1, -1], [1, -1, -1], [1, 1, -1], [-1, 1, -1]] * 2, dtype=float)
        signs[4:, 2] = 1
        rot = np.array([[math.cos(yaw), -math.sin(yaw), 0], [math.sin(yaw), math.cos(yaw), 0], [0, 0, 1]])
        return (signs * s / 2) @ rot.T + c

    def footprint_gap(self, a: int, b: int) -> float:
        """Floor-plane distance between two truth footprints (rectangles; 0 when they overlap)."""
        pa, pb = self.corners(a)[:4, :2], self.corners(b)[:4, :2]
        if _overlap(pa, pb):
            return 0.0
        # two disjoint convex polygons: the closest pair has a vertex of one of them
        return min(
            min(_seg_dist(p, q1, q2) for p in pa for q1, q2 in _edges(pb)),
            min(_seg_dist(p, q1, q2) for p in pb for q1, q2 in _edges(pa)),
        )

    # --- frames (per layout) ------------------------------------------------------------------------
    @property
    def clip(self) -> list[int]:
        """Frame ids of the video the rows are about, in playing order."""
        raise NotImplementedError

    def time(self, frame: int) -> float:
        """Seconds from the clip's start to the frame, on the video's own clock."""
        raise NotImplementedError

    def shares(self, frame: int) -> np.ndarray:
        """(max id + 2,) share of the frame's pixels each instance covers (index = instance id)."""
        if frame not in self._shares:
            self._shares[frame] = mask_shares(self._mask_path(frame), max(self.objects) + 2)
        return self._shares[frame]

    def _mask_path(self, frame: int) -> Path:
        raise NotImplementedError

    def pose(self, frame: int) -> np.ndarray:
        """Upright camera-to-world 4x4 of the frame in the aligned frame (OpenCV camera axes)."""
        raise NotImplementedError


class TruthScan(ScanTruth):
    """A scan of the ScanNet-layout sample: vertices from `<scan>_vh_clean_2.ply` x axisAlignment and the
    segGroups; frame ids are exported frame numbers; the clip is every exported frame at the mp4's rate
    (truth `video.fps`); masks `truth/<scan>/instance/<frame>.png`; poses the truth's `poses_aligned`."""

    layout = "scannet"

    @cached_property
    def frames(self) -> dict[str, Any]:
        return json.loads((self.truth_dir / "frames.json").read_text(encoding="utf-8"))

    @cached_property
    def aligned_mesh(self) -> np.ndarray:
        scan = self.root / "scans" / self.scan_id
        xyz = read_ply_vertices(scan / f"{self.scan_id}_vh_clean_2.ply")
        align = read_alignment(scan / f"{self.scan_id}.txt")
        return xyz @ align[:3, :3].T + align[:3, 3]

    @cached_property
    def groups(self) -> dict[int, np.ndarray]:
        return scannet_groups(self.root / "scans" / self.scan_id, self.scan_id)

    @cached_property
    def vertices(self) -> dict[int, np.ndarray]:
        return {i: self.aligned_mesh[idx] for i, idx in self.groups.items()}

    @cached_property
    def clip(self) -> list[int]:
        return list(self.frames["frame_indices"])

    @cached_property
    def clip_fps(self) -> float:
        return float(self.frames["video"]["fps"])

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {f: k for k, f in enumerate(self.clip)}

    def time(self, frame: int) -> float:
        return self._positions[frame] / self.clip_fps

    def _mask_path(self, frame: int) -> Path:
        return self.truth_dir / "instance" / f"{frame}.png"

    def pose(self, frame: int) -> np.ndarray:
        return np.asarray(self.frames["poses_aligned"][str(frame)], dtype=np.float64)


def _edges(poly: np.ndarray):
    return [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]


def _seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = float(np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-18), 0.0, 1.0))
    return float(np.linalg.norm(p - (a + t * ab)))


def _overlap(pa: np.ndarray, pb: np.ndarray) -> bool:
    """Separating-axis test of two convex quadrilaterals."""
    for poly in (pa, pb):
        for a, b in _edges(poly):
            axis = np.array([-(b - a)[1], (b - a)[0]])
            ra, rb = pa @ axis, pb @ axis
            if ra.max() < rb.min() or rb.max() < ra.min():
                return False
    return True


# --- rows ----------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    status: str  # agree | tie | disagree
    detail: str = ""


def _answer_text(row: dict[str, Any]) -> str:
    texts = [o.split(". ", 1)[1] for o in row["options"]]
    return texts[LETTERS.index(row["answer"])]


def _labels(row: dict[str, Any]) -> list[str]:
    """The categories the row names, in the order its reference lists them; each must be in the text."""
    labels = [o["label"] for o in row["reference"]["objects"]]
    for lab in labels:
        assert lab in row["question"], (lab, row["question"])
    return labels


def _judge(answer: str, exact: str, allowed: set[str], detail: str) -> Verdict:
    if answer == exact:
        return Verdict("agree")
    if answer in allowed:
        return Verdict("tie", detail)
    return Verdict("disagree", detail)


def check_count(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    label = row["reference"]["category"]
    assert label in row["question"]
    truth = len(scan.instances_of(label))
    return _judge(row["answer"], str(truth), set(), f"{label}: truth {truth}, row {row['answer']}")


def check_size(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    (label,) = _labels(row)
    longest = scan.longest_side(scan.the(label))
    exact = round_half_up(longest * 100, 0)
    allowed = roundings(longest, TOLERANCE["size_m"], 0, 100.0)
    return _judge(
        row["answer"], exact, allowed, f"{label}: truth {longest * 100:.2f} cm, row {row['answer']}"
    )


def check_absolute_distance(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    a, b = _labels(row)
    d = scan.distance(scan.the(a), scan.the(b))
    dec = DECIMALS[row["data_type"]]
    detail = f"{a}-{b}: truth {d:.4f} m, row {row['answer']}"
    if d < 0.2 - TOLERANCE["distance_m"]:
        return Verdict("disagree", "should be refused (< 0.2 m): " + detail)
    if d < 0.2:
        return Verdict("tie", detail)
    return _judge(row["answer"], round_half_up(d, dec), roundings(d, TOLERANCE["distance_m"], dec), detail)


def check_room(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    area = float(scan.doc["floor_area_m2"])
    exact = round_half_up(area, 1)
    lo, hi = scan.area_bounds()
    allowed = {round_half_up(a, 1) for a in np.linspace(lo, hi, 201)}
    return _judge(row["answer"], exact, allowed, f"truth {area:.4f} m2, row {row['answer']}")


def check_relative_distance(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    primary_label = row["reference"]["primary"]
    assert primary_label in row["question"]
    primary = scan.the(primary_label)
    cands = [o.split(". ", 1)[1] for o in row["options"]]
    dist = {c: scan.category_distance(primary, c) for c in cands}
    ranked = sorted(dist.items(), key=lambda kv: kv[1])
    margin = 0.30 if float(scan.doc["floor_area_m2"]) > 40.0 else 0.15
    gaps = [b[1] - a[1] for a, b in zip(ranked, ranked[1:], strict=False)]
    detail = (
        f"{primary_label}: " + ", ".join(f"{c} {d:.3f}" for c, d in ranked) + f"; row {_answer_text(row)}"
    )
    eps = TOLERANCE["distance_m"]
    if ranked[0][1] < 0.15 - eps or min(gaps) < margin - eps:
        return Verdict("disagree", "should be refused: " + detail)
    if _answer_text(row) != ranked[0][0]:
        return Verdict("disagree", detail)
    if ranked[0][1] < 0.15 or min(gaps) < margin:
        return Verdict("tie", detail)
    return Verdict("agree")


SECTORS = {
    "hard": [
        (0, 90, "front-left"),
        (90, 180, "back-left"),
        (180, 270, "back-right"),
        (270, 360, "front-right"),
    ],
    "medium": [(0, 135, "left"), (135, 225, "back"), (225, 360, "right")],
    "easy": [(0, 90, "left"), (90, 270, None), (270, 360, "right")],
}


def _sector(angle: float, difficulty: str) -> str | None:
    for lo, hi, name in SECTORS[difficulty]:
        if lo <= angle % 360 < hi:
            return name
    raise AssertionError(angle)


def _boundary_gap(angle: float, difficulty: str) -> float:
    starts = [lo for lo, _, _ in SECTORS[difficulty]]
    return min(min(abs(angle - s) % 360, 360 - abs(angle - s) % 360) for s in starts)


def _ccw(o: np.ndarray, f: np.ndarray, t: np.ndarray) -> float:
    a, b = f - o, t - o
    return math.degrees(math.atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1])) % 360


def check_allocentric(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    p, o, q = (scan.the(lab) for lab in _labels(row))
    difficulty = row["subtype"]
    xy = {i: np.asarray(scan.objects[i]["center"][:2]) for i in (p, o, q)}
    angle = _ccw(xy[p], xy[o], xy[q])
    sector = _sector(angle, difficulty)
    detail = f"{difficulty} {angle:.1f} deg -> {sector}; row {_answer_text(row)}"
    problems, near = [], []
    pairs = [(p, o), (p, q), (o, q)]
    for a, b in pairs:
        d = float(np.linalg.norm(xy[a] - xy[b]))
        if not 0.3 <= d <= 5.0:
            problems.append(f"pair {d:.2f} m")
    gap = _boundary_gap(angle, difficulty)
    if gap < 10 - TOLERANCE["angle_deg"]:
        problems.append(f"{gap:.1f} deg from a boundary")
    elif gap < 10:
        near.append("boundary")
    if sector is None:
        problems.append("easy target behind")
    off = sum(_sector(_ccw(xy[p], xy[o], c[:2]), difficulty) != sector for c in scan.corners(q))
    if off > 2:
        problems.append(f"{off} corners off")
    foot = min(scan.footprint_gap(q, p), scan.footprint_gap(q, o))
    if foot < 0.3 - TOLERANCE["camera_gap_m"]:
        problems.append(f"target {foot:.2f} m from the standpoint/facing footprint")
    elif foot < 0.3:
        near.append("footprint")
    if problems:
        return Verdict("disagree", "should be refused (" + "; ".join(problems) + "): " + detail)
    if _answer_text(row) != sector:
        return Verdict("disagree", detail)
    return Verdict("tie", detail) if near else Verdict("agree")


def check_camera(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    subject, reference = (scan.the(lab) for lab in _labels(row))
    (frame,) = row["frame_ids"]
    pose = scan.pose(frame)
    ext = {}
    for i in (subject, reference):
        cam = (scan.corners(i) - pose[:3, 3]) @ pose[:3, :3]
        ext[i] = (cam[:, 0].min(), cam[:, 0].max(), cam[:, 2].min(), cam[:, 2].max())
    sx0, sx1, sz0, sz1 = ext[subject]
    rx0, rx1, rz0, rz1 = ext[reference]
    gaps = {"left": rx0 - sx1, "right": sx0 - rx1, "front": rz0 - sz1, "back": sz0 - rz1}
    holds = {k for k, g in gaps.items() if g > 0}
    answer = _answer_text(row)
    wanted = set(answer.split("-"))
    detail = "gaps " + ", ".join(f"{k} {g:+.3f}" for k, g in gaps.items()) + f"; row {answer}"
    if holds == wanted:
        return Verdict("agree")
    unclear = {k for k, g in gaps.items() if abs(g) < TOLERANCE["camera_gap_m"]}
    if (holds ^ wanted) <= unclear:
        return Verdict("tie", detail)
    return Verdict("disagree", detail)


def _first_appearance(scan: ScanTruth, label: str, frames: list[int], threshold: float) -> int | None:
    """Index into `frames` of the first frame whose truth mask shows an instance of `label` on at least
    `threshold` of the image."""
    ids = scan.instances_of(label)
    for k, f in enumerate(frames):
        if max(scan.shares(f)[i] for i in ids) >= threshold:
            return k
    return None


def _appearance_ok(scan: ScanTruth, row: dict[str, Any], threshold: float) -> tuple[bool, str]:
    cats = _answer_text(row).split(", ")
    clip = scan.clip
    first = {c: _first_appearance(scan, c, clip, threshold) for c in cats}
    if any(v is None for v in first.values()):
        return False, f"never appears: {first}"
    times = {c: scan.time(clip[first[c]]) for c in cats}
    order = sorted(cats, key=lambda c: times[c])
    shown = {c: _first_appearance(scan, c, row["frame_ids"], threshold) for c in cats}
    detail = "truth " + ", ".join(f"{c} {times[c]:.2f}s/shown#{shown[c]}" for c in order)
    if order != cats:
        return False, detail + f"; row {', '.join(cats)}"
    if any(times[b] - times[a] < 1.0 - 1e-9 for a, b in zip(order, order[1:], strict=False)):
        return False, "should be refused (gap < 1 s): " + detail
    ks = [shown[c] for c in order]
    if any(k is None for k in ks) or any(b <= a for a, b in zip(ks, ks[1:], strict=False)):
        return False, "not answerable from the shown frames: " + detail
    return True, detail


def check_appearance(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    ok, detail = _appearance_ok(scan, row, 0.01)
    if ok:
        return Verdict("agree")
    f = TOLERANCE["pixel_share_factor"]
    if any(_appearance_ok(scan, row, 0.01 * s)[0] for s in (1 / f, f)):
        return Verdict("tie", detail)
    return Verdict("disagree", detail)


def check_row(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    """Verdict of one spatial row (dict with question, options, answer, question_type, data_type,
    frame_ids, subtype and reference as a dict).

    A row that disagrees with the truth is checked again against the dataset's own definition of its
    objects where the layout has one (`ScanTruth.dataset_view`): agreeing there makes it `dataset`,
    counted apart from agreements (the answer is right for what the dataset annotates, not for the
    mesh truth)."""
    verdict = _check_row(scan, row)
    view = scan.dataset_view() if verdict.status == "disagree" else None
    if view is not None:
        again = _check_row(view, row)
        if again.status in ("agree", "tie"):
            return Verdict("dataset", f"{verdict.detail} | {view.definition}: {again.detail or 'agrees'}")
    return verdict


def _check_row(scan: ScanTruth, row: dict[str, Any]) -> Verdict:
    qt = row["question_type"]
    if qt == "object count":
        return check_count(scan, row)
    if qt == "object size":
        return check_size(scan, row)
    if qt == "absolute distance":
        return check_absolute_distance(scan, row)
    if qt == "room size":
        return check_room(scan, row)
    if qt == "relative distance":
        return check_relative_distance(scan, row)
    if qt == "relative direction":
        if row["data_type"] == "single_image":
            return check_camera(scan, row)
        return check_allocentric(scan, row)
    if qt == "appearance order":
        return check_appearance(scan, row)
    raise AssertionError(f"unknown question type {qt!r}")


@dataclass
class Table:
    """Per question type (and data type): rows, agree, rounding ties, rows right only by the dataset's
    own object definition (`dataset`), disagreements (with details)."""

    counts: dict[tuple[str, str], Counter] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)
    dataset: list[str] = field(default_factory=list)

    def add(self, row: dict[str, Any], verdict: Verdict) -> None:
        key = (row["question_type"], row["data_type"])
        self.counts.setdefault(key, Counter())[verdict.status] += 1
        where = f"{row['scene_id']} {row['question_type']} ({row['data_type']}): {verdict.detail}"
        if verdict.status == "disagree":
            self.disagreements.append(where)
        elif verdict.status == "tie":
            self.ties.append(where)
        elif verdict.status == "dataset":
            self.dataset.append(where)

    def total(self) -> Counter:
        total: Counter = Counter()
        for c in self.counts.values():
            total.update(c)
        return total

    def text(self) -> str:
        head = ("question type", "data type", "rows", "agree", "ties", "dataset", "disagree")
        lines = ["{:<20} {:<13} {:>5} {:>6} {:>5} {:>8} {:>8}".format(*head)]
        rows = [(qt, dt, c) for (qt, dt), c in sorted(self.counts.items())] + [("all", "", self.total())]
        for qt, dt, c in rows:
            lines.append(
                f"{qt:<20} {dt:<13} {sum(c.values()):>5} {c['agree']:>6} {c['tie']:>5} {c['dataset']:>8} "
                f"{c['disagree']:>8}"
            )
        return "\n".join(lines)


def check_rows(
    truth: Path | str | Mapping[str, Callable[[str], ScanTruth]], rows: list[dict[str, Any]]
) -> Table:
    """Check every spatial row (localization rows are skipped: grounding is not an answer).

    `truth`: the ScanNet-layout sample root, or per row `source` a function of the scan id giving the
    scan's truth (`tests.truth.layouts.Layout.scan`)."""
    if isinstance(truth, (str, Path)):
        root = Path(truth)
        resolvers: Mapping[str, Callable[[str], ScanTruth]] = _EveryName(lambda sid: TruthScan(root, sid))
    else:
        resolvers = truth
    scans: dict[tuple[str, str], ScanTruth] = {}
    table = Table()
    for row in rows:
        if row["question_type"] == "localization":
            continue
        key = (row["source"], row["scene_id"])
        if key not in scans:
            scans[key] = resolvers[row["source"]](row["scene_id"])
        table.add(row, check_row(scans[key], row))
    return table


class _EveryName(dict):
    """One resolver for every source name."""

    def __init__(self, resolver: Callable[[str], ScanTruth]) -> None:
        super().__init__()
        self.resolver = resolver

    def __missing__(self, key: str) -> Callable[[str], ScanTruth]:
        return self.resolver


SPATIAL_FOLDERS = ("single_image", "multi_view", "video")


def read_build_rows(build: Path) -> list[dict[str, Any]]:
    """Spatial rows of a build's Parquet shards, with `reference` parsed."""
    import pyarrow.parquet as pq

    rows = []
    # the spatial families' folders only: preview/ and coldstart/ repeat or explain these rows
    for path in sorted(p for fam in SPATIAL_FOLDERS for p in (Path(build) / "data" / fam).glob("*.parquet")):
        for rec in pq.read_table(path).to_pylist():
            rec["reference"] = json.loads(rec["reference"])
            rows.append(rec)
    return rows


def read_jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """QASample JSON lines (as `ladderdata generate` writes them)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["question_type"] != "localization"]
