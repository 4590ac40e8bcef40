"""GRPO media plumbing (`grpo_video`): a video row reaches the model as one video, per-sample tensors
split and merge back exactly, on real processor output of a mixed image/video batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladderdata.train import data
from ladderdata.train.build_rows import BuildInput
from ladderdata.train.collate import render_prompt, vision_inputs


@pytest.fixture(scope="module")
def grpo_batch(handmade_build: Path) -> list[dict]:
    build = BuildInput.open(handmade_build)
    ds = data.to_dataset(data.grpo_examples(build, build.spatial_rows()))
    by_type = {}
    for ex in ds:
        by_type.setdefault(ex["data_type"], ex)
    return [by_type["video"], by_type["single_image"], by_type["multi_view"], by_type["video"]]


def test_video_row_is_one_video_not_frames(tiny_processor, grpo_batch) -> None:
    from ladderdata.train.grpo_video import split_media

    texts = [render_prompt(tiny_processor, ex["prompt"]) for ex in grpo_batch]
    batch = vision_inputs(tiny_processor, texts, grpo_batch, 2.0, padding=True, padding_side="left")
    video_pad = tiny_processor.tokenizer.convert_tokens_to_ids("<|video_pad|>")
    image_pad = tiny_processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    merge = tiny_processor.video_processor.merge_size**2
    rows = split_media(batch, grpo_batch)
    for i, (ex, media) in enumerate(zip(grpo_batch, rows, strict=True)):
        ids = batch["input_ids"][i]
        if ex["data_type"] == "video":
            # 4 frames -> one video grid of 2 temporal patches; its tokens, no image tokens
            assert len(ex["videos"]) == 1 and ex["images"] == []
            assert media["video_grid_thw"].tolist()[0][0] == 2 and "pixel_values" not in media
            assert int((ids == video_pad).sum()) == int(media["video_grid_thw"].prod()) // merge
            assert int((ids == image_pad).sum()) == 0
            assert media["pixel_values_videos"].shape[0] == int(media["video_grid_thw"].prod())
        else:
            assert "pixel_values_videos" not in media
            assert media["image_grid_thw"].shape[0] == len(ex["images"])
            assert int((ids == image_pad).sum()) == int(media["image_grid_thw"].prod(-1).sum()) // merge
            assert media["pixel_values"].shape[0] == int(media["image_grid_thw"].prod(-1).sum())


def test_split_then_merge_restores_any_chunk(tiny_processor, grpo_batch) -> None:
    import torch

    from ladderdata.train.grpo_video import merge_media, split_media

    texts = [render_prompt(tiny_processor, ex["prompt"]) for ex in grpo_batch]
    batch = vision_inputs(tiny_processor, texts, grpo_batch, 2.0, padding=True, padding_side="left")
    rows = split_media(batch, grpo_batch)
    whole = merge_media(rows, "cpu")
    for key in ("pixel_values", "image_grid_thw", "pixel_values_videos", "video_grid_thw"):
        assert torch.equal(whole[key], batch[key]), key
    # a chunk of samples 1..2 (image rows) carries exactly their images and no video
    chunk = merge_media(rows[1:3], "cpu")
    assert "pixel_values_videos" not in chunk
    n_images = len(grpo_batch[1]["images"]) + len(grpo_batch[2]["images"])
    assert torch.equal(chunk["image_grid_thw"], batch["image_grid_thw"][:n_images])
