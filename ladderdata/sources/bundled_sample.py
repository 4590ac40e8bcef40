"""The bundled procedural sample as a source: a ScanNetSource on `raw_sources/sample`.

The sample is written in exact ScanNet layout by `ladderdata.sources.synthetic` (generated on first
use when the folder is missing), so it is read by the very same adapter as real scans; only the
source name (`sample`) and licence flag (freely redistributable) differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderdata.records import SceneRecord
from ladderdata.sources.scannet import ScanNetSource

DEFAULT_SAMPLE_ROOT = Path("raw_sources/sample")
"""Where the bundled sample lives (relative to the working directory, like the default build dir)."""


class SampleSource(ScanNetSource):
    """ScanNetSource on the bundled sample; generates it with `synthetic.ensure_sample` when missing."""

    name = "sample"
    licensed = False

    def __init__(self, root: str | Path | None = None, export_root: str | Path | None = None, **kwargs: Any):
        super().__init__(DEFAULT_SAMPLE_ROOT if root is None else root, export_root, **kwargs)
        self._ensured = False

    def _ensure(self) -> None:
        if not self._ensured:
            # imported lazily: the generator pulls in open3d rendering, which plain reads never need
            from ladderdata.sources.synthetic import ensure_sample

            ensure_sample(self.root)
            self._ensured = True

    def scan_ids(self) -> list[str]:
        """Scan ids of the sample (generating it first when missing)."""
        self._ensure()
        return super().scan_ids()

    def load(self, scan_id: str) -> SceneRecord:
        """One sample scan (generating the sample first when missing)."""
        self._ensure()
        return super().load(scan_id)
