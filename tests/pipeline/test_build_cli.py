"""`ladderdata build` end to end, through the real CLI in a subprocess, on the small test sample.

The `sample_build` fixture is a full build (scene records loaded from the raw files); most tests here
seed their output folder with its scene-record cache so they only pay for generation and finalize.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from datasets import load_dataset

from ladderdata.records import Family
from tests.fixtures.build import TEST_QUOTAS
from tests.pipeline.helpers import digests, manifest_file, run_cli, seed_scenes, start_cli

SPATIAL_KEYS = ["question_id", "question", "options", "answer", "image", "question_type", "data_type"]
GROUNDING_KEYS = ["question_id", "question", "answer", "image", "data_type"]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def cli_build(
    sample_build: Path, sample_build_manifest: dict, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The test sample built by the CLI (default workers) into a fresh folder."""
    tmp = tmp_path_factory.mktemp("cli")
    out = tmp / "out"
    seed_scenes(sample_build, out)
    proc = run_cli("build", "--manifest", manifest_file(tmp, sample_build_manifest), "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "rows per family and question type" in proc.stdout
    return out


def test_cli_build_matches_the_fixture_build_byte_for_byte(cli_build: Path, sample_build: Path) -> None:
    assert digests(cli_build) == digests(sample_build)
    assert len(digests(cli_build)) >= 8


def test_quotas_are_met_and_counted(cli_build: Path) -> None:
    stats = json.loads((cli_build / "meta" / "stats.json").read_text())
    assert stats["shortfalls"] == []
    expected = {
        fam: {qt.replace("_", " "): n for qt, n in cfg["quotas"].items()} for fam, cfg in TEST_QUOTAS.items()
    }
    assert stats["kept"] == expected
    assert stats["rows"]["grounding"] == 15
    assert stats["rows"]["spatial"] == sum(
        sum(v.values()) for f, v in expected.items() if f != "localization"
    )
    # every row a stage keeps is seen by the next one
    st = stats["stages"]
    for before, after in (("schema", "answers"), ("answers", "decontam"), ("decontam", "dedup")):
        assert st[before]["kept"] == st[after]["kept"] + st[after]["dropped_total"]
    assert st["dedup"]["kept"] == st["balance"]["kept"] + st["balance"]["dropped_total"]
    assert st["balance"]["kept"] == stats["rows"]["grounding"] + stats["rows"]["spatial"]
    # the dropped rows are on disk with their reasons
    assert stats["dropped_files"]
    for stage, n in stats["dropped_files"].items():
        rows = _jsonl(cli_build / "_dropped" / f"{stage}.jsonl")
        assert len(rows) == n
        assert Counter(r["reason"] for r in rows) == Counter(st[stage]["dropped"])


def test_load_dataset_row_counts_match_stats(cli_build: Path) -> None:
    stats = json.loads((cli_build / "meta" / "stats.json").read_text())
    grounding = load_dataset(str(cli_build), "grounding", split="train")
    spatial = load_dataset(str(cli_build), "spatial", split="train")
    assert grounding.num_rows == stats["rows"]["grounding"]
    assert spatial.num_rows == stats["rows"]["spatial"]
    assert grounding.column_names[:5] == GROUNDING_KEYS
    assert spatial.column_names[:7] == SPATIAL_KEYS
    for fam in ("single_image", "multi_view", "video"):
        assert load_dataset(str(cli_build), fam, split="train").num_rows == stats["rows"][fam]
    assert load_dataset(str(cli_build), split="train").num_rows == stats["rows"]["spatial"]  # default
    front = yaml.safe_load((cli_build / "README.md").read_text().split("---\n")[1])
    assert [c["config_name"] for c in front["configs"]][:2] == ["grounding", "spatial"]


def test_jsonl_has_exactly_the_published_keys_and_types(cli_build: Path) -> None:
    spatial = _jsonl(cli_build / "spld_spatial_data.jsonl")
    grounding = _jsonl(cli_build / "spld_grounding_data.jsonl")
    assert spatial and grounding
    for row in spatial:
        assert list(row) == SPATIAL_KEYS
        assert isinstance(row["question_id"], int) and isinstance(row["question"], str)
        assert isinstance(row["answer"], str)
        assert row["data_type"] in ("single_image", "multi_view", "video")
        assert all(isinstance(p, str) and p.count("/") == 1 and p.endswith(".jpg") for p in row["image"])
        if row["options"] is None:
            float(row["answer"])  # a plain number
        else:
            assert all(isinstance(o, str) and o[1:3] == ". " for o in row["options"])
            assert row["answer"] in [o[0] for o in row["options"]]
    for row in grounding:
        assert list(row) == GROUNDING_KEYS
        assert row["data_type"] == "single_image" and len(row["image"]) == 1
        for entry in row["answer"]:
            assert list(entry) == ["bbox_2d", "label"]
            assert len(entry["bbox_2d"]) == 4 and all(isinstance(v, int) for v in entry["bbox_2d"])
    coldstart = _jsonl(cli_build / "spld_coldstart_data.jsonl")
    by_id = {row["question_id"]: row for row in spatial}
    assert coldstart
    for row in coldstart:
        assert list(row) == ["question_id", "prompt", "solution", "image", "data_type"]
        assert isinstance(row["prompt"], str) and row["prompt"].startswith("Question: ")
        assert row["solution"].startswith("<think>") and row["solution"].endswith("</answer>")
        source = by_id[row["question_id"]]  # explains an existing spatial row
        assert (row["image"], row["data_type"]) == (source["image"], source["data_type"])
        assert row["solution"].endswith(f"<answer>{source['answer']}</answer>")


def test_question_ids_and_links(cli_build: Path) -> None:
    spatial = _jsonl(cli_build / "spld_spatial_data.jsonl")
    grounding = _jsonl(cli_build / "spld_grounding_data.jsonl")
    assert [r["question_id"] for r in spatial] == list(range(len(spatial)))
    singles = {r["question_id"]: r for r in spatial if r["data_type"] == "single_image"}
    assert len(singles) == 15 and len(grounding) == 15
    ids = [g["question_id"] for g in grounding]
    assert ids == sorted(ids) and set(ids) == set(singles)
    for g in grounding:
        q = singles[g["question_id"]]
        assert (g["question"], g["image"]) == (q["question"], q["image"])
    table = pq.read_table(cli_build / "data" / "localization").to_pylist()
    single_table = {
        r["sample_id"]: r["question_id"]
        for r in pq.read_table(cli_build / "data" / "single_image").to_pylist()
    }
    assert all(single_table[r["linked_sample_id"]] == r["question_id"] for r in table)


def test_copied_media_are_the_raw_bytes(cli_build: Path, sample_root: Path) -> None:
    media = json.loads((cli_build / "meta" / "media.json").read_text())
    assert media["media_policy"] == "copy"
    used = {p for row in _jsonl(cli_build / "spld_spatial_data.jsonl") for p in row["image"]}
    assert set(media["images"]) == used
    files = {p.relative_to(cli_build / "images").as_posix() for p in (cli_build / "images").rglob("*.jpg")}
    assert files == used
    for rel, entry in list(media["images"].items())[:5]:
        assert (cli_build / "images" / rel).read_bytes() == (sample_root / entry["raw"]).read_bytes()


def test_shards_rotate_and_the_writer_holds_one_shard(cli_build: Path) -> None:
    stats = json.loads((cli_build / "meta" / "stats.json").read_text())
    assert stats["writer"] == {"rows_per_shard": 16, "max_buffered_rows": 16}
    video = sorted((cli_build / "data" / "video").glob("*.parquet"))
    assert [pq.read_metadata(p).num_rows for p in video] == [16, 16, 2]  # 34 video rows (TEST_QUOTAS)
    info = json.loads((cli_build / "meta" / "info.json").read_text())
    assert info["families"]["video"]["rows"] == 34


def test_mcq_letters_are_balanced_per_type(cli_build: Path) -> None:
    spatial = _jsonl(cli_build / "spld_spatial_data.jsonl")
    groups: dict[tuple[str, int], Counter[str]] = {}
    for r in spatial:
        if r["options"] and r["question_type"] in (
            "relative distance",
            "relative direction",
            "appearance order",
        ):
            groups.setdefault((r["question_type"], len(r["options"])), Counter())[r["answer"]] += 1
    assert groups
    for (_qt, k), counts in groups.items():
        n = sum(counts.values())
        # within one row (per subtype) of uniform: the build-wide least-used-letter re-lettering
        assert max(counts.get(chr(65 + i), 0) for i in range(k)) - n / k <= 3


@pytest.mark.slow
def test_workers_1_and_2_give_identical_bytes(
    sample_build: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    outs = {}
    manifest = manifest_file(tmp_path, sample_build_manifest)
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        seed_scenes(sample_build, out)
        proc = run_cli("build", "-m", manifest, "--out", out, "--workers", workers, "--quiet")
        assert proc.returncode == 0, proc.stderr
        outs[workers] = digests(out)
    assert outs[1] == outs[2] == digests(sample_build)


@pytest.mark.slow
def test_thread_count_does_not_change_a_byte(
    sample_build: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    """Scenes read with the depth read ahead and the room beside the frames, images checked, copied and
    shrunk for the preview on threads: the same bytes as everything in one thread, scene records too."""
    manifest = manifest_file(tmp_path, sample_build_manifest)
    out = tmp_path / "one-thread"
    proc = run_cli("build", "-m", manifest, "--out", out, "--quiet", env={"LADDERDATA_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert digests(out) == digests(sample_build)
    assert list((out / "data" / "preview").glob("*.parquet"))
    for kept in [*(sample_build / "scenes").glob("*.json"), *(sample_build / "images").rglob("*.jpg")]:
        rel = kept.relative_to(sample_build)
        assert (out / rel).read_bytes() == kept.read_bytes(), rel


def test_a_bad_thread_setting_is_one_line_before_any_work(
    sample_build_manifest: dict, tmp_path: Path
) -> None:
    manifest = manifest_file(tmp_path, sample_build_manifest)
    out = tmp_path / "bad-threads"
    proc = run_cli("build", "-m", manifest, "--out", out, env={"LADDERDATA_THREADS": "two"})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "LADDERDATA_THREADS='two'" in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


def test_injected_duplicate_is_removed(
    sample_build: Path, tmp_path: Path, sample_build_manifest: dict
) -> None:
    import shutil

    out = tmp_path / "dup"
    shutil.copytree(sample_build, out)
    spool = sorted((out / "_state" / "samples").glob("*.jsonl"))[0]
    lines = spool.read_text().splitlines()
    original = json.loads(lines[0])
    copy = dict(original, sample_id="injected-copy")  # same question, media and answer: an exact duplicate
    near = dict(original, sample_id="injected-near", question=original["question"].upper() + "  ")
    spool.write_text("\n".join([*lines, json.dumps(copy), json.dumps(near)]) + "\n")
    proc = run_cli(
        "build", "-m", manifest_file(tmp_path, sample_build_manifest), "--out", out, "--resume", "-q"
    )
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((out / "meta" / "stats.json").read_text())
    before = json.loads((sample_build / "meta" / "stats.json").read_text())
    assert stats["stages"]["dedup"]["dropped"] == {
        **before["stages"]["dedup"]["dropped"],
        "exact_duplicate": before["stages"]["dedup"]["dropped"].get("exact_duplicate", 0) + 1,
        "near_duplicate": before["stages"]["dedup"]["dropped"].get("near_duplicate", 0) + 1,
    }
    dropped = {r["sample"]["sample_id"]: r["reason"] for r in _jsonl(out / "_dropped" / "dedup.jsonl")}
    assert dropped["injected-copy"] == "exact_duplicate" and dropped["injected-near"] == "near_duplicate"
    assert digests(out) | {"meta/stats.json": "", "README.md": ""} == digests(sample_build) | {
        "meta/stats.json": "",
        "README.md": "",
    }


def test_decontamination_list_removes_the_listed_scans(
    sample_build: Path, sample_build_manifest: dict, sample_scan_ids: list[str], tmp_path: Path
) -> None:
    banned = sample_scan_ids[1]
    (tmp_path / "bench.txt").write_text(f"# benchmark scans\n{banned}\n")
    data = dict(sample_build_manifest, exclusions=["bench.txt"])
    out = tmp_path / "out"
    seed_scenes(sample_build, out)
    proc = run_cli("build", "-m", manifest_file(tmp_path, data), "--out", out, "--allow-short", "-q")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((out / "meta" / "stats.json").read_text())
    assert stats["scans"]["excluded"] == {"bench": 1}
    assert stats["stages"]["decontam"]["scans_dropped"] == {"bench": 1}
    scenes = {r["scene_id"] for f in Family for r in pq.read_table(out / "data" / f.value).to_pylist()}
    assert scenes == {sample_scan_ids[0]}
    assert not [p for p in (out / "images").iterdir() if p.name == banned]
    assert _jsonl(out / "_dropped" / "decontam.jsonl") == [
        {"stage": "decontam", "reason": "excluded:bench", "scan_id": banned, "source": "sample"}
    ]
    # naming an excluded scan in an explicit training list is refused
    data = dict(data, sources=[dict(data["sources"][0], scans=list(sample_scan_ids))])
    proc = run_cli("build", "-m", manifest_file(tmp_path, data, "m2.yaml"), "--out", tmp_path / "o2")
    assert proc.returncode == 2
    assert (
        "training scans intersect benchmark exclusion lists: 1 scan(s) on exclusion list bench" in proc.stderr
    )
    assert not (tmp_path / "o2").exists()


def test_unmet_quota_fails_unless_allowed(
    sample_build: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    data = json.loads(json.dumps(sample_build_manifest))
    data["families"]["video"]["quotas"]["room_size"] = 5  # one room per scan: two scans give two
    manifest = manifest_file(tmp_path, data)
    out = tmp_path / "out"
    seed_scenes(sample_build, out)
    proc = run_cli("build", "-m", manifest, "--out", out)
    assert proc.returncode == 2
    err = " ".join(proc.stderr.split())
    assert "1 quota(s) not met, 3 row(s) missing: video/room_size: 2 of 5 (short by 3;" in err
    assert "or pass --allow-short" in err
    assert not (out / "meta" / "stats.json").exists()
    proc = run_cli("build", "-m", manifest, "--out", out, "--resume", "--allow-short")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((out / "meta" / "stats.json").read_text())
    assert [(s["family"], s["question_type"], s["missing"]) for s in stats["shortfalls"]] == [
        ("video", "room size", 3)
    ]
    assert "short video/room size: 2 of 5" in " ".join(proc.stdout.split())


def test_output_folder_protection(sample_build: Path, sample_build_manifest: dict, tmp_path: Path) -> None:
    import shutil

    manifest = manifest_file(tmp_path, sample_build_manifest)
    build = tmp_path / "build"
    shutil.copytree(sample_build, build)
    other = tmp_path / "not-a-build"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    proc = run_cli("build", "-m", manifest, "--out", other)
    assert proc.returncode == 2 and "holds no ladderdata build" in proc.stderr
    assert (other / "notes.txt").read_text() == "mine"
    before = digests(build)
    proc = run_cli("build", "-m", manifest, "--out", build)
    assert proc.returncode == 2
    assert "already holds a build; pass --resume to continue it or --overwrite to replace it" in proc.stderr
    proc = run_cli("build", "-m", manifest, "--out", build, "--resume", "--overwrite")
    assert proc.returncode == 2 and "--resume and --overwrite exclude each other" in proc.stderr
    other_seed = run_cli("build", "-m", manifest, "--out", build, "--resume", "--seed", "99")
    assert (
        other_seed.returncode == 2 and "holds a build made with another manifest, seed" in other_seed.stderr
    )
    assert digests(build) == before


@pytest.mark.slow
def test_kill_9_then_resume_gives_identical_bytes(
    sample_build: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    manifest = manifest_file(tmp_path, sample_build_manifest)
    out = tmp_path / "killed"
    # no seeded scene cache: each scan spends seconds reading its raw files, a wide window to kill in
    proc = start_cli("build", "-m", manifest, "--out", out, "--quiet")
    markers = out / "_state" / "done"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if markers.is_dir() and any(markers.glob("*.done")):
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(list(markers.glob("*.done"))) == 1, "the build was not killed between its two scans"
    assert not (out / "meta").exists()
    resumed = run_cli("build", "-m", manifest, "--out", out, "--resume", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert digests(out) == digests(sample_build)
    assert not list(out.rglob(".*.tmp"))


def test_modality_and_reference_media(
    sample_build: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    out = tmp_path / "loc"
    seed_scenes(sample_build, out)
    manifest = manifest_file(tmp_path, sample_build_manifest)
    proc = run_cli(
        "build", "-m", manifest, "--out", out, "--modality", "localization", "--media", "reference", "-q"
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / "data").iterdir()) == ["localization"]
    assert (out / "spld_grounding_data.jsonl").exists() and not (out / "spld_spatial_data.jsonl").exists()
    assert not (out / "images").exists()
    assert json.loads((out / "meta" / "media.json").read_text())["media_policy"] == "reference"
    assert load_dataset(str(out), "grounding", split="train").num_rows == 15
    front = yaml.safe_load((out / "README.md").read_text().split("---\n")[1])
    assert [c["config_name"] for c in front["configs"]] == ["grounding"]  # reference media: no preview


def test_bad_scan_is_skipped_and_counted_or_fails_with_strict(
    sample_root: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    import shutil

    scan = "scene9000_00"
    raw = tmp_path / "raw"
    shutil.copytree(sample_root / "scans" / scan, raw / "scans" / scan)
    agg = raw / "scans" / scan / f"{scan}.aggregation.json"
    agg.write_text(agg.read_text()[:100])  # truncated JSON
    source = {
        "name": "broken",
        "kind": "scannet",
        "root": str(raw),
        "export_root": str(sample_root / "export"),
        "licensed": False,
        "licence": {"name": "CC0-1.0"},
        "on_error": "skip",
    }
    manifest = manifest_file(tmp_path, dict(sample_build_manifest, sources=[source]))

    strict = run_cli("build", "-m", manifest, "--out", tmp_path / "strict", "--strict")
    assert strict.returncode == 2
    assert f"{scan}.aggregation.json" in strict.stderr and "Traceback" not in strict.stderr

    out = tmp_path / "lenient"
    proc = run_cli("build", "-m", manifest, "--out", out, "--allow-short")
    assert proc.returncode == 0, proc.stderr
    assert f"skipped {scan}" in " ".join(proc.stderr.split())
    stats = json.loads((out / "meta" / "stats.json").read_text())
    assert (stats["scans"]["skipped"], stats["scans"]["generated"]) == (1, 0)
    assert stats["rows"] == {
        "grounding": 0,
        "spatial": 0,
        "single_image": 0,
        "multi_view": 0,
        "video": 0,
        "localization": 0,
    }
    [dropped] = _jsonl(out / "_dropped" / "sources.jsonl")
    assert dropped["scan_id"] == scan and dropped["reason"] == "source_error"
    assert f"{scan}.aggregation.json" in dropped["error"]
    # an empty build is still a loadable dataset
    assert pq.read_table(out / "data" / "single_image").num_rows == 0
