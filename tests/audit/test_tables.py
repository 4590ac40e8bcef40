"""Audit tables on hand-written rows, against hand-computed values."""

from __future__ import annotations

import pytest

from ladderdata.answer_format import parse_options
from ladderdata.audit.checks import check_skew, per_scan_caps
from ladderdata.audit.tables import (
    answer_label,
    count_table,
    histogram,
    letter_groups,
    letter_table,
    numeric_table,
    quotas_from_manifest,
    scan_table,
    stats_tables,
)
from ladderdata.audit.thresholds import resolve_thresholds
from ladderdata.config import AuditConfig, BalanceConfig, FamiliesConfig


def _mcq(answer: str, options: list[str], qt: str = "relative direction", scan: str = "s0") -> dict:
    return {
        "question_type": qt,
        "options": options,
        "answer": answer,
        "family": "video",
        "data_type": "video",
        "scene_id": scan,
        "question": "q",
        "image": ["x.jpg"],
    }


def _num(answer: str, qt: str = "object count", scan: str = "s0") -> dict:
    return {
        "question_type": qt,
        "options": None,
        "answer": answer,
        "family": "video",
        "data_type": "video",
        "scene_id": scan,
        "question": "q",
        "image": ["x.jpg"],
    }


FOUR = ["A. front-left", "B. back-left", "C. back-right", "D. front-right"]
TWO = ["A. left", "B. right"]


def test_parse_options_and_label():
    assert parse_options(["A. left", "B) right", "c.  front "]) == {"A": "left", "B": "right", "C": "front"}
    assert answer_label(_mcq("b.", TWO)) == "right"  # reward rule: case-insensitive, trailing period
    assert answer_label(_mcq("E", TWO)) is None


def test_letter_shares_with_mixed_option_counts():
    # 2 rows with 2 options, 2 rows with 4: uniform A = (1/2 + 1/2 + 1/4 + 1/4) / 4 = 0.375, C = 0.125
    rows = [_mcq("A", TWO), _mcq("B", TWO), _mcq("C", FOUR), _mcq("Z", FOUR)]
    (row,) = letter_table(rows)
    shares = {s.letter: (s.count, s.share, s.expected) for s in row.letters}
    assert shares["A"] == (1, 0.25, pytest.approx(0.375))
    assert shares["B"] == (1, 0.25, pytest.approx(0.375))
    assert shares["C"] == (1, 0.25, pytest.approx(0.125))
    assert shares["D"] == (0, 0.0, pytest.approx(0.125))
    assert row.invalid == 1
    assert row.max_deviation == pytest.approx(0.125)


def test_numeric_top_share_and_integer_histogram():
    rows = [_num(v) for v in ["2", "2", "3", "5", "2.0", "x"]] + [{**_num("9"), "family": "multi_view"}]
    other, row = numeric_table(rows)  # per family, in family order: multi_view is its own row
    assert (other.family, other.rows) == ("multi_view", 1)
    assert (row.rows, row.invalid, row.distinct) == (6, 1, 3)
    assert row.top_value == 2.0 and row.top_count == 3 and row.top_share == pytest.approx(0.5)
    assert row.median == 2.0
    assert row.hist_edges == [1.5, 2.5, 3.5, 4.5, 5.5]
    assert row.hist_counts == [3, 1, 0, 1]
    edges, counts = histogram([0.5, 0.6, 1.0, 2.5], max_bins=4)
    assert edges == [0.5, 1.0, 1.5, 2.0, 2.5] and counts == [2, 1, 0, 1]


def test_scan_concentration():
    rows = [_num("2", scan=s) for s in ["a"] * 5 + ["b"] * 2 + ["c", "d", "e", "f", "g"]]
    (row,) = scan_table(rows)
    assert (row.rows, row.scans) == (12, 7)
    assert row.max_share == pytest.approx(5 / 12)
    assert row.top5_share == pytest.approx((5 + 2 + 1 + 1 + 1) / 12)
    assert [t.scan_id for t in row.top] == ["a", "b", "c", "d", "e"]


def test_stats_json_of_the_build():
    """The shape ladderdata/pipeline/finalize.py writes: generation refusals, validator stages, shortfalls."""
    stats = {
        "generation": {
            "emitted": {"video": {"room size": 3, "object count": 4}},
            "refused": {"video": {"appearance order": {"appearance_gap_too_small": 9, "none": 0}}},
            "scene_stats": {"frames_kept": 441},
        },
        "stages": {
            "balance": {"kept": 8, "dropped": {"over_quota": 1}, "dropped_total": 1},
            "answers": {
                "kept": 10,
                "dropped": {"answer_mismatch": 2, "near_boundary:hard": 1},
                "dropped_total": 3,
            },
        },
        "kept": {"video": {"room size": 2}},
        "shortfalls": [
            {
                "family": "video",
                "question_type": "appearance order",
                "quota": 2,
                "selected": 0,
                "available": 0,
            }
        ],
    }
    kept, dropped, shortfalls = stats_tables(stats)
    assert [(k.stage, k.count) for k in kept] == [
        ("generation (emitted)", 7),
        ("answers", 10),
        ("balance", 8),
    ]
    assert [(d.stage, d.scope, d.reason, d.count) for d in dropped] == [
        ("generation", "video / appearance order", "appearance_gap_too_small", 9),
        ("answers", "", "answer_mismatch", 2),
        ("answers", "", "near_boundary:hard", 1),
        ("balance", "", "over_quota", 1),
    ]
    assert [(s.family, s.question_type, s.quota, s.selected) for s in shortfalls] == [
        ("video", "appearance order", 2, 0)
    ]


