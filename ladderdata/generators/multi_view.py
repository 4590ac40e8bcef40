"""Multi-view family: questions about a scan shown through `multi_view_views` (8) frames.

Object count, absolute distance, relative distance, object size and allocentric relative direction
(easy/medium/hard). The views are chosen per question: a greedy cover of the objects the answer needs
(every counted instance; both objects of a distance; the primary object and each candidate's closest
instance; the three objects of a direction), then filled with frames spread over the trajectory
(`frames.select_views`, scored over the scene's cached frame-by-object "shown" matrix).
"""

from __future__ import annotations

import random

from ladderdata.generators.base import NOT_JOINTLY_VISIBLE, TOO_FEW_FRAMES, Run
from ladderdata.generators.frames import select_views_shown
from ladderdata.generators.scan_questions import ScanQuestionGenerator
from ladderdata.records import DataType, Family, FrameRecord


class MultiViewGenerator(ScanQuestionGenerator):
    """Questions over a set of views of one scan."""

    family = Family.multi_view
    data_type = DataType.multi_view

    def select_media(self, run: Run, rng: random.Random, needed: list[int]) -> list[FrameRecord] | str:
        idx = run.index
        n_views = self.settings.multi_view_views
        if len(idx.frames) < n_views:
            return TOO_FEW_FRAMES
        shown = idx.shown_matrix(list(dict.fromkeys(needed)))
        positions = select_views_shown(shown, n_views, rng)
        if positions is None:
            return NOT_JOINTLY_VISIBLE
        return [idx.frames[p] for p in positions]
