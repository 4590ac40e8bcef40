"""How published rows write options and answers: `A. text` options, letter answers, numeric answers.

One reading of an option string serves every layer. `read_option` is lenient, as the audit and the
answer meanings need for rows from any source (`a) left`, ` B .right `); an option is *canonical* when
it reads back to itself through `format_option` (`A. left`), which is what the generators write and
the validators demand. `parse_options` gives the texts by letter, lenient by default and strict
(canonical options lettered A, B, C... in order, else ValueError) for the generators' own rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

LETTERS = "ABCDEFGH"
"""Option letters, in order (at most eight options)."""

OPTION_RE = re.compile(r"^\s*([A-Za-z])\s*[.)]\s*(.*?)\s*$", re.S)
"""A lettered option: letter, `.` or `)`, text (surrounding whitespace ignored)."""


class Option(NamedTuple):
    """One option string, read."""

    letter: str
    """Upper-cased letter."""
    text: str
    """Text without surrounding whitespace."""
    canonical: bool
    """True when the string is exactly `format_option(letter, text)` with a non-empty text."""


def format_option(letter: str, text: str) -> str:
    """`('A', 'left')` -> `'A. left'`: the published form of one option."""
    return f"{letter}. {text}"


def format_options(texts: Sequence[str]) -> list[str]:
    """['left', 'right'] -> ['A. left', 'B. right']."""
    if len(texts) > len(LETTERS):
        raise ValueError(f"at most {len(LETTERS)} options, got {len(texts)}")
    return [format_option(LETTERS[i], t) for i, t in enumerate(texts)]


def read_option(option: str) -> Option | None:
    """The letter and text of a lettered option string, or None when it carries no letter."""
    m = OPTION_RE.match(option)
    if m is None:
        return None
    letter, text = m.group(1).upper(), m.group(2)
    return Option(letter, text, bool(text) and option == format_option(letter, text))


def parse_options(options: Sequence[str] | None, *, strict: bool = False) -> dict[str, str]:
    """`["A. left", "B. right"]` -> `{"A": "left", "B": "right"}`.

    Lenient (default): letters are upper-cased, and an unlettered option takes its position's letter
    with its stripped text. Strict: every option must be canonical and lettered A, B, C... in order,
    else ValueError naming the first that is not.
    """
    out: dict[str, str] = {}
    for i, opt in enumerate(options or []):
        read = read_option(opt)
        if strict:
            expected = LETTERS[i] if i < len(LETTERS) else "?"
            if read is None or not read.canonical or read.letter != expected:
                raise ValueError(f"option {i} {opt!r} is not '{expected}. text'")
        if read is not None:
            out[read.letter] = read.text
        else:
            out[chr(ord("A") + i)] = opt.strip()
    return out


def answer_letter(answer: str) -> str:
    """MCQ answer letter as the reward compares it: stripped, trailing periods removed, upper-cased."""
    return answer.strip().rstrip(".").strip().upper()


def parse_number(text: object) -> float | None:
    """A numeric answer as a finite float, or None when it is not one (`"2.5"` -> 2.5, `"nan"` -> None)."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