def test_stats_json_without_stages_is_read_generically():
    kept, dropped, shortfalls = stats_tables({"dropped": {"dedup": {"duplicate": 3}}, "kept": {"dedup": 5}})
    assert [(d.stage, d.reason, d.count) for d in dropped] == [("dedup", "duplicate", 3)]
    assert [(k.stage, k.count) for k in kept] == [("dedup", 5)]
    assert shortfalls == []


def test_manifest_quotas_and_thresholds_from_the_config_models():
    """The reader follows ladderdata.config's JSON form (families.<f>.quotas, balance.*)."""
    families = FamiliesConfig.model_validate(
        {
            "single_image": {"quotas": {"object_size": 7, "relative direction": 3}, "per_scan_cap": 2},
            "video": {"enabled": False, "quotas": {"room_size": 4}},
        }
    ).model_dump(mode="json")
    balance = BalanceConfig(letter_tolerance=0.05).model_dump(mode="json")
    # meta/manifest.json keeps the raw recipe beside the resolved `config`: only the config counts
    raw = {
        "families": {"single_image": {"quotas": {"object_size": 99}}},
        "balance": {"letter_tolerance": 0.5},
    }
    manifest = {"config": {"families": families, "balance": balance}, "manifest": raw}
    assert quotas_from_manifest(manifest) == {
        ("single_image", "object size"): 7,
        ("single_image", "relative direction"): 3,
    }
    assert per_scan_caps(manifest) == {"single_image": 2}
    th = resolve_thresholds(manifest)
    assert th["letter_tolerance"].value == 0.05 and th["letter_tolerance"].source.startswith("manifest:")
    assert th["max_numeric_value_share"].value == 0.2
    assert th["max_scan_share"].source == "default" and th["max_scan_share"].value == 0.05
    assert th["blind_margin"].source == "default" and th["blind_margin"].value == 0.10


def test_audit_thresholds_come_from_the_manifest_audit_block():
    audit = AuditConfig(max_scan_share=0.4, blind_margin=0.2).model_dump(mode="json")
    th = resolve_thresholds({"config": {"audit": audit}})
    assert (th["max_scan_share"].value, th["max_scan_share"].source) == (0.4, "manifest:audit.max_scan_share")
    assert (th["blind_margin"].value, th["blind_margin"].source) == (0.2, "manifest:audit.blind_margin")


def test_count_table_lists_unfilled_quotas():
    rows = [_num("2", qt="object count") for _ in range(3)]
    table = count_table(rows, {("video", "object count"): 5, ("video", "room size"): 2})
    assert [(r.question_type, r.rows, r.quota) for r in table] == [
        ("object count", 3, 5),
        ("room size", 0, 2),
    ]


def test_letter_groups_follow_option_counts_and_subtypes():
    rows = [_mcq("A", TWO), _mcq("B", TWO), _mcq("A", FOUR), {**_mcq("D", FOUR), "subtype": "hard"}]
    groups = letter_groups(rows)
    assert [(g.options, g.rows, g.subtypes, g.counts) for g in groups] == [
        (2, 2, 1, {"A": 1, "B": 1}),
        (4, 2, 2, {"A": 1, "B": 0, "C": 0, "D": 1}),
    ]


def test_violations_name_their_threshold():
    rows = [_mcq("A", FOUR, scan=f"s{i}") for i in range(40)] + [_num("3", scan=f"s{i}") for i in range(40)]
    rows += [_num("3", scan="s0") for _ in range(3)]
    rows += [_num(str(v), qt="room size", scan=f"s{v}") for v in (10, 10, 11, 12, 13)]  # 2 of 5 > floor(1.0)
    rows += [_num(str(v), qt="object size", scan=f"s{v}") for v in (50, 50, 60, 70, 80, 90, 95, 99, 98, 97)]
    manifest = {"config": {"families": {"video": {"per_scan_cap": 2}}}}
    found = check_skew(
        thresholds=resolve_thresholds(manifest),
        letters=letter_groups(rows),
        numeric=numeric_table(rows),
        scans=scan_table(rows),
        blind=None,
        rows=rows,
        caps=per_scan_caps(manifest),
    )
    by_name = {}
    for v in found:
        by_name.setdefault(v.threshold, []).append(v)
    # A: 40 rows vs 10 expected, B/C/D: 0 vs 10; allowed max(0.03 x 40, 1) = 1.2 rows
    assert [v.subject for v in by_name["letter_tolerance"]] == [f"relative direction/4/{x}" for x in "ABCD"]
    assert by_name["letter_tolerance"][0].line == (
        "letter_tolerance: relative direction (4 options): answer letter A is 40/40 = 1.000 vs uniform 0.250 "
        "(tolerance 0.030: +-1.2 rows allowed)"
    )
    # object count: 43 rows of value 3; room size: 10 twice in 5 rows (limit max(1, floor(0.2 x 5)) = 1);
    # object size: 50 twice in 10 rows is allowed (floor(0.2 x 10) = 2)
    assert [v.subject for v in by_name["max_numeric_value_share"]] == [
        "video/object count",
        "video/room size",
    ]
    assert [v.subject for v in by_name["per_scan_cap"]] == ["video/object count"]  # s0: 4 rows > cap 2
    # every row is a video row: s0 holds 1 MCQ + 4 object-count rows = 5 of 98 = 0.051 > 0.05
    assert [v.subject for v in by_name["max_scan_share"]] == ["video"]
    assert by_name["max_scan_share"][0].value == pytest.approx(5 / 98)
