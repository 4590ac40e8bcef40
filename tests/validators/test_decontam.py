"""Decontamination: excluded scans are dropped, explicit training lists naming them are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladderdata.config import DEFAULT_EXCLUSIONS, read_scan_list
from ladderdata.errors import ValidationError
from ladderdata.validators.decontam import (
    DecontamValidator,
    partition_scans,
    refuse_intersection,
    verify_clean,
)
from tests.fixtures.build import make_qa

EXCL = {"bench_a": frozenset({"scene0002_00", "scene0003_00"}), "bench_b": frozenset({"scene0003_00"})}


def test_partition_keeps_order_and_names_first_list() -> None:
    kept, excluded = partition_scans(["scene0001_00", "scene0003_00", "scene0002_00", "scene0004_00"], EXCL)
    assert kept == ["scene0001_00", "scene0004_00"]
    assert excluded == {"scene0003_00": "bench_a", "scene0002_00": "bench_a"}


def test_refuse_intersection_message_names_list_count_and_scans() -> None:
    refuse_intersection("m.yaml: sources[0].scans", ["scene0001_00"], EXCL)  # clean: no error
    with pytest.raises(ValidationError) as info:
        refuse_intersection("m.yaml: sources[0].scans", ["scene0001_00", "scene0003_00"], EXCL)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("m.yaml: sources[0].scans: training scans intersect")
    assert "1 scan(s) on exclusion list bench_a (scene0003_00)" in msg
    assert "bench_b" in msg


def test_row_validator_drops_listed_scenes() -> None:
    v = DecontamValidator(EXCL)
    assert v(make_qa(scene="scene0001_00")) is None
    assert v(make_qa(scene="scene0002_00")) == "excluded:bench_a"
    assert v.counts.to_dict() == {"kept": 1, "dropped": {"excluded:bench_a": 1}, "dropped_total": 1}


def test_verify_clean() -> None:
    verify_clean(["scene0001_00"], EXCL)
    with pytest.raises(ValidationError, match="1 excluded scan"):
        verify_clean(["scene0001_00", "scene0002_00"], EXCL)


def test_shipped_split_lists() -> None:
    """The default exclusions are ScanNet val (312) and VSI-Bench (88, all inside val); train is clean."""
    val, vsi = (set(read_scan_list(p)) for p in DEFAULT_EXCLUSIONS)
    train = read_scan_list(Path(DEFAULT_EXCLUSIONS[0]).parent / "scannetv2_train.txt")
    assert (len(val), len(vsi), len(train)) == (312, 88, 1201)
    assert vsi <= val
    refuse_intersection("train", train, {"val": frozenset(val), "vsi": frozenset(vsi)})
