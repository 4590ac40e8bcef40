"""One small interface over a video decoder: `open_video(path)` -> `VideoReader`.

Sources (ScanNet++ `rgb.mkv`, VSI-Bench style `videos/<scan>.mp4`) and the video family read colour
streams only through this module, so the decoding library behind it can change without touching them.
The backend is PyAV (FFmpeg bindings, maintained, already the `video` extra).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ladderdata.errors import LadderDataError


class VideoError(LadderDataError):
    """A video file that cannot be opened or decoded (names the file)."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video stream declares: frames per second, frame count, size and display rotation."""

    path: Path
    fps: float
    frame_count: int
    width: int
    height: int
    rotation_deg: int = 0
    """Clockwise rotation a player applies for display (0, 90, 180, 270), from the stream's metadata."""

    @property
    def duration_s(self) -> float:
        """Length in seconds (frame_count / fps)."""
        return self.frame_count / self.fps if self.fps > 0 else 0.0


class VideoReader:
    """Decodes one video file; frames come as RGB uint8 arrays (H, W, 3), not rotated."""

    def __init__(self, path: Path) -> None:
        import av  # lazy: only builds that read videos need it

        self.path = Path(path)
        try:
            self._container = av.open(str(self.path))
            self._stream = self._container.streams.video[0]
        except (av.FFmpegError, IndexError, OSError) as err:
            raise VideoError(
                f"{self.path}: cannot open as a video ({err}); check the file is complete"
            ) from None
        self._timestamps: np.ndarray | None = None
        stream = self._stream
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        self.info = VideoInfo(
            path=self.path,
            fps=fps,
            frame_count=int(stream.frames) if stream.frames else len(self.timestamps()),
            width=int(stream.codec_context.width),
            height=int(stream.codec_context.height),
            rotation_deg=_rotation(stream),
        )

    def timestamps(self) -> np.ndarray:
        """Presentation time in seconds of every frame, in display order (one demux pass, no decode)."""
        if self._timestamps is None:
            base = float(self._stream.time_base)
            pts = [p.pts for p in self._container.demux(self._stream) if p.pts is not None]
            self._timestamps = np.sort(np.asarray(pts, dtype=np.float64)) * base
            self._container.seek(0, stream=self._stream)
        return self._timestamps

    def frames_at(self, times_s: Sequence[float]) -> Iterator[tuple[float, np.ndarray]]:
        """For each requested time (seconds, ascending), the frame shown then: (its timestamp, RGB array)."""
        wanted = sorted(float(t) for t in times_s)
        if not wanted:
            return
        ts = self.timestamps()
        # the frame shown at time t is the last one whose timestamp is <= t
        picks = [ts[max(0, int(np.searchsorted(ts, t + 1e-9, side="right")) - 1)] for t in wanted]
        self._container.seek(0, stream=self._stream)
        base = float(self._stream.time_base)
        i = 0
        for frame in self._container.decode(self._stream):
            t = float(frame.pts) * base if frame.pts is not None else float(frame.time or 0.0)
            while i < len(picks) and abs(t - picks[i]) < 1e-6:
                yield t, frame.to_ndarray(format="rgb24")
                i += 1
            if i == len(picks):
                return
        if i < len(picks):
            raise VideoError(f"{self.path}: ends before {picks[i]:.3f} s; the file may be truncated")

    def close(self) -> None:
        """Release the file."""
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rotation(stream: object) -> int:
    # FFmpeg exposes the display matrix as a side-data rotation (counter-clockwise degrees)
    for source in (getattr(stream, "metadata", {}) or {},):
        if "rotate" in source:
            return int(source["rotate"]) % 360
    try:
        rot = stream.side_data.get("DISPLAYMATRIX")  # type: ignore[attr-defined]
    except AttributeError:
        rot = None
    return int(round(-float(rot))) % 360 if rot is not None else 0


def open_video(path: Path | str) -> VideoReader:
    """Open `path` (mp4, mkv, mov) for decoding; a `VideoError` names the file when it cannot be read."""
    if not Path(path).is_file():
        raise VideoError(f"{path}: no such video file")
    return VideoReader(Path(path))
