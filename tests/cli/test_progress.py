"""Plain progress lines: printed every interval and on the last unit, with an estimate from the rate
measured since the first unit."""

from __future__ import annotations

from ladderdata.progress import ProgressLines, format_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_every_interval_and_on_the_last_unit_with_a_rate_estimate():
    clock, lines = Clock(), []
    progress = ProgressLines("sample", 10, "frames", write=lines.append, interval=10.0, clock=clock)
    clock.now = 8.0  # 8 s of set-up before the first frame
    progress.update(detail="scan 1/2 a")
    for t in (10.0, 12.0, 14.0, 16.0, 18.0):  # a frame every 2 s
        clock.now = t
        progress.update(detail="scan 1/2 a")
    for t in (20.0, 22.0, 24.0, 26.0):
        clock.now = t
        progress.update(detail="scan 2/2 b")
    assert lines == [
        "sample: scan 1/2 a, frames 1/10, 8 s elapsed",
        # 5 frames in 10 s since the first: 2 s a frame, 4 frames left
        "sample: scan 1/2 a, frames 6/10, 18 s elapsed, about 8 s left",
        "sample: scan 2/2 b, frames 10/10, 26 s elapsed, done",
    ]


def test_format_seconds():
    assert [format_seconds(s) for s in (0.4, 59, 61, 3599, 3725)] == [
        "0 s",
        "59 s",
        "1 min 01 s",
        "59 min 59 s",
        "1 h 02 min",
    ]
