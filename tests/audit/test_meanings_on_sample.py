"""Answer meanings on real builds of the test sample: the build, its audit, and an uncapped `generate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ladderdata.answer_format import parse_options
from ladderdata.config import BalanceConfig, FamiliesConfig
from ladderdata.generators.meanings import FIXED_MEANINGS
from ladderdata.records import Family, QASample, QuestionType
from ladderdata.validators.balance import BalanceTally, BalanceValidator, Candidate
from ladderdata.validators.meaning_balance import meanings_within
from tests.audit.conftest import REPO, run_audit_cli

pytestmark = pytest.mark.slow
TOLERANCE = BalanceConfig().letter_tolerance
DIRECTION = QuestionType.relative_direction


def _meaning(options: list[str], answer: str) -> str:
    return parse_options(options, strict=True)[answer]


def _shares(rows) -> dict[tuple[str, str], Counter[str]]:
    """(family, subtype) -> meaning counts, computed from the rows' own options and answers."""
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r["question_type"] == DIRECTION.value:
            out[(r["family"], r["subtype"])][_meaning(r["options"], r["answer"])] += 1
    return out


def test_sample_build_meanings_are_uniform_and_audited(sample_build: Path, tmp_path):
    from datasets import Dataset

    rows = []
    for family in ("single_image", "multi_view", "video"):
        files = sorted(str(p) for p in (sample_build / "data" / family).glob("*.parquet"))
        rows += list(Dataset.from_parquet(files, cache_dir=str(tmp_path / "hf")))
    shares = _shares(rows)
    assert {sub for _, sub in shares} == {"camera", "diagonal", "easy", "medium", "hard"}
    for (family, subtype), counts in shares.items():
        meanings = FIXED_MEANINGS[(DIRECTION, subtype)].meanings
        assert meanings_within(counts, meanings, TOLERANCE), (family, subtype, counts)
    # the quotas are still met
    stats = json.loads((sample_build / "meta" / "stats.json").read_text())
    assert stats["shortfalls"] == []
    for family, quotas in stats["quotas"].items():
        assert stats["kept"][family] == quotas
    # stats.json and the card report the same counts
    for (family, subtype), counts in shares.items():
        assert {m: n for m, n in stats["meanings"][family][DIRECTION.value][subtype].items() if n} == counts
    card = (sample_build / "README.md").read_text()
    assert "balanced by what the\nanswer means" in card

    proc = run_audit_cli(sample_build, "--json", tmp_path / "audit.json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "audit.json").read_text())
    audited = {
        (m["family"], m["subtype"]): {s["meaning"]: s["count"] for s in m["meanings"] if s["count"]}
        for m in doc["meanings"]
    }
    assert audited == {k: dict(v) for k, v in shares.items()}
    assert not any("answer meaning" in v["line"] for v in doc["violations"])
    [prior] = doc["meaning_prior"]
    assert not prior["flagged"]


def test_uncapped_generate_meanings(sample_build: Path, tmp_path):
    settings = tmp_path / "uncapped.yaml"
    settings.write_text("max_per_scan_per_type: 1000\n")
    out = tmp_path / "directions.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ladderdata.cli.app",
            "generate",
            "--scenes",
            str(sample_build),
            "--out",
            str(out),
            "--type",
            "relative_direction",
            "--settings",
            str(settings),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    samples = [QASample.model_validate_json(line) for line in out.read_text().splitlines()]
    rows = [s.model_dump(mode="json") for s in samples if s.question_type == DIRECTION]
    shares = _shares(rows)
    # allocentric: each scan emits every triple it can answer, left/right/back... drawn cell first, so the
    # uncapped output is itself uniform per family and difficulty
    for family in ("multi_view", "video"):
        for subtype in ("easy", "medium", "hard"):
            counts = shares[(family, subtype)]
            meanings = FIXED_MEANINGS[(DIRECTION, subtype)].meanings
            assert set(counts) == set(meanings) and meanings_within(counts, meanings, TOLERANCE), (
                family,
                subtype,
                counts,
            )
    # camera-centric: a pair of objects is asked once per scan, and only a few pairs can answer front or
    # back, so every meaning is reached but the scans' leftovers need the balance stage's selection
    for subtype in ("camera", "diagonal"):
        assert set(shares[("single_image", subtype)]) == set(FIXED_MEANINGS[(DIRECTION, subtype)].meanings)
    single = [s for s in samples if s.family == Family.single_image and s.question_type == DIRECTION]
    cands = [Candidate.from_sample(i, s) for i, s in enumerate(single)]
    fams = FamiliesConfig.model_validate({"single_image": {"quotas": {"relative_direction": 8}}})
    plan = BalanceValidator(fams, BalanceConfig(), 0).plan(
        {Family.single_image: cands}, [Family.single_image]
    )
    assert plan.shortfalls == []
    tally = BalanceTally()
    for c in cands:
        if c.index in plan.selected[Family.single_image]:
            tally.add(single[c.index])
    assert not [p for p in tally.problems(BalanceConfig()) if "answer meanings" in p]
