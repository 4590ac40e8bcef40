"""Single-image family: absolute distance, object size, relative distance, camera-centric direction.

Every question is about one frame in which every named object is well visible (visibility, 2D box area
and truncation rules of the settings); every named category has exactly one instance in the scan, so
the matching localization row is unambiguous. Candidates are enumerated frame first: frames in a
seeded order, and for each a few seeded object sets among its well-visible nameable objects.

`reference["objects"]` lists the named objects in the order the question mentions them; the
localization family grounds them in that order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from ladderdata.generators import rules
from ladderdata.generators.base import (
    DUPLICATE,
    NO_FRAME_WITH_ALL_VISIBLE,
    TOO_FEW_UNIQUE_OBJECTS,
    VARIANT_DISABLED,
    Candidate,
    Generator,
    Run,
    object_ref,
)
from ladderdata.generators.combos import seeded_combinations
from ladderdata.generators.measures import camera_extents
from ladderdata.records import DataType, Family, ObjectRecord, QASample, QuestionType

QT = QuestionType

ARITY: dict[QuestionType, int] = {
    QT.object_size: 1,
    QT.absolute_distance: 2,
    QT.relative_direction: 2,
    QT.relative_distance: 5,
}
"""Named objects per question (relative distance: the primary object and four candidates)."""

SETS_PER_FRAME = 3
"""Object sets drawn per frame before moving to the next frame (spreads samples over frames)."""


class SingleImageGenerator(Generator):
    """Questions about one image; see the module docstring."""

    family = Family.single_image
    data_type = DataType.single_image

    def candidates(self, qt: QuestionType, run: Run, rng: random.Random) -> Iterator[Candidate] | str:
        k = ARITY[qt]
        idx = run.index
        if len(idx.unique) < k:
            return TOO_FEW_UNIQUE_OBJECTS
        per_frame = []
        for pos in range(len(idx.frames)):
            labels = [lab for lab, obj in idx.unique.items() if idx.well_visible(pos, obj.instance_id)]
            if len(labels) >= k:
                per_frame.append((pos, labels))
        if not per_frame:
            return NO_FRAME_WITH_ALL_VISIBLE
        rng.shuffle(per_frame)
        return self._iter_candidates(per_frame, k, rng)

    @staticmethod
    def _iter_candidates(
        per_frame: list[tuple[int, list[str]]], k: int, rng: random.Random
    ) -> Iterator[Candidate]:
        for pos, labels in per_frame:
            for combo in seeded_combinations(rng, labels, k, SETS_PER_FRAME):
                roles = tuple(rng.sample(combo, k))  # first = subject / primary
                yield Candidate(frozenset(combo), (pos, roles))

    def build(self, qt: QuestionType, run: Run, rng: random.Random, candidate: Candidate) -> QASample | str:
        pos, roles = candidate.payload
        objs = [run.index.unique[label] for label in roles]
        builder = {
            QT.object_size: self._object_size,
            QT.absolute_distance: self._absolute_distance,
            QT.relative_distance: self._relative_distance,
            QT.relative_direction: self._relative_direction,
        }[qt]
        return builder(run, rng, pos, objs)

    # --- question types ---------------------------------------------------------------------------
    def _object_size(
        self, run: Run, rng: random.Random, pos: int, objs: list[ObjectRecord]
    ) -> QASample | str:
        (obj,) = objs
        qt = QT.object_size
        decision = rules.object_size_answer(obj.box.longest_side, self.settings.size_decimals)
        frame = run.index.frames[pos]
        if not self.claim(run, [obj.label], [frame]):
            return DUPLICATE
        question, template_id = self.render(qt, rng, object=obj.label)
        reference = {
            "objects": [object_ref(obj)],
            "size_m": [float(x) for x in obj.box.size],
            "longest_side_m": obj.box.longest_side,
            "decimals": self.settings.size_decimals,
        }
        return self.make_sample(
            run,
            qt,
            question=question,
            template_id=template_id,
            frames=[frame],
            answer=decision.answer,
            reference=reference,
        )

    def _absolute_distance(
        self, run: Run, rng: random.Random, pos: int, objs: list[ObjectRecord]
    ) -> QASample | str:
        a, b = objs
        qt = QT.absolute_distance
        s = self.settings
        distance = run.index.distance(a, b)
        decimals = s.distance_decimals[self.family.value]
        decision = rules.absolute_distance_answer(distance, s.min_absolute_distance_m, decimals)
        if not decision.ok:
            return decision.reason
        frame = run.index.frames[pos]
        if not self.claim(run, [a.label, b.label], [frame]):
            return DUPLICATE
        question, template_id = self.render(qt, rng, object_a=a.label, object_b=b.label)
        reference = {
            "objects": [object_ref(a), object_ref(b)],
            "distance_m": distance,
            "min_distance_m": s.min_absolute_distance_m,
            "decimals": decimals,
        }
        return self.make_sample(
            run,
            qt,
            question=question,
            template_id=template_id,
            frames=[frame],
            answer=decision.answer,
            reference=reference,
        )

    def _relative_distance(
        self, run: Run, rng: random.Random, pos: int, objs: list[ObjectRecord]
    ) -> QASample | str:
        primary, cands = objs[0], objs[1:]
        qt = QT.relative_distance
        s = self.settings
        distances = {c.label: run.index.distance(primary, c) for c in cands}
        area = run.scene.room.area_m2
        margin = s.relative_distance_margin(area)
        decision = rules.relative_distance_answer(distances, margin, s.relative_distance_min_closest_m)
        if not decision.ok:
            return decision.reason
        frame = run.index.frames[pos]
        if not self.claim(run, [primary.label, *distances], [frame]):
            return DUPLICATE
        options, letter = self.place_options(run, qt, [c.label for c in cands], decision.answer, None)
        choices = [o.split(". ", 1)[1] for o in options]
        question, template_id = self.render(
            qt, rng, primary=primary.label, choices=choices, multi_instance=False
        )
        by_label = {c.label: c for c in cands}
        reference = {
            "objects": [object_ref(by_label[c]) for c in choices] + [object_ref(primary)],
            "primary": primary.label,
            "distances_m": distances,
            "room_area_m2": area,
            "margin_rule": s.relative_margin_rule(),
            "min_closest_m": s.relative_distance_min_closest_m,
        }
        return self.make_sample(
            run,
            qt,
            question=question,
            template_id=template_id,
            frames=[frame],
            answer=letter,
            options=options,
            reference=reference,
        )

    def _relative_direction(
        self, run: Run, rng: random.Random, pos: int, objs: list[ObjectRecord]
    ) -> QASample | str:
        subject, ref = objs
        qt = QT.relative_direction
        s = self.settings
        frame = run.index.frames[pos]
        pose = frame.pose_array()
        sx, sz = camera_extents(subject.box, pose)
        rx, rz = camera_extents(ref.box, pose)
        subtype, decision = rules.camera_direction_answer(
            sx, sz, rx, rz, min_separation_m=s.camera_direction_min_separation_m
        )
        if not decision.ok:
            return decision.reason
        if subtype == "diagonal" and not s.camera_direction_diagonal:
            return VARIANT_DISABLED
        if not self.claim(run, [subject.label, ref.label], [frame]):
            return DUPLICATE
        directions = list(rules.CAMERA_OPTIONS[subtype])
        options, letter = self.place_options(run, qt, directions, decision.answer, subtype)
        question, template_id = self.render(
            qt, rng, subject=subject.label, reference=ref.label, directions=directions, subtype=subtype
        )
        reference = {
            "objects": [object_ref(subject), object_ref(ref)],
            "subject_extent": {"x": list(sx), "z": list(sz)},
            "reference_extent": {"x": list(rx), "z": list(rz)},
            "min_separation_m": s.camera_direction_min_separation_m,
        }
        return self.make_sample(
            run,
            qt,
            question=question,
            template_id=template_id,
            frames=[frame],
            answer=letter,
            options=options,
            subtype=subtype,
            reference=reference,
        )
