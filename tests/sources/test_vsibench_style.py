"""`manifests/vsibench-style.yaml` on the procedural sample written in all three layouts (real CLI)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import datasets
import pytest

from ladderdata.config import load_manifest
from tests.fixtures.build import REPO
from tests.pipeline.helpers import run_cli

MANIFEST = REPO / "manifests" / "vsibench-style.yaml"


def test_manifest_excludes_every_validation_split(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("SCANNET_ROOT", "SCANNETPP_ROOT", "ARKITSCENES_ROOT"):
        monkeypatch.setenv(var, str(tmp_path))
    config = load_manifest(MANIFEST)
    assert [s.kind for s in config.sources] == ["scannet", "scannetpp", "arkitscenes"]
    assert [s.licence.name for s in config.sources] == [
        "ScanNet Terms of Use",
        "ScanNet++ Terms of Use",
        "CC BY-NC-SA 4.0",
    ]
    assert all(s.licensed for s in config.sources) and config.media.policy == "reference"
    assert sum(s.quota_share for s in config.sources) >= 1.0
    names = {p.name for p in config.exclusions}
    assert names == {
        "scannetv2_val.txt",
        "vsibench_scannet_scenes.txt",
        "scannetpp_nvs_sem_val.txt",
        "arkitscenes_3dod_validation.txt",
    }
    lists = {p.name: p.read_text().split() for p in config.exclusions}
    assert (
        len(lists["scannetpp_nvs_sem_val.txt"]) == 50 and "7b6477cb95" in lists["scannetpp_nvs_sem_val.txt"]
    )
    assert len(lists["arkitscenes_3dod_validation.txt"]) == 549
    assert len(lists["scannetv2_val.txt"]) == 312


@pytest.mark.slow
def test_build_from_all_three_layouts(vsibench_build: Path, tmp_path: Path) -> None:
    out = vsibench_build  # the real CLI's build of the manifest on the three layouts (tests/fixtures/layouts.py)
    spatial = datasets.load_dataset(str(out), "spatial", split="train")
    grounding = datasets.load_dataset(str(out), "grounding", split="train")
    per_source = Counter(zip(spatial["source"], spatial["data_type"], strict=True))
    for source in ("scannet", "scannetpp", "arkitscenes"):
        for data_type in ("single_image", "multi_view", "video"):
            assert per_source[(source, data_type)] > 0, (source, data_type, per_source)
    assert set(grounding["source"]) == {"scannet", "scannetpp", "arkitscenes"}
    # each row keeps its source, and its images name that source's scan
    for row in spatial:
        assert all(img.split("/")[0] == row["scene_id"] for img in row["image"])
    card = (out / "README.md").read_text()
    for line in (
        "| scannet | scannet | 2 | yes | ScanNet Terms of Use",
        "| scannetpp | scannetpp | 2 | yes | ScanNet++ Terms of Use",
        "| arkitscenes | arkitscenes | 2 | yes | CC BY-NC-SA 4.0",
    ):
        assert line in card
    # the card counts rows per source, matching the shards
    kept = Counter(spatial["source"]) + Counter(grounding["source"])
    table = card.split("Rows per source (kept after balancing, by family):")[1].split("\n\n")[1]
    lines = table.splitlines()
    assert lines[0] == "| source | single_image | multi_view | video | localization | total |"
    totals = {line.split(" | ")[0].strip("| "): int(line.rstrip(" |").split(" | ")[-1]) for line in lines[2:]}
    assert totals == {name: kept[name] for name in ("scannet", "scannetpp", "arkitscenes")}
    # the audit reports rows per source with each source's licence
    report = tmp_path / "audit.json"
    proc = run_cli("audit", out, "--json", report, "--no-blind")
    assert proc.returncode in (0, 1), proc.stderr  # 1: a skew threshold of the tiny sample, not an error
    sources = {r["source"]: r for r in json.loads(report.read_text())["sources"]}
    assert {k: (r["rows"], r["licence"]) for k, r in sources.items()} == {
        "scannet": (kept["scannet"], "ScanNet Terms of Use"),
        "scannetpp": (kept["scannetpp"], "ScanNet++ Terms of Use"),
        "arkitscenes": (kept["arkitscenes"], "CC BY-NC-SA 4.0"),
    }
    assert "Rows per source" in proc.stdout
    media = json.loads((out / "meta" / "media.json").read_text())
    assert media["media_policy"] == "reference" and not (out / "images").exists()
    assert {e["source"] for e in media["images"].values()} == {"scannet", "scannetpp", "arkitscenes"}
