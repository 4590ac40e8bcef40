"""Generator base class: the per-scene loop, seeded RNG, refusal counts, dedupe and sample assembly.

Contract (docs/contracts.md): `Generator(settings).generate(scene, seed) -> list[QASample]`, a pure
function of (scene, settings, seed). Each (family, question type) draws from its own
`random.Random` seeded with a blake2b hash of (seed, scan_id, family, question type), never Python's
salted `hash()`, so output is byte-identical across processes and does not depend on which other
types are enabled (apart from the family-level dedupe, which gives earlier types priority).

A subclass lists candidates for a question type (`candidates`) and turns one candidate into a sample
or a refusal reason (`build`). The loop examines at most `max_candidates_per_type` candidates and stops
at the per-scan cap. Refusals are counted in `generator.counts[(question_type, reason)]` and emitted
samples in `generator.emitted[question_type]`; both accumulate over calls (`reset_counts()` clears).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ladderdata.answer_format import LETTERS, format_options
from ladderdata.generators.letters import LetterBalancer, balance_key, place_with_balancer
from ladderdata.generators.meanings import answer_meaning
from ladderdata.generators.rendering import TemplateRenderer
from ladderdata.generators.scene_index import SceneIndex
from ladderdata.generators.settings import FAMILY_QUESTION_TYPES, GenerationSettings
from ladderdata.records import (
    DataType,
    Family,
    FrameRecord,
    GroundingAnswer,
    QASample,
    QuestionType,
    SceneRecord,
    image_relpath,
)

GENERATOR_VERSION = "1.3"
"""Bumped whenever a rule or template change alters generated samples (1.2: direction draws per answer
meaning; 1.3: oriented boxes, point-set distances, visible-pixel appearance, one-right-option refusals)."""

# refusal reasons decided by candidate selection (answer rules have theirs in rules.py)
DUPLICATE = "duplicate"
TOO_FEW_UNIQUE_OBJECTS = "too_few_unique_objects"
TOO_FEW_CATEGORIES = "too_few_categories"
NO_FRAME_WITH_ALL_VISIBLE = "no_frame_with_all_visible"
NOT_JOINTLY_VISIBLE = "objects_not_jointly_visible"
TOO_FEW_FRAMES = "too_few_frames"
NOT_SHOWN = "object_not_shown"
NO_2D_BOX = "no_2d_box"
VARIANT_DISABLED = "variant_disabled"


def stable_int(*parts: Any) -> int:
    """64-bit integer from a blake2b hash of the parts' text (stable across processes and platforms)."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def scene_rng(seed: int, scan_id: str, family: Family | str, *extra: Any) -> random.Random:
    """The RNG of one (seed, scan, family[, question type...])."""
    return random.Random(stable_int(int(seed), scan_id, Family(family).value, *extra))


def make_sample_id(
    source: str,
    scene_id: str,
    family: Family | str,
    template_id: str,
    image: list[str],
    question: str,
    answer: str | list[GroundingAnswer] | list[dict],
) -> str:
    """Deterministic 32-hex id of (source, scene, family, template, media, question, answer)."""
    if isinstance(answer, list):
        answer = [a.model_dump() if isinstance(a, GroundingAnswer) else a for a in answer]
    payload = [source, scene_id, Family(family).value, template_id, list(image), question, answer]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@dataclass
class Run:
    """State of one `generate(scene, seed)` call."""

    index: SceneIndex
    seed: int
    balancer: LetterBalancer = field(default_factory=LetterBalancer)
    seen: set[tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=set)
    used: dict[QuestionType, set[Hashable]] = field(default_factory=dict)
    subtype_counts: Counter[tuple[QuestionType, str]] = field(default_factory=Counter)
    meaning_counts: Counter[tuple[QuestionType, str, str]] = field(default_factory=Counter)
    """Emitted answers per (type, subtype, meaning) of fixed-option types (`generators.meanings`)."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Per-scene values a generator computes once (e.g. the video timeline)."""

    @property
    def scene(self) -> SceneRecord:
        return self.index.scene


@dataclass(frozen=True)
class Candidate:
    """One candidate question: `key` = the named category set (asked once per type and scan)."""

    key: frozenset[str]
    payload: Any


