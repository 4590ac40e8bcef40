"""Video family: all seven question types over a clip of the scan's frames.

The media of every video question of a scan is the same `video_num_frames` frames sampled uniformly over
the clip (`frames.VideoTimeline`); an object the answer needs must be shown in at least one of them.
When the source names a video per scan (its `video` option) the rows show frames decoded from it
(`images/<scan>/video/<frame>.jpg`), on the clock of the video resampled to `video_fps`.
Room size is asked once per scan. Appearance order uses every frame of the clip (not only the sampled
ones): a category first appears at the earliest time (position in the clip / the clip's fps) any of its
instances' depth-tested visible pixels cover `appearance_pixel_frac` of the image; the four categories'
first appearances must be at least `appearance_min_gap_s` apart, and must fall in four different frames
of the sampled ones, in the same order, so the row is answerable from the frames it shows. Distractors are three other orders, and the question lists the
categories in a fresh seeded order.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from ladderdata.generators import rules
from ladderdata.generators.base import NOT_SHOWN, TOO_FEW_CATEGORIES, TOO_FEW_FRAMES, Candidate, Run
from ladderdata.generators.combos import seeded_combinations
from ladderdata.generators.frames import VideoTimeline
from ladderdata.generators.scan_questions import ScanQuestionGenerator
from ladderdata.records import (
    DataType,
    Family,
    FrameRecord,
    QASample,
    QuestionType,
    SceneRecord,
    video_frame_relpath,
)

QT = QuestionType
ORDER_SIZE = 4
"""Categories per appearance-order question."""


class VideoGenerator(ScanQuestionGenerator):
    """Questions over the uniformly sampled frames of a scan's video."""

    family = Family.video
    data_type = DataType.video

    def image_of(self, scene: SceneRecord, frame: FrameRecord) -> str:
        """The frame decoded from the scan's video when the source names one (`video` option)."""
        if scene.video is not None and scene.video.frames_from_video:
            return video_frame_relpath(scene.scan_id, frame.frame_index)
        return super().image_of(scene, frame)

    def _timeline(self, run: Run) -> VideoTimeline:
        if "timeline" not in run.cache:
            s = self.settings
            run.cache["timeline"] = VideoTimeline(run.index, s.video_num_frames, s.video_fps)
        return run.cache["timeline"]

    def select_media(self, run: Run, rng: random.Random, needed: list[int]) -> list[FrameRecord] | str:
        timeline = self._timeline(run)
        if len(timeline.sampled) < 2:
            return TOO_FEW_FRAMES
        if not all(timeline.shown_in_sample(i) for i in needed):
            return NOT_SHOWN
        return [run.index.frames[p] for p in timeline.sampled]

    # --- room size and appearance order -----------------------------------------------------------
    def extra_candidates(self, qt: QuestionType, run: Run, rng: random.Random) -> Iterator[Candidate] | str:
        if qt == QT.room_size:
            return iter([Candidate(frozenset(), None)])
        if qt == QT.appearance_order:
            first = self._first_appearances(run)
            appearing = [lab for lab, t in first.items() if t is not None]
            if len(appearing) < ORDER_SIZE:
                return TOO_FEW_CATEGORIES
            return (
                Candidate(frozenset(c), c)
                for c in seeded_combinations(rng, appearing, ORDER_SIZE, self._pool_limit())
            )
        return super().extra_candidates(qt, run, rng)

    def _first_appearances(self, run: Run) -> dict[str, float | None]:
        if "first_appearance" not in run.cache:
            timeline = self._timeline(run)
            run.cache["first_appearance"] = {
                lab: timeline.first_appearance([o.instance_id for o in objs])
                for lab, objs in run.index.instances.items()
            }
        return run.cache["first_appearance"]

    def _first_shown(self, run: Run) -> dict[str, int | None]:
        if "first_shown" not in run.cache:
            timeline = self._timeline(run)
            s = self.settings
            run.cache["first_shown"] = {
                lab: timeline.first_shown_appearance(
                    [o.instance_id for o in objs], s.appearance_pixel_frac, s.appearance_shown_margin
                )
                for lab, objs in run.index.instances.items()
            }
        return run.cache["first_shown"]

    def build_extra(
        self, qt: QuestionType, run: Run, rng: random.Random, candidate: Candidate
    ) -> QASample | str:
        if qt == QT.room_size:
            return self._room_size(run, rng)
        if qt == QT.appearance_order:
            return self._appearance_order(run, rng, candidate.payload)
        return super().build_extra(qt, run, rng, candidate)

    def _room_size(self, run: Run, rng: random.Random) -> QASample | str:
        area = run.scene.room.area_m2
        decision = rules.room_size_answer(area, self.settings.area_decimals)
        if not decision.ok:
            return decision.reason
        reference = {"area_m2": area, "decimals": self.settings.area_decimals}
        return self._finish(
            run,
            QT.room_size,
            rng,
            labels=[],
            needed=[],
            answer=decision.answer,
            reference=reference,
            variables={},
        )

    def _appearance_order(self, run: Run, rng: random.Random, labels: tuple[str, ...]) -> QASample | str:
        first = self._first_appearances(run)
        times = {lab: first[lab] for lab in labels}
        shown = {lab: self._first_shown(run)[lab] for lab in labels}
        decision = rules.appearance_order_answer(times, self.settings.appearance_min_gap_s, shown)
        if not decision.ok:
            return decision.reason
        correct = decision.answer
        others = [rules.order_text(list(p)) for p in itertools.permutations(sorted(labels))]
        others = [o for o in others if o != correct]
        texts = [correct, *rng.sample(others, 3)]
        rng.shuffle(texts)
        listed = rng.sample(list(labels), len(labels))
        reference = {
            "first_appearance_s": times,
            "first_shown_frame": shown,
            "min_gap_s": self.settings.appearance_min_gap_s,
            "appearance_pixel_frac": self.settings.appearance_pixel_frac,
            "appearance_shown_margin": self.settings.appearance_shown_margin,
            "clip_fps": self._timeline(run).fps,
        }
        return self._finish(
            run,
            QT.appearance_order,
            rng,
            labels=list(labels),
            needed=[],
            answer="",
            reference=reference,
            variables={"categories": listed},
            options=(texts, correct),
        )
