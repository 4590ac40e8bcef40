"""Done markers and the stats merged from them (`pipeline.state.ScanMarker`, `pipeline.stats.ScanTotals`)."""

from __future__ import annotations

import json

from ladderdata.pipeline.scan_work import ScanOutcome
from ladderdata.pipeline.state import read_marker, record_outcome
from ladderdata.pipeline.stats import ScanTotals
from ladderdata.writers.layout import BuildLayout


def _finished(scan: str, **counts) -> ScanOutcome:
    return ScanOutcome(
        scan, "sample", "key", samples_jsonl="", sample_count=2, checksum="c", scene_key="s", **counts
    )


def test_markers_round_trip_through_their_files(tmp_path):
    layout = BuildLayout(tmp_path)
    ok = _finished("scene0001_00", emitted={"video": {"object count": 2}}, scene_stats={"frames_kept": 5})
    bad = ScanOutcome(
        "scene0002_00", "sample", "key", error="scans/scene0002_00: truncated binary PLY; re-download"
    )
    for outcome in (ok, bad):
        written = record_outcome(layout, outcome)
        assert read_marker(layout, outcome.scan_id) == written
    # a skipped scan's file holds no counts, a finished scan's file no error
    on_disk = json.loads(layout.scan_done_marker("scene0002_00").read_text())
    assert on_disk == {
        "scan_id": "scene0002_00",
        "source": "sample",
        "generation_key": "key",
        "status": "skipped",
        "error": "scans/scene0002_00: truncated binary PLY; re-download",
    }
    on_disk = json.loads(layout.scan_done_marker("scene0001_00").read_text())
    assert (
        "error" not in on_disk
        and on_disk["samples"] == 2
        and on_disk["emitted"] == {"video": {"object count": 2}}
    )
    assert layout.scan_spool("scene0001_00").is_file() and not layout.scan_spool("scene0002_00").exists()


def test_unreadable_marker_reads_as_not_done(tmp_path):
    layout = BuildLayout(tmp_path)
    path = layout.scan_done_marker("scene0001_00")
    path.parent.mkdir(parents=True)
    path.write_text('{"scan_id": "scene0001_00", "status": "half"}')
    assert read_marker(layout, "scene0001_00") is None


def test_totals_add_up_the_scans_and_name_the_faults(tmp_path):
    layout = BuildLayout(tmp_path)
    outcomes = [
        _finished(
            "scene0001_00",
            scene_reused=True,
            emitted={"video": {"object count": 2, "room size": 1}},
            refused={"video": {"room size": {"no_floor": 3}}},
            scene_stats={"frames_kept": 5, "frames_skipped_bad_depth": 2, "objects_skipped_empty": 0},
        ),
        _finished(
            "scene0002_00",
            emitted={"video": {"object count": 1}},
            refused={"video": {"room size": {"no_floor": 1, "too_small": 2}}},
            scene_stats={"frames_kept": 7, "objects_skipped_empty": 4},
        ),
        ScanOutcome(
            "scene0003_00", "sample", "k", error="a/b.ply: truncated binary PLY (12 bytes); re-download"
        ),
        ScanOutcome(
            "scene0004_00", "sample", "k", error="c/d.ply: truncated binary PLY (99 bytes); re-download"
        ),
    ]
    totals = ScanTotals.merge(record_outcome(layout, o) for o in outcomes)
    assert (totals.generated, totals.skipped, totals.reused) == (2, 2, 1)
    assert totals.generation() == {
        "emitted": {"video": {"object count": 3, "room size": 1}},
        "refused": {"video": {"room size": {"no_floor": 4, "too_small": 2}}},
        "scene_stats": {
            "frames_kept": 12,
            "frames_skipped_bad_depth": 2,
            "objects_skipped_empty": 4,
        },
    }
    assert totals.faults() == {
        "frames": {"bad_depth": 2},
        "objects": {"empty": 4},
        "scans": {"truncated binary PLY": 2},
    }
