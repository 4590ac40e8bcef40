"""JSONL exports: exactly the published keys and types; unfinished files never appear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ladderdata.records import GroundingAnswer
from ladderdata.writers.jsonl import DroppedLog, JsonlWriter, PublishedJsonlWriter, published_record
from ladderdata.writers.layout import BuildLayout
from tests.fixtures.build import make_qa


def test_published_spatial_record_matches_the_reference_example() -> None:
    s = make_qa(
        question="From the camera's perspective, is the chair to the radiator's left, right, front, or back?",
        options=["A. left", "B. right", "C. front", "D. back"],
        answer="B",
        scene="scene0055_00",
        frames=[1070],
    )
    s.question_id = 160
    line = json.dumps(published_record(s), ensure_ascii=False)
    assert line == (
        '{"question_id": 160, "question": "From the camera\'s perspective, is the chair to the radiator\'s left, '
        'right, front, or back?", "options": ["A. left", "B. right", "C. front", "D. back"], "answer": "B", '
        '"image": ["scene0055_00/1070.jpg"], "question_type": "relative direction", "data_type": "single_image"}'
    )


def test_published_grounding_record_matches_the_reference_example() -> None:
    s = make_qa(
        "localization",
        question="From the camera's perspective, is the chair to the radiator's left, right, front, or back?",
        answer=[
            GroundingAnswer(bbox_2d=[1048, 82, 1296, 773], label="chair"),
            GroundingAnswer(bbox_2d=[81, 536, 736, 781], label="radiator"),
        ],
        scene="scene0055_00",
        frames=[1070],
    )
    s.question_id = 160
    assert json.loads(json.dumps(published_record(s))) == {
        "question_id": 160,
        "question": "From the camera's perspective, is the chair to the radiator's left, right, front, or back?",
        "answer": [
            {"bbox_2d": [1048, 82, 1296, 773], "label": "chair"},
            {"bbox_2d": [81, 536, 736, 781], "label": "radiator"},
        ],
        "image": ["scene0055_00/1070.jpg"],
        "data_type": "single_image",
    }
    assert list(published_record(s)) == ["question_id", "question", "answer", "image", "data_type"]


def test_writer_streams_to_a_temp_name(tmp_path: Path) -> None:
    layout = BuildLayout(tmp_path)
    w = PublishedJsonlWriter(layout)
    numeric = make_qa(question_type="object size", answer="193.1")
    numeric.question_id = 0
    w.write(numeric)
    assert not layout.spatial_jsonl.exists()  # only a temp file so far
    rows = w.close(grounding=True, spatial=True)
    assert rows == {"spatial": 1, "grounding": 0}
    assert layout.grounding_jsonl.read_text() == ""
    [rec] = [json.loads(x) for x in layout.spatial_jsonl.read_text().splitlines()]
    assert rec["options"] is None and rec["answer"] == "193.1"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "spld_grounding_data.jsonl",
        "spld_spatial_data.jsonl",
    ]


def test_abort_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with JsonlWriter(tmp_path / "x.jsonl") as w:
            w.write({"a": 1})
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_dropped_log(tmp_path: Path) -> None:
    layout = BuildLayout(tmp_path)
    log = DroppedLog(layout)
    log.write_sample("dedup", "near_duplicate", make_qa(sample_id="abc"))
    log.write("decontam", "excluded:val", {"scan_id": "scene0568_00"})
    assert log.close() == {"dedup": 1, "decontam": 1}
    [rec] = [json.loads(x) for x in layout.dropped("dedup").read_text().splitlines()]
    assert (
        rec["stage"] == "dedup" and rec["reason"] == "near_duplicate" and rec["sample"]["sample_id"] == "abc"
    )
    assert json.loads(layout.dropped("decontam").read_text()) == {
        "stage": "decontam",
        "reason": "excluded:val",
        "scan_id": "scene0568_00",
    }
