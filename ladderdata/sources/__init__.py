"""Source adapters: the only code that knows a raw format. Each turns scans into SceneRecords.

`SOURCES` maps a source kind (the `--source` CLI value and `SceneRecord.source`) to its adapter class;
every adapter takes the source root as its first argument and implements `sources.base.Source`.
"""

from __future__ import annotations

from ladderdata.sources.arkitscenes import ARKitScenesSource
from ladderdata.sources.base import Source
from ladderdata.sources.sample import SampleSource
from ladderdata.sources.scannet import ScanNetSource
from ladderdata.sources.scannetpp import ScanNetPPSource

SOURCES: dict[str, type[Source]] = {
    "scannet": ScanNetSource,
    "sample": SampleSource,
    "scannetpp": ScanNetPPSource,
    "arkitscenes": ARKitScenesSource,
}

__all__ = ["SOURCES", "ARKitScenesSource", "SampleSource", "ScanNetPPSource", "ScanNetSource", "Source"]
