"""Answer re-check stage: recompute each answer from the sample's `reference` (`recheck.recheck`)."""

from __future__ import annotations

from ladderdata.records import QASample
from ladderdata.validators.base import RowValidator


class AnswerValidator(RowValidator):
    """Drops samples whose stored answer disagrees with the one recomputed from `sample.reference`."""

    stage = "answers"

    def __init__(self) -> None:
        super().__init__()
        # the rules live with the generators' teammate module; import here so schema-only users of the
        # validators package do not need it
        from ladderdata.validators.recheck import recheck

        self._recheck = recheck

    def check(self, sample: QASample) -> str | None:
        return self._recheck(sample)
