"""Balance by answer meaning: selection among candidates, scarce meanings, the check, stats and card."""

from __future__ import annotations

from collections import Counter

import pytest

from ladderdata.answer_format import format_options
from ladderdata.config import BalanceConfig, FamiliesConfig
from ladderdata.errors import ValidationError
from ladderdata.generators.meanings import answer_meaning, row_meaning
from ladderdata.records import Family, QuestionType
from ladderdata.validators.balance import BalanceTally, BalanceValidator, Candidate
from ladderdata.validators.meaning_balance import meanings_within
from tests.fixtures.build import make_qa

DIR = QuestionType.relative_direction


def _cand(i: int, scan: str, subtype: str, meaning: str) -> Candidate:
    return Candidate(i, scan, DIR, None, f"s{i}", None, meaning_subtype=subtype, meaning=meaning)


def _pool(spec: dict[str, dict[str, int]], scans: int = 3) -> list[Candidate]:
    """`{"easy": {"left": 10, "right": 2}}` -> candidates spread round robin over `scans` scans."""
    out = []
    for sub, per in spec.items():
        for meaning, n in per.items():
            for _ in range(n):
                out.append(_cand(len(out), f"scan{len(out) % scans}", sub, meaning))
    return out


def _plan(cands, quota: int, cap: int | None = None, seed: int = 0, tolerance: float = 0.03):
    fams = {"video": {"quotas": {"relative_direction": quota}, "per_scan_cap": cap}}
    v = BalanceValidator(FamiliesConfig.model_validate(fams), BalanceConfig(letter_tolerance=tolerance), seed)
    plan = v.plan({Family.video: cands}, [Family.video])
    chosen = [c for c in cands if c.index in plan.selected[Family.video]]
    return plan, chosen


def _meanings(chosen) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for c in chosen:
        out.setdefault(c.meaning_subtype, Counter())[c.meaning] += 1
    return out


def test_skewed_pool_is_selected_uniform_by_meaning():
    # the measured skew of the sample (easy left 62 %, hard front-left 43 %, medium left 42 %)
    cands = _pool(
        {
            "easy": {"left": 41, "right": 25},
            "medium": {"left": 28, "right": 25, "back": 13},
            "hard": {"front-left": 28, "front-right": 20, "back-left": 8, "back-right": 9},
        }
    )
    plan, chosen = _plan(cands, 36)
    assert not plan.shortfalls and len(chosen) == 36
    assert _meanings(chosen) == {
        "easy": {"left": 6, "right": 6},
        "medium": {"left": 4, "right": 4, "back": 4},
        "hard": {"front-left": 3, "front-right": 3, "back-left": 3, "back-right": 3},
    }
    assert set(plan.dropped[Family.video].values()) == {"over_quota"}


def test_a_scarce_meaning_limits_its_subtype_and_the_others_fill_the_quota():
    # medium has two 'back' candidates: within one row of uniform means n / 3 - 2 <= 1, so n <= 9
    cands = _pool({"easy": {"left": 20, "right": 20}, "medium": {"left": 20, "right": 20, "back": 2}})
    plan, chosen = _plan(cands, 24)
    assert not plan.shortfalls and len(chosen) == 24
    got = _meanings(chosen)
    assert sorted(got["medium"].values()) == [2, 3, 4]
    assert all(meanings_within(c, list(c), 0.03) for c in got.values())
    assert sorted(got["easy"].values()) == [7, 8]  # easy takes the other 15 rows
    [note] = plan.meaning_notes
    assert (note.subtype, note.scarce, note.scarce_candidates) == ("medium", "back", 2)
    assert "only 2 candidate(s) answer 'back'" in note.describe()
    assert Counter(plan.dropped[Family.video].values())["meaning_balance"] >= 30


