"""Localization (grounding) family: 2D boxes and labels of the objects a single-image question names.

One grounding row per single-image QA, with the same question, the same image and
`linked_sample_id` = that QA's `sample_id` (the writer gives both rows one `question_id`). The answer
lists `{bbox_2d, label}` for each named object in the order the question mentions them (the
single-image `reference["objects"]`), with the tight box of its visible projection in that frame
(`ObjectVisibility.bbox_2d`, colour-image pixels, clipped). The single-image rows come from running the
single-image generator with the same settings and seed, so both families agree whatever the build
asks for; `ground()` grounds rows the caller already has. There is no per-scan cap of its own: the
single-image caps decide how many rows a scan gets.
"""

from __future__ import annotations

from ladderdata.generators.base import NO_2D_BOX, Generator, Run
from ladderdata.generators.scene_index import SceneIndex
from ladderdata.generators.single_image import SingleImageGenerator
from ladderdata.records import DataType, Family, GroundingAnswer, QASample, QuestionType, SceneRecord

QT = QuestionType


class LocalizationGenerator(Generator):
    """Grounding rows for the scene's single-image questions."""

    family = Family.localization
    data_type = DataType.single_image

    def __init__(self, settings=None):
        super().__init__(settings)
        self.single_image = SingleImageGenerator(self.settings)
        """The generator whose rows are grounded (its own counts explain missing single-image rows)."""

    def generate(self, scene: SceneRecord, seed: int) -> list[QASample]:
        """Grounding rows for `SingleImageGenerator(settings).generate(scene, seed)`."""
        if QT.localization not in self.question_types:
            return []
        return self.ground(scene, self.single_image.generate(scene, seed), seed)

    def ground(self, scene: SceneRecord, singles: list[QASample], seed: int) -> list[QASample]:
        """One grounding row per single-image sample (refusals counted under `no_2d_box`)."""
        run = Run(index=SceneIndex.of(scene, self.settings), seed=int(seed))
        frames = {f.frame_index: f for f in scene.frames}
        out = []
        for single in singles:
            if single.family != Family.single_image:
                raise ValueError(f"sample {single.sample_id} is {single.family.value}, not single_image")
            frame = frames[single.frame_ids[0]]
            named = []
            for obj in single.reference["objects"]:
                vis = frame.visibility_of(obj["instance_id"])
                if vis is None or vis.bbox_2d is None:
                    break
                named.append({**obj, "bbox_2d": [int(v) for v in vis.bbox_2d]})
            else:
                answer = [GroundingAnswer(bbox_2d=o["bbox_2d"], label=o["label"]) for o in named]
                reference = {
                    "objects": named,
                    "image_size": [frame.width, frame.height],
                    "linked_question_type": single.question_type.value,
                }
                out.append(
                    self.make_sample(
                        run,
                        QT.localization,
                        question=single.question,
                        template_id=single.template_id,
                        frames=[frame],
                        answer=answer,
                        reference=reference,
                        linked_sample_id=single.sample_id,
                    )
                )
                continue
            self.refuse(QT.localization, NO_2D_BOX)
        self.emitted[QT.localization.value] += len(out)
        return out
