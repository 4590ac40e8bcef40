"""Stage 3: GRPO with verifiable rewards (format + accuracy) using TRL's GRPOTrainer.

Video rows are fed as one frame-list video, as in stage 2 (`grpo_video.VisionGRPOTrainer`); the loss is
aggregated per sequence (`loss_type: grpo`) and sampled at temperature 0.9, as upstream.

The rewards are the plain functions of `rewards.py`. A recorder wraps them to keep the first
`log_rollouts` scored completions, written to `rollouts.jsonl` in the stage folder (question id,
answer, metric, completion text, each reward), so a run can be inspected and re-scored.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ladderdata.io import atomic_open
from ladderdata.train import rewards
from ladderdata.train.data import to_dataset
from ladderdata.train.model_io import load_model, load_processor
from ladderdata.train.recipe import GRPOStage, Recipe
from ladderdata.train.stage_io import StageResult, common_args, finish

ROLLOUTS_FILE = "rollouts.jsonl"
REWARD_FUNCS: tuple[Callable[..., list[float]], ...] = (rewards.format_reward, rewards.accuracy_reward)


class RolloutRecorder:
    """Wraps reward functions and keeps (completion, rewards) records up to a limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.records: list[dict[str, Any]] = []
        self._pending: dict[tuple[int, int], dict[str, Any]] = {}

    def wrap(self, func: Callable[..., list[float]]) -> Callable[..., list[float]]:
        """Same name and signature as `func` (TRL logs rewards under the function name)."""

        @functools.wraps(func)
        def wrapped(completions: list[Any], **kwargs: Any) -> list[float]:
            values = func(completions, **kwargs)
            self._note(func.__name__, completions, values, kwargs)
            return values

        return wrapped

    def _note(self, name: str, completions: list[Any], values: list[float], columns: dict[str, Any]) -> None:
        if len(self.records) >= self.limit:
            return
        # Completions of one batch arrive once per reward function; group them by batch position.
        batch_key = id(completions)
        for i, (completion, value) in enumerate(zip(completions, values, strict=True)):
            key = (batch_key, i)
            record = self._pending.setdefault(
                key,
                {
                    "question_id": _column(columns, "question_id", i),
                    "question_type": _column(columns, "question_type", i),
                    "metric": _column(columns, "metric", i),
                    "answer": _column(columns, "answer", i),
                    "completion": rewards.completion_text(completion),
                    "rewards": {},
                },
            )
            record["rewards"][name] = value
            if len(record["rewards"]) == len(REWARD_FUNCS) and len(self.records) < self.limit:
                self.records.append(self._pending.pop(key))

    def write(self, path: Path) -> None:
        """Write the kept records as JSONL (atomically)."""
        import json

        with atomic_open(path) as fh:
            for record in self.records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")


VISION_TOKENS = ("<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>")


def vision_token_ids(tokenizer: Any) -> list[int]:
    """Ids of the vision placeholder tokens, which a completion must never contain.

    A sampled <|vision_start|> or placeholder makes the multimodal position ids of the scoring pass
    disagree with the images (TRL suppresses only <|image_pad|>); untrained models do sample them.
    """
    ids = [tokenizer.convert_tokens_to_ids(token) for token in VISION_TOKENS]
    return [i for i in ids if isinstance(i, int) and i != tokenizer.unk_token_id]


def _column(columns: dict[str, Any], key: str, index: int) -> Any:
    values = columns.get(key)
    if values is None:
        return None
    value = values[index]
    return value if isinstance(value, str | int | float) or value is None else str(value)


def run_grpo(
    examples: list[dict[str, Any]],
    model_path: str | Path,
    out_dir: str | Path,
    recipe: Recipe,
) -> StageResult:
    """Optimise `model_path` with GRPO on think/answer prompts; the result is saved in `out_dir`."""
    from trl import GRPOConfig

    from ladderdata.train.grpo_video import VisionGRPOTrainer

    settings: GRPOStage = recipe.stage3
    started = time.perf_counter()
    out_dir = Path(out_dir)
    processor = load_processor(model_path, recipe.pixels)
    # TRL left-pads prompt ids itself and re-runs the processor for the multimodal fields (mm token
    # types, grids) with the tokenizer's default side; both must be left or they misalign.
    processor.tokenizer.padding_side = "left"
    processor.tokenizer.truncation_side = "left"
    args = GRPOConfig(
        **common_args(recipe, settings, out_dir),
        num_generations=settings.num_generations,
        beta=settings.beta,
        max_completion_length=settings.max_completion_length,
        temperature=settings.temperature,
        loss_type=settings.loss_type,
        reward_weights=[settings.format_reward_weight, settings.accuracy_reward_weight],
        use_vllm=False,
        log_completions=False,
        generation_kwargs={"suppress_tokens": vision_token_ids(processor.tokenizer)},
    )
    # Loaded after the config: under DeepSpeed ZeRO-3 the config must exist first so weights load sharded.
    model = load_model(model_path, recipe)
    dataset = to_dataset(examples, recipe.pixels)
    recorder = RolloutRecorder(settings.log_rollouts)
    trainer = VisionGRPOTrainer(
        model=model,
        reward_funcs=[recorder.wrap(func) for func in REWARD_FUNCS],
        args=args,
        train_dataset=dataset,
        processing_class=processor,
        video_fps=recipe.pixels.video_fps,
    )
    trainer.train()
    metric_keys = tuple(
        f"rewards/{func.__name__}/{stat}" for func in REWARD_FUNCS for stat in ("mean", "std")
    ) + ("reward", "reward_std", "kl", "completions/mean_length", "grad_norm")
    result = finish(
        trainer,
        processor,
        stage="3",
        model_in=str(model_path),
        out_dir=out_dir,
        rows=len(dataset),
        started=started,
        metric_keys=metric_keys,
    )
    if trainer.accelerator.is_main_process:
        recorder.write(out_dir / ROLLOUTS_FILE)
    return result