def test_quota_unreachable_by_meaning_is_a_shortfall_not_a_skew():
    # n / 2 - 3 <= 1: eight rows at most, five of them 'left'
    cands = _pool({"easy": {"left": 30, "right": 3}})
    plan, chosen = _plan(cands, 20)
    assert Counter(c.meaning for c in chosen) == {"left": 5, "right": 3}
    [short] = plan.shortfalls
    assert short.describe() == (
        "video/relative_direction: 8 of 20 (short by 12; 33 candidates after validation, "
        "25 held back by meaning_balance)"
    )
    with pytest.raises(ValidationError, match="held back by meaning_balance"):
        plan.raise_if_short(allow_short=False)


def test_per_scan_cap_still_holds():
    cands = _pool({"easy": {"left": 12, "right": 12}}, scans=4)
    plan, chosen = _plan(cands, 12, cap=3)
    assert Counter(c.scan_id for c in chosen) == {f"scan{i}": 3 for i in range(4)}
    assert Counter(c.meaning for c in chosen) == {"left": 6, "right": 6}


def test_tolerance_allows_more_rows_in_large_groups():
    # 'back' has 20 candidates. With one row of slack, medium stops at 63 rows (21 +- 1 each); with 10 %
    # tolerance it may grow while n / 3 - 20 <= 0.1 n, i.e. up to n = 85 (28.3 - 20 = 8.3 <= 8.5)
    cands = _pool({"medium": {"left": 100, "right": 100, "back": 20}})
    _, strict = _plan(cands, 200, tolerance=0.0)
    _, loose = _plan(cands, 200, tolerance=0.10)
    strict_counts = Counter(c.meaning for c in strict)
    assert strict_counts["back"] == 20 and sorted(strict_counts.values()) == [20, 21, 22]
    loose_counts = Counter(c.meaning for c in loose)
    assert len(loose) == 85 and loose_counts["back"] == 20
    assert sorted(loose_counts.values()) == [20, 32, 33]


def test_selection_is_seeded_and_deterministic():
    cands = _pool(
        {
            "easy": {"left": 30, "right": 30},
            "hard": {m: 15 for m in ("front-left", "front-right", "back-left", "back-right")},
        }
    )
    a = _plan(cands, 20, seed=1)[1]
    assert a == _plan(cands, 20, seed=1)[1]
    assert a != _plan(cands, 20, seed=2)[1]


def _direction(family: str, subtype: str, texts: list[str], meaning: str, **kw):
    options = format_options(texts)
    return make_qa(family, DIR, options=options, answer="ABCD"[texts.index(meaning)], subtype=subtype, **kw)


def test_meaning_of_a_sample_and_of_a_published_row():
    s = _direction("video", "medium", ["back", "left", "right"], "left")
    assert answer_meaning(s)[1] == "left" and answer_meaning(s)[0].subtype == "medium"
    # a published row has no subtype: the family and the option set name the group
    found = row_meaning("relative direction", None, "single_image", s.options, s.answer)
    assert found is None  # single-image rows never offer medium's set
    quad = format_options(["back-right", "front-left", "front-right", "back-left"])
    assert row_meaning("relative direction", None, "single_image", quad, "A")[0].subtype == "diagonal"
    assert row_meaning("relative direction", None, "video", quad, "A")[0].subtype == "hard"
    # other option sets (relative distance, a renamed direction) carry no meaning
    assert row_meaning("relative direction", "easy", "video", format_options(["left", "up"]), "A") is None
    assert row_meaning("relative distance", None, "video", format_options(["chair", "bed"]), "A") is None


def test_tally_rejects_skewed_meanings_even_with_uniform_letters():
    tally = BalanceTally()
    # letters alternate A/B, but the answer is 'left' five times out of six
    for i, (order, meaning) in enumerate([(["left", "right"], "left"), (["right", "left"], "left")] * 3):
        if i == 5:
            meaning = "right"
        tally.add(_direction("video", "easy", order, meaning, sample_id=f"s{i}", scene=f"scene{i:04d}_00"))
    problems = tally.problems(BalanceConfig())
    assert problems == [
        "video/relative_direction (easy): answer meanings left 5/6, right 1/6, uniform is 50.0% +-3% (or one row)"
    ]
    with pytest.raises(ValidationError, match="answer meanings left 5/6"):
        tally.verify(BalanceConfig())