class Generator:
    """Base class of the family generators (see module docstring for the contract)."""

    family: ClassVar[Family]
    data_type: ClassVar[DataType]

    def __init__(self, settings: GenerationSettings | None = None):
        self.settings = settings or GenerationSettings()
        self.renderer = TemplateRenderer.shared(self.settings.resolved_templates_dir())
        self.counts: Counter[tuple[str, str]] = Counter()
        """Refusals: (question type value, reason) -> count, accumulated over calls."""
        self.emitted: Counter[str] = Counter()
        """Emitted samples per question type value, accumulated over calls."""

    # --- public API -------------------------------------------------------------------------------
    @property
    def question_types(self) -> tuple[QuestionType, ...]:
        """Enabled question types of this family, in generation order."""
        return tuple(
            qt for qt in FAMILY_QUESTION_TYPES[self.family] if self.settings.is_enabled(self.family, qt)
        )

    def generate(self, scene: SceneRecord, seed: int) -> list[QASample]:
        """Samples for one scene; deterministic for (scene, settings, seed)."""
        run = Run(index=SceneIndex.of(scene, self.settings), seed=int(seed))
        out: list[QASample] = []
        for qt in self.question_types:
            cap = self.settings.max_per_scan(self.family, qt)
            if cap <= 0:
                continue
            rng = scene_rng(seed, scene.scan_id, self.family, qt.slug)
            samples = self._generate_type(qt, run, rng, cap)
            self.emitted[qt.value] += len(samples)
            out.extend(samples)
        return out

    def reset_counts(self) -> None:
        """Clear `counts` and `emitted`."""
        self.counts.clear()
        self.emitted.clear()

    def refuse(self, qt: QuestionType, reason: str, n: int = 1) -> None:
        """Count a refusal."""
        self.counts[(qt.value, reason)] += n

    # --- subclass hooks ---------------------------------------------------------------------------
    def candidates(self, qt: QuestionType, run: Run, rng: random.Random) -> Iterable[Candidate] | str:
        """Candidates of a type in the scene (seeded order), or a reason why there are none."""
        raise NotImplementedError

    def build(self, qt: QuestionType, run: Run, rng: random.Random, candidate: Candidate) -> QASample | str:
        """A sample from one candidate, or a refusal reason."""
        raise NotImplementedError

    # --- the loop ---------------------------------------------------------------------------------
    def _generate_type(self, qt: QuestionType, run: Run, rng: random.Random, cap: int) -> list[QASample]:
        cands = self.candidates(qt, run, rng)
        if isinstance(cands, str):
            self.refuse(qt, cands)
            return []
        used = run.used.setdefault(qt, set())
        out: list[QASample] = []
        examined = 0
        for cand in cands:
            if len(out) >= cap or examined >= self.settings.max_candidates_per_type:
                break
            if cand.key in used:
                continue  # this category set already has a question of this type in this scan
            examined += 1
            result = self.build(qt, run, rng, cand)
            if isinstance(result, str):
                self.refuse(qt, result)
                continue
            used.add(cand.key)
            out.append(result)
        return out

    # --- helpers for subclasses -------------------------------------------------------------------
    def claim(self, run: Run, labels: Iterable[str], frames: list[FrameRecord]) -> bool:
        """Reserve a (category set, media set) for this family; False if another sample holds it."""
        key = (frozenset(labels), tuple(str(f.frame_index) for f in frames))
        if key in run.seen:
            return False
        run.seen.add(key)
        return True

    def render(self, qt: QuestionType, rng: random.Random, **variables: Any) -> tuple[str, str]:
        """(question, template_id) from `templates/<family>/<type>.j2`."""
        return self.renderer.render(self.family, qt, rng, self.settings.published_wording_share, **variables)

    def place_options(
        self, run: Run, qt: QuestionType, texts: list[str], correct: str, subtype: str | None
    ) -> tuple[list[str], str]:
        """Formatted options with the correct one at the scene's least-used letter: (options, letter)."""
        if correct not in texts or len(set(texts)) != len(texts):
            raise ValueError(f"correct option {correct!r} must be one of distinct options {texts!r}")
        key = balance_key(qt.value, subtype, len(texts))
        placed, letter = place_with_balancer(texts, texts.index(correct), run.balancer, key)
        assert placed[LETTERS.index(letter)] == correct
        return format_options(placed), letter

    def image_of(self, scene: SceneRecord, frame: FrameRecord) -> str:
        """Published path of the image a row shows for `frame` (its colour image)."""
        return image_relpath(scene.scan_id, frame.frame_index)

    def make_sample(
        self,
        run: Run,
        qt: QuestionType,
        *,
        question: str,
        template_id: str,
        frames: list[FrameRecord],
        answer: str | list[GroundingAnswer],
        reference: dict[str, Any],
        options: list[str] | None = None,
        subtype: str | None = None,
        linked_sample_id: str | None = None,
        data_type: DataType | None = None,
    ) -> QASample:
        """Assemble a QASample with provenance and its deterministic id."""
        scene = run.scene
        image = [self.image_of(scene, f) for f in frames]
        if subtype is not None:
            run.subtype_counts[(qt, subtype)] += 1
        sample = QASample(
            question=question,
            options=options,
            answer=answer,
            image=image,
            question_type=qt,
            data_type=data_type or self.data_type,
            sample_id=make_sample_id(
                scene.source, scene.scan_id, self.family, template_id, image, question, answer
            ),
            family=self.family,
            source=scene.source,
            scene_id=scene.scan_id,
            frame_ids=[f.frame_index for f in frames],
            template_id=template_id,
            seed=run.seed,
            generator_version=GENERATOR_VERSION,
            subtype=subtype,
            linked_sample_id=linked_sample_id,
            reference=reference,
        )
        found = answer_meaning(sample)
        if found is not None:
            run.meaning_counts[(qt, found[0].subtype, found[1])] += 1
        return sample


def object_ref(obj: Any) -> dict[str, Any]:
    """Reference entry naming one object."""
    return {"instance_id": int(obj.instance_id), "label": obj.label}


def object_size_reference(obj: Any, decimals: int) -> dict[str, Any]:
    """Reference values of an object-size answer (what `validators.recheck.recheck` reads back)."""
    box = obj.shape  # the oriented box: an axis-aligned box overstates rotated objects
    return {
        "objects": [object_ref(obj)],
        "size_m": [float(x) for x in box.size],
        "yaw": float(box.yaw),
        "longest_side_m": box.longest_side,
        "decimals": decimals,
    }


def absolute_distance_reference(
    a: Any, b: Any, distance: float, min_distance: float, decimals: int
) -> dict[str, Any]:
    """Reference values of an absolute-distance answer (what `validators.recheck.recheck` reads back)."""
    return {
        "objects": [object_ref(a), object_ref(b)],
        "distance_m": distance,
        "min_distance_m": min_distance,
        "decimals": decimals,
    }
