"""Seeded enumeration of distinct k-subsets, without materialising huge combination spaces."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

_ENUMERATE_LIMIT = 1_000
"""Spaces up to this size are enumerated and shuffled; larger ones are sampled lazily (cheaper: a
generator usually consumes a few dozen candidates)."""


def seeded_combinations(rng: random.Random, pool: Sequence[T], k: int, limit: int) -> Iterator[tuple[T, ...]]:
    """Distinct k-subsets of `pool` (each in pool order) in a seeded random order, at most `limit`.

    Small spaces are enumerated and shuffled (every subset reachable); large ones are sampled with
    rejection of repeats, trying at most 20x `limit` draws.
    """
    n = len(pool)
    if k < 0 or n < k or limit <= 0:
        return
    total = math.comb(n, k)
    if total <= _ENUMERATE_LIMIT:
        combos = list(itertools.combinations(range(n), k))
        rng.shuffle(combos)
        for c in combos[:limit]:
            yield tuple(pool[i] for i in c)
        return
    seen: set[tuple[int, ...]] = set()
    for _ in range(20 * limit):
        c = tuple(sorted(rng.sample(range(n), k)))
        if c in seen:
            continue
        seen.add(c)
        yield tuple(pool[i] for i in c)
        if len(seen) >= limit:
            return
