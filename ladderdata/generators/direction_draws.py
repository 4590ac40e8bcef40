"""How relative-direction candidates are drawn so that every answer meaning is reachable.

The geometry decides each answer; what a generator chooses is which question to ask. Relative direction
leaves much room for that choice: the three objects of an allocentric question can take any of six
roles (standing by P, facing O, where is Q: cyclic role orders turn left, the others right; only the
vertex of an obtuse triangle puts the target behind), and a camera-centric pair can be asked either way
round (subject and reference swapped flips left/right and front/back) in any frame that shows both.

Both draws below therefore work cell first: at each step they take the (subtype, meaning) cell this
scan has emitted least (ties: seeded), and look through the seeded candidate pool for a question whose
rule-decided answer falls in that cell, evaluating candidates lazily and only as far as needed. The
answer is computed with the same rule function and settings the build then applies again
(`rules.allocentric_direction_answer`, `rules.camera_direction_answer`); the subtype an allocentric
question gets follows the build's own order (the least-emitted difficulty whose rule accepts it), so
the draw predicts it rather than choosing it. Candidates no cell can use are yielded last, so their
refusal reasons are still counted.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ladderdata.generators import rules
from ladderdata.generators.base import NO_FRAME_WITH_ALL_VISIBLE, TOO_FEW_UNIQUE_OBJECTS, Candidate, Run
from ladderdata.generators.combos import seeded_combinations
from ladderdata.generators.direction_rules import allocentric_decision, camera_decision
from ladderdata.generators.measures import camera_extents, floor_xy
from ladderdata.records import QuestionType

if TYPE_CHECKING:
    from ladderdata.generators.settings import GenerationSettings

QT = QuestionType


def difficulty_order(run: Run, settings: GenerationSettings) -> list[str]:
    """The order in which the build tries difficulties: least emitted in this scan first (as in
    `ScanQuestionGenerator._relative_direction`)."""
    ds = list(settings.direction_difficulties)
    return sorted(ds, key=lambda d: (run.subtype_counts[(QT.relative_direction, d)], ds.index(d)))


def ranked_cells(
    run: Run, subtypes: list[str], options: dict[str, tuple[str, ...]], rng: random.Random, by_subtype: bool
) -> list[tuple[str, str]]:
    """(subtype, meaning) cells, neediest first.

    `by_subtype`: the subtypes are already in priority order (allocentric: the build's difficulty
    order); else they rank by how many rows they have. Within a subtype, the least-emitted meaning first;
    ties are broken by a seeded draw (never by listing order, which would favour 'left' in every scan).
    """
    qt = QT.relative_direction
    keyed = []
    for pos, sub in enumerate(subtypes):
        first = pos if by_subtype else run.subtype_counts[(qt, sub)]
        for m in options[sub]:
            keyed.append(((first, run.meaning_counts[(qt, sub, m)], rng.random()), (sub, m)))
    return [cell for _, cell in sorted(keyed)]


# --------------------------------------------------------------------------------------------------
# allocentric (multi-view, video)
# --------------------------------------------------------------------------------------------------


class _Triple:
    """Three objects and the rule's answer for each role order and difficulty (computed on demand)."""

    def __init__(self, run: Run, settings: GenerationSettings, labels: tuple[str, ...]) -> None:
        self.labels = labels
        self.run = run
        self.settings = settings
        self._decisions: dict[tuple[tuple[str, ...], str], rules.Decision] = {}
        self._sectors: dict[tuple[tuple[str, ...], str], str] = {}
        for roles in itertools.permutations(labels):
            p, o, q = (floor_xy(run.index.unique[lab].shape) for lab in roles)
            angle = rules.ccw_angle_deg(p, o, q)
            for d in settings.direction_difficulties:
                self._sectors[(roles, d)] = rules.sector_of(angle, d)
        self.maybe = {(d, m) for (_, d), m in self._sectors.items()}
        """Cells some role order may reach (by the centre's sector; the full rule may still refuse)."""

    def decide(self, roles: tuple[str, ...], difficulty: str) -> rules.Decision:
        """The build's rule, with the build's settings."""
        key = (roles, difficulty)
        if key not in self._decisions:
            p, o, q = (self.run.index.unique[lab] for lab in roles)
            self._decisions[key] = allocentric_decision(
                self.run.index.allocentric_inputs(p, o, q), difficulty, self.settings
            )
        return self._decisions[key]

    def roles_for(self, cell: tuple[str, str], order: list[str]) -> tuple[str, ...] | None:
        """A role order whose answer, under the build's difficulty order, falls in `cell`."""
        difficulty, meaning = cell
        if cell not in self.maybe:
            return None
        before = order[: order.index(difficulty)]
        for roles in itertools.permutations(self.labels):
            if self._sectors[(roles, difficulty)] != meaning:
                continue
            d = self.decide(roles, difficulty)
            if d.ok and d.answer == meaning and not any(self.decide(roles, e).ok for e in before):
                return roles
        return None


