"""QA generators: one per task family, registered in `GENERATORS` by family value.

```python
from ladderdata.generators import GENERATORS, GenerationSettings
gen = GENERATORS["video"](GenerationSettings())
samples = gen.generate(scene, seed=0)      # list[QASample], deterministic for (scene, settings, seed)
gen.counts                                  # Counter[(question type, refusal reason)]
gen.emitted                                 # Counter[question type]
```
Generators read only SceneRecords (never raw files). Wording lives in `templates/<family>/<type>.j2`;
thresholds in `GenerationSettings`; answer/refusal rules in `rules` (shared with
`ladderdata.validators.recheck.recheck`); letter balancing in `letters`.
"""

from __future__ import annotations

from ladderdata.generators.base import GENERATOR_VERSION, Generator
from ladderdata.generators.letters import LetterBalancer, reletter
from ladderdata.generators.localization import LocalizationGenerator
from ladderdata.generators.multi_view import MultiViewGenerator
from ladderdata.generators.settings import FAMILY_QUESTION_TYPES, GenerationSettings, parse_family
from ladderdata.generators.single_image import SingleImageGenerator
from ladderdata.generators.video import VideoGenerator
from ladderdata.records import Family

GENERATORS: dict[str, type[Generator]] = {
    Family.localization.value: LocalizationGenerator,
    Family.single_image.value: SingleImageGenerator,
    Family.multi_view.value: MultiViewGenerator,
    Family.video.value: VideoGenerator,
}
"""Family value -> generator class."""


def get_generator(family: str, settings: GenerationSettings | None = None) -> Generator:
    """Instantiate a family's generator; ValueError lists the valid families."""
    return GENERATORS[parse_family(family).value](settings)


__all__ = [
    "FAMILY_QUESTION_TYPES",
    "GENERATORS",
    "GENERATOR_VERSION",
    "GenerationSettings",
    "Generator",
    "LetterBalancer",
    "get_generator",
    "reletter",
]
