"""Auditing the published JSONL files directly, `--media reference` builds, and the drawn gallery boxes."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest

from ladderdata.audit.gallery import BOX_COLOURS, build_gallery
from ladderdata.audit.load import load_audit_input
from tests.audit.conftest import run_audit_cli

SPATIAL_KEYS = ("question_id", "question", "options", "answer", "image", "question_type", "data_type")
GROUNDING_KEYS = ("question_id", "question", "answer", "image", "data_type")


class _Images(HTMLParser):
    """Collects gallery <img> sources and the text of missing-image placeholders."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.missing: list[str] = []
        self._in_missing = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and "gallery-image" in (a.get("class") or ""):
            self.images.append(a["src"])
        if tag == "div" and a.get("class") == "missing-image":
            self._in_missing += 1
            self.missing.append("")

    def handle_endtag(self, tag):
        if tag == "div" and self._in_missing:
            self._in_missing -= 1

    def handle_data(self, data):
        if self._in_missing:
            self.missing[-1] += data


def _published_jsonl(build: Path, folder: Path, *, with_images: bool) -> tuple[Path, Path]:
    """Export a build's rows with only the published keys, as the SpatialLadder-26k files are."""
    folder.mkdir(parents=True)
    spatial = folder / "spld_spatial_data.jsonl"
    grounding = folder / "spld_grounding_data.jsonl"
    with open(spatial, "w") as fh:
        for family in ("single_image", "multi_view", "video"):
            for row in pq.read_table(build / "data" / family).to_pylist():
                fh.write(json.dumps({k: row[k] for k in SPATIAL_KEYS}) + "\n")
    with open(grounding, "w") as fh:
        for row in pq.read_table(build / "data" / "localization").to_pylist():
            fh.write(json.dumps({k: row[k] for k in GROUNDING_KEYS}) + "\n")
    if with_images:  # the image tree beside the JSONL: <folder>/<scan_id>/<frame>.jpg
        shutil.copytree(build / "images", folder, dirs_exist_ok=True)
    return spatial, grounding


def test_published_jsonl_is_audited_with_its_grounding_partner(balanced_build, tmp_path):
    spatial, grounding = _published_jsonl(balanced_build, tmp_path / "spld", with_images=True)
    out = tmp_path / "audit.json"
    html = tmp_path / "report" / "spld.html"
    proc = run_audit_cli(spatial, "--json", out, "--html", html, "--no-blind")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["input"]["kind"] == "jsonl"
    rows = [json.loads(line) for line in spatial.read_text().splitlines()]
    ground = [json.loads(line) for line in grounding.read_text().splitlines()]
    expected = Counter((r["data_type"], r["question_type"], r["data_type"]) for r in rows)
    expected.update(("localization", "localization", g["data_type"]) for g in ground)
    assert {(c["family"], c["question_type"], c["data_type"]): c["rows"] for c in doc["counts"]} == dict(
        expected
    )
    # scans come from the first folder of each row's first image path
    per_scan = Counter(r["image"][0].split("/")[0] for r in rows if r["data_type"] == "video")
    video = next(s for s in doc["scans"] if s["family"] == "video")
    assert video["scans"] == len(per_scan) and video["rows"] == sum(per_scan.values())
    assert doc["dropped"] == [] and doc["thresholds"]["letter_tolerance"]["source"] == "default"
    parser = _Images()
    parser.feed(html.read_text())
    assert parser.images and not parser.missing  # pixels resolved relative to the JSONL's folder
    assert all((html.parent / src).is_file() for src in parser.images)


def test_grounding_jsonl_alone(balanced_build, tmp_path):
    _, grounding = _published_jsonl(balanced_build, tmp_path / "spld", with_images=False)
    (tmp_path / "spld" / "spld_spatial_data.jsonl").unlink()
    out = tmp_path / "g.json"
    proc = run_audit_cli(grounding, "--json", out, "--no-blind")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    n = len(grounding.read_text().splitlines())
    assert [(c["family"], c["rows"]) for c in doc["counts"]] == [("localization", n)]
    assert doc["letters"] == [] and doc["numeric"] == []


def test_reference_media_build_shows_paths(build_factory, tmp_path):
    build = build_factory(variant="balanced", media="reference")
    assert not (build / "images").exists()
    html = tmp_path / "ref.html"
    proc = run_audit_cli(build, "--html", html, "--no-blind", "--samples-per-type", "2")
    assert proc.returncode == 0, proc.stderr
    parser = _Images()
    parser.feed(html.read_text())
    assert parser.images == []
    assert parser.missing and all("scene" in m and ".jpg" in m and "materialize" in m for m in parser.missing)
    # 7 question types x 2 rows; single-image types show 1 image, the others 4
    assert len(parser.missing) == 3 * 2 * 1 + 4 * 2 * 4


def test_gallery_draws_the_grounding_boxes(balanced_build, tmp_path):
    data = load_audit_input(balanced_build)
    ground = {
        g["question_id"]: g for g in pq.read_table(balanced_build / "data" / "localization").to_pylist()
    }
    items = build_gallery(data, tmp_path / "files", tmp_path, per_type=3, seed=0)
    direction = [it for it in items if it.question_type == "relative direction"]
    assert len(direction) == 3
    for it in direction:
        expected = [(a["label"], a["bbox_2d"]) for a in ground[it.question_id]["answer"]]
        assert [(b.label, b.bbox_2d) for b in it.boxes] == expected
        (image,) = it.images
        drawn = cv2.imread(str(tmp_path / image.copy))
        source = cv2.imread(str(balanced_build / "images" / image.path))
        assert drawn.shape == source.shape  # 160 px wide: not resized
        for k, (_, (x1, y1, _x2, y2)) in enumerate(expected):
            # the middle of each box's left edge now has the box colour; the source pixel did not
            y = (y1 + y2) // 2
            colour = np.array(BOX_COLOURS[k], dtype=float)
            assert np.abs(drawn[y, x1].astype(float) - colour).max() < 40
            assert np.abs(source[y, x1].astype(float) - colour).max() > 60
    # rows without grounding (multi-view) get no boxes
    assert all(not it.boxes for it in items if it.data_type == "multi_view")


@pytest.mark.parametrize("per_type", [0, 2])
def test_gallery_sample_size(balanced_build, tmp_path, per_type):
    data = load_audit_input(balanced_build)
    items = build_gallery(data, tmp_path / "f", tmp_path, per_type=per_type, seed=1)
    assert Counter(it.question_type for it in items) == (
        Counter()
        if per_type == 0
        else Counter({qt: per_type for qt in {r["question_type"] for r in data.rows}})
    )
