"""Question wording: jinja2 templates rendered in a sandbox with StrictUndefined.

Each question type has one file, `templates/<family>/<question_type>.j2`. A template renders *all* its
phrasings at once: phrasings are separated by blank lines, and the lines of one phrasing are joined
with single spaces (so a question is always one line). The first phrasing reproduces the published
(VSI-Bench / SpatialLadder) wording; the generator's seeded RNG picks one, the first with probability
`GenerationSettings.published_wording_share`. Rendering every phrasing every time means a template
that references a missing variable fails on the first sample, never at random.

Template errors (syntax, undefined variable, sandbox violation) raise `TemplateError` naming the file
and line.
"""

from __future__ import annotations

import random
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ladderdata.errors import TemplateError
from ladderdata.records import Family, QuestionType


def or_list(items: list[str] | tuple[str, ...]) -> str:
    """['a'] -> 'a'; ['a', 'b'] -> 'a or b'; ['a', 'b', 'c'] -> 'a, b, or c' (VSI-Bench's serial comma)."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} or {items[1]}"
    return ", ".join(items[:-1]) + f", or {items[-1]}"


_SHARED: dict[str, TemplateRenderer] = {}

_BLANK_LINE = re.compile(r"\n\s*\n")


def split_phrasings(text: str) -> list[str]:
    """Blank-line separated blocks, each collapsed to one line."""
    return [" ".join(block.split()) for block in _BLANK_LINE.split(text) if block.strip()]


class TemplateRenderer:
    """Loads and renders `<family>/<question_type>.j2` from a templates folder."""

    def __init__(self, templates_dir: str | Path):
        self.templates_dir = Path(templates_dir)
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["or_list"] = or_list
        self._cache: dict[str, jinja2.Template] = {}

    @classmethod
    def shared(cls, templates_dir: str | Path) -> TemplateRenderer:
        """One renderer per templates folder in this process (compiled templates are reused)."""
        key = str(Path(templates_dir).resolve())
        if key not in _SHARED:
            _SHARED[key] = cls(key)
        return _SHARED[key]

    @staticmethod
    def template_name(family: Family | str, question_type: QuestionType) -> str:
        """Relative template path, e.g. `multi_view/relative_direction.j2`."""
        return f"{Family(family).value}/{question_type.slug}.j2"

    def _load(self, name: str) -> jinja2.Template:
        if name not in self._cache:
            path = self.templates_dir / name
            if not path.is_file():
                raise TemplateError.at(path, "template file is missing", "add it (one phrasing per block)")
            try:
                self._cache[name] = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as err:
                raise TemplateError(
                    f"{path}:{err.lineno}: template syntax error: {err.message}; fix the template",
                    path=path,
                ) from err
        return self._cache[name]

    def phrasings(self, family: Family | str, question_type: QuestionType, **variables: Any) -> list[str]:
        """Every phrasing of the template rendered with `variables` (the first is the published one)."""
        return self.phrasings_of(self.template_name(family, question_type), **variables)

    def phrasings_of(self, name: str, **variables: Any) -> list[str]:
        """Every phrasing of the template file `name` (relative to the templates folder)."""
        template = self._load(name)
        path = self.templates_dir / name
        try:
            text = template.render(**variables)
        except (jinja2.TemplateError, OverflowError) as err:
            # OverflowError: the sandbox refuses range() beyond MAX_RANGE (e.g. range(10**8))
            line = _template_line(err, template.filename)
            where = f"{path}:{line}" if line else str(path)
            raise TemplateError(
                f"{where}: {type(err).__name__}: {err}; fix the template or pass the variable",
                path=path,
            ) from err
        phrasings = split_phrasings(text)
        if not phrasings:
            raise TemplateError.at(path, "template rendered no phrasing", "write at least one")
        return phrasings

    def render(
        self,
        family: Family | str,
        question_type: QuestionType,
        rng: random.Random,
        published_share: float,
        **variables: Any,
    ) -> tuple[str, str]:
        """Pick a phrasing with `rng`: returns (question text, template id `family/type.j2#k`)."""
        phrasings = self.phrasings(family, question_type, **variables)
        # two draws always, so the RNG stream does not depend on the number of phrasings
        first = rng.random() < published_share
        other = rng.randrange(1_000_000)
        k = 0 if first or len(phrasings) == 1 else 1 + other % (len(phrasings) - 1)
        return phrasings[k], f"{self.template_name(family, question_type)}#{k}"


def _template_line(err: BaseException, filename: str | None) -> int | None:
    """Template line of an error: jinja rewrites tracebacks so template frames carry template lines."""
    lineno = getattr(err, "lineno", None)
    if lineno:
        return int(lineno)
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if filename and frame.filename == filename:
            line = frame.lineno
    return line
