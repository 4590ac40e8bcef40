"""Per-scene lookups shared by the generators: nameable objects, per-frame visibility, distances.

Distances are point-set distances (question-rules.md, absolute distance): the minimum Euclidean
distance between the two objects' surface points. Adapters measure them once per pair on every mesh
vertex (`SceneRecord.object_distances`); a pair they did not measure falls back to the objects' stored
point samples (KD-tree), and only objects without points to their oriented boxes.

Built from a SceneRecord and the settings, and shared by every family generating from the same scene
with the same settings (`SceneIndex.of`). Geometry each family asks for again and again is computed
once per scene and kept: each object's box corners and floor footprint, footprint gaps, allocentric
rule inputs per role order, and the multi-view "shown" rule of every (frame, object) as one boolean
matrix. Each cached value is computed by the same function on the same inputs as before, so answers
are bit-identical. Vocabulary rules
(question-rules.md): excluded categories are never asked about; a category may be named with "the"
only when it has exactly one instance in the scan (counted over every instance, however small, so a
second tiny chair still makes "the chair" ambiguous); objects below `min_object_size_m` are not named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from ladderdata.generators.measures import box_corners, box_distance, footprint, point_distance
from ladderdata.generators.settings import GenerationSettings
from ladderdata.records import FrameRecord, ObjectRecord, ObjectVisibility, SceneRecord

if TYPE_CHECKING:
    from ladderdata.generators.direction_rules import AllocentricInputs

_LAST: list[SceneIndex] = []
"""The most recently built index (one: memory stays flat however many scenes a worker runs)."""


class SceneIndex:
    """Lookups over one scene (frames sorted by frame index)."""

    @classmethod
    def of(cls, scene: SceneRecord, settings: GenerationSettings) -> SceneIndex:
        """The index of `scene` under `settings`, reused while the same scene object is asked for with
        equal settings (every family of a scan in turn), else built anew."""
        if _LAST and _LAST[0].scene is scene and _LAST[0].settings == settings:
            return _LAST[0]
        index = cls(scene, settings)
        _LAST[:] = [index]
        return index

    @staticmethod
    def release() -> None:
        """Drop the kept index (and with it its scene): called when a scan's work is done, so no scene
        record outlives its scan in a worker or an inline executor."""
        _LAST.clear()

    def __init__(self, scene: SceneRecord, settings: GenerationSettings):
        self.scene = scene
        self.settings = settings
        excluded = set(settings.excluded_categories)
        self.instances: dict[str, list[ObjectRecord]] = {}
        for obj in sorted(scene.objects, key=lambda o: o.instance_id):
            if obj.label.strip().lower() in excluded:
                continue
            self.instances.setdefault(obj.label, []).append(obj)
        self.instances = dict(sorted(self.instances.items()))
        self.unique: dict[str, ObjectRecord] = {
            label: objs[0]
            for label, objs in self.instances.items()
            if len(objs) == 1 and objs[0].shape.longest_side >= settings.min_object_size_m
        }
        """Nameable objects by label: categories with one instance, large enough to name."""
        self.frames: list[FrameRecord] = sorted(scene.frames, key=lambda f: f.frame_index)
        self.visibility: list[dict[int, ObjectVisibility]] = [
            {v.instance_id: v for v in f.visibility} for f in self.frames
        ]
        self._distances: dict[tuple[int, int], float] = {
            (int(a), int(b)): float(d) for a, b, d in scene.object_distances
        }
        self._corners: dict[int, np.ndarray] = {}
        self._footprints: dict[int, shapely.Polygon] = {}
        self._gaps: dict[tuple[int, int], float] = {}
        self._allocentric: dict[tuple[int, int, int], AllocentricInputs] = {}
        self._shown: np.ndarray | None = None
        self._poses: dict[int, np.ndarray] = {}
        self._columns: dict[int, int] = {}

    @property
    def labels(self) -> list[str]:
        """Askable categories (any instance count), sorted."""
        return list(self.instances)

    def distance(self, a: ObjectRecord, b: ObjectRecord) -> float:
        """Minimum distance in metres between the two objects' surface points (see module docstring)."""
        key = (min(a.instance_id, b.instance_id), max(a.instance_id, b.instance_id))
        if key not in self._distances:
            if a.points and b.points:
                self._distances[key] = point_distance(a, b)
            else:
                self._distances[key] = box_distance(a.shape, b.shape)
        return self._distances[key]

    # --- per-object geometry, computed once per scene ----------------------------------------------
    def corners(self, obj: ObjectRecord) -> np.ndarray:
        """`measures.box_corners(obj.shape)`, kept per object (read-only: callers never modify it)."""
        got = self._corners.get(obj.instance_id)
        if got is None:
            got = self._corners[obj.instance_id] = box_corners(obj.shape)
        return got

    def pose(self, frame_pos: int) -> np.ndarray:
        """`frames[frame_pos].pose_array()`, kept per frame (read-only)."""
        got = self._poses.get(frame_pos)
        if got is None:
            got = self._poses[frame_pos] = self.frames[frame_pos].pose_array()
        return got

    def footprint_gap(self, a: ObjectRecord, b: ObjectRecord) -> float:
        """`measures.footprint_gap(a.shape, b.shape)`, with each footprint built once per object."""
        key = (a.instance_id, b.instance_id)
        got = self._gaps.get(key)
        if got is None:
            fa, fb = (self._footprint(o) for o in (a, b))
            got = self._gaps[key] = float(shapely.distance(fa, fb))
        return got

    def _footprint(self, obj: ObjectRecord) -> shapely.Polygon:
        got = self._footprints.get(obj.instance_id)
        if got is None:
            got = self._footprints[obj.instance_id] = footprint(obj.shape)
        return got

    def allocentric_inputs(self, p: ObjectRecord, o: ObjectRecord, q: ObjectRecord) -> AllocentricInputs:
        """`direction_rules.allocentric_inputs(p, o, q)` from the cached corners and footprints."""
        key = (p.instance_id, o.instance_id, q.instance_id)
        got = self._allocentric.get(key)
        if got is None:
            from ladderdata.generators.direction_rules import inputs_from

            gap = min(self.footprint_gap(q, p), self.footprint_gap(q, o))
            got = self._allocentric[key] = inputs_from(p, o, q, self.corners(q), gap)
        return got

    def shown_matrix(self, instance_ids: list[int]) -> np.ndarray:
        """(frames, len(instance_ids)) bool: `shown(pos, id)` for every frame position and id."""
        if self._shown is None:
            ids = sorted({i for vis in self.visibility for i in vis})
            self._columns = {i: c for c, i in enumerate(ids)}
            shown = np.zeros((len(self.frames), len(ids) + 1), dtype=bool)  # last column: never shown
            for pos, vis in enumerate(self.visibility):
                for i in vis:
                    shown[pos, self._columns[i]] = self.shown(pos, i)
            self._shown = shown
        none = self._shown.shape[1] - 1
        return self._shown[:, [self._columns.get(i, none) for i in instance_ids]]

    def closest_instance(self, primary: ObjectRecord, label: str) -> tuple[ObjectRecord, float]:
        """Closest instance of a category to an object, and its distance (ties: lowest instance id)."""
        best = min(self.instances[label], key=lambda o: (self.distance(primary, o), o.instance_id))
        return best, self.distance(primary, best)

    def well_visible(self, frame_pos: int, instance_id: int) -> bool:
        """Single-image rule: visibility, 2D box area and truncation within the settings."""
        s = self.settings
        return self._meets(frame_pos, instance_id, s.min_visibility, s.min_bbox_area_frac, s.allow_truncated)

    def candidate_visible(self, frame_pos: int, instance_id: int) -> bool:
        """Single-image relative-distance candidate rule: the `candidate_*` thresholds (looser than
        `well_visible`, which the primary and every other single-image object must meet)."""
        s = self.settings
        return self.in_image(frame_pos, instance_id) and self._meets(
            frame_pos,
            instance_id,
            s.candidate_min_visibility,
            s.candidate_min_bbox_area_frac,
            s.candidate_allow_truncated,
        )

    def _meets(
        self,
        frame_pos: int,
        instance_id: int,
        min_visibility: float,
        min_area_frac: float,
        truncated_ok: bool,
    ) -> bool:
        vis = self.visibility[frame_pos].get(instance_id)
        return (
            vis is not None
            and vis.bbox_2d is not None
            and vis.visibility >= min_visibility
            and vis.area_frac >= min_area_frac
            and (truncated_ok or not vis.truncated)
        )

    def in_image(self, frame_pos: int, instance_id: int) -> bool:
        """Whether any depth-tested point of the object lands in the frame (however little)."""
        vis = self.visibility[frame_pos].get(instance_id)
        return vis is not None and vis.visible_points > 0

    def sole_instance_in_image(self, frame_pos: int, label: str) -> ObjectRecord | None:
        """The one instance of a category the frame shows; None when it shows none or several."""
        seen = [o for o in self.instances[label] if self.in_image(frame_pos, o.instance_id)]
        return seen[0] if len(seen) == 1 else None

    def shown(self, frame_pos: int, instance_id: int) -> bool:
        """Multi-view / video rule: the object can be seen in this view."""
        vis = self.visibility[frame_pos].get(instance_id)
        s = self.settings
        return (
            vis is not None
            and vis.visible_points > 0
            and vis.visibility >= s.view_min_visibility
            and vis.area_frac >= s.view_min_bbox_area_frac
        )

    def appears(self, frame_pos: int, instance_id: int) -> bool:
        """Appearance-order rule: the object's depth-tested visible pixels cover `appearance_pixel_frac`
        of the image (a 2D box area is not a pixel count: a sliver at the border has a large box).

        Records without a pixel share (hand-made scenes) fall back to the visible 2D box area."""
        return self.appearance_share(frame_pos, instance_id) >= self.settings.appearance_pixel_frac

    def appearance_share(self, frame_pos: int, instance_id: int) -> float:
        """The object's visible pixel share in a frame (the 2D box area for records without one)."""
        vis = self.visibility[frame_pos].get(instance_id)
        if vis is None or vis.visible_points == 0:
            return 0.0
        return vis.pixel_frac if vis.pixel_frac is not None else vis.area_frac
