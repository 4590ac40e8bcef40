"""The bundled procedural sample as a source: a ScanNetSource on `raw_sources/sample`.

The sample is written in exact ScanNet layout by `ladderdata.sample.generate` (generated on first
use when the folder is missing), so it is read by the very same adapter as real scans; only the
source name (`sample`) and licence flag (freely redistributable) differ. The raw layout (raw files,
checksum, colour frames) is ScanNet's too; `scan_ids`, `load` and `raw_files` generate a missing sample
first, while the colour look-ups never do (`materialize` must not render into a user's raw copy).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ladderdata.records import SceneRecord
from ladderdata.sources.base import RawFile
from ladderdata.sources.scannet import ScanNetSource


class SampleSource(ScanNetSource):
    """ScanNetSource on the bundled sample; generates it with `sample.generate.ensure_sample` when missing.

    root defaults to `sample.generate.default_sample_root()`; other arguments are ScanNetSource's.
    """

    name = "sample"
    licensed = False

    def __init__(self, root: str | Path | None = None, export_root: str | Path | None = None, **kwargs: Any):
        from ladderdata.sample.generate import default_sample_root

        default = default_sample_root()  # <repo>/raw_sources/sample in a checkout, else ./raw_sources/sample
        root = default if root is None else Path(root)
        self._default_root = root.resolve() == default.resolve()
        super().__init__(root, export_root, **kwargs)
        self._ensured = False

    def _ensure(self) -> None:
        """Generate the default sample when needed, never clobbering a complete sample the user made.

        At the default root the sample follows the generator (`ensure_sample` regenerates it when it
        was made by another generator version). At an explicit root, a complete sample of any
        parameters (e.g. `ladderdata sample --scans 5 --out X`) is read as it is.
        """
        if self._ensured:
            return
        # imported lazily: generation pulls in open3d rendering, which plain reads never need
        from ladderdata.sample.generate import ensure_sample, is_sample

        if self._default_root or not is_sample(self.root):
            ensure_sample(self.root, progress=_stderr_progress(self.root))
        self._ensured = True

    def scan_ids(self) -> list[str]:
        """Scan ids of the sample (generating it first when missing)."""
        self._ensure()
        return super().scan_ids()

    def load(self, scan_id: str) -> SceneRecord:
        """One sample scan (generating the sample first when missing)."""
        self._ensure()
        return super().load(scan_id)

    def raw_files(self, scan_id: str) -> list[RawFile]:
        """The scan's raw files (generating the sample first when missing, as `load` would)."""
        self._ensure()
        return super().raw_files(scan_id)


def _stderr_progress(root: Path):
    """Progress lines on stderr while the first (minutes-long) generation renders the sample.

    Without them `ladderdata build` on a fresh checkout would sit silent while the sample renders.
    Nothing is printed when the sample is already there (the callback is only called while rendering).
    """
    from ladderdata.progress import render_progress
    from ladderdata.sample.generate import default_sample_size

    scans, frames = default_sample_size()
    lines = render_progress(scans, frames, label="rendering sample")
    started: list[bool] = []

    def report(scan_id: str, done: int, total: int) -> None:
        if not started:
            started.append(True)
            print(
                f"rendering the bundled sample into {root} (first run only: {scans} scan(s) x {frames} "
                "frames, ray-cast on the CPU; about 0.4 CPU-seconds per frame)",
                file=sys.stderr,
                flush=True,
            )
        lines(scan_id, done, total)

    return report
