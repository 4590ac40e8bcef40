"""Per-scene caches of SceneIndex and the matrix form of the multi-view greedy view cover.

The caches exist for speed only: every cached value must equal what the uncached function gives, and
the numpy view cover must choose exactly the frames (and consume exactly the random draws) of the
set-based greedy cover it replaced.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from ladderdata.generators import GenerationSettings
from ladderdata.generators.direction_rules import allocentric_inputs
from ladderdata.generators.frames import select_views, select_views_shown
from ladderdata.generators.scene_index import SceneIndex
from tests.generators.builders import make_frame, make_object, make_scene, make_vis


def _set_cover(n_frames, needed, n_views, shows, rng):
    """The greedy cover as the docstring of `frames.select_views` states it, written with sets."""
    if n_frames < n_views:
        return None
    sets = [frozenset(i for i in needed if shows(pos, i)) for pos in range(n_frames)]
    uncovered, chosen = set(needed), []
    while uncovered:
        best, ties = None, []
        for pos, shown in enumerate(sets):
            if pos in chosen:
                continue
            key = (len(shown & uncovered), len(shown))
            if best is None or key > best:
                best, ties = key, [pos]
            elif key == best:
                ties.append(pos)
        if best is None or best[0] == 0:
            return None
        pick = rng.choice(ties)
        chosen.append(pick)
        uncovered -= sets[pick]
        if len(chosen) > n_views:
            return None
    gap = np.full(n_frames, n_frames)
    for c in chosen:
        gap = np.minimum(gap, np.abs(np.arange(n_frames) - c))
    while len(chosen) < n_views:
        ties = np.flatnonzero(gap == gap.max())
        pick = int(ties[rng.randrange(len(ties))])
        chosen.append(pick)
        gap = np.minimum(gap, np.abs(np.arange(n_frames) - pick))
    return sorted(chosen)


def test_view_cover_by_hand():
    # frame 1 shows two of the three needed objects, frame 2 the third: both must be chosen
    shows = {0: {1}, 1: {1, 2}, 2: {3}, 3: set(), 4: set()}
    shown = np.array([[i in shows[pos] for i in (1, 2, 3)] for pos in range(5)])
    views = select_views_shown(shown, 3, random.Random(0))
    assert views is not None and {1, 2} <= set(views) and len(views) == 3
    # the third view fills the largest gap on the timeline: frame 4 (3 frames from frame 2 ... 1 away)
    assert views == [1, 2, 4]
    # an object no frame shows cannot be covered
    assert select_views_shown(np.column_stack([shown, np.zeros(5, bool)]), 3, random.Random(0)) is None
    # more frames needed than views allowed
    diagonal = np.eye(5, dtype=bool)
    assert select_views_shown(diagonal, 3, random.Random(0)) is None


@pytest.mark.parametrize("seed", range(40))
def test_matrix_cover_matches_the_set_cover(seed):
    gen = np.random.default_rng(seed)
    n_frames, n_objects = int(gen.integers(3, 30)), int(gen.integers(0, 7))
    table = gen.random((n_frames, n_objects)) < gen.uniform(0.05, 0.6)
    needed = list(range(n_objects))
    n_views = int(gen.integers(2, 9))
    a, b = random.Random(seed), random.Random(seed)
    expected = _set_cover(n_frames, needed, n_views, lambda pos, i: bool(table[pos, i]), a)
    got = select_views(n_frames, needed, n_views, lambda pos, i: bool(table[pos, i]), b)
    assert got == expected
    assert a.random() == b.random()  # the same number of draws was taken


def _scene():
    objects = [
        make_object(1, "chair", (0.0, 0.0, 0.5), (0.5, 0.5, 1.0)),
        make_object(2, "table", (3.0, 0.0, 0.4), (1.0, 2.0, 0.8), yaw=math.radians(30)),
        make_object(3, "lamp", (0.0, 2.5, 0.8), (0.3, 0.3, 1.6)),
    ]
    frames = [
        make_frame(0, [make_vis(1), make_vis(2, visibility=0.01)]),
        make_frame(10, [make_vis(2), make_vis(3)]),
        make_frame(20, [make_vis(3, visible_points=0)]),
    ]
    return make_scene(objects, frames)


def test_index_is_shared_for_the_same_scene_and_settings_only():
    scene, settings = _scene(), GenerationSettings()
    index = SceneIndex.of(scene, settings)
    assert SceneIndex.of(scene, GenerationSettings()) is index  # equal settings, same scene object
    assert SceneIndex.of(scene, GenerationSettings(view_min_visibility=0.5)) is not index
    assert SceneIndex.of(_scene(), settings) is not SceneIndex.of(scene, settings)


def test_cached_geometry_equals_the_direct_functions():
    scene = _scene()
    index = SceneIndex(scene, GenerationSettings())
    chair, table, lamp = scene.objects
    for p, o, q in [(chair, table, lamp), (lamp, chair, table), (table, lamp, chair)]:
        assert index.allocentric_inputs(p, o, q) == allocentric_inputs(p, o, q)
    # chair footprint [-0.25, 0.25]^2 and lamp footprint [-0.15, 0.15] x [2.35, 2.65]: 2.1 m apart
    assert index.footprint_gap(chair, lamp) == pytest.approx(2.1)
    # standing by the chair facing the table, the lamp's nearer footprint is the chair's (the yawed
    # table's nearest corner, (2.07, 0.62), is 2.6 m from the lamp)
    assert index.allocentric_inputs(chair, table, lamp).footprint_gap_m == pytest.approx(2.1)


def test_shown_matrix_is_the_shown_rule_of_every_frame():
    scene = _scene()
    index = SceneIndex(scene, GenerationSettings())
    matrix = index.shown_matrix([1, 2, 3, 99])
    expected = [[index.shown(pos, i) for i in (1, 2, 3, 99)] for pos in range(3)]
    assert matrix.tolist() == expected
    # by hand: frame 0 shows the chair (the table's 1 % visibility is below the rule), frame 1 the
    # table and the lamp, frame 2 nothing (the lamp has no visible point); id 99 is not in the scene
    assert expected == [
        [True, False, False, False],
        [False, True, True, False],
        [False, False, False, False],
    ]
