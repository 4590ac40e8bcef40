"""Cold-start trace check: re-derive each trace's answer from its own text and compare.

`rederive(prompt, solution, question_type)` reads only the row's prompt (question and options) and the
reasoning inside `<think>..</think>`, in the measurement grammar the trace templates write
(`templates/coldstart/*.j2`; the surrounding words vary freely):

| type | what is read | derived answer |
|---|---|---|
| object size | every "N cm" | the largest |
| absolute distance | "a gap of about D m" | D |
| relative distance | "the <option> is about D m from the ..." per option | the option with the smallest D |
| relative direction, single image | "the X is centred about D m left/right of the image centre and Z m from the camera" for the question's two objects; "side-to-side / depth extents overlap / are apart" | left/right/front/back (or a diagonal) along the axes that are apart |
| relative direction, multi-view/video | "N degrees to my left/right" | the sector of the options' difficulty (`rules.sector_of`) |
| object count | "the first/second/... <category>" and "N in total" | the number of distinct ordinals (must equal N) |
| room size | "about L m by S m" and "an area of about A square metres" | A (must fit inside L x S) |
| appearance order | "the <category> first appears at about T s" per category | the categories sorted by T |

`check_trace(...)` returns None for a consistent row or a reason: `bad_format` (not exactly one think
block then one answer block), `hidden_data` (the trace cites where a number came from instead of what
the frames show), `unparsable` (a fact the type needs is missing), `inconsistent` (the facts contradict
each other), `answer_mismatch` (the derived answer differs from the `<answer>` block) or `row_mismatch`
(the `<answer>` block differs from the spatial row's answer).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ladderdata.answer_format import LETTERS, read_option
from ladderdata.generators import rules
from ladderdata.generators.coldstart_text import ORDINALS

BAD_FORMAT = "bad_format"
HIDDEN_DATA = "hidden_data"
UNPARSABLE = "unparsable"
INCONSISTENT = "inconsistent"
ANSWER_MISMATCH = "answer_mismatch"
ROW_MISMATCH = "row_mismatch"

HIDDEN_PHRASES = (
    "ground truth",
    "annotation",
    "annotated",
    "metadata",
    "scene record",
    "instance id",
    "point cloud",
    "mesh",
    "dataset",
    "the data says",
    "according to the data",
    "reference value",
    "label",
)
"""Phrases that cite hidden data rather than what the frames show."""

_SOLUTION_RE = re.compile(r"\s*<think>(.*?)</think>\s*<answer>(.*?)</answer>\s*", re.DOTALL)
_NUM = r"(\d+(?:\.\d+)?)"
_HEDGE = r"(?:about |roughly |around )?"


class TraceError(ValueError):
    """A trace cannot be read (its reason is one of the module's constants)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def split_solution(solution: str) -> tuple[str, str]:
    """(think text, answer text); TraceError(bad_format) unless exactly one think then one answer block."""
    m = _SOLUTION_RE.fullmatch(solution)
    if m is None or solution.count("<think>") != 1 or solution.count("<answer>") != 1:
        raise TraceError(BAD_FORMAT)
    return m.group(1).strip(), m.group(2).strip()


def prompt_options(prompt: str) -> list[str]:
    """Option texts listed in a think/answer prompt (empty for numeric questions)."""
    lines = prompt.splitlines()
    if "Options:" not in lines:
        return []
    texts = []
    for line in lines[lines.index("Options:") + 1 :]:
        option = read_option(line.rstrip())  # the prompt's last option line ends with a space
        if option is None or not option.canonical or option.letter != LETTERS[len(texts)]:
            break
        texts.append(option.text)
    return texts


def prompt_question(prompt: str) -> str:
    """The question line of a think/answer prompt."""
    first = prompt.splitlines()[0] if prompt else ""
    return first.removeprefix("Question: ").strip()


def _numbers(pattern: str, text: str) -> list[float]:
    return [float(m) for m in re.findall(pattern, text)]


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _letter(options: list[str], text: str) -> str:
    if text not in options:
        raise TraceError(UNPARSABLE, f"derived {text!r} is not an option")
    return LETTERS[options.index(text)]


def _label(label: str) -> str:
    return r"\b[Tt]he " + re.escape(label) + r"\b"


# --- per question type ------------------------------------------------------------------------------


def _object_size(think: str, prompt: str) -> str:
    sizes = _numbers(_NUM + r" cm\b", think)
    if not sizes:
        raise TraceError(UNPARSABLE, "no size in cm")
    return rules.format_number(max(sizes), 3)


def _absolute_distance(think: str, prompt: str) -> str:
    gaps = re.findall(r"gap of " + _HEDGE + _NUM + r" m\b", think)
    if not gaps:
        raise TraceError(UNPARSABLE, "no 'gap of D m'")
    return gaps[-1]


def _relative_distance(think: str, prompt: str) -> str:
    options = prompt_options(prompt)
    distances = {}
    for text in options:
        m = re.search(_label(text) + r" is " + _HEDGE + _NUM + r" m from the ", think)
        if m is None:
            raise TraceError(UNPARSABLE, f"no distance for {text!r}")
        distances[text] = float(m.group(1))
    ranked = sorted(distances.items(), key=lambda kv: kv[1])
    if len(ranked) < 2 or ranked[0][1] == ranked[1][1]:
        raise TraceError(INCONSISTENT, "no single closest option")
    return _letter(options, ranked[0][0])


_CAMERA_QUESTION = (
    re.compile(r"\bis the (.+?) to the (.+?)'s "),
    re.compile(r"\bwhere is the (.+?) relative to the (.+?)[:?]"),
)


def _camera_direction(think: str, prompt: str) -> str:
    question = prompt_question(prompt)
    for pattern in _CAMERA_QUESTION:
        m = pattern.search(question)
        if m:
            subject, reference = m.group(1), m.group(2)
            break
    else:
        raise TraceError(UNPARSABLE, "question names no subject and reference")
    where = {}
    for label in (subject, reference):
        m = re.search(
            _label(label)
            + r" is centred "
            + _HEDGE
            + _NUM
            + r" m (left|right) of the image centre and "
            + _NUM
            + r" m from the camera",
            think,
        )
        if m is None:
            raise TraceError(UNPARSABLE, f"no position for {label!r}")
        x = float(m.group(1)) * (-1 if m.group(2) == "left" else 1)
        where[label] = (x, float(m.group(3)))
    axes = {}
    for axis, name in (("x", "side-to-side"), ("z", "depth")):
        m = re.search(name + r" extents (overlap|are apart)", think)
        if m is None:
            raise TraceError(UNPARSABLE, f"no {name} comparison")
        axes[axis] = m.group(1) == "are apart"
    (sx, sz), (rx, rz) = where[subject], where[reference]
    lr = "left" if sx < rx else "right"
    fb = "front" if sz < rz else "back"
    if (axes["x"] and sx == rx) or (axes["z"] and sz == rz):
        raise TraceError(INCONSISTENT, "apart along an axis yet at the same position")
    if axes["x"] and axes["z"]:
        direction = f"{fb}-{lr}"
    elif axes["x"]:
        direction = lr
    elif axes["z"]:
        direction = fb
    else:
        raise TraceError(INCONSISTENT, "the objects overlap along both axes")
    return _letter(prompt_options(prompt), direction)


def _allocentric_direction(think: str, prompt: str) -> str:
    options = prompt_options(prompt)
    difficulty = next(
        (d for d, texts in rules.DIRECTION_OPTIONS.items() if sorted(texts) == sorted(options)), None
    )
    if difficulty is None:
        raise TraceError(UNPARSABLE, f"options {options} are no direction set")
    m = re.search(_NUM + r" degrees to my (left|right)", think)
    if m is None:
        raise TraceError(UNPARSABLE, "no turn in degrees")
    turn = float(m.group(1))
    ccw = turn if m.group(2) == "left" else (360.0 - turn) % 360.0
    return _letter(options, rules.sector_of(ccw, difficulty))


_ORDINAL_RE = re.compile(r"\b[Tt]he (" + "|".join(ORDINALS) + r"|\d+(?:st|nd|rd|th))\b")


def _ordinal_value(word: str) -> int:
    return ORDINALS.index(word) + 1 if word in ORDINALS else int(re.sub(r"\D", "", word))


def _object_count(think: str, prompt: str) -> str:
    seen = {_ordinal_value(w) for w in _ORDINAL_RE.findall(think)}
    totals = re.findall(r"(\d+) in total", think)
    if not seen or not totals:
        raise TraceError(UNPARSABLE, "no enumerated objects or no total")
    if seen != set(range(1, len(seen) + 1)) or int(totals[-1]) != len(seen):
        raise TraceError(INCONSISTENT, f"counted {sorted(seen)} but states {totals[-1]} in total")
    return str(len(seen))


def _room_size(think: str, prompt: str) -> str:
    areas = re.findall(r"area of " + _HEDGE + _NUM + r" square metres", think)
    spans = re.findall(_HEDGE + _NUM + r" m by " + _NUM + r" m\b", think)
    if not areas or not spans:
        raise TraceError(UNPARSABLE, "no area or no extent")
    long_m, short_m = (float(v) for v in spans[0])
    # one decimal per side: allow the rounding of both sides before the area must fit inside
    if float(areas[-1]) > (long_m + 0.05) * (short_m + 0.05):
        raise TraceError(INCONSISTENT, "area exceeds the stated extent")
    return areas[-1]


def _appearance_order(think: str, prompt: str) -> str:
    options = prompt_options(prompt)
    if not options:
        raise TraceError(UNPARSABLE, "no options")
    categories = options[0].split(", ")
    times = {}
    for cat in categories:
        m = re.search(_label(cat) + r" first appears at " + _HEDGE + _NUM + r" s\b", think)
        if m is None:
            raise TraceError(UNPARSABLE, f"no first appearance for {cat!r}")
        times[cat] = float(m.group(1))
    ranked = sorted(times.items(), key=lambda kv: kv[1])
    if len({t for _c, t in ranked}) != len(ranked):
        raise TraceError(INCONSISTENT, "two categories first appear at the same time")
    return _letter(options, rules.order_text([c for c, _t in ranked]))


_DERIVE: dict[str, Callable[[str, str], str]] = {
    "object size": _object_size,
    "absolute distance": _absolute_distance,
    "relative distance": _relative_distance,
    "object count": _object_count,
    "room size": _room_size,
    "appearance order": _appearance_order,
}


def rederive(prompt: str, solution: str, question_type: str, data_type: str) -> str:
    """The answer the trace's own facts give (a letter or a number); TraceError when they do not."""
    think, _answer = split_solution(solution)
    lowered = think.lower()
    for phrase in HIDDEN_PHRASES:
        if re.search(r"\b" + re.escape(phrase) + r"\b", lowered):
            raise TraceError(HIDDEN_DATA, phrase)
    if question_type == "relative direction":
        derive = _camera_direction if data_type == "single_image" else _allocentric_direction
    elif question_type in _DERIVE:
        derive = _DERIVE[question_type]
    else:
        raise TraceError(UNPARSABLE, f"unknown question type {question_type!r}")
    return derive(think, prompt)


def check_trace(
    prompt: str, solution: str, question_type: str, data_type: str, row_answer: str | None = None
) -> str | None:
    """None when the trace derives its own `<answer>` (and the spatial row's answer); else a reason."""
    try:
        derived = rederive(prompt, solution, question_type, data_type)
        _think, stated = split_solution(solution)
    except TraceError as err:
        return err.reason
    numeric = question_type in ("object size", "absolute distance", "object count", "room size")
    same = _same_number(derived, stated) if numeric else derived == stated
    if not same:
        return ANSWER_MISMATCH
    if row_answer is not None and stated != str(row_answer):
        return ROW_MISMATCH
    return None
