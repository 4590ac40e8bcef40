"""Encoding frames to an mp4 clip (h264, yuv420p) at a given frame rate, written atomically.

`write_clip(path, frames, fps)` takes RGB uint8 arrays (or JPEG/PNG bytes, decoded here) and plays each
for 1/fps seconds; trimming and resampling are the caller's choice of frames (`resample_times`,
`VideoReader.frames_at`). yuv420p needs even sides: odd sizes are padded by one edge row/column
(replicated), never scaled. The output is byte-identical for the same frames and settings (x264 with
one thread, no timestamps from the wall clock).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from ladderdata.video.reader import VideoError, import_av

DEFAULT_CRF = 18
"""x264 constant rate factor: 18 is visually lossless for camera footage (PSNR well above 40 dB)."""
DEFAULT_PRESET = "medium"


def resample_times(duration_s: float, fps: float) -> list[float]:
    """Times (seconds) at which a clip of `duration_s` is sampled to play at `fps`: 0, 1/fps, ... < duration."""
    if fps <= 0:
        raise VideoError(f"fps must be > 0; got {fps}")
    n = int(np.floor(duration_s * fps + 1e-9))
    return [j / fps for j in range(max(n, 0))]


def _as_rgb(frame: np.ndarray | bytes) -> np.ndarray:
    if isinstance(frame, bytes | bytearray):
        from PIL import Image

        with Image.open(io.BytesIO(frame)) as img:
            return np.asarray(img.convert("RGB"))
    arr = np.asarray(frame)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise VideoError(f"frames must be RGB uint8 (H, W, 3); got {arr.dtype} {arr.shape}")
    return arr


def _even(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        rgb = np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return rgb


def write_clip(
    path: str | Path,
    frames: Iterable[np.ndarray | bytes],
    fps: float,
    *,
    crf: int = DEFAULT_CRF,
    preset: str = DEFAULT_PRESET,
) -> int:
    """Encode `frames` (RGB uint8 arrays or image bytes, all one size) to an h264/yuv420p mp4 at `fps`.

    Written to a temporary file beside `path` and renamed, so a reader never sees half a clip.
    Returns the number of frames written; a VideoError when there are none or their sizes differ.
    """
    av = import_av()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.mp4")
    rate = Fraction(fps).limit_denominator(1001)
    count = 0
    size: tuple[int, int] | None = None
    try:
        with av.open(str(tmp), "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.pix_fmt = "yuv420p"
            # one thread and no wall-clock metadata: the same frames give the same bytes
            stream.options = {"crf": str(crf), "preset": preset, "threads": "1"}
            container.metadata.clear()
            for frame in frames:
                rgb = _even(_as_rgb(frame))
                if size is None:
                    size = (rgb.shape[1], rgb.shape[0])
                    stream.width, stream.height = size
                elif (rgb.shape[1], rgb.shape[0]) != size:
                    raise VideoError(
                        f"{path}: frame {count} is {rgb.shape[1]}x{rgb.shape[0]}, the clip is "
                        f"{size[0]}x{size[1]}; resize the frames to one size"
                    )
                out = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                out.pts = count
                out.time_base = 1 / rate
                for packet in stream.encode(out):
                    container.mux(packet)
                count += 1
            if count == 0:
                raise VideoError(f"{path}: no frames to write")
            for packet in stream.encode():
                container.mux(packet)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
