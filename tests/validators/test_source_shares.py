"""Per-source quota shares (`sources[].quota_share`): a source fills at most its share of each quota."""

from __future__ import annotations

from collections import Counter

from ladderdata.config import BalanceConfig, FamiliesConfig
from ladderdata.records import Family, QuestionType
from ladderdata.validators.balance import BalanceValidator, Candidate

SIZE = QuestionType.object_size
DIRECTION = QuestionType.relative_direction


def _cands(source: str, start: int, n: int, qt: QuestionType = SIZE) -> list[Candidate]:
    return [
        Candidate(
            start + i, f"{source}-scan{i % 5}", qt, repr(float(start + i + 1)), f"{source}{i}", source=source
        )
        for i in range(n)
    ]


def _plan(cands, shares, quota: int = 10):
    families = FamiliesConfig.model_validate({"single_image": {"quotas": {"object_size": quota}}})
    v = BalanceValidator(families, BalanceConfig(max_numeric_value_share=1.0), 0, shares)
    return v.plan({Family.single_image: cands}, [Family.single_image])


def test_a_source_fills_at_most_its_share_and_the_others_make_up_the_rest() -> None:
    cands = _cands("scannet", 0, 40) + _cands("arkitscenes", 100, 40)
    plan = _plan(cands, {"scannet": 0.3})
    chosen = Counter(c.source for c in cands if c.index in plan.selected[Family.single_image])
    assert chosen == {"scannet": 3, "arkitscenes": 7}
    assert not plan.shortfalls
    reasons = Counter(plan.dropped[Family.single_image].values())
    assert reasons["source_quota"] == 37  # every scannet row past the first 3 offered


def test_shares_that_cannot_fill_the_quota_leave_a_shortfall() -> None:
    cands = _cands("scannet", 0, 40) + _cands("scannetpp", 100, 2)
    plan = _plan(cands, {"scannet": 0.5, "scannetpp": 0.5})
    chosen = Counter(c.source for c in cands if c.index in plan.selected[Family.single_image])
    assert chosen == {"scannet": 5, "scannetpp": 2}
    assert [(s.quota, s.selected) for s in plan.shortfalls] == [(10, 7)]


def test_without_shares_the_selection_is_unchanged() -> None:
    cands = _cands("scannet", 0, 40) + _cands("arkitscenes", 100, 40)
    assert _plan(cands, None).selected == _plan(cands, {}).selected
    assert _plan(cands, {"sample": 0.1}).selected == _plan(cands, None).selected  # a source with no rows
