"""Balance: fill per-question-type quotas by stratified seeded sampling, and verify the build's balance.

Selection (`BalanceValidator.plan`) sees only light `Candidate` keys, never whole samples, so a build
of any size selects in memory while rows stay on disk. For each (family, question type):

1. candidates are put in a stratified, seeded priority order: each scan's candidates are shuffled, the
   scans are shuffled, and the order takes one candidate from each scan in turn (round robin), so a
   quota smaller than the pool spreads over as many scans as possible;
2. rows are taken in that order up to the quota, skipping a candidate when its scan already gave
   `per_scan_cap` rows of this type, or when its numeric answer value already fills
   `max_numeric_value_share` of the rows (with fewer than 1/share rows, each value may appear once);
3. when the pool cannot fill the quota, the target shrinks to what was found and selection is rerun
   (a smaller target lowers the value limit), until the value rule holds.

Localization rows are kept only when their linked single-image row was selected (`unlinked`), then
sampled to the localization quota the same way; when localization is built, single-image rows that have
a grounding row are taken before those that do not. Unmet quotas become `Shortfall`s: the build fails with
a message naming each (family, type) and the missing count unless `--allow-short`.

Verification (`verify_letters`, `verify_numeric`) runs on the final rows, after MCQ re-lettering:
letter shares within +-tolerance of uniform per (question type, option count), or within one row of
uniform when the group is too small for the tolerance to be reachable; no numeric value above its share.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ladderdata.config import BalanceConfig, FamiliesConfig
from ladderdata.errors import ValidationError
from ladderdata.generators.meanings import answer_meaning
from ladderdata.records import FAMILY_ORDER, Family, QASample, QuestionType
from ladderdata.validators.base import StageCounts
from ladderdata.validators.meaning_balance import (
    MeaningNote,
    has_meanings,
    select_by_meaning,
    verify_meanings,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What balancing needs to know about one validated row."""

    index: int
    """Position of the row in its family's candidate stream (the deterministic order)."""
    scan_id: str
    question_type: QuestionType
    value: str | None
    """Canonical numeric answer (`repr(float)`) of a numeric question without options, else None."""
    sample_id: str
    linked_sample_id: str | None = None
    meaning_subtype: str | None = None
    """Subtype of a question whose options are a fixed set of meanings (`generators.meanings`)."""
    meaning: str | None = None
    """What the answer means (the option text of the answer letter) for such a question, else None."""
    source: str = ""
    """Source kind of the row's scan (`QASample.source`), for per-source quota shares."""

    @classmethod
    def from_sample(cls, index: int, sample: QASample) -> Candidate:
        """Key of a sample at position `index` of its family's stream."""
        found = answer_meaning(sample)
        return cls(
            index=index,
            scan_id=sample.scene_id,
            question_type=sample.question_type,
            value=numeric_value(sample),
            sample_id=sample.sample_id,
            linked_sample_id=sample.linked_sample_id,
            meaning_subtype=found[0].subtype if found else None,
            meaning=found[1] if found else None,
            source=sample.source,
        )


def numeric_value(sample: QASample) -> str | None:
    """Canonical value of a numeric answer (`"2"` and `"2.0"` agree), None for MCQ and grounding."""
    if sample.options is not None or isinstance(sample.answer, list) or sample.question_type.is_mcq:
        return None
    try:
        return repr(float(sample.answer))
    except ValueError:
        return None


def value_limit(n_rows: int, share: float) -> int:
    """Most rows one numeric value may have among `n_rows` (at least one)."""
    return max(1, math.floor(share * n_rows + 1e-9))


