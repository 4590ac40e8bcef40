"""Build rows -> conversational examples for each stage (and for evaluation).

Every example has the same columns, so one collator serves all SFT stages:
- `prompt`: chat messages; user content is media placeholders (`{"type": "image"}` per image, or one
  `{"type": "video"}` for a frame-list video) followed by the text block;
- `completion`: the assistant turn (SFT targets; empty for GRPO/eval);
- `images` / `videos`: absolute media paths, opened as PIL images (already at the model's grid size)
  when the dataset is read (`to_dataset`);
- `answer`, `metric` (`mcq`, `mra`, `iou`), `question_type`, `data_type`, `question_id`, `scene_id`.

Stage 1 (grounding): the stage-1 prompt; target = the answer boxes rescaled from the stored image to the
Qwen2.5-VL resized grid (`boxes.py`), as indented JSON in a ```json fence, encoded once.
Stage 2 (spatial): direct-answer prompt; target = the bare letter or number; video rows are one video.
Cold start: the row's prompt and solution verbatim.
Stage 3 (GRPO): think/answer prompt; no target; video rows are one frame-list video, as in stage 2 and
upstream (TRL's GRPOTrainer feeds images only; `grpo_video.VisionGRPOTrainer` adds videos).
"""

from __future__ import annotations

import json
from typing import Any

from ladderdata import prompts
from ladderdata.errors import TrainError
from ladderdata.train.boxes import rescale_box, resized_size
from ladderdata.train.build_rows import BuildInput
from ladderdata.train.recipe import PixelBudget
from ladderdata.train.rewards import metric_for

PROMPT_STYLES = ("direct", "think")


def _user_message(text: str, n_images: int, as_video: bool) -> dict[str, Any]:
    media = [{"type": "video"}] if as_video else [{"type": "image"} for _ in range(n_images)]
    return {"role": "user", "content": [*media, {"type": "text", "text": text}]}


def _system_message() -> dict[str, Any]:
    return {"role": "system", "content": [{"type": "text", "text": prompts.SYSTEM_MESSAGE}]}


