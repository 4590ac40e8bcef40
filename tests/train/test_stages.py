"""End to end on CPU, as real subprocesses: `ladderdata train --stage all` on a real build of the
bundled test sample (the shared `sample_build` fixture), then `ladderdata eval` on its held-out scan.

The run uses the CPU smoke recipe as shipped (only the held-out scan is the test's): stage 2 runs 30
steps at a high learning rate so the random tiny model learns to answer with a short letter or number,
and stage 3 trains on the multiple-choice types (video rows as videos) with 8 completions per prompt.
Together they make GRPO rewards differ inside a group, so the policy gradient is not zero and stage 3
really updates the weights; the smoke fails when they do not. The cold start trains on the build's own
`spld_coldstart_data.jsonl`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ladderdata.train.stages import STAGE_DIRS
from tests.train.conftest import REPO, shared_dir, source_key, write_recipe

STAGE_ORDER = ("1", "2", "cold_start", "3")
MCQ_TYPES = ["relative distance", "relative direction", "appearance order"]
SPATIAL_FAMILIES = ("single_image", "multi_view", "video")
SMOKE = str(REPO / "manifests" / "train" / "cpu-smoke.yaml")


def run_cli(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def parquet_rows(build: Path, family: str) -> list[dict]:
    files = sorted((build / "data" / family).glob("*.parquet"))
    return [row for path in files for row in pq.read_table(path).to_pylist()]


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _changed(before: dict, after: dict) -> set[str]:
    import torch

    assert before.keys() == after.keys()
    return {name for name in before if not torch.equal(before[name], after[name])}


@pytest.fixture(scope="session")
def sample_scans(sample_build: Path) -> tuple[str, str]:
    """(train scan, held-out scan) of the sample build: the last scan id is held out."""
    scans = sorted(
        {row["scene_id"] for family in SPATIAL_FAMILIES for row in parquet_rows(sample_build, family)}
    )
    assert len(scans) >= 2
    return scans[0], scans[-1]


@pytest.fixture(scope="session")
def chained_run(
    tiny_model_dir: Path,
    sample_build: Path,
    sample_scans: tuple[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """One `train --stage all` run per session, shared by the xdist workers (read-only)."""
    key = source_key(
        *sorted(str(p.relative_to(REPO)) for p in (REPO / "ladderdata" / "train").glob("*.py")),
        "ladderdata/cli/train.py",
        "manifests/train/cpu-smoke.yaml",
        "tests/train/test_stages.py",
    )
    stamp = f"{sample_build}:{(sample_build / 'meta' / 'manifest.json').stat().st_mtime_ns}"
    key += "-" + hashlib.sha256(stamp.encode()).hexdigest()[:8]  # a rebuilt sample means a new run

    def make(work: Path) -> None:
        work.mkdir(parents=True)
        _train_scan, held_scan = sample_scans
        # the CPU smoke recipe as shipped; only the held-out scan is the test's
        recipe = write_recipe(work / "recipe.yaml", work / "heldout.txt", heldout=(held_scan,))
        result = run_cli(
            "train", "--stage", "all", "--build", str(sample_build), "--model", str(tiny_model_dir),
            "--out", str(work / "run"), "--config", str(recipe),
        )  # fmt: skip
        (work / "train.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        assert result.returncode == 0, result.stderr[-4000:]

    return shared_dir(tmp_path_factory, f"chain-{key}", make) / "run"


@pytest.mark.slow
def test_all_stages_chain_and_write_checkpoints(
    chained_run: Path, tiny_model_dir: Path, sample_build: Path, sample_scans
) -> None:
    run = json.loads((chained_run / "run.json").read_text(encoding="utf-8"))
    results = {r["stage"]: r for r in run["results"]}
    assert list(results) == list(STAGE_ORDER)
    with open(sample_build / "spld_coldstart_data.jsonl", encoding="utf-8") as fh:
        coldstart = [json.loads(line) for line in fh]
    train_rows = [r for r in coldstart if r["image"][0].split("/")[0] == sample_scans[0]]
    assert results["cold_start"]["rows"] == min(len(train_rows), 64) > 0
    expected_input = tiny_model_dir
    for stage in STAGE_ORDER:
        folder = chained_run / STAGE_DIRS[stage]
        summary = json.loads((folder / "train_summary.json").read_text(encoding="utf-8"))
        # each stage starts from the previous stage's saved model
        assert Path(summary["model_in"]) == expected_input, stage
        assert summary == results[stage]
        for name in ("model.safetensors", "config.json", "tokenizer.json", "processor_config.json"):
            assert (folder / name).is_file(), (stage, name)
        assert summary["steps"] == {"2": 30, "3": 4}.get(stage, 2)
        assert len(summary["losses"]) == summary["steps"]
        assert all(math.isfinite(v) for v in summary["losses"]), stage
        changed = _changed(_weights(expected_input), _weights(folder))
        assert changed, f"stage {stage} left every parameter unchanged"
        if stage != "3":  # SFT updates both towers
            assert any("visual." in n for n in changed), stage
            assert any(".layers." in n for n in changed), stage
        expected_input = folder
    # stage 2 fits its answers on the tiny model
    stage2 = results["2"]["losses"]
    assert stage2[-1] < 0.5 * stage2[0]


@pytest.mark.slow
def test_grpo_rewards_are_computed_on_real_completions(chained_run: Path) -> None:
    stage3 = chained_run / "stage3"
    summary = json.loads((stage3 / "train_summary.json").read_text(encoding="utf-8"))
    lines = (stage3 / "rollouts.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 32  # the first 32 of 4 steps x 2 prompts x 8 completions
    think = re.compile(
        r"\s*<think>(?:(?!<think>|</think>).)*</think>\s*<answer>(?:(?!<answer>).)*</answer>\s*", re.S
    )
    for record in records:
        assert record["question_type"] in MCQ_TYPES and record["metric"] == "mcq"
        text = record["completion"]
        # independent re-scoring: one think block then one answer block; the letter, case-insensitive
        assert record["rewards"]["format_reward"] == (1.0 if think.fullmatch(text) else 0.0)
        answer = re.findall(r"<answer>(.*?)</answer>", text, re.S)
        letter = (answer[-1] if answer else text).strip().removesuffix(".").strip().upper()
        assert record["rewards"]["accuracy_reward"] == (1.0 if letter == record["answer"] else 0.0)
    assert len({r["completion"] for r in records}) > 1  # sampled, not one repeated string
    assert len(summary["metrics"]["rewards/accuracy_reward/mean"]) == 4
    # within-group reward differences give a non-zero policy gradient
    assert max(summary["metrics"]["reward_std"]) > 0
    assert max(summary["metrics"]["grad_norm"]) > 0


@pytest.mark.slow
def test_eval_scores_the_heldout_scan(
    chained_run: Path, sample_build: Path, sample_scans, tmp_path: Path
) -> None:
    held_scan = sample_scans[1]
    held = tmp_path / "held.txt"
    held.write_text(held_scan + "\n", encoding="utf-8")
    out = tmp_path / "eval"
    result = run_cli(
        "eval", "--model", str(chained_run / "stage2"), "--build", str(sample_build), "--config", SMOKE,
        "--heldout-scans", str(held), "--out", str(out), "--limit", "3", "--batch-size", "3",
        "--max-new-tokens", "8",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads((out / "eval_report.json").read_text(encoding="utf-8"))
    lines = (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    predictions = [json.loads(line) for line in lines]
    # --limit 3: the first 3 held-out grounding rows and the first 3 held-out spatial rows
    grounding = [r for r in parquet_rows(sample_build, "localization") if r["scene_id"] == held_scan][:3]
    spatial = [
        r for f in SPATIAL_FAMILIES for r in parquet_rows(sample_build, f) if r["scene_id"] == held_scan
    ][:3]
    assert report["rows"] == len(grounding) + len(spatial) == len(predictions)
    assert report["scans"] == 1 and report["split"] == "heldout"
    assert {p["scene_id"] for p in predictions} == {held_scan}
    assert [p["question_id"] for p in predictions] == [r["question_id"] for r in grounding + spatial]
    expected_n: dict[str, int] = {}
    for question_type in ["localization"] * len(grounding) + [r["question_type"] for r in spatial]:
        expected_n[question_type] = expected_n.get(question_type, 0) + 1
    assert {t["question_type"]: t["n"] for t in report["per_type"]} == expected_n
    for p in predictions:
        if p["metric"] == "mcq":
            assert p["score"] == (
                1.0 if p["prediction"].strip().removesuffix(".").upper() == p["answer"] else 0.0
            )
        assert 0.0 <= p["score"] <= 1.0
    by_type = {t["question_type"]: t["score"] for t in report["per_type"]}
    for qt, n in expected_n.items():
        assert by_type[qt] == pytest.approx(
            sum(p["score"] for p in predictions if p["question_type"] == qt) / n
        )
    assert report["macro"] == pytest.approx(sum(by_type.values()) / len(by_type))


def test_cold_start_without_a_file_is_an_error_not_a_skip(
    tiny_model_dir: Path, handmade_build: Path, tmp_path: Path
) -> None:
    build = tmp_path / "build"
    shutil.copytree(handmade_build, build)
    (build / "spld_coldstart_data.jsonl").unlink()
    for stage in ("cold_start", "all"):
        result = run_cli(
            "train", "--stage", stage, "--build", str(build), "--model", str(tiny_model_dir),
            "--out", str(tmp_path / "run"), "--config", SMOKE,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert (
            "spld_coldstart_data.jsonl: no cold-start file, so the cold-start stage cannot run"
            in result.stderr
        )
        assert "coldstart:" in result.stderr  # says how to get one
        assert not (tmp_path / "run" / "cold_start").exists()


def test_cli_errors_are_one_line(handmade_build: Path, tmp_path: Path) -> None:
    result = run_cli(
        "train", "--stage", "1", "--build", str(handmade_build), "--model", str(tmp_path / "no-model"),
        "--out", str(tmp_path / "run"), "--config", SMOKE,
    )  # fmt: skip
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no-model: no local model here (config.json missing)" in lines[0]
    assert "python -m ladderdata.train.tiny_model" in lines[0]
    result = run_cli("train", "--stage", "4", "--build", str(handmade_build), "--out", str(tmp_path / "r"))
    assert result.returncode == 2  # a usage error: --stage is a fixed set, and click lists it
    message = " ".join(result.stderr.replace("│", " ").split())  # rich may wrap it inside a panel
    assert "'4' is not one of '1', '2', 'cold_start', '3', 'all'" in message