def stable_seed(*parts: object) -> int:
    """A 64-bit seed from the parts' text (independent of PYTHONHASHSEED and of worker count)."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def stratified_order(cands: Sequence[Candidate], rng: random.Random) -> list[Candidate]:
    """Seeded round robin over scans (each scan's rows shuffled, scans shuffled)."""
    by_scan: dict[str, list[Candidate]] = defaultdict(list)
    for c in cands:
        by_scan[c.scan_id].append(c)
    scans = sorted(by_scan)
    rng.shuffle(scans)
    queues = []
    for scan in scans:
        rows = list(by_scan[scan])
        rng.shuffle(rows)
        queues.append(rows)
    order: list[Candidate] = []
    depth = 0
    while len(order) < len(cands):
        for q in queues:
            if depth < len(q):
                order.append(q[depth])
        depth += 1
    return order


@dataclass
class Shortfall:
    """A quota the candidates could not fill."""

    family: Family
    question_type: QuestionType
    quota: int
    selected: int
    available: int
    held_back: dict[str, int] = field(default_factory=dict)

    @property
    def missing(self) -> int:
        """Rows short of the quota."""
        return self.quota - self.selected

    def describe(self) -> str:
        """e.g. `video/room_size: 12 of 40 (short by 28; 12 candidates after validation)`."""
        extra = "".join(f", {n} held back by {why}" for why, n in sorted(self.held_back.items()) if n)
        return (
            f"{self.family.value}/{self.question_type.slug}: {self.selected} of {self.quota} "
            f"(short by {self.missing}; {self.available} candidates after validation{extra})"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON form for meta/stats.json."""
        return {
            "family": self.family.value,
            "question_type": self.question_type.value,
            "quota": self.quota,
            "selected": self.selected,
            "missing": self.missing,
            "available": self.available,
            "held_back": dict(sorted(self.held_back.items())),
        }


@dataclass
class BalancePlan:
    """Which candidate rows of each family the build writes, and why the others are dropped."""

    selected: dict[Family, set[int]]
    dropped: dict[Family, dict[int, str]]
    shortfalls: list[Shortfall]
    counts: StageCounts
    written: list[Family]
    """Families written to the output; a family selected only to give localization rows their links
    (single-image under `--modality localization`) is planned but not written."""
    meaning_notes: list[MeaningNote] = field(default_factory=list)
    """Subtypes a scarce answer meaning kept below an even share of their type (for the card)."""

    def reason(self, family: Family, index: int) -> str | None:
        """Drop reason of a row, None when it is selected."""
        if index in self.selected.get(family, set()):
            return None
        return self.dropped.get(family, {}).get(index, "not_selected")

    def raise_if_short(self, *, allow_short: bool, where: str = "build") -> None:
        """Fail with every unmet quota unless `allow_short`."""
        if self.shortfalls and not allow_short:
            listed = "; ".join(s.describe() for s in self.shortfalls)
            total = sum(s.missing for s in self.shortfalls)
            raise ValidationError(
                f"{where}: {len(self.shortfalls)} quota(s) not met, {total} row(s) missing: {listed}; "
                "add scans, lower the quotas or per_scan_cap, or pass --allow-short"
            )


class BalanceValidator:
    """Set-level validator: quota selection (`plan`) and final balance checks (`verify_*`)."""

    stage = "balance"

    def __init__(
        self,
        families: FamiliesConfig,
        balance: BalanceConfig,
        seed: int,
        source_shares: Mapping[str, float] | None = None,
    ) -> None:
        self.families = families
        self.balance = balance
        self.seed = seed
        self.source_shares = dict(source_shares or {})
        """Source kind -> the largest share of each (family, type) quota its rows may fill."""

    def select_group(
        self,
        family: Family,
        qtype: QuestionType,
        cands: Sequence[Candidate],
        quota: int,
        cap: int | None,
        prefer: set[str] | None = None,
    ) -> tuple[list[Candidate], dict[int, str], list[MeaningNote]]:
        """Choose up to `quota` rows of one (family, type); returns (chosen, index -> reason not chosen,
        notes on subtypes a scarce answer meaning kept below an even share).

        Candidates whose sample id is in `prefer` come first (single-image rows that have a grounding
        row, so the localization quota can match the single-image one). Types whose options are a fixed
        set of meanings are selected by `meaning_balance.select_by_meaning`."""
        rng = random.Random(stable_seed(self.seed, "balance", family.value, qtype.value))
        order = stratified_order(cands, rng)
        if prefer:
            order = [c for c in order if c.sample_id in prefer] + [
                c for c in order if c.sample_id not in prefer
            ]
        source_skipped: dict[int, str] = {}
        if self.source_shares:
            # a source with a share offers at most that share of the quota (in the stratified order)
            offered: Counter[str] = Counter()
            kept = []
            for c in order:
                share = self.source_shares.get(c.source)
                if share is not None and offered[c.source] >= int(share * quota):
                    source_skipped[c.index] = "source_quota"
                    continue
                offered[c.source] += 1
                kept.append(c)
            order = kept
        if has_meanings(order):
            chosen, skipped, notes = select_by_meaning(
                family, qtype, order, min(quota, len(order)), cap, self.balance.letter_tolerance
            )
            return chosen, {**source_skipped, **skipped}, notes
        numeric = not qtype.is_mcq and qtype != QuestionType.localization
        target = min(quota, len(order))
        while True:
            limit = value_limit(target, self.balance.max_numeric_value_share) if numeric else None
            chosen: list[Candidate] = []
            skipped: dict[int, str] = {}
            per_scan: Counter[str] = Counter()
            per_value: Counter[str | None] = Counter()
            for c in order:
                # rows after the target is reached are still classified, so each dropped row says
                # whether a cap or only the quota kept it out
                if cap is not None and per_scan[c.scan_id] >= cap:
                    skipped[c.index] = "per_scan_cap"
                elif limit is not None and c.value is not None and per_value[c.value] >= limit:
                    skipped[c.index] = "numeric_value_cap"
                elif len(chosen) == target:
                    skipped[c.index] = "over_quota"
                else:
                    chosen.append(c)
                    per_scan[c.scan_id] += 1
                    per_value[c.value] += 1
            if len(chosen) == target:
                break
            target = len(chosen)
        return chosen, {**source_skipped, **skipped}, []

    def plan(
        self, candidates: Mapping[Family, Sequence[Candidate]], written: Iterable[Family]
    ) -> BalancePlan:
        """Select rows for every family in `candidates`; families not in `written` only provide links."""
        written = [f for f in FAMILY_ORDER if f in set(written)]
        counts = StageCounts(self.stage)
        selected: dict[Family, set[int]] = {}
        dropped: dict[Family, dict[int, str]] = {}
        shortfalls: list[Shortfall] = []
        meaning_notes: list[MeaningNote] = []
        single_ids: set[str] | None = None
        grounded = (
            {c.linked_sample_id for c in candidates.get(Family.localization, ()) if c.linked_sample_id}
            if Family.localization in written
            else None
        )
        # single-image first: localization rows depend on which single-image rows survive
        order = [Family.single_image, Family.multi_view, Family.video, Family.localization]
        for family in order:
            cands = list(candidates.get(family, ()))
            fam_dropped: dict[int, str] = {}
            fam_selected: set[int] = set()
            if family == Family.localization and single_ids is not None:
                linked = []
                for c in cands:
                    if c.linked_sample_id in single_ids:
                        linked.append(c)
                    else:
                        fam_dropped[c.index] = "unlinked"
                cands = linked
            if family in written:
                cfg = self.families.get(family)
                by_type: dict[QuestionType, list[Candidate]] = defaultdict(list)
                for c in cands:
                    by_type[c.question_type].append(c)
                for qtype, group in by_type.items():
                    if qtype not in cfg.quotas:
                        fam_dropped.update({c.index: "no_quota" for c in group})
                for qtype, quota in cfg.quotas.items():
                    group = by_type.get(qtype, [])
                    prefer = grounded if family == Family.single_image else None
                    chosen, reasons, notes = self.select_group(
                        family, qtype, group, quota, cfg.per_scan_cap, prefer
                    )
                    meaning_notes.extend(notes)
                    fam_selected.update(c.index for c in chosen)
                    fam_dropped.update(reasons)
                    if len(chosen) < quota:
                        held = Counter(reasons.values())
                        held.pop("over_quota", None)
                        shortfalls.append(
                            Shortfall(family, qtype, quota, len(chosen), len(group), dict(held))
                        )
            elif cands:
                # a link provider: keep every row so each grounding row finds its question
                fam_selected.update(c.index for c in cands)
            if family == Family.single_image:
                single_ids = {c.sample_id for c in cands if c.index in fam_selected}
            selected[family] = fam_selected
            dropped[family] = fam_dropped
            if family in written:
                counts.keep(len(fam_selected))
                for reason in fam_dropped.values():
                    counts.drop(reason)
            elif fam_selected or fam_dropped:
                counts.drop("family_not_built", len(fam_selected) + len(fam_dropped))
        return BalancePlan(selected, dropped, shortfalls, counts, written, meaning_notes)


def verify_letters(
    letter_counts: Mapping[tuple[QuestionType, int], Counter[str]],
    tolerance: float,
    slack: Mapping[tuple[QuestionType, int], int] | None = None,
) -> list[str]:
    """Problems with MCQ letter shares; each group is (question type, number of options).

    A letter may be off uniform by `tolerance * n` rows, or by `slack` rows when that is larger: one row
    by default (integer counts cannot do better), one per subtype when the letters were balanced per
    subtype (each balanced subgroup may leave one extra row on a letter).
    """
    problems = []
    for (qtype, k), counts in sorted(letter_counts.items(), key=lambda kv: (kv[0][0].value, kv[0][1])):
        n = sum(counts.values())
        if n == 0:
            continue
        expected = n / k
        allowed = max(tolerance * n, float((slack or {}).get((qtype, k), 1)))
        for i in range(k):
            letter = chr(ord("A") + i)
            c = counts.get(letter, 0)
            if abs(c - expected) > allowed + 1e-9:
                problems.append(
                    f"{qtype.slug} ({k} options): letter {letter} is {c}/{n} = {c / n:.1%}, "
                    f"uniform is {1 / k:.1%} +-{tolerance:.0%}"
                )
    return problems


def verify_numeric(
    value_counts: Mapping[tuple[Family, QuestionType], Counter[str]], max_share: float
) -> list[str]:
    """Problems with numeric answer values holding more than `max_share` of their (family, type)."""
    problems = []
    for (family, qtype), counts in sorted(
        value_counts.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value)
    ):
        n = sum(counts.values())
        limit = value_limit(n, max_share)
        for value, c in sorted(counts.items()):
            if c > limit:
                problems.append(
                    f"{family.value}/{qtype.slug}: answer {float(value):g} is {c}/{n} = {c / n:.1%} "
                    f"of the rows (max {max_share:.0%})"
                )
    return problems


class BalanceTally:
    """Streams final rows and collects what `verify_letters` / `verify_numeric` need."""

    def __init__(self) -> None:
        self.letters: dict[tuple[QuestionType, int], Counter[str]] = defaultdict(Counter)
        self.subletters: dict[tuple[QuestionType, str | None, int], Counter[str]] = defaultdict(Counter)
        self.values: dict[tuple[Family, QuestionType], Counter[str]] = defaultdict(Counter)
        self.meanings: dict[tuple[Family, QuestionType, str], Counter[str]] = defaultdict(Counter)

    def add(self, sample: QASample) -> None:
        """Count one written row."""
        # letters are balanced (and checked) for the MCQ types; a numeric question asked as multiple
        # choice keeps its generator's placement
        if sample.question_type.is_mcq and sample.options is not None and isinstance(sample.answer, str):
            k = len(sample.options)
            self.letters[(sample.question_type, k)][sample.answer] += 1
            self.subletters[(sample.question_type, sample.subtype, k)][sample.answer] += 1
        value = numeric_value(sample)
        if value is not None:
            self.values[(sample.family, sample.question_type)][value] += 1
        found = answer_meaning(sample)
        if found is not None:
            self.meanings[(sample.family, sample.question_type, found[0].subtype)][found[1]] += 1

    def problems(self, balance: BalanceConfig) -> list[str]:
        """Every letter, value or answer-meaning imbalance, as readable lines."""
        slack: Counter[tuple[QuestionType, int]] = Counter()
        for qtype, _subtype, k in self.subletters:
            slack[(qtype, k)] += 1
        problems = verify_letters(self.letters, balance.letter_tolerance, slack)
        for (qtype, subtype, k), counts in sorted(
            self.subletters.items(), key=lambda kv: (kv[0][0].value, kv[0][1] or "", kv[0][2])
        ):
            if slack[(qtype, k)] > 1:
                for p in verify_letters({(qtype, k): counts}, balance.letter_tolerance):
                    problems.append(f"[{subtype or 'no subtype'}] {p}")
        problems += verify_numeric(self.values, balance.max_numeric_value_share)
        problems += verify_meanings(self.meanings, balance.letter_tolerance)
        return problems

    def verify(self, balance: BalanceConfig, where: str = "build") -> None:
        """Raise a ValidationError listing every letter or value imbalance."""
        problems = self.problems(balance)
        if problems:
            raise ValidationError(f"{where}: unbalanced answers: {'; '.join(problems)}")


def verify_balance(samples: Iterable[QASample], balance: BalanceConfig, where: str = "build") -> None:
    """Check letter and numeric-value balance of final rows (raises ValidationError)."""
    tally = BalanceTally()
    for s in samples:
        tally.add(s)
    tally.verify(balance, where)
