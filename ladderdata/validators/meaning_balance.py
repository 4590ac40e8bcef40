"""Balance answer meanings: select rows so each fixed-option subtype answers every meaning equally often.

For a (family, question type) whose candidates carry a meaning (`ladderdata.generators.meanings`), the
balance stage chooses among the candidates (never rewriting an answer) with `select_by_meaning`:

1. the candidates, already in the stratified seeded order, are queued per (subtype, meaning);
2. rows are taken one at a time: from the open subtype with the fewest rows so far (difficulties stay
   even), its meaning with the fewest rows (ties: the cell whose next candidate comes first in the seeded
   order), skipping candidates whose scan already gave `per_scan_cap` rows;
3. a subtype closes when no meaning can take a row without breaking the rule `meanings_within`
   checks (each meaning within +-tolerance x rows of uniform, or one row when that is larger: the same
   allowance as the letter check); a scarce meaning (medium's back sector is 90 of 360 degrees) so
   limits its subtype, and the other subtypes fill the quota.

Rows left out for that reason are dropped as `meaning_balance` (a shortfall names them); a subtype that
ends below an even share of its type's rows gets a `MeaningNote`, which the dataset card prints.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ladderdata.generators.meanings import meaning_group

if TYPE_CHECKING:
    from ladderdata.records import Family, QuestionType
    from ladderdata.validators.balance import Candidate

MEANING_BALANCE = "meaning_balance"
"""Drop reason: the row's meaning was already at its subtype's balanced share."""

FREE = "\x00free"
"""Subtype key of candidates without a fixed meaning in a meaning-balanced group (not balanced)."""


def meanings_within(
    counts: Mapping[str, int], meanings: Sequence[str], tolerance: float, slack: int = 1
) -> bool:
    """Whether each meaning's count is within max(tolerance x rows, slack) of uniform."""
    n = sum(counts.get(m, 0) for m in meanings)
    if n == 0:
        return True
    allowed = max(tolerance * n, float(slack))
    expected = n / len(meanings)
    return all(abs(counts.get(m, 0) - expected) <= allowed + 1e-9 for m in meanings)


