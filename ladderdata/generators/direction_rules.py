"""The build's direction rules applied to scene objects, in one place.

`rules.allocentric_direction_answer` and `rules.camera_direction_answer` decide on plain numbers; this
module turns objects (their oriented boxes) and the generation settings into those numbers. The
generators, the meaning-balanced draws (`direction_draws`) and the cold-start traces (`coldstart`) all
call it, so a question, the draw that predicted it and the trace that explains it can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ladderdata.generators import rules
from ladderdata.generators.measures import box_corners, floor_xy, footprint_gap
from ladderdata.generators.settings import GenerationSettings
from ladderdata.records import ObjectRecord


@dataclass(frozen=True)
class AllocentricInputs:
    """The floor-plane facts the allocentric rule decides on (also recorded in `sample.reference`)."""

    p_xy: tuple[float, float]
    o_xy: tuple[float, float]
    q_xy: tuple[float, float]
    corners: list[tuple[float, float]]
    footprint_gap_m: float
    """Gap between the target's footprint and the nearer of the standpoint's and facing object's."""


def allocentric_inputs(p: ObjectRecord, o: ObjectRecord, q: ObjectRecord) -> AllocentricInputs:
    """Stand by `p`, face `o`, locate `q`: floor positions, target corners, footprint gap.

    (`SceneIndex.allocentric_inputs` gives the same from per-scene caches.)"""
    # Q on (or beside) the object you stand by or face: its side depends on where exactly you stand
    gap = min(footprint_gap(q.shape, p.shape), footprint_gap(q.shape, o.shape))
    return inputs_from(p, o, q, box_corners(q.shape), gap)


def inputs_from(
    p: ObjectRecord, o: ObjectRecord, q: ObjectRecord, q_corners: np.ndarray, gap: float
) -> AllocentricInputs:
    """AllocentricInputs from Q's box corners (8, 3) and the footprint gap, computed elsewhere."""
    return AllocentricInputs(
        p_xy=floor_xy(p.shape),
        o_xy=floor_xy(o.shape),
        q_xy=floor_xy(q.shape),
        corners=[(float(x), float(y)) for x, y in q_corners[:, :2].tolist()],
        footprint_gap_m=gap,
    )


def allocentric_decision(
    inputs: AllocentricInputs, difficulty: str, settings: GenerationSettings
) -> rules.Decision:
    """The build's allocentric direction answer (or refusal) at `difficulty`."""
    s = settings
    return rules.allocentric_direction_answer(
        inputs.p_xy,
        inputs.o_xy,
        inputs.q_xy,
        inputs.corners,
        difficulty,
        margin_deg=s.direction_boundary_margin_deg,
        min_pair_m=s.direction_min_pair_distance_m,
        max_pair_m=s.direction_max_pair_distance_m,
        max_corners_off=s.direction_max_corners_off,
        footprint_gap_m=inputs.footprint_gap_m,
        min_footprint_gap_m=s.direction_min_footprint_gap_m,
    )


def camera_decision(
    subject_x: tuple[float, float],
    subject_z: tuple[float, float],
    reference_x: tuple[float, float],
    reference_z: tuple[float, float],
    settings: GenerationSettings,
) -> tuple[str | None, rules.Decision]:
    """The build's camera-centric answer from camera-frame extents (`measures.camera_extents` of the
    objects' oriented boxes): `(subtype, decision)`."""
    return rules.camera_direction_answer(
        subject_x,
        subject_z,
        reference_x,
        reference_z,
        min_separation_m=settings.camera_direction_min_separation_m,
        clear_gap_m=settings.camera_direction_clear_gap_m,
    )
