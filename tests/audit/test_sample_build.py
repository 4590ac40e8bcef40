"""`ladderdata audit` end to end on a real build of the test sample (the shared `sample_build` fixture)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.audit.chromium import Chromium, find_chromium
from tests.audit.conftest import run_audit_cli

CHROMIUM = find_chromium()
SPATIAL_FAMILIES = ("single_image", "multi_view", "video")


@pytest.fixture(scope="module")
def sample_audit(sample_build: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, str]:
    out = tmp_path_factory.mktemp("sample-audit")
    proc = run_audit_cli(sample_build, "--json", out / "audit.json", "--html", out / "report.html")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads((out / "audit.json").read_text()), out / "report.html", proc.stdout


@pytest.fixture(scope="module")
def sample_rows(sample_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    from datasets import Dataset

    cache = tmp_path_factory.mktemp("hf-cache-sample")
    out = {}
    for family_dir in sorted((sample_build / "data").iterdir()):
        if family_dir.name == "coldstart":  # reasoning rows explaining spatial rows, not audited rows
            continue
        files = sorted(str(p) for p in family_dir.glob("*.parquet"))
        out[family_dir.name] = list(Dataset.from_parquet(files, cache_dir=str(cache)))
    return out


@pytest.mark.slow
def test_sample_audit_numbers_equal_the_parquet_rows(sample_audit, sample_rows, sample_build):
    doc, _, stdout = sample_audit
    expected: Counter = Counter()
    for family, rows in sample_rows.items():
        for r in rows:
            expected[
                (family, "localization" if family == "localization" else r["question_type"], r["data_type"])
            ] += 1
    got = {(c["family"], c["question_type"], c["data_type"]): c["rows"] for c in doc["counts"] if c["rows"]}
    assert got == dict(expected)
    # quotas: the manifest's, keyed by family and published question type
    manifest = json.loads((sample_build / "meta" / "manifest.json").read_text())
    assert any(c["quota"] is not None for c in doc["counts"]), manifest.keys()

    spatial = [r for f in SPATIAL_FAMILIES for r in sample_rows.get(f, [])]
    for entry in doc["letters"]:
        rows = [r for r in spatial if r["question_type"] == entry["question_type"] and r["options"]]
        assert {s["letter"]: s["count"] for s in entry["letters"] if s["count"]} == dict(
            Counter(r["answer"] for r in rows)
        )
    for entry in doc["numeric"]:
        rows = sample_rows[entry["family"]]
        values = [
            float(r["answer"])
            for r in rows
            if r["question_type"] == entry["question_type"] and not r["options"]
        ]
        assert entry["rows"] == len(values)
        assert entry["top_count"] == Counter(values).most_common(1)[0][1]
    for entry in doc["scans"]:
        if entry["family"] != "all":
            scans = Counter(r["scene_id"] for r in sample_rows[entry["family"]])
            assert entry["scans"] == len(scans)
            assert entry["max_share"] == pytest.approx(max(scans.values()) / sum(scans.values()))
    assert doc["blind"] is not None and {b["question_type"] for b in doc["blind"]} == {
        r["question_type"] for r in spatial
    }
    assert "Blind baseline" in stdout


@pytest.mark.slow
def test_sample_audit_reads_the_dropped_rows_of_stats_json(sample_audit, sample_build):
    doc, _, _ = sample_audit
    stats = json.loads((sample_build / "meta" / "stats.json").read_text())
    # independently: the validators' drops per stage and reason, and the generators' refusals
    expected = {
        (stage, "", reason, n)
        for stage, st in stats["stages"].items()
        for reason, n in st["dropped"].items()
        if n
    }
    for family, per_type in stats["generation"]["refused"].items():
        for qt, reasons in per_type.items():
            expected |= {("generation", f"{family} / {qt}", reason, n) for reason, n in reasons.items() if n}
    assert {(d["stage"], d["scope"], d["reason"], d["count"]) for d in doc["dropped"]} == expected
    assert sum(d["count"] for d in doc["dropped"] if d["stage"] != "generation") == sum(
        st["dropped_total"] for st in stats["stages"].values()
    )
    assert [(s["family"], s["question_type"]) for s in doc["shortfalls"]] == [
        (s["family"], s["question_type"]) for s in stats["shortfalls"]
    ]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make setup installs it)")
def test_sample_report_gallery_loads_in_chromium(sample_audit, tmp_path):
    _, html, _ = sample_audit
    with Chromium(CHROMIUM, tmp_path / "profile") as browser:
        page = browser.open_page(html.resolve().as_uri())
        widths = browser.evaluate(
            page,
            "Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => "
            "{ i.onload = i.onerror = r; }))).then(() => [...document.querySelectorAll('img.gallery-image')]"
            ".map(i => i.naturalWidth))",
        )
        shot = browser.screenshot(page, html.with_name("report-screenshot.png"))
    assert widths and all(w > 0 for w in widths)
    assert shot.stat().st_size > 10_000
    print(f"sample report screenshot: {shot}")