@dataclass
class MeaningNote:
    """A subtype whose rows a scarce meaning held below an even share of its question type."""

    family: Family
    question_type: QuestionType
    subtype: str
    rows: int
    even_share: int
    scarce: str
    scarce_candidates: int
    candidates: dict[str, int]

    def describe(self) -> str:
        """One sentence for the dataset card."""
        per = ", ".join(f"{m} {n}" for m, n in self.candidates.items())
        return (
            f"{self.family.value} {self.question_type.value} ({self.subtype}): {self.rows} rows instead of "
            f"an even {self.even_share}, because only {self.scarce_candidates} candidate(s) answer "
            f"'{self.scarce}' (candidates per meaning: {per}); more rows would make its answers non-uniform"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON form for meta/stats.json."""
        return {
            "family": self.family.value,
            "question_type": self.question_type.value,
            "subtype": self.subtype,
            "rows": self.rows,
            "even_share": self.even_share,
            "scarce": self.scarce,
            "scarce_candidates": self.scarce_candidates,
            "candidates": dict(self.candidates),
        }


def has_meanings(cands: Sequence[Candidate]) -> bool:
    """Whether a group of candidates is balanced by meaning (any candidate carries one)."""
    return any(c.meaning is not None for c in cands)


def select_by_meaning(
    family: Family,
    qtype: QuestionType,
    order: Sequence[Candidate],
    target: int,
    cap: int | None,
    tolerance: float,
) -> tuple[list[Candidate], dict[int, str], list[MeaningNote]]:
    """Choose up to `target` rows of `order` (see module docstring): (chosen, index -> reason, notes)."""
    rank = {c.index: i for i, c in enumerate(order)}
    meanings: dict[str, tuple[str, ...]] = {}
    cells: dict[tuple[str, str], deque[Candidate]] = defaultdict(deque)
    for c in order:
        group = meaning_group(qtype, c.meaning_subtype) if c.meaning is not None else None
        sub = group.subtype if group is not None else FREE
        meanings.setdefault(sub, group.meanings if group is not None else (FREE,))
        cells[(sub, c.meaning if group is not None else FREE)].append(c)
    first_seen = {sub: i for i, sub in enumerate(dict.fromkeys(s for s, _ in cells))}
    counts: dict[str, Counter[str]] = {sub: Counter() for sub in meanings}
    per_scan: Counter[str] = Counter()
    skipped: dict[int, str] = {}
    chosen: list[Candidate] = []
    open_subs = set(meanings)
    limited: set[str] = set()

    def next_in(cell: tuple[str, str]) -> Candidate | None:
        queue = cells[cell]
        while queue and cap is not None and per_scan[queue[0].scan_id] >= cap:
            skipped[queue.popleft().index] = "per_scan_cap"
        return queue[0] if queue else None

    while len(chosen) < target and open_subs:
        sub = min(open_subs, key=lambda s: (sum(counts[s].values()), first_seen[s]))
        pick: Candidate | None = None
        ranked = sorted(
            meanings[sub],
            key=lambda m: (counts[sub][m], rank[nxt.index] if (nxt := next_in((sub, m))) else len(rank)),
        )
        for m in ranked:
            nxt = next_in((sub, m))
            if nxt is None:
                continue
            trial = counts[sub].copy()
            trial[m] += 1
            if sub == FREE or meanings_within(trial, meanings[sub], tolerance):
                pick = nxt
            break  # only the least-filled available meaning may grow; if it cannot, none can
        if pick is None:
            open_subs.discard(sub)
            if any(cells[(sub, m)] for m in meanings[sub]):
                limited.add(sub)
            continue
        m = pick.meaning if sub != FREE else FREE
        cells[(sub, m)].popleft()
        chosen.append(pick)
        counts[sub][m] += 1
        per_scan[pick.scan_id] += 1
    for (sub, _m), queue in cells.items():
        for c in queue:
            if cap is not None and per_scan[c.scan_id] >= cap:
                skipped[c.index] = "per_scan_cap"
            elif sub in limited:
                skipped[c.index] = MEANING_BALANCE
            else:
                skipped[c.index] = "over_quota"
    return chosen, skipped, _notes(family, qtype, order, counts, meanings, limited)


def _notes(
    family: Family,
    qtype: QuestionType,
    order: Sequence[Candidate],
    counts: dict[str, Counter[str]],
    meanings: dict[str, tuple[str, ...]],
    limited: set[str],
) -> list[MeaningNote]:
    subs = [s for s in meanings if s != FREE]
    total = sum(sum(counts[s].values()) for s in subs)
    even = total // len(subs) if subs else 0
    notes = []
    for sub in sorted(limited - {FREE}):
        rows = sum(counts[sub].values())
        if rows >= even:
            continue
        avail = Counter(c.meaning for c in order if c.meaning is not None and c.meaning_subtype == sub)
        per = {m: avail.get(m, 0) for m in meanings[sub]}
        scarce = min(meanings[sub], key=lambda m: (per[m], meanings[sub].index(m)))
        notes.append(MeaningNote(family, qtype, sub, rows, even, scarce, per[scarce], per))
    return notes


def verify_meanings(
    meaning_counts: Mapping[tuple[Family, QuestionType, str], Counter[str]], tolerance: float
) -> list[str]:
    """Problems with answer-meaning shares; each group is (family, question type, subtype).

    A meaning may be off uniform by `tolerance * n` rows, or by one row when that is larger (the letter
    check's allowance: integer counts cannot do better)."""
    problems = []
    for (family, qtype, subtype), counts in sorted(
        meaning_counts.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value, kv[0][2])
    ):
        group = meaning_group(qtype, subtype)
        if group is None or meanings_within(counts, group.meanings, tolerance):
            continue
        n = sum(counts.values())
        shares = ", ".join(f"{m} {counts.get(m, 0)}/{n}" for m in group.meanings)
        problems.append(
            f"{family.value}/{qtype.slug} ({subtype}): answer meanings {shares}, "
            f"uniform is {1 / len(group.meanings):.1%} +-{tolerance:.0%} (or one row)"
        )
    return problems


def meaning_counts_json(
    meaning_counts: Mapping[tuple[Family, QuestionType, str], Counter[str]],
) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """family -> question type -> subtype -> meaning -> rows (every meaning of the set, listing order),
    sorted, for meta/stats.json and the dataset card."""
    out: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for (family, qtype, subtype), counts in sorted(
        meaning_counts.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value, kv[0][2])
    ):
        group = meaning_group(qtype, subtype)
        names = group.meanings if group is not None else tuple(sorted(counts))
        per_type = out.setdefault(family.value, {}).setdefault(qtype.value, {})
        per_type[subtype] = {m: counts.get(m, 0) for m in names}
    return out
