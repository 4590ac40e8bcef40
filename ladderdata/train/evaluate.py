"""`ladderdata eval`: answer the held-out rows with a model and score them with the reward metrics.

Rows: the grounding and spatial rows of the chosen split (default `heldout`, the scan-disjoint split of
split.py). Prompts: grounding rows get the stage-1 prompt; spatial rows the direct-answer prompt
(`--prompt direct`, after stage 2) or the think/answer prompt (`--prompt think`, after stage 3).
Decoding is greedy. Scores use `rewards.score` - the functions GRPO is rewarded with: option-letter
accuracy (MCQ), mean relative accuracy (numeric), label-matched IoU (localization). The report gives,
per question type, the row count, the metric and its mean, plus the macro mean over types.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.errors import TrainError
from ladderdata.io import atomic_open, write_json_atomic
from ladderdata.train import data, rewards
from ladderdata.train.build_rows import BuildInput
from ladderdata.train.collate import render_prompt, vision_inputs
from ladderdata.train.model_io import apply_threads, check_model_dir, load_model, load_processor, use_cpu
from ladderdata.train.recipe import Recipe
from ladderdata.train.split import HeldoutSplit

DEFAULT_NEW_TOKENS = {"iou": 256, "direct": 32, "think": 1024}
PREDICTIONS_FILE = "predictions.jsonl"
REPORT_FILE = "eval_report.json"


@dataclass
class TypeScore:
    """Mean score of one question type."""

    question_type: str
    metric: str
    n: int
    score: float


@dataclass
class EvalReport:
    """What `ladderdata eval` reports."""

    model: str
    build: str
    split: str
    prompt_style: str
    rows: int
    scans: int
    per_type: list[TypeScore] = field(default_factory=list)
    macro: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _aggregate(scored: list[dict[str, Any]]) -> tuple[list[TypeScore], float]:
    groups: dict[tuple[str, str], list[float]] = {}
    for item in scored:
        groups.setdefault((item["question_type"], item["metric"]), []).append(item["score"])
    per_type = [
        TypeScore(question_type=qt, metric=rewards.METRIC_NAMES[m], n=len(v), score=sum(v) / len(v))
        for (qt, m), v in sorted(groups.items())
    ]
    macro = sum(t.score for t in per_type) / len(per_type) if per_type else 0.0
    return per_type, macro


def evaluate(
    model_path: str | Path,
    build: BuildInput,
    recipe: Recipe,
    *,
    split: str = "heldout",
    style: str = "direct",
    out_dir: str | Path | None = None,
    limit: int | None = None,
    max_new_tokens: int | None = None,
    batch_size: int = 1,
    log: Callable[[str], None] = print,
) -> EvalReport:
    """Generate answers for the split's rows, score them and (optionally) write report + predictions."""
    import torch

    check_model_dir(model_path)  # the missing model first: it is the fix the user needs before any split
    chooser = HeldoutSplit(recipe.heldout)
    grounding = chooser.select(build.grounding_rows(), split)
    spatial = chooser.select(build.spatial_rows(), split)
    if limit is not None:
        grounding, spatial = grounding[:limit], spatial[:limit]
    if not grounding and not spatial:
        raise TrainError.at(
            build.root,
            f"no rows in the {split!r} split",
            "raise heldout.fraction (--heldout-fraction) or list scans with --heldout-scans",
        )
    examples = data.eval_examples(build, grounding, spatial, recipe.pixels, style)
    apply_threads(recipe)
    processor = load_processor(model_path, recipe.pixels)
    model = load_model(model_path, recipe)
    device = torch.device("cpu" if use_cpu(recipe) else "cuda")
    model.to(device).eval()
    dataset = data.to_dataset(examples, recipe.pixels)
    tokenizer = processor.tokenizer
    log(f"eval: {len(examples)} {split} rows from {len(set(e['scene_id'] for e in examples))} scans")

    scored: list[dict[str, Any]] = []
    from ladderdata.progress import ProgressLines

    # plain periodic lines through `log`: eval runs for minutes to hours, often with stderr in a log file
    lines = ProgressLines("eval", len(dataset), "rows", write=log)
    for start in range(0, len(dataset), batch_size):
        batch = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        texts = [render_prompt(processor, ex["prompt"]) for ex in batch]
        inputs = vision_inputs(
            processor, texts, batch, recipe.pixels.video_fps, padding=True, padding_side="left"
        ).to(device)
        budget = max_new_tokens or max(
            DEFAULT_NEW_TOKENS["iou" if ex["metric"] == "iou" else style] for ex in batch
        )
        with torch.no_grad():
            generated = model.generate(
                **inputs, max_new_tokens=budget, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        new_tokens = generated[:, inputs["input_ids"].shape[1] :]
        for ex, ids in zip(batch, new_tokens, strict=True):
            prediction = tokenizer.decode(ids, skip_special_tokens=True)
            scored.append(
                {
                    "question_id": ex["question_id"],
                    "scene_id": ex["scene_id"],
                    "question_type": ex["question_type"],
                    "data_type": ex["data_type"],
                    "metric": ex["metric"],
                    "answer": ex["answer"],
                    "prediction": prediction,
                    "score": rewards.score(prediction, ex["answer"], ex["metric"]),
                }
            )
        lines.update(len(batch))

    per_type, macro = _aggregate(scored)
    report = EvalReport(
        model=str(model_path),
        build=str(build.root),
        split=split,
        prompt_style=style,
        rows=len(scored),
        scans=len({item["scene_id"] for item in scored}),
        per_type=per_type,
        macro=macro,
    )
    if out_dir is not None:
        out_dir = Path(out_dir)
        write_json_atomic(out_dir / REPORT_FILE, report.to_json())
        with atomic_open(out_dir / PREDICTIONS_FILE) as fh:
            for item in scored:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return report
