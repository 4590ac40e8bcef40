"""Scan-disjoint held-out split."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladderdata.errors import ConfigError
from ladderdata.train.split import HeldoutSpec, HeldoutSplit, hash_unit

SCANS = [f"scene{i:04d}_{j:02d}" for i in range(400) for j in range(2)]


def test_split_is_deterministic_and_depends_only_on_the_scan() -> None:
    a = HeldoutSplit(HeldoutSpec(fraction=0.2))
    b = HeldoutSplit(HeldoutSpec(fraction=0.2))
    assert [a.is_heldout(s) for s in SCANS] == [b.is_heldout(s) for s in reversed(SCANS)][::-1]
    # a scan's side does not depend on which other scans exist
    assert a.is_heldout("scene0042_00") == HeldoutSplit(HeldoutSpec(fraction=0.2)).is_heldout("scene0042_00")


def test_fraction_is_respected_and_nested() -> None:
    small = {s for s in SCANS if HeldoutSplit(HeldoutSpec(fraction=0.1)).is_heldout(s)}
    large = {s for s in SCANS if HeldoutSplit(HeldoutSpec(fraction=0.3)).is_heldout(s)}
    assert 0.06 < len(small) / len(SCANS) < 0.14
    assert 0.25 < len(large) / len(SCANS) < 0.35
    assert small <= large  # growing the fraction only adds scans
    assert not any(HeldoutSplit(HeldoutSpec(fraction=0.0)).is_heldout(s) for s in SCANS)
    assert all(HeldoutSplit(HeldoutSpec(fraction=1.0)).is_heldout(s) for s in SCANS)


def test_salt_draws_another_split() -> None:
    one = {s for s in SCANS if HeldoutSplit(HeldoutSpec(fraction=0.2, salt="a")).is_heldout(s)}
    two = {s for s in SCANS if HeldoutSplit(HeldoutSpec(fraction=0.2, salt="b")).is_heldout(s)}
    assert one != two


def test_hash_unit_range() -> None:
    values = [hash_unit(s, "x") for s in SCANS]
    assert all(0.0 <= v < 1.0 for v in values)


def test_rows_of_a_scan_never_straddle_splits() -> None:
    split = HeldoutSplit(HeldoutSpec(fraction=0.5))
    rows = [{"scene_id": s, "n": n} for s in SCANS[:40] for n in range(3)]
    train, held = split.select(rows, "train"), split.select(rows, "heldout")
    assert len(train) + len(held) == len(rows)
    assert not {r["scene_id"] for r in train} & {r["scene_id"] for r in held}
    assert split.select(rows, "all") == rows


def test_scan_list_replaces_the_hash_rule(tmp_path: Path) -> None:
    listing = tmp_path / "heldout.txt"
    listing.write_text(
        "# held-out scans\nscene0001_00\n\nscene0002_00  # trailing comment\n", encoding="utf-8"
    )
    split = HeldoutSplit(HeldoutSpec(scans_file=listing, fraction=1.0))
    assert split.is_heldout("scene0001_00") and split.is_heldout("scene0002_00")
    assert not split.is_heldout("scene0003_00")


def test_bad_inputs_give_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing.txt: cannot read"):
        HeldoutSplit(HeldoutSpec(scans_file=tmp_path / "missing.txt"))
    with pytest.raises(ConfigError, match="expected one of train, heldout, all"):
        HeldoutSplit(HeldoutSpec()).select([], "test")
