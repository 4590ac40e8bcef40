"""Video clips of a build (`media.video_clips`): `videos/<scan>.mp4`, the clip the video rows show.

For each scan whose video rows show frames decoded from its source video, the clip is the video
resampled to `generation.video_fps` (`generators.frames.resampled_clip`, the video rows' own clock),
trimmed to the span from the first to the last frame the rows can show (the scene's kept frames), and
re-encoded as h264/yuv420p (`video.writer.write_clip`). Files of scans no longer in the build are
removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ladderdata.errors import SourceError
from ladderdata.generators.frames import resampled_clip
from ladderdata.records import SceneRecord
from ladderdata.writers.layout import BuildLayout

CLIPS_DIR = "videos"


def clip_path(layout: BuildLayout, scan_id: str) -> Path:
    """`<build>/videos/<scan>.mp4`."""
    return layout.root / CLIPS_DIR / f"{scan_id}.mp4"


def clip_positions(scene: SceneRecord, fps: float) -> tuple[list[int], float]:
    """Positions in the scene's video of the trimmed clip's frames, and the clip's rate."""
    video = scene.video
    if video is None or not video.frames_from_video:
        return [], fps
    played, rate = resampled_clip(video, fps)
    kept = {f.frame_index for f in scene.frames}
    shown = [j for j, k in enumerate(played) if video.frame_indices[k] in kept]
    if not shown:
        return [], rate
    return played[shown[0] : shown[-1] + 1], rate


def write_clips(layout: BuildLayout, scenes: Mapping[str, tuple[SceneRecord, Path]], fps: float) -> int:
    """Write the clip of every scene given with its source root (see module docstring); returns the
    number written."""
    from ladderdata.video.reader import VideoError, open_video
    from ladderdata.video.writer import write_clip

    written = 0
    keep = set()
    for scan_id, (scene, root) in sorted(scenes.items()):
        positions, rate = clip_positions(scene, fps)
        if not positions or scene.video is None or scene.video.path is None:
            continue
        path = Path(scene.video.path)
        if not path.is_absolute():
            path = Path(root) / path
        target = clip_path(layout, scan_id)
        try:
            with open_video(path) as reader:
                ts = reader.timestamps()
                frames = (rgb for _t, rgb in reader.frames_at([float(ts[k]) for k in positions]))
                write_clip(target, frames, rate)
        except VideoError as err:
            raise SourceError(f"{err}; restore the video and resume") from None
        keep.add(target)
        written += 1
    folder = layout.root / CLIPS_DIR
    if folder.is_dir():
        for stale in folder.glob("*.mp4"):
            if stale not in keep:
                stale.unlink()
    return written
