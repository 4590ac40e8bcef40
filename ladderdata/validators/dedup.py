"""Duplicate removal: exact duplicates, then near duplicates (normalized question + media set + answer).

The first occurrence in the build's deterministic order is kept. Keys are 16-byte BLAKE2 digests, so the
seen-sets of a 26k build stay a few MB.

- exact: the family and every published field (question, options, answer, image list) are identical.
- near: same family, same normalized question (case-folded, NFKC, punctuation dropped, whitespace
  collapsed), same *set* of images, and the same answer content: for multiple choice the text of the
  correct option (so two letterings of one question collide), for numbers the value (`2` == `2.0`), for
  grounding the sorted (label, box) pairs.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import unicodedata

from ladderdata.records import QASample
from ladderdata.validators.base import RowValidator

_PUNCT = re.compile(f"[{re.escape(string.punctuation)}]")


def normalize_text(text: str) -> str:
    """Case-folded, NFKC-normalized text without punctuation and with single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def answer_content(sample: QASample) -> object:
    """What the answer says, independent of letters and number formatting."""
    if isinstance(sample.answer, list):
        return sorted((a.label.strip().casefold(), tuple(a.bbox_2d)) for a in sample.answer)
    if sample.options:
        for opt in sample.options:
            if opt.startswith(f"{sample.answer}."):
                return ("option", normalize_text(opt[len(sample.answer) + 1 :]))
        return ("letter", sample.answer)
    try:
        return ("number", repr(float(sample.answer)))
    except ValueError:
        return ("text", normalize_text(sample.answer))


def _digest(obj: object) -> bytes:
    return hashlib.blake2b(json.dumps(obj, ensure_ascii=False).encode(), digest_size=16).digest()


def exact_key(sample: QASample) -> bytes:
    """Digest of the family and the published fields, as written."""
    answer = [a.model_dump() for a in sample.answer] if isinstance(sample.answer, list) else sample.answer
    return _digest([sample.family.value, sample.question, sample.options, answer, sample.image])


def near_key(sample: QASample) -> bytes:
    """Digest of family, normalized question, media set and answer content."""
    return _digest(
        [
            sample.family.value,
            normalize_text(sample.question),
            sorted(set(sample.image)),
            answer_content(sample),
        ]
    )


class DedupValidator(RowValidator):
    """Keeps the first of each exact / near-duplicate group (reasons `exact_duplicate`, `near_duplicate`)."""

    stage = "dedup"

    def __init__(self) -> None:
        super().__init__()
        self._exact: set[bytes] = set()
        self._near: set[bytes] = set()

    def check(self, sample: QASample) -> str | None:
        ek = exact_key(sample)
        if ek in self._exact:
            return "exact_duplicate"
        nk = near_key(sample)
        if nk in self._near:
            return "near_duplicate"
        self._exact.add(ek)
        self._near.add(nk)
        return None
