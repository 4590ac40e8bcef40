"""`ladderdata generate` as a real subprocess on scene-record files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ladderdata.records import QASample
from tests.generators.test_multi_view import TRIANGLE, _triangle_scene
from tests.generators.test_video import _scene


def _run(*args, hashseed="0", cwd=None):
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", "generate", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen_build")
    scenes = root / "scenes"
    scenes.mkdir()
    video_scene = _scene()
    (scenes / f"{video_scene.scan_id}.json").write_text(video_scene.model_dump_json())
    tri = _triangle_scene(TRIANGLE).model_copy(update={"scan_id": "scene0002_00"})
    (scenes / "scene0002_00.json").write_text(tri.model_dump_json())
    return root


def test_generate_writes_valid_jsonl_and_counts(build_dir, tmp_path):
    out = tmp_path / "samples.jsonl"
    settings = tmp_path / "settings.yaml"
    settings.write_text("generation:\n  max_per_scan_per_type: 50\n  video_num_frames: 4\n")
    res = _run("--scenes", build_dir, "--out", out, "--seed", 3, "--settings", settings)
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    samples = [QASample.model_validate_json(line) for line in lines]
    assert samples and {s.scene_id for s in samples} == {"scene0001_00", "scene0002_00"}
    assert f"wrote {len(samples)} samples" in res.stdout
    assert "samples/s" in res.stdout
    # the table lists refusal reasons, e.g. the tv never shown in a sampled video frame
    assert "object_not_shown" in res.stdout
    # same seed in another process with another hash seed: byte-identical
    out2 = tmp_path / "again.jsonl"
    again = _run("--scenes", build_dir, "--out", out2, "--seed", 3, "--settings", settings, hashseed="12345")
    assert again.returncode == 0
    assert out2.read_bytes() == out.read_bytes()


def test_family_and_type_filters(build_dir, tmp_path):
    out = tmp_path / "s.jsonl"
    res = _run("--scenes", build_dir / "scenes", "--out", out, "--family", "video", "--type", "room_size")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["family"], r["question_type"], r["answer"]) for r in rows] == [
        ("video", "room size", "23.5"),
        ("video", "room size", "20"),
    ]


def test_unknown_family_lists_valid_ones(build_dir, tmp_path):
    res = _run("--scenes", build_dir, "--out", tmp_path / "x.jsonl", "--family", "panorama")
    assert res.returncode == 2
    assert "unknown family 'panorama'" in res.stderr
    assert "localization, single_image, multi_view, video" in res.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_unknown_type_lists_valid_ones(build_dir, tmp_path):
    res = _run("--scenes", build_dir, "--out", tmp_path / "x.jsonl", "--type", "route_plan")
    assert res.returncode == 2
    assert "unknown question type 'route_plan'" in res.stderr and "appearance_order" in res.stderr


def test_bad_settings_file(build_dir, tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text("min_visibilty: 0.5\n")
    res = _run("--scenes", build_dir, "--out", tmp_path / "x.jsonl", "--settings", settings)
    assert res.returncode == 2 and "settings.yaml: invalid generation settings" in res.stderr
    assert "min_visibilty" in res.stderr


def test_empty_folder_and_bad_record(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    res = _run("--scenes", empty, "--out", tmp_path / "x.jsonl")
    assert res.returncode == 2 and "holds no scene records" in res.stderr
    (empty / "broken.json").write_text('{"scan_id": 1}')
    res = _run("--scenes", empty, "--out", tmp_path / "x.jsonl")
    assert res.returncode == 2 and "broken.json: not a scene record" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
