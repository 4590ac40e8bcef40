"""GRPO over images and frame-list videos: a `trl.GRPOTrainer` subclass.

TRL's GRPOTrainer (1.16) builds multimodal inputs from an `images` column only: prompt tokenization,
the scoring pass and the loss pass hand the processor images and the model image tensors. A video row
would have to go in as separate images (twice the vision tokens of a video, no temporal merge), which
is not what stage 2 and upstream do. This subclass takes the media over, keeping every other part of
TRL's algorithm (sampling, rewards, advantages, loss aggregation, KL) as it is:

- `_generate_and_score_completions` moves the batch's `images` / `videos` out of TRL's sight, so TRL
  sees text prompts with media placeholders;
- `_tokenize_prompts` renders the chat template and runs the processor over the batch's images and
  videos together (`collate.vision_inputs`, the same call stage 2 trains with), so generation sees
  each video as one video; the per-sample vision tensors are kept;
- the per-sample tensors travel in the batch as a list (`vision_media`), which TRL shuffles and splits
  into micro-batches with its other per-sample columns;
- `_get_per_token_logps_and_entropies` feeds each chunk its vision tensors and multimodal token types
  for the old/reference log-probs and the loss.
"""

from __future__ import annotations

from typing import Any

from trl import GRPOTrainer

from ladderdata.train.collate import render_prompt, vision_inputs

MEDIA_KEY = "vision_media"
"""Batch column holding each sample's vision tensors."""
_IMAGE_KEYS = ("pixel_values", "image_grid_thw")
_VIDEO_KEYS = ("pixel_values_videos", "video_grid_thw", "second_per_grid_ts")


def split_media(batch: Any, examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-sample slices of the processor's vision tensors (rows follow each grid's t*h*w)."""
    out: list[dict[str, Any]] = [{} for _ in examples]
    for kind, (pix, grid, *extra) in (("images", _IMAGE_KEYS), ("videos", _VIDEO_KEYS)):
        if grid not in batch:
            continue
        rows = batch[grid].prod(-1).tolist()
        item_at, row_at = 0, 0
        for sample, ex in zip(out, examples, strict=True):
            n = len(ex.get(kind) or [])
            if not n:
                continue
            span = sum(rows[item_at : item_at + n])
            sample[pix] = batch[pix][row_at : row_at + span]
            sample[grid] = batch[grid][item_at : item_at + n]
            for key in extra:
                if key in batch:
                    sample[key] = batch[key][item_at : item_at + n]
            item_at += n
            row_at += span
    return out


def merge_media(items: list[dict[str, Any]], device: Any) -> dict[str, Any]:
    """Model keyword arguments of a chunk of samples (their vision tensors concatenated)."""
    import torch

    merged: dict[str, Any] = {}
    for key in (*_IMAGE_KEYS, *_VIDEO_KEYS):
        parts = [item[key] for item in items if key in item]
        if not parts:
            continue
        if isinstance(parts[0], torch.Tensor):
            merged[key] = torch.cat(parts).to(device)
        else:
            merged[key] = torch.tensor([v for part in parts for v in part], device=device)
    return merged


class VisionGRPOTrainer(GRPOTrainer):
    """GRPOTrainer whose prompts may carry images and frame-list videos (see module docstring)."""

    def __init__(self, *args: Any, video_fps: float = 2.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.video_fps = video_fps
        self._media_examples: list[dict[str, Any]] | None = None
        self._media_rows: list[dict[str, Any]] | None = None
        tokenizer = self.processing_class.tokenizer
        self._media_token_types = {
            tokenizer.convert_tokens_to_ids("<|image_pad|>"): 1,
            tokenizer.convert_tokens_to_ids("<|video_pad|>"): 2,
        }

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        self._media_examples = [
            {"images": list(ex.get("images") or []), "videos": list(ex.get("videos") or [])} for ex in inputs
        ]
        stripped = [{k: v for k, v in ex.items() if k not in ("images", "videos", "image")} for ex in inputs]
        try:
            output = super()._generate_and_score_completions(stripped)
            output[MEDIA_KEY] = self._media_rows
        finally:
            self._media_examples = None
            self._media_rows = None
        return output

    def _tokenize_prompts(self, prompts: list[Any]) -> tuple[list[list[int]], None, dict[str, Any]]:
        examples = self._media_examples
        if examples is None or len(examples) != len(prompts):
            return super()._tokenize_prompts(prompts)
        texts = [render_prompt(self.processing_class, prompt) for prompt in prompts]
        batch = vision_inputs(
            self.processing_class, texts, examples, self.video_fps, padding=True, padding_side="left"
        )
        mask = batch["attention_mask"].bool()
        prompt_ids = [row[m].tolist() for row, m in zip(batch["input_ids"], mask, strict=True)]
        fields: dict[str, Any] = {
            k: v for k, v in batch.items() if k not in ("input_ids", "attention_mask", "mm_token_type_ids")
        }
        if "mm_token_type_ids" in batch:
            fields["mm_token_type_ids"] = [
                row[m].tolist() for row, m in zip(batch["mm_token_type_ids"], mask, strict=True)
            ]
        self._media_rows = split_media(batch, examples)
        return prompt_ids, None, fields

    def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> Any:
        self._media_rows = inputs.get(MEDIA_KEY)
        try:
            return super()._compute_loss(model, inputs)
        finally:
            self._media_rows = None

    def _get_per_token_logps_and_entropies(
        self,
        model: Any,
        input_ids: Any,
        attention_mask: Any,
        logits_to_keep: int,
        batch_size: int | None = None,
        compute_entropy: bool = False,
        compute_aux_loss: bool = False,
        **kwargs: Any,
    ) -> tuple[Any, Any, Any]:
        rows = self._media_rows
        if rows is None:
            return super()._get_per_token_logps_and_entropies(
                model,
                input_ids,
                attention_mask,
                logits_to_keep,
                batch_size=batch_size,
                compute_entropy=compute_entropy,
                compute_aux_loss=compute_aux_loss,
                **kwargs,
            )
        import torch

        batch_size = batch_size or input_ids.size(0)
        logps, entropies, aux = [], [], []
        for start in range(0, input_ids.size(0), batch_size):
            end = min(start + batch_size, input_ids.size(0))
            ids = input_ids[start:end]
            model_inputs = {"input_ids": ids, "attention_mask": attention_mask[start:end]}
            model_inputs.update(merge_media(rows[start:end], ids.device))
            token_types = torch.zeros_like(ids)
            for token_id, kind in self._media_token_types.items():
                token_types[ids == token_id] = kind
            model_inputs["mm_token_type_ids"] = token_types
            if compute_aux_loss:
                model_inputs["output_router_logits"] = True
            # only the completion tokens are scored, as in TRL's own pass
            labels = ids.masked_fill(attention_mask[start:end] == 0, -100)
            labels[:, :-logits_to_keep] = -100
            with self.accelerator.autocast():
                outputs = model(**model_inputs, labels=labels, fused_lm_head=True)
            logps.append(outputs.log_probs[:, -logits_to_keep:])
            if compute_entropy:
                entropies.append(outputs.entropy[:, -logits_to_keep:])
            if compute_aux_loss:
                aux.append(outputs.aux_loss)
        return (
            torch.cat(logps, dim=0),
            torch.cat(entropies, dim=0) if compute_entropy else None,
            torch.stack(aux).mean() if compute_aux_loss else None,
        )
