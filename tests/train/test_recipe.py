"""Training recipes: the shipped files, defaults, overrides and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ladderdata.errors import ConfigError
from ladderdata.train.recipe import load_recipe

TRAIN = Path(__file__).resolve().parents[2] / "manifests" / "train"


def test_paper_recipe_values() -> None:
    recipe = load_recipe(TRAIN / "spatialladder.yaml")
    for stage in (recipe.stage1, recipe.stage2, recipe.cold_start):
        assert stage.learning_rate == 1e-5
        assert stage.lr_scheduler_type == "cosine"
        assert stage.warmup_ratio == 0.1
        assert stage.effective_batch_size == 16
    assert recipe.precision == "bf16"
    assert recipe.stage3.num_generations == 4
    assert recipe.stage3.beta == 0.01
    assert recipe.stage3.learning_rate == 1e-6
    assert recipe.stage3.max_completion_length == 1024
    assert recipe.pixels.max_pixels == 128 * 28 * 28
    assert recipe.model == "models/Qwen2.5-VL-3B-Instruct"
    # faithful to upstream: per-sequence loss mean, temperature 0.9, every row, whole-sequence SFT
    assert recipe.stage3.loss_type == "grpo" and recipe.stage3.temperature == 0.9
    assert recipe.heldout.fraction == 0.0 and recipe.heldout.scans_file is None
    assert not any(recipe.stage(s).completion_only_loss for s in ("1", "2", "cold_start"))
    assert recipe.model_dtype == "auto" and recipe.attn_implementation == "auto"


def test_defaults_are_the_paper_recipe() -> None:
    assert load_recipe(None) == load_recipe(TRAIN / "spatialladder.yaml")


def test_cpu_smoke_recipe() -> None:
    recipe = load_recipe(TRAIN / "cpu-smoke.yaml")
    assert recipe.precision == "fp32" and recipe.device == "cpu"
    assert [recipe.stage(s).max_steps for s in ("1", "2", "cold_start", "3")] == [2, 30, 2, 4]
    assert recipe.pixels.max_pixels <= 56 * 56
    assert recipe.stage3.effective_batch_size % recipe.stage3.num_generations == 0


def test_accumulation_keeps_the_effective_batch() -> None:
    stage = load_recipe(None).stage1
    assert stage.accumulation_steps(1) == 16
    assert stage.accumulation_steps(2) == 8
    with pytest.raises(ConfigError, match="effective_batch_size 16 is not a multiple"):
        stage.accumulation_steps(3)


def test_overrides_and_errors(tmp_path: Path) -> None:
    assert load_recipe(None, {"stage1.max_steps": 5, "seed": 3}).stage1.max_steps == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("stage1:\n  learnin_rate: 0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml: recipe key stage1.learnin_rate"):
        load_recipe(bad)
    bad.write_text("pixels:\n  min_pixels: 9000\n  max_pixels: 3000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_pixels must not exceed max_pixels"):
        load_recipe(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a recipe must be a mapping"):
        load_recipe(bad)
    with pytest.raises(ConfigError, match="cannot read recipe"):
        load_recipe(tmp_path / "missing.yaml")


def test_heldout_scan_list_is_relative_to_the_recipe(tmp_path: Path) -> None:
    (tmp_path / "held.txt").write_text("scene0001_00\n", encoding="utf-8")
    path = tmp_path / "r.yaml"
    path.write_text("heldout:\n  scans_file: held.txt\n", encoding="utf-8")
    assert load_recipe(path).heldout.scans_file == tmp_path / "held.txt"


def test_accelerate_configs() -> None:
    zero3 = yaml.safe_load((TRAIN / "accelerate" / "zero3.yaml").read_text(encoding="utf-8"))
    assert zero3["distributed_type"] == "DEEPSPEED"
    assert zero3["deepspeed_config"]["zero_stage"] == 3
    assert zero3["deepspeed_config"]["zero3_save_16bit_model"] is True
    ddp = yaml.safe_load((TRAIN / "accelerate" / "multi-gpu.yaml").read_text(encoding="utf-8"))
    assert ddp["distributed_type"] == "MULTI_GPU"
