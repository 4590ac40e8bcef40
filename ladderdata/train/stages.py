"""The stage ladder: 1 (grounding SFT) -> 2 (spatial SFT) -> cold start (reasoning SFT) -> 3 (GRPO).

`run_stages` runs one stage or the chain; each stage starts from the previous stage's saved model
(`<out>/stage1`, `<out>/stage2`, `<out>/cold_start`, `<out>/stage3`). Cold start reads the build's
`spld_coldstart_data.jsonl` (or `--coldstart FILE`); without one it is an error, so `all` always runs
the whole ladder. Training uses the `train` side of the held-out split (split.py; the default holds
out nothing, as upstream), so `ladderdata eval --split heldout` scores scans the model never saw.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ladderdata.errors import TrainError
from ladderdata.io import write_json_atomic
from ladderdata.train import data
from ladderdata.train.build_rows import BuildInput
from ladderdata.train.recipe import STAGES, Recipe
from ladderdata.train.split import HeldoutSplit
from ladderdata.train.stage_io import StageResult

STAGE_DIRS = {"1": "stage1", "2": "stage2", "cold_start": "cold_start", "3": "stage3"}
STAGE_TITLES = {
    "1": "stage 1: grounding SFT",
    "2": "stage 2: spatial QA SFT",
    "cold_start": "cold start: reasoning SFT",
    "3": "stage 3: GRPO",
}
RUN_FILE = "run.json"


def stage_dir(out: str | Path, stage: str) -> Path:
    """Folder of a stage's final model inside a run folder."""
    return Path(out) / STAGE_DIRS[stage]


def stage_examples(
    stage: str, build: BuildInput, recipe: Recipe, coldstart: str | Path | None = None
) -> list[dict[str, Any]]:
    """Training examples of one stage (train split, capped by the stage's max_rows)."""
    split = HeldoutSplit(recipe.heldout)
    cap = recipe.stage(stage).max_rows
    if stage == "1":
        rows = split.select(build.grounding_rows(), "train")[:cap]
        _require(rows, build, "grounding", "a build with the localization family")
        return data.stage1_examples(build, rows, recipe.pixels)
    if stage == "cold_start":
        source = build.coldstart_path(coldstart)
        if source is None:
            raise TrainError.at(
                build.root / "spld_coldstart_data.jsonl",
                "no cold-start file, so the cold-start stage cannot run",
                "build with a `coldstart:` block in the manifest (rows > 0) or pass --coldstart FILE",
            )
        rows = split.select(build.coldstart_rows(coldstart), "train")[:cap]
        _require(rows, build, "cold-start", f"a cold-start file with rows ({source})")
        return data.coldstart_examples(build, rows)
    rows = split.select(build.spatial_rows(), "train")
    wanted = recipe.stage(stage).question_types
    if wanted is not None:
        rows = [row for row in rows if row["question_type"] in wanted]
    rows = rows[:cap]
    _require(rows, build, "spatial", "a build with single_image, multi_view or video rows")
    if stage == "2":
        return data.stage2_examples(build, rows)
    return data.grpo_examples(build, rows)


def _require(rows: list[dict[str, Any]], build: BuildInput, what: str, fix: str) -> None:
    if not rows:
        raise TrainError.at(
            build.root,
            f"no {what} rows in the train split",
            f"use {fix}, or lower heldout.fraction in the recipe",
        )


def run_stage(
    stage: str,
    build: BuildInput,
    model: str | Path,
    out: str | Path,
    recipe: Recipe,
    coldstart: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> StageResult:
    """Run one stage from `model` (a stage without rows is an error, never a silent skip)."""
    examples = stage_examples(stage, build, recipe, coldstart)
    target = stage_dir(out, stage)
    log(f"{STAGE_TITLES[stage]}: {len(examples)} examples, from {model} -> {target}")
    if stage == "3":
        from ladderdata.train.grpo import run_grpo

        return run_grpo(examples, model, target, recipe)
    from ladderdata.train.sft import run_sft

    return run_sft(stage, examples, model, target, recipe)


def run_stages(
    stage: str,
    build: BuildInput,
    model: str | Path,
    out: str | Path,
    recipe: Recipe,
    coldstart: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> list[StageResult]:
    """Run `stage` (one of STAGES) or `all` (each stage from the previous stage's model)."""
    order = list(STAGES) if stage == "all" else [stage]
    if any(name not in STAGES for name in order):
        raise TrainError(f"--stage {stage}: expected one of {', '.join((*STAGES, 'all'))}")
    from ladderdata.train.model_io import apply_threads, check_model_dir

    check_model_dir(model)  # fail before any data work when the starting model is missing
    apply_threads(recipe)
    started = time.perf_counter()
    results: list[StageResult] = []
    current = Path(model)
    for name in order:
        result = run_stage(name, build, current, out, recipe, coldstart, log)
        log(
            f"{STAGE_TITLES[name]}: {result.steps} steps in {result.runtime_s:.1f} s, "
            f"final loss {result.final_loss if result.final_loss is not None else 'n/a'}"
        )
        results.append(result)
        current = Path(result.model_out)
    if os.environ.get("RANK", "0") != "0":  # one writer under accelerate/torchrun
        return results
    write_json_atomic(
        Path(out) / RUN_FILE,
        {
            "stage": stage,
            "build": str(build.root),
            "media_root": str(build.media_root),
            "model": str(model),
            "recipe": recipe.model_dump(mode="json"),
            "results": [asdict(r) for r in results],
            "runtime_s": round(time.perf_counter() - started, 3),
        },
    )
    return results
