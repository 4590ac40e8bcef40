"""Cold-start trace facts: what a spatial row's frames show and the geometry its answer follows from.

`scan_facts(scene, settings, samples)` runs per scan, beside the generators (the build's per-scan work),
and returns for every spatial sample a JSON-able dict of facts in words-ready form: which of the row's
frames show each object, where an object stands relative to the camera (single image) or to the other
objects, its rough extent, and the numbers of the comparison that decides the answer. The facts are
measured with the generators' own helpers (`SceneIndex.distance` / `closest_instance` / `shown`,
`measures.camera_extents` / `floor_xy` / `box_corners`, `frames.VideoTimeline`, the `rules` functions),
never re-implemented, so a change to how the generators measure (e.g. oriented boxes, point-set
distances) changes the traces with them. The objects come from the sample's provenance
(`reference["objects"]`, `frame_ids`, `subtype`); the facts never carry an option letter (the build
re-letters MCQs later) and never cite where a number came from.

`coldstart_text.render_solution` turns facts + the final row into the `<think>..</think><answer>..</answer>`
text; `ladderdata.validators.traces` re-derives the answer from that text alone.
"""

from __future__ import annotations

import math
from typing import Any

from ladderdata.generators import rules
from ladderdata.generators.direction_rules import allocentric_decision, camera_decision
from ladderdata.generators.frames import VideoTimeline
from ladderdata.generators.measures import camera_extents
from ladderdata.generators.scene_index import SceneIndex
from ladderdata.generators.settings import GenerationSettings
from ladderdata.records import Family, ObjectRecord, QASample, QuestionType, SceneRecord

QT = QuestionType
SPATIAL = (Family.single_image, Family.multi_view, Family.video)
UNITS = {Family.single_image: "image", Family.multi_view: "view", Family.video: "frame"}
"""What a trace calls one of the row's images."""
SIDE_TOLERANCE = 0.15
"""|x / z| in the camera frame below which an object reads as 'in the middle' of the image."""


def metres(value: float) -> str:
    """Metres with two decimals, rounded half-up like every answer ('1.20')."""
    return f"{float(rules.format_number(value, 2)):.2f}"


def scan_facts(
    scene: SceneRecord, settings: GenerationSettings, samples: list[QASample]
) -> dict[str, dict[str, Any]]:
    """Facts of every spatial sample of one scan, keyed by sample id."""
    index = SceneIndex.of(scene, settings)  # the generators' index of this scene, caches and all
    ctx = _Scan(index, settings)
    return {s.sample_id: trace_facts(ctx, s) for s in samples if s.family in SPATIAL}


class _Scan:
    """Per-scan lookups shared by the samples' facts (frame positions, the video timeline)."""

    def __init__(self, index: SceneIndex, settings: GenerationSettings):
        self.index = index
        self.settings = settings
        self.position = {f.frame_index: p for p, f in enumerate(index.frames)}
        self._timeline: VideoTimeline | None = None

    @property
    def timeline(self) -> VideoTimeline:
        if self._timeline is None:
            s = self.settings
            self._timeline = VideoTimeline(self.index, s.video_num_frames, s.video_fps)
        return self._timeline

    def obj(self, entry: dict[str, Any]) -> ObjectRecord:
        return self.index.scene.object_by_id(int(entry["instance_id"]))


def trace_facts(ctx: _Scan, sample: QASample) -> dict[str, Any]:
    """Facts of one spatial sample (see module docstring)."""
    positions = [ctx.position[i] for i in sample.frame_ids]
    qt = sample.question_type
    camera = qt == QT.relative_direction and sample.family == Family.single_image
    facts: dict[str, Any] = {
        "kind": qt.slug + ("_camera" if camera else ""),
        "data_type": sample.data_type.value,
        "frames": len(positions),
        "unit": UNITS[sample.family],
    }
    ref = sample.reference
    if qt == QT.object_size:
        facts.update(_object_size(ctx, sample, positions, ctx.obj(ref["objects"][0])))
    elif qt == QT.absolute_distance:
        a, b = (ctx.obj(o) for o in ref["objects"][:2])
        facts.update(_absolute_distance(ctx, sample, positions, a, b))
    elif qt == QT.relative_distance:
        facts.update(_relative_distance(ctx, sample, positions))
    elif qt == QT.relative_direction and sample.family == Family.single_image:
        facts.update(_camera_direction(ctx, sample, positions))
    elif qt == QT.relative_direction:
        facts.update(_allocentric_direction(ctx, sample, positions))
    elif qt == QT.object_count:
        facts.update(_object_count(ctx, sample, positions))
    elif qt == QT.room_size:
        facts.update(_room_size(ctx, sample))
    elif qt == QT.appearance_order:
        facts.update(_appearance_order(ctx, sample, positions))
    else:  # pragma: no cover - every spatial type is handled above
        raise ValueError(f"no cold-start facts for {qt.value!r}")
    return facts