def _assistant(text: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": [{"type": "text", "text": text}]}]


def _example(
    build: BuildInput,
    row: dict[str, Any],
    text: str,
    *,
    target: str | None,
    answer: str,
    metric: str,
    system: bool,
) -> dict[str, Any]:
    paths = [build.media_path(rel) for rel in row["image"]]
    as_video = row.get("data_type") == "video"
    prompt = [_system_message()] if system else []
    prompt.append(_user_message(text, len(paths), as_video))
    return {
        "prompt": prompt,
        "completion": _assistant(target) if target is not None else [],
        "images": [] if as_video else paths,
        "videos": [paths] if as_video else [],
        "answer": answer,
        "metric": metric,
        "question_type": str(row.get("question_type", "")),
        "data_type": str(row.get("data_type", "")),
        "question_id": int(row.get("question_id") or 0),
        "scene_id": str(row.get("scene_id", "")),
    }


def rescaled_answer(build: BuildInput, row: dict[str, Any], pixels: PixelBudget) -> list[dict[str, Any]]:
    """Grounding answer with boxes mapped from the stored image to the model's resized grid."""
    src = build.image_size(row["image"][0])
    dst = resized_size(src[0], src[1], pixels.min_pixels, pixels.max_pixels)
    return [
        {"bbox_2d": rescale_box(entry["bbox_2d"], src, dst), "label": str(entry["label"])}
        for entry in row["answer"]
    ]


def grounding_target(answer: list[dict[str, Any]]) -> str:
    """Stage-1 target text: the answer list as indented JSON inside a ```json fence."""
    return "```json\n" + json.dumps(answer, indent=4, ensure_ascii=False) + "\n```"


def stage1_examples(
    build: BuildInput, rows: list[dict[str, Any]], pixels: PixelBudget
) -> list[dict[str, Any]]:
    """Grounding rows -> stage-1 SFT examples."""
    build.check_media(rows)
    out = []
    for row in rows:
        answer = rescaled_answer(build, row, pixels)
        out.append(
            _example(
                build,
                row,
                prompts.grounding_prompt(row["question"]),
                target=grounding_target(answer),
                answer=json.dumps(answer),
                metric="iou",
                system=True,
            )
        )
    return out


def stage2_examples(build: BuildInput, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spatial rows -> stage-2 SFT examples (direct answers)."""
    build.check_media(rows)
    return [
        _example(
            build,
            row,
            prompts.direct_prompt(row["question"], row["options"]),
            target=row["answer"],
            answer=row["answer"],
            metric=metric_for(row["question_type"], row["options"]),
            system=True,
        )
        for row in rows
    ]


def coldstart_examples(build: BuildInput, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cold-start rows -> SFT examples with the row's prompt and solution verbatim."""
    build.check_media(rows)
    return [
        _example(build, row, row["prompt"], target=row["solution"], answer="", metric="", system=True)
        for row in rows
    ]


def grpo_examples(build: BuildInput, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spatial rows -> stage-3 GRPO prompts (think/answer format; video rows as one frame-list video)."""
    build.check_media(rows)
    out = []
    for row in rows:
        example = _example(
            build,
            row,
            prompts.think_prompt(row["question"], row["options"]),
            target=None,
            answer=row["answer"],
            metric=metric_for(row["question_type"], row["options"]),
            system=False,
        )
        del example["completion"]
        out.append(example)
    return out


def eval_examples(
    build: BuildInput,
    grounding_rows: list[dict[str, Any]],
    spatial_rows: list[dict[str, Any]],
    pixels: PixelBudget,
    style: str = "direct",
) -> list[dict[str, Any]]:
    """Held-out rows -> prompts for evaluation; grounding uses the stage-1 prompt, spatial `style`."""
    if style not in PROMPT_STYLES:
        raise TrainError(f"prompt style {style!r}: expected one of {', '.join(PROMPT_STYLES)}")
    build.check_media(grounding_rows + spatial_rows)
    out = []
    for row in grounding_rows:
        answer = rescaled_answer(build, row, pixels)
        text = prompts.grounding_prompt(row["question"])
        out.append(
            _example(build, row, text, target=None, answer=json.dumps(answer), metric="iou", system=True)
        )
    for row in spatial_rows:
        if style == "direct":
            text, system = prompts.direct_prompt(row["question"], row["options"]), True
        else:
            text, system = prompts.think_prompt(row["question"], row["options"]), False
        metric = metric_for(row["question_type"], row["options"])
        out.append(
            _example(build, row, text, target=None, answer=row["answer"], metric=metric, system=system)
        )
    return out


def load_image(path: str, min_pixels: int | None = None, max_pixels: int | None = None) -> Any:
    """Open an image as RGB; with a pixel budget, already resized to its Qwen2.5-VL grid size.

    The target is the `smart_resize` of the stored size - the resize the processor itself applies - so
    the vision grid, and the stage-1 box targets, are exactly what the processor alone would produce;
    the processor's own resize then has nothing left to do. JPEGs are decoded at a reduced DCT scale
    first (`draft`), which makes full-resolution ScanNet frames (1296x968) much cheaper to load. A budget
    whose resize is not idempotent (a downscale landing under min_pixels is scaled up again by the
    processor) is left to the processor.
    """
    from PIL import Image

    with Image.open(path) as image:
        if min_pixels is None or max_pixels is None:
            return image.convert("RGB")
        width, height = image.size
        target = resized_size(width, height, min_pixels, max_pixels)
        if target == (width, height) or resized_size(*target, min_pixels, max_pixels) != target:
            return image.convert("RGB")
        if image.format == "JPEG":
            image.draft("RGB", target)
        return image.convert("RGB").resize(target, Image.Resampling.BICUBIC)


def _media_transform(pixels: PixelBudget | None):
    image_budget = (pixels.min_pixels, pixels.max_pixels) if pixels else (None, None)
    video_budget = (pixels.video_min, pixels.video_max) if pixels else (None, None)

    def transform(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if "images" in batch:
            batch["images"] = [[load_image(p, *image_budget) for p in paths] for paths in batch["images"]]
        if "videos" in batch:
            batch["videos"] = [
                [[load_image(p, *video_budget) for p in video] for video in videos]
                for videos in batch["videos"]
            ]
        return batch

    return transform


def to_dataset(examples: list[dict[str, Any]], pixels: PixelBudget | None = None):
    """A `datasets.Dataset` of examples whose `images`/`videos` paths open as PIL images on access.

    With `pixels`, every image and frame arrives already resized to the model's grid (`load_image`).
    """
    import datasets

    datasets.disable_progress_bars()
    if not examples:
        raise TrainError("no examples to train on; check the build and the held-out split")
    ds = datasets.Dataset.from_list(examples)
    ds.set_transform(_media_transform(pixels))
    return ds
