"""Answer meanings: question types whose options are a fixed set of meanings, and which one a row answers.

Relative direction offers the same option texts in every question of a subtype (easy: left/right;
medium: left/right/back; hard and diagonal: the four quadrants; camera: left/right/front/back). Letters
are balanced by re-lettering, but what a letter *means* is decided by the geometry, so a build can have
uniform letters and still answer "left" most of the time. The balance stage, the generators' candidate
draws and the audit all group rows by `MeaningGroup` and count `answer_meaning`.

A row belongs to a meaning group when its question type and subtype are registered in `FIXED_MEANINGS`
and its options are exactly that set (in any order); its meaning is the option text of its answer letter.
A future type with fixed options registers its sets here. Rows without a subtype (published JSONL files)
are matched by family, question type and option set (`group_for_options`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ladderdata.answer_format import answer_letter, parse_options
from ladderdata.generators import rules
from ladderdata.records import Family, QASample, QuestionType

QT = QuestionType


@dataclass(frozen=True, slots=True)
class MeaningGroup:
    """One fixed option set: the rows whose meanings are balanced together."""

    question_type: QuestionType
    subtype: str
    meanings: tuple[str, ...]
    """Option texts in the published listing order."""
    families: tuple[Family, ...]

    @property
    def label(self) -> str:
        """`relative direction/medium`."""
        return f"{self.question_type.value}/{self.subtype}"


_SCAN_FAMILIES = (Family.multi_view, Family.video)
FIXED_MEANINGS: dict[tuple[QuestionType, str], MeaningGroup] = {
    **{
        (QT.relative_direction, d): MeaningGroup(QT.relative_direction, d, texts, _SCAN_FAMILIES)
        for d, texts in rules.DIRECTION_OPTIONS.items()
    },
    **{
        (QT.relative_direction, v): MeaningGroup(QT.relative_direction, v, texts, (Family.single_image,))
        for v, texts in rules.CAMERA_OPTIONS.items()
    },
}
"""(question type, subtype) -> its fixed meanings; every such subtype is balanced by meaning."""


def meaning_group(question_type: QuestionType | str, subtype: str | None) -> MeaningGroup | None:
    """The registered group of a (question type, subtype), None when its options are not fixed."""
    try:
        qt = QuestionType(question_type)
    except ValueError:
        return None
    return FIXED_MEANINGS.get((qt, subtype or ""))


def group_for_options(
    question_type: QuestionType | str, subtype: str | None, family: str | None, texts: Sequence[str]
) -> MeaningGroup | None:
    """The group a row with these option texts belongs to (subtype first, else family + option set)."""
    found = meaning_group(question_type, subtype)
    if found is not None:
        return found if sorted(found.meanings) == sorted(texts) else None
    if subtype:
        return None
    matches = [
        g
        for g in FIXED_MEANINGS.values()
        if g.question_type.value == str(question_type)
        and sorted(g.meanings) == sorted(texts)
        and (family is None or family in {f.value for f in g.families})
    ]
    return matches[0] if len(matches) == 1 else None


def row_meaning(
    question_type: QuestionType | str,
    subtype: str | None,
    family: str | None,
    options: Sequence[str] | None,
    answer: object,
) -> tuple[MeaningGroup, str] | None:
    """(group, meaning) of a row whose options are a fixed set, else None (also for a bad answer)."""
    if not options or not isinstance(answer, str):
        return None
    texts = parse_options(options)
    group = group_for_options(question_type, subtype, family, list(texts.values()))
    if group is None:
        return None
    meaning = texts.get(answer_letter(answer))
    return None if meaning is None else (group, meaning)


def answer_meaning(sample: QASample) -> tuple[MeaningGroup, str] | None:
    """(group, meaning) of a sample, None for types without fixed options."""
    return row_meaning(
        sample.question_type, sample.subtype, sample.family.value, sample.options, sample.answer
    )
