"""Training recipes (manifests/train/*.yaml), validated with pydantic.

Defaults are the paper's setup (SpatialLadder on Qwen2.5-VL-3B-Instruct): SFT lr 1e-5, cosine schedule,
warmup 0.1, effective batch 16, bf16; GRPO with 4 generations, beta 0.01, lr 1e-6, completions of up to
1024 tokens; images between 16*28*28 and 128*28*28 pixels. A recipe file overrides any subset.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ladderdata.errors import ConfigError
from ladderdata.train.split import HeldoutSpec

STAGES = ("1", "2", "cold_start", "3")
"""Stage names in chaining order (`all` runs them in this order)."""

DEFAULT_MODEL = "models/Qwen2.5-VL-3B-Instruct"
SPATIAL_QUESTION_TYPES = frozenset(
    {
        "object count",
        "absolute distance",
        "object size",
        "room size",
        "relative distance",
        "relative direction",
        "appearance order",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PixelBudget(_Strict):
    """Image and video-frame pixel budgets handed to the processor (and used to rescale boxes)."""

    min_pixels: int = Field(default=16 * 28 * 28, gt=0)
    max_pixels: int = Field(default=128 * 28 * 28, gt=0)
    video_min_pixels: int | None = Field(default=None, description="defaults to min_pixels")
    video_max_pixels: int | None = Field(default=None, description="defaults to max_pixels")
    video_fps: float = Field(default=2.0, gt=0, description="playback rate assumed for frame-list videos")

    @model_validator(mode="after")
    def _ordered(self) -> PixelBudget:
        if self.min_pixels > self.max_pixels:
            raise ValueError("min_pixels must not exceed max_pixels")
        return self

    @property
    def video_min(self) -> int:
        return self.video_min_pixels or self.min_pixels

    @property
    def video_max(self) -> int:
        return self.video_max_pixels or self.max_pixels


class _StageBase(_Strict):
    learning_rate: float = Field(gt=0)
    lr_scheduler_type: str = "cosine"
    warmup_ratio: float = Field(default=0.0, ge=0.0, lt=1.0)
    per_device_batch_size: int = Field(default=1, ge=1)
    effective_batch_size: int = Field(default=16, ge=1, description="per device x accumulation x processes")
    num_train_epochs: float = Field(default=1.0, gt=0)
    max_steps: int = Field(default=-1, description="-1: run num_train_epochs")
    max_rows: int | None = Field(default=None, ge=1, description="use only the first N rows (smoke runs)")
    question_types: list[str] | None = Field(
        default=None, description="stages 2 and 3: train only on these question types (default: all)"
    )
    weight_decay: float = Field(default=0.0, ge=0.0)
    save_steps: int = Field(default=200, ge=1, description="intermediate checkpoint interval")
    logging_steps: int = Field(default=1, ge=1)

    @field_validator("question_types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            unknown = sorted(set(value) - SPATIAL_QUESTION_TYPES)
            if unknown:
                raise ValueError(f"unknown question types {unknown}; valid: {sorted(SPATIAL_QUESTION_TYPES)}")
        return value

    def accumulation_steps(self, world_size: int) -> int:
        """Gradient accumulation giving `effective_batch_size` on `world_size` processes."""
        per_step = self.per_device_batch_size * world_size
        if self.effective_batch_size % per_step:
            raise ConfigError(
                f"effective_batch_size {self.effective_batch_size} is not a multiple of per_device_batch_size "
                f"{self.per_device_batch_size} x {world_size} process(es); change one of them in the recipe"
            )
        return self.effective_batch_size // per_step


class SFTStage(_StageBase):
    """A supervised stage (1, 2, cold start)."""

    learning_rate: float = Field(default=1e-5, gt=0)
    warmup_ratio: float = Field(default=0.1, ge=0.0, lt=1.0)
    max_length: int | None = Field(default=None, ge=8, description="token cap; the completion is cut")
    completion_only_loss: bool = Field(
        default=False, description="loss on the answer tokens only (default: the whole sequence, as upstream)"
    )


class GRPOStage(_StageBase):
    """The reinforcement stage (3)."""

    learning_rate: float = Field(default=1e-6, gt=0)
    lr_scheduler_type: str = "linear"
    per_device_batch_size: int = Field(default=2, ge=1, description="completions per device per step")
    effective_batch_size: int = Field(default=4, ge=1, description="completions per optimizer step")
    num_generations: int = Field(default=4, ge=2)
    beta: float = Field(default=0.01, ge=0.0)
    max_completion_length: int = Field(default=1024, ge=1)
    temperature: float = Field(default=0.9, gt=0, description="sampling temperature (upstream: 0.9)")
    loss_type: Literal["grpo", "dapo", "bnpo", "dr_grpo"] = Field(
        default="grpo",
        description="loss aggregation; grpo = per-sequence mean, then the batch mean (upstream)",
    )
    format_reward_weight: float = 1.0
    accuracy_reward_weight: float = 1.0
    log_rollouts: int = Field(default=64, ge=0, description="completions written to rollouts.jsonl")


class Recipe(_Strict):
    """One training recipe."""

    name: str = "spatialladder"
    model: str = Field(default=DEFAULT_MODEL, description="local model folder when --model is not given")
    seed: int = 42
    precision: Literal["bf16", "fp16", "fp32"] = "bf16"
    model_dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto", description="weights dtype; auto: bfloat16 on a GPU that has it, else float32"
    )
    attn_implementation: Literal["auto", "flash_attention_2", "sdpa", "eager"] = Field(
        default="auto",
        description="auto: flash_attention_2 on a CUDA GPU when flash-attn is installed, else sdpa",
    )
    device: Literal["auto", "cpu"] = "auto"
    gradient_checkpointing: bool = True
    cpu_threads: int | None = Field(
        default=None, ge=1, description="torch threads on CPU (1 is fastest for tiny models on busy machines)"
    )
    dataloader_num_workers: int = Field(default=0, ge=0)
    pixels: PixelBudget = Field(default_factory=PixelBudget)
    heldout: HeldoutSpec = Field(default_factory=HeldoutSpec)
    stage1: SFTStage = Field(default_factory=SFTStage)
    stage2: SFTStage = Field(default_factory=SFTStage)
    cold_start: SFTStage = Field(default_factory=SFTStage)
    stage3: GRPOStage = Field(default_factory=GRPOStage)

    def stage(self, name: str) -> SFTStage | GRPOStage:
        """Settings of a stage by CLI name (`1`, `2`, `cold_start`, `3`)."""
        return {"1": self.stage1, "2": self.stage2, "cold_start": self.cold_start, "3": self.stage3}[name]


def world_size() -> int:
    """Number of processes accelerate/torchrun started (1 for a plain run)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def _error_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<root>"


def load_recipe(path: str | Path | None, overrides: dict[str, Any] | None = None) -> Recipe:
    """Load a recipe YAML (None: the defaults) and apply dotted-key overrides, e.g. {"stage1.max_steps": 2}."""
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError.at(path, f"cannot read recipe ({err.strerror})", "fix --config") from err
        except yaml.YAMLError as err:
            raise ConfigError.at(path, f"invalid YAML ({err})", "fix the file") from err
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError.at(path, "a recipe must be a mapping", "see manifests/train/spatialladder.yaml")
        data = loaded or {}
        # A relative held-out scan list is relative to the recipe file.
        scans = (data.get("heldout") or {}).get("scans_file")
        if scans and not Path(scans).is_absolute():
            data["heldout"]["scans_file"] = str(path.parent / scans)
    for key, value in (overrides or {}).items():
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    try:
        return Recipe.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = f"{path}: " if path is not None else ""
        raise ConfigError(
            f"{where}recipe key {_error_path(first['loc'])}: {first['msg']}; "
            "see manifests/train/spatialladder.yaml for the valid keys",
            path=path,
        ) from err
