"""Balance: quota filling (stratified, seeded, capped), shortfall messages, letter and value checks."""

from __future__ import annotations

from collections import Counter

import pytest

from ladderdata.config import BalanceConfig, FamiliesConfig
from ladderdata.errors import ValidationError
from ladderdata.records import Family, QuestionType
from ladderdata.validators.balance import BalanceTally, BalanceValidator, Candidate, verify_balance
from tests.fixtures.build import make_qa

SIZE = QuestionType.object_size


def _cand(
    i: int, scan: str, value: str | None = None, qt: QuestionType = SIZE, sid: str | None = None, link=None
):
    return Candidate(i, scan, qt, value if value is None else repr(float(value)), sid or f"s{i}", link)


def _validator(families: dict, seed: int = 0, **balance) -> BalanceValidator:
    return BalanceValidator(FamiliesConfig.model_validate(families), BalanceConfig(**balance), seed)


def test_quota_is_spread_over_scans() -> None:
    cands = [_cand(10 * s + k, f"scan{s}", str(10 * s + k + 1)) for s in range(3) for k in range(10)]
    v = _validator({"single_image": {"quotas": {"object_size": 6}}})
    plan = v.plan({Family.single_image: cands}, [Family.single_image])
    chosen = [c for c in cands if c.index in plan.selected[Family.single_image]]
    assert Counter(c.scan_id for c in chosen) == {"scan0": 2, "scan1": 2, "scan2": 2}
    assert not plan.shortfalls
    assert Counter(plan.dropped[Family.single_image].values()) == {"over_quota": 24}
    assert plan.counts.to_dict() == {"kept": 6, "dropped": {"over_quota": 24}, "dropped_total": 24}


def test_selection_is_seeded() -> None:
    cands = [_cand(i, f"scan{i % 7}", str(i + 1)) for i in range(70)]
    fams = {"single_image": {"quotas": {"object_size": 10}}}

    def pick(seed: int) -> set[int]:
        return (
            _validator(fams, seed)
            .plan({Family.single_image: cands}, [Family.single_image])
            .selected[Family.single_image]
        )

    assert pick(1) == pick(1)
    assert pick(1) != pick(2)


def test_per_scan_cap_and_shortfall_message() -> None:
    cands = [_cand(i, "big", str(i + 1)) for i in range(10)] + [
        _cand(10 + i, "small", str(50 + i)) for i in range(2)
    ]
    v = _validator({"single_image": {"quotas": {"object_size": 6}, "per_scan_cap": 3}})
    plan = v.plan({Family.single_image: cands}, [Family.single_image])
    chosen = [c for c in cands if c.index in plan.selected[Family.single_image]]
    assert Counter(c.scan_id for c in chosen) == {"big": 3, "small": 2}
    assert Counter(plan.dropped[Family.single_image].values()) == {"per_scan_cap": 7}
    [short] = plan.shortfalls
    assert (short.quota, short.selected, short.missing, short.available) == (6, 5, 1, 12)
    assert short.describe() == (
        "single_image/object_size: 5 of 6 (short by 1; 12 candidates after validation, 7 held back by per_scan_cap)"
    )
    with pytest.raises(ValidationError) as info:
        plan.raise_if_short(allow_short=False, where="build/x")
    msg = str(info.value)
    assert msg.startswith("build/x: 1 quota(s) not met, 1 row(s) missing: single_image/object_size: 5 of 6")
    assert msg.endswith("or pass --allow-short")
    plan.raise_if_short(allow_short=True)  # allowed: no error


def test_numeric_value_share_shrinks_the_target() -> None:
    # ten scans, one row each: six answers are 2 m, the others 3, 4, 5, 6.
    values = ["2"] * 6 + ["3", "4", "5", "6"]
    cands = [_cand(i, f"scan{i}", v, qt=QuestionType.absolute_distance) for i, v in enumerate(values)]
    v = _validator({"video": {"quotas": {"absolute_distance": 10}}})
    plan = v.plan({Family.video: cands}, [Family.video])
    chosen = [c for c in cands if c.index in plan.selected[Family.video]]
    # 10 rows would allow two 2s (20%) -> only 6 exist; 6 rows allow one -> 5 exist; 5 rows, one each: done
    assert sorted(float(c.value) for c in chosen) == [2.0, 3.0, 4.0, 5.0, 6.0]
    assert Counter(plan.dropped[Family.video].values()) == {"numeric_value_cap": 5}
    assert plan.shortfalls[0].describe().endswith("5 held back by numeric_value_cap)")


