"""Single-image family: absolute distance, object size, relative distance, camera-centric direction.

Every question is about one frame in which every named object is well visible (visibility, 2D box area
and truncation rules of the settings); every named category has exactly one instance in the scan, so
the matching localization row is unambiguous. Candidates are enumerated frame first: frames in a
seeded order, and for each a few seeded object sets among its well-visible nameable objects.

Relative distance is the exception for its four candidate categories (the primary follows the rule
above). A candidate must be visible in the frame by the looser `candidate_*` thresholds, and the frame
must show exactly one instance of its category (no point of any other instance in the image), so the
image reads unambiguously and the grounding row boxes the only such object in it. With
`multi_instance_candidates` the category may have further instances elsewhere in the scan when the one
in the frame is the closest to the primary: the answer measures to a category's closest instance
(question-rules.md), so the frame shows exactly the instance the answer depends on, and the question
says so ("If there are multiple instances ..., measure to the closest").

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
    TOO_FEW_CATEGORIES,
    TOO_FEW_UNIQUE_OBJECTS,
    VARIANT_DISABLED,
    Candidate,
    Generator,
    Run,
    absolute_distance_reference,
    object_ref,
    object_size_reference,
)
from ladderdata.generators.combos import seeded_combinations
from ladderdata.generators.direction_draws import camera_candidates
from ladderdata.generators.direction_rules import camera_decision
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

MAX_SETS_PER_FRAME = 30
"""Relative distance: (primary, candidates) sets a frame offers at most over all rounds."""


class SingleImageGenerator(Generator):
    """Questions about one image; see the module docstring."""

    family = Family.single_image
    data_type = DataType.single_image

    def candidates(self, qt: QuestionType, run: Run, rng: random.Random) -> Iterator[Candidate] | str:
        if qt == QT.relative_distance:
            return self._relative_distance_candidates(run, rng)
        if qt == QT.relative_direction:
            return camera_candidates(run, self.settings, rng)
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

    # --- relative distance candidates --------------------------------------------------------------
    def _frame_candidates(self, run: Run, pos: int) -> dict[str, ObjectRecord]:
        """Candidate categories of frame `pos`, each with the one instance the frame shows.

        The instance must be the only one of its category with any point in the image, large enough
        to name, and visible by the `candidate_*` thresholds; a category with several instances in the
        scan qualifies only with `multi_instance_candidates` (and, per primary, only when this
        instance is the closest one: `_candidates_for`).
        """
        idx = run.index
        s = self.settings
        out: dict[str, ObjectRecord] = {}
        for label, objs in idx.instances.items():
            if len(objs) > 1 and not s.multi_instance_candidates:
                continue
            inst = idx.sole_instance_in_image(pos, label)
            if (
                inst is not None
                and inst.shape.longest_side >= s.min_object_size_m
                and idx.candidate_visible(pos, inst.instance_id)
            ):
                out[label] = inst
        return out

    @staticmethod
    def _candidates_for(run: Run, primary: ObjectRecord, shown: dict[str, ObjectRecord]) -> list[str]:
        """The frame's candidate categories for one primary: a multi-instance category only when the
        instance in the frame is its closest to the primary (the one the answer measures to)."""
        idx = run.index
        return [
            label
            for label, inst in shown.items()
            if label != primary.label
            and (
                len(idx.instances[label]) == 1
                or idx.closest_instance(primary, label)[0].instance_id == inst.instance_id
            )
        ]

    def _relative_distance_candidates(self, run: Run, rng: random.Random) -> Iterator[Candidate] | str:
        idx = run.index
        k = ARITY[QT.relative_distance] - 1  # candidates besides the primary
        if not idx.unique:
            return TOO_FEW_UNIQUE_OBJECTS
        if len(idx.labels) < k + 1:
            return TOO_FEW_CATEGORIES
        per_frame: list[tuple[int, list[tuple[str, list[str]]]]] = []
        for pos in range(len(idx.frames)):
            primaries = [obj for obj in idx.unique.values() if idx.well_visible(pos, obj.instance_id)]
            if not primaries:
                continue
            shown = self._frame_candidates(run, pos)
            if len(shown) < k:
                continue
            options = [(p.label, c) for p in primaries if len(c := self._candidates_for(run, p, shown)) >= k]
            if options:
                per_frame.append((pos, options))
        if not per_frame:
            return NO_FRAME_WITH_ALL_VISIBLE
        rng.shuffle(per_frame)
        return self._iter_relative_distance(per_frame, k, rng)

    @staticmethod
    def _iter_relative_distance(
        per_frame: list[tuple[int, list[tuple[str, list[str]]]]], k: int, rng: random.Random
    ) -> Iterator[Candidate]:
        """Rounds over the frames (seeded order), `SETS_PER_FRAME` (primary, candidates) sets from each
        per round: spread over frames first, yet a scan with few qualifying frames still offers every
        set of them (up to `MAX_SETS_PER_FRAME` per frame)."""
        pools: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
        start = 0
        while True:
            offered = False
            for pos, options in per_frame:
                if pos not in pools:  # built on first visit: a scan that fills its cap early stops here
                    pool = [
                        (p_label, combo)
                        for p_label, cands in options
                        for combo in seeded_combinations(rng, cands, k, MAX_SETS_PER_FRAME)
                    ]
                    rng.shuffle(pool)
                    pools[pos] = pool[:MAX_SETS_PER_FRAME]
                for p_label, combo in pools[pos][start : start + SETS_PER_FRAME]:
                    offered = True
                    order = tuple(rng.sample(combo, k))  # the order the options are offered in
                    yield Candidate(frozenset((p_label, *combo)), (pos, (p_label, *order)))
            if not offered:
                return
            start += SETS_PER_FRAME

    def build(self, qt: QuestionType, run: Run, rng: random.Random, candidate: Candidate) -> QASample | str:
        pos, roles = candidate.payload
        if qt == QT.relative_distance:
            return self._relative_distance(run, rng, pos, roles)
        objs = [run.index.unique[label] for label in roles]
        builder = {
            QT.object_size: self._object_size,
            QT.absolute_distance: self._absolute_distance,
            QT.relative_direction: self._relative_direction,
        }[qt]
        return builder(run, rng, pos, objs)

    # --- question types ---------------------------------------------------------------------------
    def _object_size(
        self, run: Run, rng: random.Random, pos: int, objs: list[ObjectRecord]
    ) -> QASample | str:
        (obj,) = objs
        qt = QT.object_size
        decision = rules.object_size_answer(obj.shape.longest_side, self.settings.size_decimals)
        frame = run.index.frames[pos]
        if not self.claim(run, [obj.label], [frame]):
            return DUPLICATE
        question, template_id = self.render(qt, rng, object=obj.label)
        reference = object_size_reference(obj, self.settings.size_decimals)
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
        reference = absolute_distance_reference(a, b, distance, s.min_absolute_distance_m, decimals)
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
        self, run: Run, rng: random.Random, pos: int, roles: tuple[str, ...]
    ) -> QASample | str:
        idx = run.index
        primary, cand_labels = idx.unique[roles[0]], roles[1:]
        qt = QT.relative_distance
        s = self.settings
        # the candidate rule made each category's closest instance the one the frame shows
        closest: dict[str, ObjectRecord] = {}
        distances: dict[str, float] = {}
        for lab in cand_labels:
            closest[lab], distances[lab] = idx.closest_instance(primary, lab)
        area = run.scene.room.area_m2
        margin = s.relative_distance_margin(area)
        decision = rules.relative_distance_answer(distances, margin, s.relative_distance_min_closest_m)
        if not decision.ok:
            return decision.reason
        frame = idx.frames[pos]
        if not self.claim(run, [primary.label, *cand_labels], [frame]):
            return DUPLICATE
        options, letter = self.place_options(run, qt, list(cand_labels), decision.answer, None)
        choices = [o.split(". ", 1)[1] for o in options]
        multi = any(len(idx.instances[lab]) > 1 for lab in cand_labels)
        question, template_id = self.render(
            qt, rng, primary=primary.label, choices=choices, multi_instance=multi
        )
        reference = {
            "objects": [object_ref(closest[c]) for c in choices] + [object_ref(primary)],
            "primary": primary.label,
            "distances_m": distances,
            "instance_counts": {lab: len(idx.instances[lab]) for lab in cand_labels},
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
        pose = run.index.pose(pos)
        sx, sz = camera_extents(subject.shape, pose, run.index.corners(subject))
        rx, rz = camera_extents(ref.shape, pose, run.index.corners(ref))
        subtype, decision = camera_decision(sx, sz, rx, rz, s)
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
            "clear_gap_m": s.camera_direction_clear_gap_m,
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
