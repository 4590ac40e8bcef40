"""Plain progress lines for long runs whose stderr is not a terminal (CI logs, `| tee`, nohup).

Rich progress bars redraw one line in place, which a log file cannot show, so when stderr is not a
terminal the commands print a plain line every `LADDERDATA_PROGRESS_SECONDS` seconds (default 10) and
one when a stage completes:

    sample: scan 2/3 scene9001_00, frames 212/450, 41 s elapsed, about 46 s left

The estimate extrapolates the rate measured since the first unit finished (set-up before it, such as
building a room's mesh, is not work per unit).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

ENV_INTERVAL = "LADDERDATA_PROGRESS_SECONDS"
DEFAULT_INTERVAL = 10.0


def interval_seconds() -> float:
    """Seconds between plain progress lines (`LADDERDATA_PROGRESS_SECONDS`, default 10; 0 = every update)."""
    raw = os.environ.get(ENV_INTERVAL, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_INTERVAL
    except ValueError:
        return DEFAULT_INTERVAL


def format_seconds(seconds: float) -> str:
    """`41 s`, `3 min 05 s`, `1 h 02 min`."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class ProgressLines:
    """Counts `done` of `total` units and prints `label: <unit> done/total, <extra>, elapsed, estimate`
    at most every `interval` seconds, and always on the last unit."""

    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        *,
        write: Callable[[str], None] | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = max(0, int(total))
        self.unit = unit
        self.done = 0
        self._write = write or _stderr_line
        self._interval = interval_seconds() if interval is None else interval
        self._clock = clock
        self._start = clock()
        self._first: float | None = None  # time of the first unit: the rate is measured from here
        self._first_done = 0
        self._last: float | None = None

    def update(self, advance: int = 1, *, detail: str = "", force: bool = False) -> None:
        """Add `advance` units; print a line when the interval has passed, on the last unit, or `force`."""
        self.done += advance
        now = self._clock()
        if self._first is None:
            self._first, self._first_done = now, self.done
        last_unit = self.total and self.done >= self.total
        due = self._last is None or now - self._last >= self._interval
        if not (due or last_unit or force):
            return
        self._last = now
        self._write(self.line(now, detail))

    def line(self, now: float, detail: str = "") -> str:
        """The progress line at time `now`."""
        elapsed = now - self._start
        parts = [detail] if detail else []
        parts.append(f"{self.unit} {self.done}/{self.total}" if self.total else f"{self.unit} {self.done}")
        parts.append(f"{format_seconds(elapsed)} elapsed")
        if self.total and self._first is not None and self._first_done < self.done < self.total:
            # the rate since the first unit, so set-up time before it does not inflate the estimate
            rate = (now - self._first) / (self.done - self._first_done)
            parts.append(f"about {format_seconds(rate * (self.total - self.done))} left")
        elif self.total and self.done >= self.total:
            parts.append("done")
        return f"{self.label}: " + ", ".join(parts)


def render_progress(scans: int, frames: int, label: str = "sample") -> Callable[[str, int, int], None]:
    """A `progress(scan_id, frame, frames)` callback for `sample.generate.generate_sample` that prints plain
    lines (`sample: scan 2/3 scene9001_00, frames 212/450, 41 s elapsed, about 46 s left`), on a
    terminal or not: rendering takes minutes and each line is short."""
    lines = ProgressLines(label, scans * frames, "frames")
    seen: list[str] = []

    def report(scan_id: str, done: int, total: int) -> None:
        if scan_id not in seen:
            seen.append(scan_id)
        lines.update(detail=f"scan {len(seen)}/{scans} {scan_id}", force=done == total)

    return report