def test_types_without_quota_are_dropped() -> None:
    cands = [_cand(0, "a", "1"), _cand(1, "a", None, qt=QuestionType.relative_direction)]
    v = _validator({"single_image": {"quotas": {"object_size": 1}}})
    plan = v.plan({Family.single_image: cands}, [Family.single_image])
    assert plan.selected[Family.single_image] == {0}
    assert plan.reason(Family.single_image, 1) == "no_quota"


def test_localization_follows_single_image_and_prefers_grounded_rows() -> None:
    singles = [_cand(i, f"scan{i}", str(i + 1), sid=f"q{i}") for i in range(4)]
    # only q1 and q3 have a grounding row
    grounding = [
        Candidate(0, "scan1", QuestionType.localization, None, "g1", "q1"),
        Candidate(1, "scan3", QuestionType.localization, None, "g3", "q3"),
    ]
    v = _validator(
        {"single_image": {"quotas": {"object_size": 2}}, "localization": {"quotas": {"localization": 2}}}
    )
    plan = v.plan(
        {Family.single_image: singles, Family.localization: grounding},
        [Family.single_image, Family.localization],
    )
    assert plan.selected[Family.single_image] == {1, 3}
    assert plan.selected[Family.localization] == {0, 1}
    assert not plan.shortfalls


def test_unlinked_grounding_rows_are_dropped() -> None:
    singles = [_cand(i, f"scan{i}", str(i + 1), sid=f"q{i}") for i in range(3)]
    grounding = [
        Candidate(i, f"scan{i}", QuestionType.localization, None, f"g{i}", f"q{i}") for i in range(3)
    ]
    v = _validator(
        {"single_image": {"quotas": {"object_size": 1}}, "localization": {"quotas": {"localization": 1}}}
    )
    plan = v.plan(
        {Family.single_image: singles, Family.localization: grounding},
        [Family.single_image, Family.localization],
    )
    [kept_single] = plan.selected[Family.single_image]
    assert plan.selected[Family.localization] == {kept_single}
    assert sorted(plan.dropped[Family.localization].values()) == ["unlinked", "unlinked"]


def test_link_only_family_keeps_everything_but_is_not_counted_as_kept() -> None:
    singles = [_cand(i, "scan0", str(i + 1), sid=f"q{i}") for i in range(3)]
    grounding = [Candidate(0, "scan0", QuestionType.localization, None, "g0", "q2")]
    v = _validator({"localization": {"quotas": {"localization": 1}}})
    plan = v.plan({Family.single_image: singles, Family.localization: grounding}, [Family.localization])
    assert plan.selected[Family.single_image] == {0, 1, 2}
    assert plan.selected[Family.localization] == {0}
    assert plan.counts.kept == 1
    assert plan.counts.dropped == {"family_not_built": 3}


def _mcq(letter: str, n: int = 4, subtype: str | None = None):
    opts = [f"{x}. {t}" for x, t in zip("ABCD", ["left", "right", "front", "back"], strict=False)][:n]
    return make_qa(options=opts, answer=letter, subtype=subtype)


def test_skewed_letters_fail_with_a_clear_message() -> None:
    rows = [_mcq("A")] * 9 + [_mcq("B"), _mcq("C"), _mcq("D")]
    with pytest.raises(ValidationError) as info:
        verify_balance(rows, BalanceConfig(), where="build/x")
    msg = str(info.value)
    assert msg.startswith(
        "build/x: unbalanced answers: relative_direction (4 options): letter A is 9/12 = 75.0%"
    )
    assert "uniform is 25.0% +-3%" in msg


def test_letter_tolerance() -> None:
    # small groups: within one row of uniform passes (3/3/2/2), more does not (4/2/2/2)
    verify_balance([_mcq(x) for x in "AABBCD" + "CD"] + [_mcq("A"), _mcq("B")], BalanceConfig())
    with pytest.raises(ValidationError):
        verify_balance([_mcq(x) for x in "AAAABBCCDD"], BalanceConfig())
    # large groups: +-3% of 1000 rows is 30 rows
    ok = Counter({"A": 280, "B": 240, "C": 240, "D": 240})
    bad = Counter({"A": 281, "B": 240, "C": 240, "D": 239})
    for counts, passes in ((ok, True), (bad, False)):
        tally = BalanceTally()
        tally.letters[(QuestionType.relative_direction, 4)] = counts
        assert (not tally.problems(BalanceConfig())) is passes


def test_numeric_share_check() -> None:
    rows = [
        make_qa("video", "object count", answer=a, frames=[0, 10])
        for a in ["2", "2.0", "2"] + list("3456789")
    ]
    with pytest.raises(
        ValidationError, match=r"video/object_count: answer 2 is 3/10 = 30\.0% of the rows \(max 20%\)"
    ):
        verify_balance(rows, BalanceConfig())
    verify_balance(rows, BalanceConfig(max_numeric_value_share=0.3))
