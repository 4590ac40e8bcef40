"""Batch collation for the SFT stages: images and frame-list videos in one batch, loss on the answer.

TRL's vision collator handles images only; stage 2 has video rows, so this collator renders each
example's prompt with the model's chat template, runs the processor over the batch (images and videos
together, placeholders expanded to the right number of vision tokens), appends the tokenized completion
and masks everything before it in the labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderdata.errors import TrainError

IGNORE_INDEX = -100


def render_prompt(processor: Any, messages: list[dict[str, Any]]) -> str:
    """Chat-template text of the prompt turns, ending with the assistant generation header."""
    return processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def completion_suffix(processor: Any, prompt: list[dict[str, Any]], completion: list[dict[str, Any]]) -> str:
    """Template text the completion adds after the generation header (answer + end-of-turn)."""
    head = render_prompt(processor, prompt)
    full = processor.apply_chat_template(prompt + completion, tokenize=False)
    if not full.startswith(head):
        raise TrainError(
            "the chat template renders the assistant turn differently from its generation prompt"
        )
    return full[len(head) :]


def vision_inputs(
    processor: Any, texts: list[str], examples: list[dict[str, Any]], video_fps: float, **kwargs: Any
) -> Any:
    """Run the processor over texts with the examples' images and videos (frame lists)."""
    images = [img for ex in examples for img in (ex.get("images") or [])]
    videos = [list(video) for ex in examples for video in (ex.get("videos") or [])]
    extra: dict[str, Any] = {}
    if videos:
        extra["videos"] = videos
        extra["video_metadata"] = [{"total_num_frames": len(v), "fps": video_fps} for v in videos]
    return processor(text=texts, images=images or None, return_tensors="pt", **extra, **kwargs)


@dataclass
class VisionSFTCollator:
    """Collate prompt/completion examples into model inputs with labels."""

    processor: Any
    video_fps: float = 2.0
    max_length: int | None = None
    completion_only_loss: bool = True

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        tokenizer = self.processor.tokenizer
        prompts = [render_prompt(self.processor, ex["prompt"]) for ex in examples]
        suffixes = [completion_suffix(self.processor, ex["prompt"], ex["completion"]) for ex in examples]
        batch = vision_inputs(
            self.processor, prompts, examples, self.video_fps, padding=True, padding_side="right"
        )
        completion_ids = tokenizer(suffixes, add_special_tokens=False)["input_ids"]
        has_mm = "mm_token_type_ids" in batch

        rows_ids, rows_labels, rows_mm = [], [], []
        for i, comp in enumerate(completion_ids):
            n = int(batch["attention_mask"][i].sum())
            prompt_ids = batch["input_ids"][i, :n].tolist()
            if self.max_length is not None:
                if n >= self.max_length:
                    raise TrainError(
                        f"question_id {examples[i].get('question_id')}: prompt is {n} tokens, over max_length "
                        f"{self.max_length}; raise max_length or lower the pixel budget in the recipe"
                    )
                comp = comp[: self.max_length - n]
            ids = prompt_ids + comp
            if self.completion_only_loss:
                labels = [IGNORE_INDEX] * n + comp
            else:
                labels = list(ids)
            rows_ids.append(ids)
            rows_labels.append(labels)
            if has_mm:
                rows_mm.append(batch["mm_token_type_ids"][i, :n].tolist() + [0] * len(comp))

        width = max(len(ids) for ids in rows_ids)
        pad_id = tokenizer.pad_token_id

        def padded(rows: list[list[int]], value: int) -> torch.Tensor:
            return torch.tensor([row + [value] * (width - len(row)) for row in rows], dtype=torch.long)

        out = {key: value for key, value in batch.items() if key not in ("input_ids", "attention_mask")}
        out["input_ids"] = padded(rows_ids, pad_id)
        out["attention_mask"] = padded([[1] * len(r) for r in rows_ids], 0)
        labels = padded(rows_labels, IGNORE_INDEX)
        if not self.completion_only_loss:
            # Vision placeholders are inputs, never targets.
            labels[out["attention_mask"] == 0] = IGNORE_INDEX
            for token in ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>"):
                token_id = tokenizer.convert_tokens_to_ids(token)
                if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
                    labels[out["input_ids"] == token_id] = IGNORE_INDEX
        out["labels"] = labels
        if has_mm:
            out["mm_token_type_ids"] = padded(rows_mm, 0)
        return out
