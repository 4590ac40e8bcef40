"""Cold-start rows: trace facts + the final spatial row -> `{question_id, prompt, solution, image, data_type}`.

The prompt is the GRPO think/answer prompt (`ladderdata.prompts.think_prompt`) of the row's
question and options, so the cold start teaches exactly the format stage 3 rewards. The solution is
`<think>TRACE</think><answer>ANSWER</answer>`; TRACE is one phrasing of `templates/coldstart/<kind>.j2`
(phrasings separated by blank lines, rendered in the same jinja sandbox as the question templates),
picked with an RNG seeded from (seed, sample id), so a build is byte-stable. ANSWER is the row's final
answer (the letter after the build's re-lettering, or the number).

Templates state measurements in the small grammar `ladderdata.validators.traces` reads back (e.g.
"the lamp is about 1.20 m from the sofa", "a gap of about 0.8 m", "25 degrees to my left"); the
surrounding words vary freely.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from ladderdata.answer_format import LETTERS, parse_options
from ladderdata.generators.base import stable_int
from ladderdata.generators.rendering import TemplateRenderer
from ladderdata.prompts import think_prompt
from ladderdata.records import QASample

COLDSTART_DIR = "coldstart"
"""Folder of the trace templates inside the templates folder."""

ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()


def ordinal(n: int) -> str:
    """1 -> 'first' ... 20 -> 'twentieth', then '21st', '22nd', ..."""
    n = int(n)
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(noun: str) -> str:
    """English plural of a category name ('chair' -> 'chairs', 'bookshelf' -> 'bookshelves',
    'box' -> 'boxes', 'shelving unit' -> 'shelving units')."""
    if noun.endswith("shelf"):
        return noun[:-1] + "ves"
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def number_list(numbers: list[int]) -> str:
    """[3] -> '3'; [1, 4] -> '1 and 4'; [1, 4, 6] -> '1, 4 and 6'."""
    items = [str(n) for n in numbers]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def seen_in(views: list[int], unit: str) -> str:
    """'view 3', 'frames 2, 5 and 9' (unit 'view' or 'frame'); 'the image' for a single image."""
    if unit == "image":
        return "the image" if views else "no part of the image"
    if not views:
        return f"none of the {unit}s"
    return f"{unit}{'s' if len(views) > 1 else ''} {number_list(views)}"


def placement(obj: dict[str, Any]) -> str:
    """'on the left, about 2.31 m from the camera' for an object's clearest view."""
    side = {"left": "on the left", "right": "on the right", "middle": "near the middle"}[obj["side"]]
    return f"{side}, about {obj['depth_m']} m from the camera"


def extent(obj: dict[str, Any]) -> str:
    """'about 1.2 m by 0.6 m and 0.8 m tall'."""
    e = obj["extent"]
    return f"about {e['long']} m by {e['short']} m and {e['height']} m tall"


class TraceRenderer:
    """Renders trace templates (its own sandboxed environment, configured like the question templates)."""

    def __init__(self, templates_dir: str | Path):
        self.templates = TemplateRenderer(templates_dir)
        filters = self.templates.env.filters
        filters.update(ordinal=ordinal, seen_in=seen_in, placement=placement, extent=extent, plural=plural)
        filters["number_list"] = number_list

    def phrasings(self, kind: str, **variables: Any) -> list[str]:
        """Every phrasing of `coldstart/<kind>.j2`."""
        return self.templates.phrasings_of(f"{COLDSTART_DIR}/{kind}.j2", **variables)

    def trace(self, facts: dict[str, Any], sample: QASample, seed: int) -> tuple[str, str]:
        """(trace text, template id) for a final spatial row."""
        variables = answer_variables(sample)
        phrasings = self.phrasings(facts["kind"], f=facts, **variables)
        rng = random.Random(stable_int(int(seed), sample.sample_id, "coldstart"))
        k = rng.randrange(len(phrasings))
        return phrasings[k], f"{COLDSTART_DIR}/{facts['kind']}.j2#{k}"


def answer_variables(sample: QASample) -> dict[str, Any]:
    """The final answer as templates need it: `answer` (letter or number), `answer_text`, `options`."""
    answer = str(sample.answer)
    if sample.options:
        texts = list(parse_options(sample.options, strict=True).values())
        return {"answer": answer, "answer_text": texts[LETTERS.index(answer)], "options": texts}
    return {"answer": answer, "answer_text": answer, "options": []}


def solution_text(trace: str, answer: str) -> str:
    """The upstream solution format."""
    return f"<think>{trace}</think><answer>{answer}</answer>"


def coldstart_record(sample: QASample, trace: str) -> dict[str, Any]:
    """The published cold-start row (upstream keys, upstream order)."""
    if sample.question_id is None:
        raise ValueError(f"sample {sample.sample_id} has no question_id; assign ids before writing")
    return {
        "question_id": sample.question_id,
        "prompt": think_prompt(sample.question, sample.options),
        "solution": solution_text(trace, str(sample.answer)),
        "image": list(sample.image),
        "data_type": sample.data_type.value,
    }
