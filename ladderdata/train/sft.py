"""One supervised stage (1, 2 or cold start) with TRL's SFTTrainer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ladderdata.train.collate import VisionSFTCollator
from ladderdata.train.data import to_dataset
from ladderdata.train.model_io import load_model, load_processor
from ladderdata.train.recipe import Recipe, SFTStage
from ladderdata.train.stage_io import StageResult, common_args, finish


def run_sft(
    stage: str,
    examples: list[dict[str, Any]],
    model_path: str | Path,
    out_dir: str | Path,
    recipe: Recipe,
) -> StageResult:
    """Fine-tune `model_path` on prompt/completion examples; the result is saved in `out_dir`."""
    from trl import SFTConfig, SFTTrainer

    settings: SFTStage = recipe.stage(stage)  # type: ignore[assignment]
    started = time.perf_counter()
    out_dir = Path(out_dir)
    args = SFTConfig(
        **common_args(recipe, settings, out_dir),
        max_length=None,  # truncation is the collator's (it never cuts vision tokens)
        dataset_kwargs={"skip_prepare_dataset": True},
    )
    # Loaded after the config: under DeepSpeed ZeRO-3 the config must exist first so weights load sharded.
    processor = load_processor(model_path, recipe.pixels)
    model = load_model(model_path, recipe)
    dataset = to_dataset(examples, recipe.pixels)
    collator = VisionSFTCollator(
        processor=processor,
        video_fps=recipe.pixels.video_fps,
        max_length=settings.max_length,
        completion_only_loss=settings.completion_only_loss,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collator,
        processing_class=processor,
    )
    trainer.train()
    return finish(
        trainer,
        processor,
        stage=stage,
        model_in=str(model_path),
        out_dir=out_dir,
        rows=len(dataset),
        started=started,
        metric_keys=("grad_norm", "learning_rate"),
    )
