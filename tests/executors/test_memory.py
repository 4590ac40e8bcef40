"""Bounded memory: a build of 3x the sample streams (the writer holds at most one shard, scene records
are dropped once their scan is generated), counted by the writer's own counter and by live objects."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ladderdata.config import load_manifest
from ladderdata.executors.local import LocalExecutor
from ladderdata.pipeline import BuildOptions, run_build
from ladderdata.records import SceneRecord
from tests.executors.scan_copies import multiply_sample
from tests.fixtures.build import build_manifest_data, write_manifest

pytestmark = pytest.mark.slow

ROWS_PER_SHARD = 16


class CountingExecutor(LocalExecutor):
    """Inline executor that counts the SceneRecords still alive each time a scan's result is handed out."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.baseline = 0
        self.alive: list[int] = []

    @staticmethod
    def _count() -> int:
        gc.collect()
        return sum(isinstance(o, SceneRecord) for o in gc.get_objects())

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        self.baseline = self._count()  # records other tests of this process may hold
        for result in super().imap_unordered(fn, tasks):
            self.alive.append(self._count() - self.baseline)
            yield result


@pytest.fixture
def tripled_sample(sample_root: Path, sample_scan_ids: list[str], tmp_path: Path) -> tuple[Path, list[str]]:
    """The sample's scans three times over, under new scan ids (scene9000_00, _01, _02, ...)."""
    root = tmp_path / "raw3"
    ids = multiply_sample(sample_root, sample_scan_ids, root, copies=3)
    return root, ids


def test_build_of_three_times_the_sample_streams(tripled_sample, tmp_path):
    root, ids = tripled_sample
    data = build_manifest_data(root, output={"rows_per_shard": ROWS_PER_SHARD, "row_group_size": 4})
    data["sources"][0].update(kind="scannet", scans=ids)  # a plain ScanNet root (not a generated sample)
    for family in data["families"].values():  # ask for more rows than one shard holds
        family["quotas"] = {qt: 3 * n for qt, n in family["quotas"].items()}
    manifest = write_manifest(tmp_path / "m.yaml", data)
    executor = CountingExecutor()
    out = tmp_path / "out"
    summary = run_build(load_manifest(manifest), BuildOptions(out=out, allow_short=True), executor=executor)

    assert summary.stats["scans"]["generated"] == len(ids) == 6
    shards = sorted(p for p in out.glob("data/*/*.parquet") if p.parent.name != "preview")  # families
    rows = [pq.ParquetFile(p).metadata.num_rows for p in shards]
    assert max(rows) == ROWS_PER_SHARD and sum(rows) > 2 * ROWS_PER_SHARD  # several full shards written
    # the writer's own counter: never more buffered rows than one shard holds
    assert 0 < summary.result.max_buffered_rows <= ROWS_PER_SHARD
    # scene records do not accumulate in the driver: none is alive once its scan has been handed over
    assert executor.alive == [0] * len(ids)
