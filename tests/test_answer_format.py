"""The one option parser and number parser, on hand-written strings."""

from __future__ import annotations

import pytest

from ladderdata.answer_format import (
    Option,
    answer_letter,
    format_options,
    parse_number,
    parse_options,
    read_option,
)


def test_format_reads_back_strictly():
    options = format_options(["left", "right", "front-left"])
    assert options == ["A. left", "B. right", "C. front-left"]
    assert parse_options(options, strict=True) == {"A": "left", "B": "right", "C": "front-left"}
    with pytest.raises(ValueError, match="at most 8"):
        format_options([str(i) for i in range(9)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A. left", Option("A", "left", True)),
        ("B. chair, desk, lamp", Option("B", "chair, desk, lamp", True)),
        ("c) front", Option("C", "front", False)),
        ("  D .  back-right  ", Option("D", "back-right", False)),
        ("A.left", Option("A", "left", False)),
        ("A. left ", Option("A", "left", False)),
        ("A.  left", Option("A", "left", False)),
        ("A. ", Option("A", "", False)),
        ("a. left", Option("A", "left", False)),
        ("left", None),
        ("12. left", None),
        ("", None),
    ],
)
def test_read_option(text: str, expected: Option | None):
    assert read_option(text) == expected


def test_lenient_parse_keeps_positions_of_unlettered_options():
    assert parse_options(["A. left", "B) right", "c.  front "]) == {"A": "left", "B": "right", "C": "front"}
    assert parse_options(["left", "B. right"]) == {"A": "left", "B": "right"}
    assert parse_options(None) == {} == parse_options([])


@pytest.mark.parametrize(
    "options",
    [
        ["A. left", "C. right", "B. front"],  # out of order
        ["A. left", "D. right"],  # a letter skipped
        ["A. left", "b. right"],  # lower-case letter
        ["A. left", "B) right"],  # not the published separator
        ["A. left", "B.  right"],  # two spaces
        ["A. left", "right"],  # unlettered
        ["A. left", "B. "],  # empty text
    ],
)
def test_strict_parse_refuses_what_format_options_never_writes(options: list[str]):
    with pytest.raises(ValueError, match="option 1"):
        parse_options(options, strict=True)


def test_answer_letter():
    assert answer_letter(" b. ") == "B"
    assert answer_letter("C..") == "C"
    assert answer_letter("d") == "D"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", 2.0), ("193.1", 193.1), (" 1.35 ", 1.35), ("-0.5", -0.5), ("1e3", 1000.0)],
)
def test_parse_number(text: str, expected: float):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "", "two", "1,250", "A", None])
def test_parse_number_refuses(text: object):
    assert parse_number(text) is None
