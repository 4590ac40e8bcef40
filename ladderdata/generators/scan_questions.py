"""Questions about a whole scan shown through a set of frames (shared by multi-view and video).

Object count, absolute distance (point-set distance), object size (oriented box), relative distance (a
candidate category's distance is to its closest instance) and allocentric relative direction (oriented
box centres, corners and footprints) are answered from the scan's geometry; the
subclass chooses the media (`select_media`) so that every object the answer depends on is shown in at
least one of the frames.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from ladderdata.generators import rules
from ladderdata.generators.base import (
    DUPLICATE,
    TOO_FEW_CATEGORIES,
    TOO_FEW_UNIQUE_OBJECTS,
    Candidate,
    Generator,
    Run,
    absolute_distance_reference,
    object_ref,
    object_size_reference,
)
from ladderdata.generators.combos import seeded_combinations
from ladderdata.generators.direction_draws import allocentric_draws
from ladderdata.generators.direction_rules import allocentric_decision
from ladderdata.records import FrameRecord, ObjectRecord, QASample, QuestionType

QT = QuestionType


class ScanQuestionGenerator(Generator):
    """Base of the multi-view and video generators (see module docstring)."""

    def select_media(self, run: Run, rng: random.Random, needed: list[int]) -> list[FrameRecord] | str:
        """Frames that show every needed instance, or a refusal reason."""
        raise NotImplementedError

    def _pool_limit(self) -> int:
        # candidates whose category set was already asked are skipped without counting, so draw more
        return 4 * self.settings.max_candidates_per_type

    # --- candidates -------------------------------------------------------------------------------
    def candidates(self, qt: QuestionType, run: Run, rng: random.Random) -> Iterator[Candidate] | str:
        idx = run.index
        unique = list(idx.unique)
        limit = self._pool_limit()
        if qt == QT.object_count:
            labels = [lab for lab, objs in idx.instances.items() if rules.object_count_answer(len(objs)).ok]
            if not labels:
                return TOO_FEW_CATEGORIES
            rng.shuffle(labels)
            return (Candidate(frozenset([lab]), lab) for lab in labels)
        if qt == QT.object_size:
            if not unique:
                return TOO_FEW_UNIQUE_OBJECTS
            return (Candidate(frozenset(c), c) for c in seeded_combinations(rng, unique, 1, limit))
        if qt == QT.absolute_distance:
            if len(unique) < 2:
                return TOO_FEW_UNIQUE_OBJECTS
            return (Candidate(frozenset(c), c) for c in seeded_combinations(rng, unique, 2, limit))
        if qt == QT.relative_direction:
            if len(unique) < 3:
                return TOO_FEW_UNIQUE_OBJECTS
            return allocentric_draws(run, self.settings, rng, limit)
        if qt == QT.relative_distance:
            if not unique:
                return TOO_FEW_UNIQUE_OBJECTS
            if len(idx.labels) < 5:
                return TOO_FEW_CATEGORIES
            return self._relative_distance_candidates(run, rng, limit)
        return self.extra_candidates(qt, run, rng)

    def extra_candidates(self, qt: QuestionType, run: Run, rng: random.Random) -> Iterator[Candidate] | str:
        """Candidates of subclass-specific types."""
        raise ValueError(f"{type(self).__name__} does not generate {qt.value!r}")

    @staticmethod
    def _relative_distance_candidates(run: Run, rng: random.Random, limit: int) -> Iterator[Candidate]:
        idx = run.index
        for combo in seeded_combinations(rng, idx.labels, 5, limit):
            primaries = [lab for lab in combo if lab in idx.unique]
            if not primaries:
                continue
            primary = rng.choice(primaries)
            cands = [lab for lab in combo if lab != primary]
            rng.shuffle(cands)
            yield Candidate(frozenset(combo), (primary, tuple(cands)))

    # --- build ------------------------------------------------------------------------------------
    def build(self, qt: QuestionType, run: Run, rng: random.Random, candidate: Candidate) -> QASample | str:
        builder = {
            QT.object_count: self._object_count,
            QT.object_size: self._object_size,
            QT.absolute_distance: self._absolute_distance,
            QT.relative_distance: self._relative_distance,
            QT.relative_direction: self._relative_direction,
        }.get(qt)
        if builder is None:
            return self.build_extra(qt, run, rng, candidate)
        return builder(run, rng, candidate.payload)

    def build_extra(
        self, qt: QuestionType, run: Run, rng: random.Random, candidate: Candidate
    ) -> QASample | str:
        """Build subclass-specific types."""
        raise ValueError(f"{type(self).__name__} does not generate {qt.value!r}")

    def _finish(
        self,
        run: Run,
        qt: QuestionType,
        rng: random.Random,
        *,
        labels: list[str],
        needed: list[int],
        answer: str,
        reference: dict[str, Any],
        variables: dict[str, Any],
        options: tuple[list[str], str] | None = None,
        subtype: str | None = None,
    ) -> QASample | str:
        """Media, dedupe, letter placement, wording, assembly (shared tail of every build)."""
        frames = self.select_media(run, rng, needed)
        if isinstance(frames, str):
            return frames
        if not self.claim(run, labels, frames):
            return DUPLICATE
        opts = None
        if options is not None:
            texts, correct = options
            opts, answer = self.place_options(run, qt, texts, correct, subtype)
            variables = {**variables, **self.option_variables(qt, opts)}
            if qt == QT.relative_distance:  # mention order: the listed choices, then the primary
                by_label = {o["label"]: o for o in reference["objects"]}
                order = [*variables["choices"], reference["primary"]]
                reference = {**reference, "objects": [by_label[lab] for lab in order]}
        question, template_id = self.render(qt, rng, **variables)
        return self.make_sample(
            run,
            qt,
            question=question,
            template_id=template_id,
            frames=frames,
            answer=answer,
            options=opts,
            subtype=subtype,
            reference=reference,
        )

    @staticmethod
    def option_variables(qt: QuestionType, options: list[str]) -> dict[str, Any]:
        """Template variables derived from the placed options (relative distance lists them)."""
        if qt == QT.relative_distance:
            return {"choices": [o.split(". ", 1)[1] for o in options]}
        return {}

    def _object_count(self, run: Run, rng: random.Random, label: str) -> QASample | str:
        objs = run.index.instances[label]
        decision = rules.object_count_answer(len(objs))
        if not decision.ok:
            return decision.reason
        ids = [o.instance_id for o in objs]
        reference = {"category": label, "instance_ids": ids, "count": len(objs)}
        return self._finish(
            run,
            QT.object_count,
            rng,
            labels=[label],
            needed=ids,
            answer=decision.answer,
            reference=reference,
            variables={"category": label},
        )

    def _object_size(self, run: Run, rng: random.Random, labels: tuple[str, ...]) -> QASample | str:
        obj = run.index.unique[labels[0]]
        decision = rules.object_size_answer(obj.shape.longest_side, self.settings.size_decimals)
        reference = object_size_reference(obj, self.settings.size_decimals)
        return self._finish(
            run,
            QT.object_size,
            rng,
            labels=[obj.label],
            needed=[obj.instance_id],
            answer=decision.answer,
            reference=reference,
            variables={"object": obj.label},
        )

    def _absolute_distance(self, run: Run, rng: random.Random, labels: tuple[str, ...]) -> QASample | str:
        a, b = (run.index.unique[lab] for lab in rng.sample(labels, 2))
        s = self.settings
        distance = run.index.distance(a, b)
        decimals = s.distance_decimals[self.family.value]
        decision = rules.absolute_distance_answer(distance, s.min_absolute_distance_m, decimals)
        if not decision.ok:
            return decision.reason
        reference = absolute_distance_reference(a, b, distance, s.min_absolute_distance_m, decimals)
        return self._finish(
            run,
            QT.absolute_distance,
            rng,
            labels=[a.label, b.label],
            needed=[a.instance_id, b.instance_id],
            answer=decision.answer,
            reference=reference,
            variables={"object_a": a.label, "object_b": b.label},
        )

    def _relative_distance(
        self, run: Run, rng: random.Random, payload: tuple[str, tuple[str, ...]]
    ) -> QASample | str:
        primary_label, cand_labels = payload
        idx = run.index
        s = self.settings
        primary = idx.unique[primary_label]
        closest: dict[str, ObjectRecord] = {}
        distances: dict[str, float] = {}
        for lab in cand_labels:
            closest[lab], distances[lab] = idx.closest_instance(primary, lab)
        area = run.scene.room.area_m2
        decision = rules.relative_distance_answer(
            distances, s.relative_distance_margin(area), s.relative_distance_min_closest_m
        )
        if not decision.ok:
            return decision.reason
        reference = {
            "objects": [object_ref(primary)] + [object_ref(closest[lab]) for lab in cand_labels],
            "primary": primary_label,
            "distances_m": distances,
            "room_area_m2": area,
            "margin_rule": s.relative_margin_rule(),
            "min_closest_m": s.relative_distance_min_closest_m,
        }
        multi = any(len(idx.instances[lab]) > 1 for lab in cand_labels)
        return self._finish(
            run,
            QT.relative_distance,
            rng,
            labels=[primary_label, *cand_labels],
            # the closest instance decides the answer: it must be seen; farther ones cannot change it
            needed=[primary.instance_id] + [closest[lab].instance_id for lab in cand_labels],
            answer="",
            reference=reference,
            variables={"primary": primary_label, "multi_instance": multi},
            options=(list(cand_labels), decision.answer),
        )

    def _relative_direction(
        self, run: Run, rng: random.Random, roles: tuple[str, str, str]
    ) -> QASample | str:
        p, o, q = (run.index.unique[lab] for lab in roles)
        s = self.settings
        inputs = run.index.allocentric_inputs(p, o, q)
        p_xy, o_xy, q_xy, corners, gap = (
            inputs.p_xy,
            inputs.o_xy,
            inputs.q_xy,
            inputs.corners,
            inputs.footprint_gap_m,
        )
        # the least-emitted difficulty first, so difficulties stay balanced within a scan
        order = sorted(
            s.direction_difficulties,
            key=lambda d: (run.subtype_counts[(QT.relative_direction, d)], s.direction_difficulties.index(d)),
        )
        first_reason = None
        for difficulty in order:
            decision = allocentric_decision(inputs, difficulty, s)
            if decision.ok:
                break
            first_reason = first_reason or decision.reason
        else:
            return first_reason
        reference = {
            "objects": [object_ref(p), object_ref(o), object_ref(q)],
            "difficulty": difficulty,
            "positioning_xy": list(p_xy),
            "orienting_xy": list(o_xy),
            "querying_xy": list(q_xy),
            "querying_corners_xy": [list(c) for c in corners],
            "angle_deg": rules.ccw_angle_deg(p_xy, o_xy, q_xy),
            "margin_deg": s.direction_boundary_margin_deg,
            "pair_distance_range_m": [s.direction_min_pair_distance_m, s.direction_max_pair_distance_m],
            "max_corners_off": s.direction_max_corners_off,
            "footprint_gap_m": gap,
            "min_footprint_gap_m": s.direction_min_footprint_gap_m,
        }
        return self._finish(
            run,
            QT.relative_direction,
            rng,
            labels=list(roles),
            needed=[p.instance_id, o.instance_id, q.instance_id],
            answer="",
            reference=reference,
            variables={
                "positioning": p.label,
                "orienting": o.label,
                "querying": q.label,
                "difficulty": difficulty,
            },
            options=(list(rules.DIRECTION_OPTIONS[difficulty]), decision.answer),
            subtype=difficulty,
        )
