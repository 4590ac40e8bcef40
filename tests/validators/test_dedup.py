"""Duplicate removal: exact copies and near copies (normalized question + media set + answer)."""

from __future__ import annotations

from ladderdata.validators.dedup import DedupValidator, normalize_text
from tests.fixtures.build import make_qa


def test_normalize_text() -> None:
    assert (
        normalize_text("  How far is the Chair,  from the TABLE? ") == "how far is the chair from the table"
    )
    assert normalize_text("ｃｈａｉｒ") == "chair"  # NFKC folds full-width letters


def test_exact_duplicate_dropped_first_kept() -> None:
    v = DedupValidator()
    a = make_qa(sample_id="a")
    b = a.model_copy(update={"sample_id": "b"})  # same published fields, other provenance
    assert v(a) is None
    assert v(b) == "exact_duplicate"
    assert v.counts.to_dict()["dropped"] == {"exact_duplicate": 1}


def test_relettered_copy_is_a_near_duplicate() -> None:
    v = DedupValidator()
    a = make_qa(options=["A. left", "B. right", "C. front", "D. back"], answer="B")
    b = make_qa(options=["A. right", "B. left", "C. front", "D. back"], answer="A")  # same correct text
    assert v(a) is None
    assert v(b) == "near_duplicate"


def test_same_question_other_correct_option_is_kept() -> None:
    v = DedupValidator()
    a = make_qa(options=["A. left", "B. right"], answer="A")
    b = make_qa(options=["A. left", "B. right"], answer="B")
    assert v(a) is None
    assert v(b) is None


def test_numeric_formatting_and_case_collide() -> None:
    v = DedupValidator()
    a = make_qa(question_type="object size", question="How long is the table?", answer="2")
    b = make_qa(question_type="object size", question="how long is the  TABLE", answer="2.0")
    c = make_qa(question_type="object size", question="How long is the table?", answer="3")
    assert v(a) is None
    assert v(b) == "near_duplicate"
    assert v(c) is None


def test_media_set_not_order_and_family_matter() -> None:
    v = DedupValidator()
    a = make_qa("multi_view", "object count", frames=[0, 10, 20], answer="2")
    reordered = make_qa("multi_view", "object count", frames=[20, 10, 0], answer="2")
    other_views = make_qa("multi_view", "object count", frames=[0, 10, 30], answer="2")
    as_video = make_qa("video", "object count", frames=[0, 10, 20], answer="2")
    assert v(a) is None
    assert v(reordered) == "near_duplicate"
    assert v(other_views) is None
    assert v(as_video) is None  # another family is another dataset config


def test_grounding_row_does_not_collide_with_its_question() -> None:
    v = DedupValidator()
    q = make_qa("single_image", "relative direction", question="Where is the chair?")
    g = make_qa("localization", question="Where is the chair?")
    assert v(q) is None
    assert v(g) is None
    assert v(make_qa("localization", question="where is the chair")) == "near_duplicate"
