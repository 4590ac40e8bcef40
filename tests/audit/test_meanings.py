"""Answer meanings in the audit: the share table, the `--fail-on-skew` check and the blind meaning prior.

The input is a hand-written published JSONL file (no subtype column: the audit recognises the fixed option
sets by family and options), whose letters are uniform while the meanings are not.
"""

from __future__ import annotations

import json
from pathlib import Path

from ladderdata.answer_format import format_options
from ladderdata.audit.meanings import check_meanings, meaning_prior, meaning_table
from tests.audit.conftest import run_audit_cli


def _rows(left: int, right: int, family: str = "video") -> list[dict]:
    """Easy direction rows: letters alternate A/B whatever the meaning."""
    rows = []
    for i, meaning in enumerate(["left"] * left + ["right"] * right):
        texts = ["left", "right"] if i % 2 == 0 else ["right", "left"]
        rows.append(
            {
                "question_id": i,
                "question": "If I am standing by the bed and facing the desk, is the sofa to my left or right?",
                "options": format_options(texts),
                "answer": "AB"[texts.index(meaning)],
                "image": [f"scene{i:04d}_00/{i}.jpg"],  # one row per scan: no scan share skew
                "question_type": "relative direction",
                "data_type": family,
                "family": family,
            }
        )
    return rows


def test_meaning_table_and_check_by_hand():
    rows = _rows(30, 10)
    [row] = meaning_table(rows, 0.03)
    assert (row.family, row.question_type, row.subtype, row.rows) == (
        "video",
        "relative direction",
        "easy",
        40,
    )
    assert [(s.meaning, s.count, s.share) for s in row.meanings] == [("left", 30, 0.75), ("right", 10, 0.25)]
    assert row.allowed_rows == 1.2  # 3 % of 40 rows
    lines = [v.line for v in check_meanings([row], 0.03)]
    assert lines == [
        "letter_tolerance: video relative direction (easy): answer meaning 'left' is 30/40 = 0.750 vs uniform "
        "0.500 (tolerance 0.030: +-1.2 rows allowed)",
        "letter_tolerance: video relative direction (easy): answer meaning 'right' is 10/40 = 0.250 vs uniform "
        "0.500 (tolerance 0.030: +-1.2 rows allowed)",
    ]
    # within one row of uniform passes (the letter check's allowance for small groups)
    assert check_meanings(meaning_table(_rows(3, 2), 0.03), 0.03) == []


def test_meaning_prior_sees_what_letter_balance_hides():
    [skewed] = meaning_prior(_rows(30, 10), margin=0.10)
    # always 'left': right on 30 of 40 rows in every fold split, chance is 1/2
    assert (skewed.rows, skewed.chance, skewed.prior) == (40, 0.5, 0.75)
    assert skewed.flagged
    [even] = meaning_prior(_rows(20, 20), margin=0.10)
    assert even.prior <= 0.5 and not even.flagged


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_fail_on_skew_fails_on_meanings_with_uniform_letters(tmp_path):
    skewed = _write(tmp_path / "skewed" / "spld_spatial_data.jsonl", _rows(30, 10))
    proc = run_audit_cli(skewed, "--fail-on-skew", "--json", tmp_path / "skewed.json")
    assert proc.returncode == 1
    errors = proc.stderr.splitlines()
    assert any("answer meaning 'left' is 30/40" in line for line in errors)
    assert any(
        line.startswith("blind_margin: relative direction: always answering the most frequent")
        for line in errors
    )
    assert not any("answer letter" in line for line in errors)  # the letters are uniform
    assert "Answer-meaning shares" in proc.stdout
    doc = json.loads((tmp_path / "skewed.json").read_text())
    assert doc["meanings"][0]["rows"] == 40 and doc["meaning_prior"][0]["flagged"] is True

    even = _write(tmp_path / "even" / "spld_spatial_data.jsonl", _rows(20, 20))
    proc = run_audit_cli(even, "--fail-on-skew")
    assert proc.returncode == 0, proc.stderr
