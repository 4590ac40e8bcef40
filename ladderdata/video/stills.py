"""Frames of a video as JPEG images: what a build publishes for the video rows of a `video` source.

`jpeg_frames(path, positions)` decodes the frames at the given positions (display order, 0-based) and
encodes each as a baseline JPEG with Pillow at `JPEG_QUALITY`. Decoding (FFmpeg) and encoding (libjpeg)
are deterministic, so the same video gives the same bytes on every run: the build records their sha256
in the worker and checks it again when it writes the files.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ladderdata.video.reader import VideoError, open_video

JPEG_QUALITY = 95
"""Pillow quality of the published frames (ScanNet's own colour JPEGs are about this quality)."""


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """RGB uint8 (H, W, 3) -> JPEG bytes (no metadata, so equal pixels give equal bytes)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def jpeg_frames(path: str | Path, positions: Iterable[int]) -> dict[int, bytes]:
    """JPEG bytes of the frames at `positions` (display order) of the video at `path`."""
    wanted = sorted(set(int(k) for k in positions))
    if not wanted:
        return {}
    with open_video(path) as reader:
        ts = reader.timestamps()
        if wanted[0] < 0 or wanted[-1] >= len(ts):
            raise VideoError(
                f"{path}: has {len(ts)} frames, frame {wanted[-1] if wanted[-1] >= 0 else wanted[0]} "
                "was asked for; the video is shorter than the source's frame list"
            )
        frames = list(reader.frames_at([float(ts[k]) for k in wanted]))
    return {k: encode_jpeg(rgb) for k, (_t, rgb) in zip(wanted, frames, strict=True)}