# --- shared observations ----------------------------------------------------------------------------


def _views(ctx: _Scan, sample: QASample, positions: list[int], obj: ObjectRecord) -> list[int]:
    """1-based numbers of the row's frames that show the object (the generators' visibility rules)."""
    idx = ctx.index
    if sample.family == Family.single_image:
        return [1] if idx.in_image(positions[0], obj.instance_id) else []
    return [n for n, pos in enumerate(positions, 1) if idx.shown(pos, obj.instance_id)]


def _best_view(ctx: _Scan, positions: list[int], views: list[int], obj: ObjectRecord) -> int | None:
    """The view (1-based) in which the object covers most of the image."""
    best, best_area = None, -1.0
    for n in views:
        vis = ctx.index.visibility[positions[n - 1]].get(obj.instance_id)
        area = vis.area_frac if vis is not None else 0.0
        if area > best_area:
            best, best_area = n, area
    return best


def _placement(ctx: _Scan, pos: int, obj: ObjectRecord) -> dict[str, Any]:
    """Where the object sits in one frame: image side and distance from the camera."""
    (x0, x1), (z0, z1) = camera_extents(obj.shape, ctx.index.pose(pos), ctx.index.corners(obj))
    x, z = 0.5 * (x0 + x1), 0.5 * (z0 + z1)
    ratio = x / z if z > 1e-6 else 0.0
    side = "left" if ratio < -SIDE_TOLERANCE else "right" if ratio > SIDE_TOLERANCE else "middle"
    return {"side": side, "depth_m": metres(max(z, 0.0))}


def _extent(obj: ObjectRecord) -> dict[str, str]:
    """Rough footprint (two floor sides, larger first) and height in metres, one decimal."""
    sx, sy, sz = (float(v) for v in obj.shape.size)
    a, b = max(sx, sy), min(sx, sy)
    one = lambda v: rules.format_number(max(v, 0.05), 1)  # noqa: E731 - tiny formatter
    return {"long": one(a), "short": one(b), "height": one(sz)}


def _seen(ctx: _Scan, sample: QASample, positions: list[int], obj: ObjectRecord) -> dict[str, Any]:
    """Label, views, best view with its placement, and extent of one object."""
    views = _views(ctx, sample, positions, obj)
    best = _best_view(ctx, positions, views, obj)
    out: dict[str, Any] = {"label": obj.label, "views": views, "extent": _extent(obj)}
    if best is not None:
        out["best_view"] = best
        out.update(_placement(ctx, positions[best - 1], obj))
    return out


# --- question types -----------------------------------------------------------------------------------


def _object_size(ctx: _Scan, sample: QASample, positions: list[int], obj: ObjectRecord) -> dict[str, Any]:
    decimals = ctx.settings.size_decimals
    sx, sy, sz = (float(v) for v in obj.shape.size)
    sides = sorted([("length", max(sx, sy)), ("width", min(sx, sy)), ("height", sz)], key=lambda kv: -kv[1])
    longest = rules.object_size_answer(obj.shape.longest_side, decimals).answer
    return {
        "object": _seen(ctx, sample, positions, obj),
        "sides_cm": {name: rules.format_number(v * 100.0, decimals) for name, v in sides},
        "longest_name": sides[0][0],
        "longest_cm": longest,
    }


def _absolute_distance(
    ctx: _Scan, sample: QASample, positions: list[int], a: ObjectRecord, b: ObjectRecord
) -> dict[str, Any]:
    s = ctx.settings
    distance = ctx.index.distance(a, b)
    decimals = s.distance_decimals[sample.family.value]
    decision = rules.absolute_distance_answer(distance, s.min_absolute_distance_m, decimals)
    centres = math.dist(a.shape.center, b.shape.center)
    return {
        "a": _seen(ctx, sample, positions, a),
        "b": _seen(ctx, sample, positions, b),
        "centres_m": metres(centres),
        "gap_m": decision.answer if decision.ok else rules.format_number(distance, decimals),
    }


def _relative_distance(ctx: _Scan, sample: QASample, positions: list[int]) -> dict[str, Any]:
    idx = ctx.index
    ref = sample.reference
    primary = idx.unique[ref["primary"]]
    candidates = []
    for label in ref["distances_m"]:
        inst, distance = idx.closest_instance(primary, label)
        seen = _seen(ctx, sample, positions, inst)
        seen.update(distance_m=metres(distance), instances=len(idx.instances[label]))
        candidates.append(seen)
    distances = {c["label"]: idx.closest_instance(primary, c["label"])[1] for c in candidates}
    area = idx.scene.room.area_m2
    s = ctx.settings
    decision = rules.relative_distance_answer(
        distances, s.relative_distance_margin(area), s.relative_distance_min_closest_m
    )
    return {
        "primary": _seen(ctx, sample, positions, primary),
        "candidates": candidates,
        "closest": decision.answer,
    }


