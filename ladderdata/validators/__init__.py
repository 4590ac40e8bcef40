"""Validators: answer re-check, schema, decontamination, duplicate removal, balance to quota.

`VALIDATORS` maps each stage name to its class, in the order a build runs them. The row stages stream
(`RowValidator.check(sample) -> reason | None`; `row_validators` makes the finalizer's set); `balance`
works on the surviving candidates' keys. Every stage counts kept and dropped rows per reason
(`StageCounts`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ladderdata.validators.answers import AnswerValidator
from ladderdata.validators.balance import BalanceValidator
from ladderdata.validators.base import RowValidator, StageCounts
from ladderdata.validators.decontam import DecontamValidator
from ladderdata.validators.dedup import DedupValidator
from ladderdata.validators.schema import SchemaValidator

VALIDATORS: dict[str, type] = {
    "schema": SchemaValidator,
    "answers": AnswerValidator,
    "decontam": DecontamValidator,
    "dedup": DedupValidator,
    "balance": BalanceValidator,
}
"""Stage name -> validator class, in build order (schema first: re-checking needs well-formed rows)."""

ROW_STAGES = ("schema", "answers", "decontam", "dedup")
"""The streaming stages, in order."""


def row_validators(exclusions: Mapping[str, frozenset[str]]) -> list[RowValidator]:
    """A fresh validator for each streaming stage, in `ROW_STAGES` order (`RowValidator.for_build`)."""
    return [VALIDATORS[stage].for_build(exclusions) for stage in ROW_STAGES]


__all__ = [
    "VALIDATORS",
    "ROW_STAGES",
    "AnswerValidator",
    "BalanceValidator",
    "DecontamValidator",
    "DedupValidator",
    "RowValidator",
    "SchemaValidator",
    "StageCounts",
    "row_validators",
]
