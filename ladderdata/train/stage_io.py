"""What every stage shares: trainer arguments from the recipe, the stage summary, saving the result.

A finished stage folder holds the model and processor (loadable with `from_pretrained`, the next
stage's starting point), `train_summary.json` (rows, steps, losses, rewards, timing, source model) and
`_checkpoints/` (the trainer's intermediate checkpoints, every `save_steps`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.io import write_json_atomic
from ladderdata.train.model_io import precision_flags, use_cpu
from ladderdata.train.recipe import GRPOStage, Recipe, SFTStage, world_size

SUMMARY_FILE = "train_summary.json"
CHECKPOINTS_DIR = "_checkpoints"


@dataclass
class StageResult:
    """Outcome of one stage (written as train_summary.json)."""

    stage: str
    model_in: str
    model_out: str
    rows: int
    steps: int
    runtime_s: float
    losses: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    device: str = "cpu"
    world_size: int = 1

    @property
    def final_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None

    def write(self, out_dir: Path) -> Path:
        path = Path(out_dir) / SUMMARY_FILE
        write_json_atomic(path, asdict(self))
        return path

    @classmethod
    def read(cls, out_dir: Path) -> StageResult:
        return cls(**json.loads((Path(out_dir) / SUMMARY_FILE).read_text(encoding="utf-8")))


def common_args(recipe: Recipe, stage: SFTStage | GRPOStage, out_dir: Path) -> dict[str, Any]:
    """TrainingArguments fields shared by the SFT and GRPO configs."""
    return {
        "output_dir": str(Path(out_dir) / CHECKPOINTS_DIR),
        "learning_rate": stage.learning_rate,
        "lr_scheduler_type": stage.lr_scheduler_type,
        "warmup_steps": stage.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        "weight_decay": stage.weight_decay,
        "per_device_train_batch_size": stage.per_device_batch_size,
        "gradient_accumulation_steps": stage.accumulation_steps(world_size()),
        "num_train_epochs": stage.num_train_epochs,
        "max_steps": stage.max_steps,
        "logging_steps": stage.logging_steps,
        "save_strategy": "steps",
        "save_steps": stage.save_steps,
        "save_only_model": True,
        "seed": recipe.seed,
        "data_seed": recipe.seed,
        "use_cpu": use_cpu(recipe),
        **_checkpointing(recipe.gradient_checkpointing),
        "dataloader_num_workers": recipe.dataloader_num_workers,
        "remove_unused_columns": False,
        "report_to": "none",
        "disable_tqdm": True,
        **precision_flags(recipe),
    }


def _checkpointing(enabled: bool) -> dict[str, Any]:
    """Activation checkpointing flags under the name this transformers version uses."""
    import dataclasses

    from transformers import TrainingArguments

    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    prefix = "activation" if "activation_checkpointing" in names else "gradient"
    return {f"{prefix}_checkpointing": enabled, f"{prefix}_checkpointing_kwargs": {"use_reentrant": False}}


def log_series(log_history: list[dict[str, Any]], key: str) -> list[float]:
    """Values of one logged quantity, in step order."""
    return [float(entry[key]) for entry in log_history if key in entry]


def finish(
    trainer: Any,
    processor: Any,
    *,
    stage: str,
    model_in: str,
    out_dir: Path,
    rows: int,
    started: float,
    metric_keys: tuple[str, ...] = (),
) -> StageResult:
    """Save the final model + processor into `out_dir` and write the summary (main process only)."""
    out_dir = Path(out_dir)
    model = trainer.model
    model.config.use_cache = True  # training turned the KV cache off; generation wants it back
    trainer.save_model(str(out_dir))
    history = trainer.state.log_history
    result = StageResult(
        stage=stage,
        model_in=str(model_in),
        model_out=str(out_dir),
        rows=rows,
        steps=int(trainer.state.global_step),
        runtime_s=round(time.perf_counter() - started, 3),
        losses=log_series(history, "loss"),
        metrics={key: log_series(history, key) for key in metric_keys if log_series(history, key)},
        device=str(trainer.args.device),
        world_size=int(trainer.args.world_size),
    )
    if trainer.accelerator.is_main_process:
        processor.save_pretrained(str(out_dir))
        result.write(out_dir)
    trainer.accelerator.wait_for_everyone()
    return result
