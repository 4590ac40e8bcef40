"""End to end on CPU: `ladderdata train --stage all` then `ladderdata eval`, as real subprocesses.

The run uses the CPU smoke recipe with two test changes: stage 2 runs 30 steps at a high learning rate so
the random tiny model learns to answer with a short letter or number, and stage 3 samples 8 completions
per prompt. Together they make GRPO rewards differ inside a group, so the policy gradient is not zero
and stage 3 really updates the weights (with identical rewards GRPO has nothing to learn from).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ladderdata.train.stages import STAGE_DIRS
from tests.train.conftest import REPO, shared_dir, source_key, write_recipe

STAGE_ORDER = ("1", "2", "cold_start", "3")


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _changed(before: dict, after: dict) -> set[str]:
    import torch

    assert before.keys() == after.keys()
    return {name for name in before if not torch.equal(before[name], after[name])}


@pytest.fixture(scope="session")
def chained_run(tiny_model_dir: Path, handmade_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `train --stage all` run per session, shared by the xdist workers (read-only)."""
    key = source_key(
        *sorted(str(p.relative_to(REPO)) for p in (REPO / "ladderdata" / "train").glob("*.py")),
        "ladderdata/cli/train.py",
        "manifests/train/cpu-smoke.yaml",
        "tests/train/test_stages.py",
    )

    def make(work: Path) -> None:
        work.mkdir(parents=True)
        recipe = write_recipe(
            work / "recipe.yaml",
            work / "heldout.txt",
            stage2={"learning_rate": 3.0e-3, "lr_scheduler_type": "constant", "max_steps": 30},
            stage3={
                "num_generations": 8,
                "per_device_batch_size": 8,
                "effective_batch_size": 8,
                "max_completion_length": 8,
            },
        )
        result = run_cli(
            "train", "--stage", "all", "--build", str(handmade_build), "--model", str(tiny_model_dir),
            "--out", str(work / "run"), "--config", str(recipe),
        )  # fmt: skip
        (work / "train.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        assert result.returncode == 0, result.stderr[-4000:]

    return shared_dir(tmp_path_factory, f"chain-{key}", make) / "run"


@pytest.mark.slow
def test_all_stages_chain_and_write_checkpoints(chained_run: Path, tiny_model_dir: Path) -> None:
    run = json.loads((chained_run / "run.json").read_text(encoding="utf-8"))
    results = {r["stage"]: r for r in run["results"]}
    assert list(results) == list(STAGE_ORDER)
    expected_input = tiny_model_dir
    for stage in STAGE_ORDER:
        folder = chained_run / STAGE_DIRS[stage]
        summary = json.loads((folder / "train_summary.json").read_text(encoding="utf-8"))
        # each stage starts from the previous stage's saved model
        assert Path(summary["model_in"]) == expected_input, stage
        assert summary == results[stage]
        for name in ("model.safetensors", "config.json", "tokenizer.json", "processor_config.json"):
            assert (folder / name).is_file(), (stage, name)
        assert summary["steps"] == (30 if stage == "2" else 2)
        assert len(summary["losses"]) == summary["steps"]
        assert all(math.isfinite(v) for v in summary["losses"]), stage
        changed = _changed(_weights(expected_input), _weights(folder))
        assert changed, f"stage {stage} left every parameter unchanged"
        if stage != "3":  # SFT touches both towers (GRPO's tiny steps may leave some unchanged)
            assert any("visual." in n for n in changed), stage
            assert any(".layers." in n for n in changed), stage
        expected_input = folder
    # stage 2 fits its answers (loss falls) on the tiny model
    stage2 = results["2"]["losses"]
    assert stage2[-1] < 0.5 * stage2[0]


@pytest.mark.slow
def test_grpo_rewards_are_computed_on_real_completions(chained_run: Path) -> None:
    stage3 = chained_run / "stage3"
    summary = json.loads((stage3 / "train_summary.json").read_text(encoding="utf-8"))
    records = [
        json.loads(line) for line in (stage3 / "rollouts.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(records) == 16  # log_rollouts of the smoke recipe: both steps' 8 completions
    for record in records:
        text = record["completion"]
        # independent re-scoring: format = exactly one think block then one answer block
        fmt = re.fullmatch(
            r"\s*<think>(?:(?!<think>|</think>).)*</think>\s*<answer>(?:(?!<answer>).)*</answer>\s*",
            text,
            re.S,
        )
        assert record["rewards"]["format_reward"] == (1.0 if fmt else 0.0)
        if record["metric"] == "mcq":
            letter = text.strip().removesuffix(".").strip().upper()
            assert record["rewards"]["accuracy_reward"] == (1.0 if letter == record["answer"] else 0.0)
        else:
            try:
                exact = float(text.strip()) == float(record["answer"])
            except ValueError:
                assert record["rewards"]["accuracy_reward"] == 0.0
            else:
                assert (record["rewards"]["accuracy_reward"] == 1.0) == exact
    means = summary["metrics"]["rewards/accuracy_reward/mean"]
    assert len(means) == 2
    # within-group reward differences give a non-zero policy gradient in at least one step
    assert max(summary["metrics"]["reward_std"]) > 0
    assert max(summary["metrics"]["grad_norm"]) > 0


@pytest.mark.slow
def test_eval_scores_the_heldout_scan(chained_run: Path, handmade_build: Path, tmp_path: Path) -> None:
    held = tmp_path / "held.txt"
    held.write_text("scene0103_00\n", encoding="utf-8")
    out = tmp_path / "eval"
    result = run_cli(
        "eval", "--model", str(chained_run / "stage2"), "--build", str(handmade_build),
        "--config", str(REPO / "manifests/train/cpu-smoke.yaml"), "--heldout-scans", str(held),
        "--out", str(out), "--batch-size", "3", "--max-new-tokens", "8",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads((out / "eval_report.json").read_text(encoding="utf-8"))
    predictions = [
        json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # scene0103_00 holds 2 grounding rows, 2 single-image, 1 multi-view and 1 video row
    assert report["rows"] == 6 and report["scans"] == 1 and report["split"] == "heldout"
    assert {p["scene_id"] for p in predictions} == {"scene0103_00"}
    counts = {(t["question_type"], t["metric"]): t["n"] for t in report["per_type"]}
    assert counts == {
        ("appearance order", "accuracy"): 1,
        ("localization", "mean IoU"): 2,
        ("object count", "mean relative accuracy"): 1,
        ("relative direction", "accuracy"): 2,
    }
    for p in predictions:
        if p["metric"] == "mcq":
            assert p["score"] == (
                1.0 if p["prediction"].strip().removesuffix(".").upper() == p["answer"] else 0.0
            )
    by_type = {t["question_type"]: t["score"] for t in report["per_type"]}
    relative = [p["score"] for p in predictions if p["question_type"] == "relative direction"]
    assert by_type["relative direction"] == pytest.approx(sum(relative) / 2)
    assert report["macro"] == pytest.approx(sum(by_type.values()) / 4)


def test_cold_start_is_skipped_without_rows(
    tiny_model_dir: Path, handmade_build: Path, tmp_path: Path
) -> None:
    build = tmp_path / "build"
    shutil.copytree(handmade_build, build)
    (build / "spld_coldstart_data.jsonl").unlink()
    result = run_cli(
        "train", "--stage", "cold_start", "--build", str(build), "--model", str(tiny_model_dir),
        "--out", str(tmp_path / "run"), "--config", str(REPO / "manifests/train/cpu-smoke.yaml"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "cold start: reasoning SFT: skipped, the build has no cold-start rows" in result.stderr
    assert not (tmp_path / "run" / "cold_start").exists()
    assert json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))["results"] == []


def test_cli_errors_are_one_line(handmade_build: Path, tmp_path: Path) -> None:
    result = run_cli(
        "train", "--stage", "1", "--build", str(handmade_build), "--model", str(tmp_path / "no-model"),
        "--out", str(tmp_path / "run"), "--config", str(REPO / "manifests/train/cpu-smoke.yaml"),
    )  # fmt: skip
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no-model: no local model here (config.json missing)" in lines[0]
    assert "python -m ladderdata.train.tiny_model" in lines[0]
    result = run_cli("train", "--stage", "4", "--build", str(handmade_build), "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "--stage 4: expected one of 1, 2, cold_start, 3, all" in result.stderr