def _camera_direction(ctx: _Scan, sample: QASample, positions: list[int]) -> dict[str, Any]:
    subject, reference = (ctx.obj(o) for o in sample.reference["objects"][:2])
    pose = ctx.index.pose(positions[0])
    sx, sz = camera_extents(subject.shape, pose, ctx.index.corners(subject))
    rx, rz = camera_extents(reference.shape, pose, ctx.index.corners(reference))
    subtype, decision = camera_decision(sx, sz, rx, rz, ctx.settings)

    def where(x: tuple[float, float], z: tuple[float, float]) -> dict[str, str]:
        cx, cz = 0.5 * (x[0] + x[1]), 0.5 * (z[0] + z[1])
        return {"x_m": metres(abs(cx)), "x_side": "left" if cx < 0 else "right", "depth_m": metres(cz)}

    return {
        "subject": {**_seen(ctx, sample, positions, subject), **where(sx, sz)},
        "reference": {**_seen(ctx, sample, positions, reference), **where(rx, rz)},
        "further": "left" if sum(sx) < sum(rx) else "right",
        "nearer": sum(sz) < sum(rz),
        "overlap_x": rules.interval_gap(sx, rx) <= 0,
        "overlap_z": rules.interval_gap(sz, rz) <= 0,
        "subtype": subtype,
        "direction": decision.answer,
    }


def _allocentric_direction(ctx: _Scan, sample: QASample, positions: list[int]) -> dict[str, Any]:
    p, o, q = (ctx.obj(x) for x in sample.reference["objects"][:3])
    difficulty = sample.subtype or "medium"
    inputs = ctx.index.allocentric_inputs(p, o, q)
    p_xy, o_xy, q_xy = inputs.p_xy, inputs.o_xy, inputs.q_xy
    decision = allocentric_decision(inputs, difficulty, ctx.settings)
    angle = rules.ccw_angle_deg(p_xy, o_xy, q_xy)
    turn_side = "left" if angle <= 180.0 else "right"
    turn = angle if angle <= 180.0 else 360.0 - angle
    return {
        "positioning": _seen(ctx, sample, positions, p),
        "orienting": _seen(ctx, sample, positions, o),
        "querying": _seen(ctx, sample, positions, q),
        "facing_m": metres(math.dist(p_xy, o_xy)),
        "query_m": metres(math.dist(p_xy, q_xy)),
        "turn_deg": str(int(round(turn))),
        "turn_side": turn_side,
        "ahead": turn < 90.0,
        "difficulty": difficulty,
        "direction": decision.answer if decision.ok else rules.sector_of(angle, difficulty),
    }


def _object_count(ctx: _Scan, sample: QASample, positions: list[int]) -> dict[str, Any]:
    label = sample.reference["category"]
    objs = ctx.index.instances[label]
    items = []
    previous: ObjectRecord | None = None
    for obj in objs:
        item = _seen(ctx, sample, positions, obj)
        if previous is not None:
            item["from_previous_m"] = metres(ctx.index.distance(previous, obj))
        items.append(item)
        previous = obj
    return {"category": label, "instances": items, "count": rules.object_count_answer(len(objs)).answer}


def _room_size(ctx: _Scan, sample: QASample) -> dict[str, Any]:
    room = ctx.index.scene.room
    xs = [p[0] for p in room.floor_polygon] or [0.0]
    ys = [p[1] for p in room.floor_polygon] or [0.0]
    span = sorted([max(xs) - min(xs), max(ys) - min(ys)], reverse=True)
    decision = rules.room_size_answer(room.area_m2, ctx.settings.area_decimals)
    return {
        "long_m": rules.format_number(span[0], 1),
        "short_m": rules.format_number(span[1], 1),
        "corners": len(room.floor_polygon),
        "area_m2": decision.answer if decision.ok else rules.format_number(room.area_m2, 1),
    }


def _appearance_order(ctx: _Scan, sample: QASample, positions: list[int]) -> dict[str, Any]:
    idx = ctx.index
    timeline = ctx.timeline
    items = []
    for label in sample.reference["first_appearance_s"]:
        ids = [o.instance_id for o in idx.instances[label]]
        first = timeline.first_appearance(ids)
        shown = [n for n, pos in enumerate(positions, 1) if any(idx.appears(pos, i) for i in ids)]
        items.append(
            {
                "label": label,
                "first_s": rules.format_number(first if first is not None else 0.0, 1),
                "first_frame": shown[0] if shown else None,
            }
        )
    items.sort(key=lambda it: (float(it["first_s"]), it["label"]))
    return {"categories": items, "order": rules.order_text([it["label"] for it in items])}
