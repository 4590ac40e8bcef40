"""Helpers of the video tests: frames that carry their own index, read back after compression."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 10
BLOCK = 32


def coded_frame(index: int, width: int = 640, height: int = 480) -> np.ndarray:
    """An RGB frame with a smooth moving gradient and its index written as BITS black/white blocks.

    The blocks are large and saturated, so the index survives h264 at any usable quality."""
    y, x = np.mgrid[0:height, 0:width]
    base = ((x + 4 * index) % 256).astype(np.uint8)
    rgb = np.stack([base, ((y + 2 * index) % 256).astype(np.uint8), np.full_like(base, 128)], axis=-1)
    for b in range(BITS):
        rgb[8 : 8 + BLOCK, 8 + b * (BLOCK + 8) : 8 + b * (BLOCK + 8) + BLOCK] = 255 * ((index >> b) & 1)
    return rgb


def read_index(rgb: np.ndarray) -> int:
    """The index `coded_frame` wrote (block centres thresholded at mid-grey)."""
    value = 0
    for b in range(BITS):
        x0 = 8 + b * (BLOCK + 8)
        if rgb[16 : 8 + BLOCK - 8, x0 + 8 : x0 + BLOCK - 8].mean() > 127:
            value |= 1 << b
    return value


def write_with_av(path: Path, n: int, fps: float, size: tuple[int, int] = (640, 480)) -> Path:
    """A clip written by PyAV directly in the container `path`'s suffix names (mkv: 1 ms time base)."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"crf": "20"}
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(coded_frame(i, *size), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images in dB (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def run_cli_env(args: tuple, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m ladderdata.cli.app <args>` in a subprocess with the environment `env`."""
    from tests.fixtures.build import REPO

    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
