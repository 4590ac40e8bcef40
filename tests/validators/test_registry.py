"""The validator registry is what a build runs: one fresh validator per streaming stage, in order."""

from __future__ import annotations

from ladderdata.validators import ROW_STAGES, VALIDATORS, row_validators
from tests.fixtures.build import make_qa


def test_row_validators_follow_the_registry():
    made = row_validators({"val": frozenset({"scene0000_00"})})
    assert [v.stage for v in made] == list(ROW_STAGES) == ["schema", "answers", "decontam", "dedup"]
    assert [type(v) for v in made] == [VALIDATORS[s] for s in ROW_STAGES]
    assert row_validators({})[0] is not made[0]  # fresh counters per build


def test_decontamination_gets_the_exclusion_lists():
    [*_, decontam, _dedup] = row_validators({"val": frozenset({"scene0000_00"})})
    assert decontam(make_qa(scene="scene0000_00")) == "excluded:val"
    assert decontam(make_qa(scene="scene0001_00")) is None
    assert decontam.counts.kept == 1 and dict(decontam.counts.dropped) == {"excluded:val": 1}