def allocentric_draws(
    run: Run, settings: GenerationSettings, rng: random.Random, limit: int
) -> Iterator[Candidate]:
    """Relative-direction candidates of a scan, neediest (difficulty, meaning) cell first."""
    pool = seeded_combinations(rng, list(run.index.unique), 3, limit)
    seen: list[_Triple] = []
    used: set[tuple[str, ...]] = set()
    options = {d: rules.DIRECTION_OPTIONS[d] for d in settings.direction_difficulties}
    while True:
        order = difficulty_order(run, settings)
        found = None
        for cell in ranked_cells(run, order, options, rng, by_subtype=True):
            for t in seen:
                if t.labels not in used and (roles := t.roles_for(cell, order)) is not None:
                    found = (t, roles)
                    break
            while found is None and (combo := next(pool, None)) is not None:
                t = _Triple(run, settings, combo)
                seen.append(t)
                if (roles := t.roles_for(cell, order)) is not None:
                    found = (t, roles)
            if found is not None:
                break
        if found is None:
            break
        used.add(found[0].labels)
        yield Candidate(frozenset(found[0].labels), found[1])
    # nothing answerable is left: offer the rest once so the build counts why each is refused
    for t in seen:
        if t.labels not in used:
            yield Candidate(frozenset(t.labels), tuple(rng.sample(t.labels, 3)))


# --------------------------------------------------------------------------------------------------
# camera-centric (single image)
# --------------------------------------------------------------------------------------------------


def camera_candidates(
    run: Run, settings: GenerationSettings, rng: random.Random
) -> Iterator[Candidate] | str:
    """Single-image relative-direction candidates (`camera_draws`), or why the scan has none."""
    idx = run.index
    if len(idx.unique) < 2:
        return TOO_FEW_UNIQUE_OBJECTS
    pairs: dict[tuple[str, str], list[int]] = {}
    for pos in range(len(idx.frames)):
        labels = [lab for lab, obj in idx.unique.items() if idx.well_visible(pos, obj.instance_id)]
        for pair in itertools.combinations(sorted(labels), 2):
            pairs.setdefault(pair, []).append(pos)
    if not pairs:
        return NO_FRAME_WITH_ALL_VISIBLE
    return camera_draws(run, settings, rng, pairs)


def camera_draws(
    run: Run, settings: GenerationSettings, rng: random.Random, pairs: dict[tuple[str, str], list[int]]
) -> Iterator[Candidate]:
    """Single-image relative-direction candidates `(frame position, (subject, reference))`.

    `pairs` maps each pair of nameable labels (sorted) to the frame positions where both are well
    visible. Every pair is evaluated in each of its frames both ways round (cheap: two boxes per frame);
    a pair can be asked once per scan, so the neediest cell takes, among the pairs that reach it, the
    one that reaches the fewest other cells (ties: seeded order), keeping versatile pairs for the rare
    cells (front/back needs the two objects at different depths yet overlapping left to right).
    """
    idx = run.index
    subtypes = ["camera"] + (["diagonal"] if settings.camera_direction_diagonal else [])
    options = {v: rules.CAMERA_OPTIONS[v] for v in subtypes}
    order = sorted(pairs)
    rng.shuffle(order)
    extents: dict[tuple[int, str], tuple[tuple[float, float], tuple[float, float]]] = {}

    def extent(pos: int, label: str):
        if (pos, label) not in extents:
            obj = idx.unique[label]
            extents[(pos, label)] = camera_extents(obj.shape, idx.pose(pos), idx.corners(obj))
        return extents[(pos, label)]

    offers: dict[tuple[str, str], dict[tuple[str, str], tuple[int, tuple[str, str]]]] = {}
    for pair in order:
        offers[pair] = {}
        for pos in rng.sample(pairs[pair], len(pairs[pair])):
            if (frozenset(pair), (str(idx.frames[pos].frame_index),)) in run.seen:
                continue  # another single-image question already holds this pair in this frame
            for roles in (pair, (pair[1], pair[0])):
                (sx, sz), (rx, rz) = extent(pos, roles[0]), extent(pos, roles[1])
                subtype, decision = camera_decision(sx, sz, rx, rz, settings)
                if decision.ok and subtype in options:
                    offers[pair].setdefault((subtype, decision.answer), (pos, roles))
    rank = {pair: i for i, pair in enumerate(order)}
    while True:
        found = None
        for cell in ranked_cells(run, subtypes, options, rng, by_subtype=False):
            able = [pair for pair, cells in offers.items() if cell in cells]
            if able:
                pair = min(able, key=lambda p: (len(offers[p]), rank[p]))
                found = (pair, *offers[pair][cell])
                break
        if found is None:
            break
        pair, pos, roles = found
        del offers[pair]
        yield Candidate(frozenset(pair), (pos, roles))
    # nothing answerable is left: offer the rest once so the build counts why each is refused
    for pair in order:
        if pair in offers:
            yield Candidate(frozenset(pair), (pairs[pair][0], tuple(rng.sample(pair, 2))))
