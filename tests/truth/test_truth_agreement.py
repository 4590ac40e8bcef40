"""Every row of the test sample's build and of `ladderdata generate --seed 1` agrees with the sample's truth.

The checker (`tests/truth/checker.py`) re-derives each answer from `truth/` and the raw files alone; it
imports nothing from ladderdata's geometry, generators or validators. Agreement must be 100 % except
rounding ties (a truth value within measurement tolerance of a rounding boundary or threshold).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.truth.checker import Table, TruthScan, check_rows, read_build_rows, read_jsonl_rows

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _assert_all_agree(table: Table, what: str) -> None:
    print(f"\n{what}\n{table.text()}")
    for line in table.ties:
        print("  tie:", line)
    assert table.disagreements == [], "\n".join(table.disagreements)
    total = sum(sum(c.values()) for c in table.counts.values())
    ties = sum(c["tie"] for c in table.counts.values())
    assert total > 0 and ties <= 0.05 * total, f"{ties} of {total} rows are only rounding ties"


def test_every_build_row_agrees_with_truth(sample_build: Path, sample_root: Path):
    rows = read_build_rows(sample_build)
    types = {r["question_type"] for r in rows}
    assert {"object count", "object size", "absolute distance", "relative distance"} <= types
    assert {"relative direction", "room size"} <= types
    _assert_all_agree(check_rows(sample_root, rows), "sample build")


@pytest.fixture(scope="module")
def generated_seed_1(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("truth-generate")
    run = [sys.executable, "-m", "ladderdata.cli.app"]
    subprocess.run(
        [*run, "scenes", "--source", "sample", "--root", str(sample_root), "--out", str(out / "build")],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    jsonl = out / "seed1.jsonl"
    subprocess.run(
        [*run, "generate", "--scenes", str(out / "build"), "--out", str(jsonl), "--seed", "1"],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    return jsonl


def test_every_generated_row_agrees_with_truth(generated_seed_1: Path, sample_root: Path):
    rows = read_jsonl_rows(generated_seed_1)
    types = {(r["question_type"], r["data_type"]) for r in rows}
    # every question type of every family is exercised
    assert len(types) >= 15, sorted(types)
    assert ("appearance order", "video") in types
    _assert_all_agree(check_rows(sample_root, rows), "generate --seed 1")


# --- the checker itself, on hand-computed cases ------------------------------------------------------


def test_checker_distances_are_mesh_vertex_distances(sample_root: Path, sample_scan_ids: list[str]):
    # a brute-force minimum over all vertex pairs of two small objects equals the KD-tree answer
    scan = TruthScan(sample_root, sample_scan_ids[0])
    ids = sorted(i for i, o in scan.objects.items() if o["kind"] == "object")
    small = sorted(ids, key=lambda i: len(scan.vertices[i]))[:2]
    a, b = (scan.vertices[i] for i in small)
    brute = float(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1).min()) ** 0.5
    assert scan.distance(*small) == pytest.approx(brute, abs=1e-12)


def test_checker_truth_boxes_hold_their_mesh(sample_root: Path, sample_scan_ids: list[str]):
    # the truth's oriented box of every object contains its mesh vertices (to float32 precision), and
    # its bottom corners are the first four, counter-clockwise from (-x, -y)
    scan = TruthScan(sample_root, sample_scan_ids[0])
    for iid, obj in scan.objects.items():
        if obj["kind"] != "object":
            continue
        corners = scan.corners(iid)
        size = np.asarray(obj["size"])
        ux = (corners[1] - corners[0]) / size[0]
        uy = (corners[3] - corners[0]) / size[1]
        assert np.allclose([ux @ ux, uy @ uy, ux @ uy], [1.0, 1.0, 0.0])
        local = scan.vertices[iid] - np.asarray(obj["center"])
        assert np.abs(local @ ux).max() <= size[0] / 2 + 1e-4
        assert np.abs(local @ uy).max() <= size[1] / 2 + 1e-4
        assert np.abs(local[:, 2]).max() <= size[2] / 2 + 1e-4
