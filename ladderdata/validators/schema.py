"""Schema validator: a sample must fit the published SpatialLadder-26k record shape.

pydantic already checks field types when a spool line is parsed; this stage checks what the types
cannot express: the family / data_type / question_type combination, the `"A. text"` option format, the
answer being one of the option letters (MCQ, and numeric questions asked as multiple choice) or a
plain number string with `options: null` (numeric),
grounding boxes being ordered integer `[x1, y1, x2, y2]`, and image paths of the form
`<scan_id>/<frame_index>.jpg` in the count the data type needs.
"""

from __future__ import annotations

import math
import re
import string

from ladderdata.answer_format import read_option
from ladderdata.config import FAMILY_QUESTION_TYPES
from ladderdata.records import DataType, Family, QASample, QuestionType
from ladderdata.validators.base import RowValidator

FAMILY_DATA_TYPE = {
    Family.localization: DataType.single_image,
    Family.single_image: DataType.single_image,
    Family.multi_view: DataType.multi_view,
    Family.video: DataType.video,
}
"""The `data_type` each family's rows carry."""

NUMBER_RE = re.compile(r"^\d+(\.\d+)?$")
"""A numeric answer: a plain non-negative decimal, e.g. `2`, `193.1`, `1.35`."""


def _image_re(scene_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(scene_id)}/(video/)?\d+\.jpg$")  # video/: frames decoded from a video


class SchemaValidator(RowValidator):
    """Drops rows whose fields break the published record format (reason names the field)."""

    stage = "schema"

    def check(self, sample: QASample) -> str | None:
        if not sample.sample_id:
            return "missing_sample_id"
        if not sample.question.strip():
            return "empty_question"
        if sample.data_type != FAMILY_DATA_TYPE[sample.family]:
            return "data_type_mismatch"
        if sample.question_type not in FAMILY_QUESTION_TYPES[sample.family]:
            return "question_type_not_in_family"
        reason = self._check_images(sample)
        if reason:
            return reason
        if sample.family == Family.localization:
            return self._check_grounding(sample)
        # numeric types may be asked as multiple choice (the numeric-as-MCQ generation option)
        if sample.question_type.is_mcq or sample.options is not None:
            return self._check_mcq(sample)
        return self._check_numeric(sample)

    @staticmethod
    def _check_images(sample: QASample) -> str | None:
        pattern = _image_re(sample.scene_id)
        if not all(pattern.match(p) for p in sample.image):
            return "bad_image_path"
        if len(set(sample.image)) != len(sample.image):
            return "repeated_image"
        n = len(sample.image)
        if sample.data_type == DataType.single_image and n != 1:
            return "image_count"
        if sample.data_type in (DataType.multi_view, DataType.video) and n < 2:
            return "image_count"
        return None

    @staticmethod
    def _check_grounding(sample: QASample) -> str | None:
        if sample.question_type != QuestionType.localization:
            return "question_type_not_in_family"
        if sample.options is not None:
            return "options_on_grounding"
        if not isinstance(sample.answer, list) or not sample.answer:
            return "empty_grounding_answer"
        if not sample.linked_sample_id:
            return "missing_linked_sample"
        size = sample.reference.get("image_size")
        width, height = size if isinstance(size, list) and len(size) == 2 else (None, None)
        for entry in sample.answer:
            x1, y1, x2, y2 = entry.bbox_2d
            if min(x1, y1) < 0 or x2 <= x1 or y2 <= y1:
                return "bad_bbox"
            if width is not None and (x2 > width or y2 > height):
                return "bbox_outside_image"
            if not entry.label.strip():
                return "empty_label"
        return None

    @staticmethod
    def _check_mcq(sample: QASample) -> str | None:
        if not isinstance(sample.answer, str):
            return "answer_type"
        options = sample.options
        if not options or len(options) < 2:
            return "mcq_without_options"
        read = [read_option(opt) for opt in options]
        if any(o is None or not o.canonical for o in read):
            return "bad_option_format"
        letters = [o.letter for o in read]
        if letters != list(string.ascii_uppercase[: len(options)]):
            return "option_letters_not_sequential"
        texts = [o.text.casefold() for o in read]
        if len(set(texts)) != len(texts):
            return "repeated_option"
        if sample.answer not in letters:
            return "answer_not_an_option"
        return None

    @staticmethod
    def _check_numeric(sample: QASample) -> str | None:
        if not isinstance(sample.answer, str):
            return "answer_type"
        if not NUMBER_RE.match(sample.answer) or not math.isfinite(float(sample.answer)):
            return "answer_not_a_number"
        return None
