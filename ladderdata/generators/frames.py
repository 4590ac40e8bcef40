"""Frame selection: multi-view view sets, uniform video sampling, and the video timeline.

Positions are indices into `SceneIndex.frames` (sorted by frame index), so the trajectory order is the
capture order.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from ladderdata.generators.scene_index import SceneIndex
from ladderdata.records import VideoRecord


def uniform_positions(n_available: int, n: int) -> list[int]:
    """`n` positions spread uniformly over `n_available` (first and last included); all when fewer."""
    if n_available <= n:
        return list(range(n_available))
    return sorted({int(round(x)) for x in np.linspace(0, n_available - 1, n)})


def select_views(
    n_frames: int,
    needed: list[int],
    n_views: int,
    shows: Callable[[int, int], bool],
    rng: random.Random,
) -> list[int] | None:
    """`n_views` frame positions spread over the trajectory that together show every needed object.

    Greedy set cover first (the frame showing most still-unshown objects; ties: most needed objects
    shown, then a seeded choice), then farthest-point filling on the timeline so the views spread over
    the whole trajectory. None when the needed objects cannot be shown in `n_views` frames.
    """
    if n_frames < n_views:
        return None
    ids = list(dict.fromkeys(needed))
    shown = np.array([[shows(pos, i) for i in ids] for pos in range(n_frames)], dtype=bool)
    return select_views_shown(shown.reshape(n_frames, len(ids)), n_views, rng)


def select_views_shown(shown: np.ndarray, n_views: int, rng: random.Random) -> list[int] | None:
    """`select_views` from a (frames, objects) boolean matrix: whether each frame shows each needed
    object (distinct objects). The greedy cover scores every frame at once with numpy; ties and the
    seeded choices are taken exactly as `select_views` describes."""
    n_frames = len(shown)
    if n_frames < n_views:
        return None
    shown_count = shown.sum(axis=1)  # second key: needed objects shown, covered or not
    uncovered = np.ones(shown.shape[1], dtype=bool)
    taken = np.zeros(n_frames, dtype=bool)
    chosen: list[int] = []
    while uncovered.any():
        # first key: still-unshown objects the frame shows; frames already chosen never compete
        gain = np.where(taken, -1, shown[:, uncovered].sum(axis=1))
        best = int(gain.max())
        if best <= 0:
            return None
        first = gain == best
        ties = np.flatnonzero(first & (shown_count == shown_count[first].max())).tolist()
        pick = rng.choice(ties)
        chosen.append(pick)
        taken[pick] = True
        uncovered &= ~shown[pick]
        if len(chosen) > n_views:
            return None
    timeline = np.arange(n_frames)
    gap = np.full(n_frames, n_frames)  # distance (in frames) to the nearest chosen view
    for c in chosen:
        gap = np.minimum(gap, np.abs(timeline - c))
    while len(chosen) < n_views:
        ties = np.flatnonzero(gap == gap.max())
        pick = int(ties[rng.randrange(len(ties))])
        chosen.append(pick)
        gap = np.minimum(gap, np.abs(timeline - pick))
    return sorted(chosen)


def resampled_clip(video: VideoRecord, fps: float) -> tuple[list[int], float]:
    """Positions in `video.frame_indices` of the frames the video rows see, and their rate.

    A video whose frames the rows show (`frames_from_video`) is resampled to `fps` when it plays
    faster: at each time j / fps it shows the frame shown then (frame floor(j x rate / fps)); a slower
    one keeps its own rate (repeating frames adds nothing). Other records play as they are.
    """
    rate = float(video.fps)
    count = len(video.frame_indices)
    if not video.frames_from_video or rate <= fps:
        return list(range(count)), rate
    n = int(np.floor(count * fps / rate + 1e-9))
    return [int(np.floor(j * rate / fps + 1e-9)) for j in range(n)], float(fps)


class VideoTimeline:
    """The clip a video question is about: its frame positions, their times, and the sampled frames.

    The clip is the frames the scene's video record plays (every frame when there is none; a video the
    rows show decoded frames of is resampled to `fps` first, `resampled_clip`). Times are
    on the clip's own clock: a frame's position in the clip / the clip's fps (the video record's rate;
    `fps`, i.e. `GenerationSettings.video_fps`, when the scene has no video record), so "1 s apart" is
    one second of the video the question shows.
    """

    def __init__(self, index: SceneIndex, n_frames: int, fps: float):
        video = index.scene.video
        clip = None
        self.fps: float = fps
        if video is not None:
            played, self.fps = resampled_clip(video, fps)
            clip = {video.frame_indices[i]: k for k, i in enumerate(played)}
        self.positions: list[int] = [
            p for p, f in enumerate(index.frames) if clip is None or f.frame_index in clip
        ]
        self.times: dict[int, float] = {
            p: (p if clip is None else clip[index.frames[p].frame_index]) / self.fps for p in self.positions
        }
        self.sampled: list[int] = [
            self.positions[k] for k in uniform_positions(len(self.positions), n_frames)
        ]
        self._index = index
        self._first: dict[tuple[int, ...], float | None] = {}

    def first_appearance(self, instance_ids: list[int]) -> float | None:
        """Earliest time any of the instances appears over the whole clip (every frame, not only the
        sampled ones); None when it never does. Kept per instance set (cold-start traces ask again)."""
        key = tuple(instance_ids)
        if key not in self._first:
            seen = [
                self.times[p] for p in self.positions if any(self._index.appears(p, i) for i in instance_ids)
            ]
            self._first[key] = min(seen) if seen else None
        return self._first[key]

    def first_shown_appearance(self, instance_ids: list[int], threshold: float, margin: float) -> int | None:
        """Position among the sampled frames of the first one in which any of the instances clearly
        appears (visible pixel share >= threshold x margin), provided no earlier sampled frame shows it
        near the threshold (share >= threshold / margin); None when it never clearly appears first.

        A share near the threshold in the shown frames could be read either way, so a row depending
        on it is not answerable from its frames."""
        for k, pos in enumerate(self.sampled):
            share = max(self._index.appearance_share(pos, i) for i in instance_ids)
            if share >= threshold / margin:
                return k if share >= threshold * margin else None
        return None

    def shown_in_sample(self, instance_id: int) -> bool:
        """Whether the object is shown in at least one sampled frame."""
        return any(self._index.shown(pos, instance_id) for pos in self.sampled)
