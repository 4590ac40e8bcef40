"""The bench's generation row measures what `ladderdata generate` with the caps lifted emits.

Run as real subprocesses on hand-made scene records: the sample counts of `python -m bench.generation`
must equal, family by family, the rows `ladderdata generate --settings` writes with
`max_per_scan_per_type: 1000` (the same lifted caps). Speed itself is never asserted (bench/ measures it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.fixtures.build import REPO
from tests.generators.test_multi_view import TRIANGLE, _triangle_scene
from tests.generators.test_video import _scene


@pytest.fixture(scope="module")
def scenes_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench_gen")
    scenes = root / "scenes"
    scenes.mkdir()
    video_scene = _scene()
    (scenes / f"{video_scene.scan_id}.json").write_text(video_scene.model_dump_json())
    tri = _triangle_scene(TRIANGLE).model_copy(update={"scan_id": "scene0002_00"})
    (scenes / "scene0002_00.json").write_text(tri.model_dump_json())
    return root


def test_generation_row_counts_what_uncapped_generate_writes(scenes_dir: Path, tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "bench.generation", "--scenes", str(scenes_dir), "--repeats", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["scenes"] == 2 and row["cap"] == 1000
    assert row["reference_round_ms"] > 0

    settings = tmp_path / "uncapped.yaml"
    settings.write_text("max_per_scan_per_type: 1000\n")
    out = tmp_path / "all.jsonl"
    cli = subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", "generate", "--scenes", str(scenes_dir)]
        + ["--out", str(out), "--settings", str(settings)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    written = Counter(json.loads(line)["family"] for line in out.read_text().splitlines())
    assert sum(written.values()) > 0
    families = row["families"]
    for family in ("localization", "single_image", "multi_view", "video"):
        assert families[family]["samples"] == written[family], family
        if written[family]:
            assert families[family]["ms_per_sample"] > 0
    assert families["all"]["samples"] == sum(written.values())
