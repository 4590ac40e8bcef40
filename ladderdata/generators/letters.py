"""Option letters: 'A. text' formatting and least-used-letter placement of the correct option.

VLM-3R resets its letter counter per scene, which skews letter shares when scenes are few; the rule
(question-rules.md) is to count over the whole build. Generators place letters with a per-scene
`LetterBalancer` (so a scene's samples are usable alone); the build then calls `reletter` on every MCQ
in the final deterministic order with one balancer for the whole build, so the published letter shares
do not depend on how scenes were spread over workers.

Placement moves the correct option by swapping it with the option that holds the target letter; the
other options keep their places. `QASample.reference` never records letters (options are keyed by their
text), so re-lettering only rewrites `options` and `answer`. `sample_id` is kept: it identifies the
generated question, and localization rows link to it.
"""

from __future__ import annotations

from collections import Counter

from ladderdata.answer_format import LETTERS, format_options, parse_options
from ladderdata.records import QASample


def balance_key(sample_or_type: QASample | str, subtype: str | None = None, n_options: int = 0) -> str:
    """Letters are counted per (question type, subtype, number of options)."""
    if isinstance(sample_or_type, QASample):
        s = sample_or_type
        return balance_key(s.question_type.value, s.subtype, len(s.options or []))
    return f"{sample_or_type}|{subtype or ''}|{n_options}"


def group_key(key: str) -> str:
    """The (question type, number of options) group of a balance key: its subtype dropped."""
    qtype, _subtype, n = key.split("|")
    return f"{qtype}||{n}"


class LetterBalancer:
    """Counts correct-answer letters per key; `choose` returns the least-used letter.

    Ties between letters equally used within the key (question type, subtype, option count) go to the
    letter least used in the key's group (the same type and option count over all subtypes), then
    alphabetically: each subtype's leftover rows then land on different letters, so the group meets
    the tolerance too (4-option relative direction mixes hard, camera and diagonal rows).
    """

    def __init__(self) -> None:
        self._counts: dict[str, Counter[str]] = {}

    def choose(self, key: str, n_options: int) -> str:
        """Least-used letter among the first `n_options` letters for this key (not yet recorded)."""
        if not 1 <= n_options <= len(LETTERS):
            raise ValueError(f"n_options must be within 1..{len(LETTERS)}, got {n_options}")
        counts = self._counts.get(key, Counter())
        group = self._counts.get(group_key(key), Counter()) if "|" in key else Counter()
        return min(LETTERS[:n_options], key=lambda letter: (counts[letter], group[letter], letter))

    def record(self, key: str, letter: str) -> None:
        """Count one correct answer at `letter` (in its key and, for balance keys, its group)."""
        self._counts.setdefault(key, Counter())[letter] += 1
        if key.count("|") == 2 and group_key(key) != key:
            self._counts.setdefault(group_key(key), Counter())[letter] += 1

    def counts(self) -> dict[str, dict[str, int]]:
        """Snapshot: key -> letter -> count."""
        return {k: dict(sorted(c.items())) for k, c in sorted(self._counts.items())}


def place_correct(texts: list[str], correct: int, target: int) -> list[str]:
    """Swap the option at `correct` with the one at `target` (the single placement rule)."""
    out = list(texts)
    out[correct], out[target] = out[target], out[correct]
    return out


def place_with_balancer(
    texts: list[str], correct: int, balancer: LetterBalancer, key: str
) -> tuple[list[str], str]:
    """Move the correct option to the balancer's least-used letter and record it: (texts, letter)."""
    letter = balancer.choose(key, len(texts))
    placed = place_correct(texts, correct, LETTERS.index(letter))
    balancer.record(key, letter)
    return placed, letter


def reletter(sample: QASample, balancer: LetterBalancer) -> QASample:
    """Copy of an MCQ sample with its correct option moved to the balancer's least-used letter.

    Numeric and grounding samples are returned unchanged (and not counted). Raises ValueError when the
    sample's options are malformed or its answer is not one of their letters.
    """
    if not sample.question_type.is_mcq or sample.options is None:
        return sample
    texts = list(parse_options(sample.options, strict=True).values())
    answer = str(sample.answer)
    if answer not in LETTERS[: len(texts)]:
        raise ValueError(f"sample {sample.sample_id}: answer {answer!r} is not an option letter")
    placed, letter = place_with_balancer(texts, LETTERS.index(answer), balancer, balance_key(sample))
    return sample.model_copy(update={"options": format_options(placed), "answer": letter})
