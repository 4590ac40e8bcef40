"""The SFT collator on real processor output: mixed image/video batches, completion-only labels."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ladderdata.errors import TrainError
from ladderdata.train import data
from ladderdata.train.build_rows import BuildInput
from ladderdata.train.collate import IGNORE_INDEX, VisionSFTCollator


@pytest.fixture(scope="module")
def mixed_batch(handmade_build: Path) -> list[dict]:
    build = BuildInput.open(handmade_build)
    ds = data.to_dataset(data.stage2_examples(build, build.spatial_rows()))
    by_type = {}
    for ex in ds:
        by_type.setdefault(ex["data_type"], ex)
    return [by_type["single_image"], by_type["video"], by_type["multi_view"]]


def test_labels_cover_exactly_the_answer(tiny_processor, mixed_batch) -> None:
    batch = VisionSFTCollator(tiny_processor, video_fps=2.0)([dict(ex) for ex in mixed_batch])
    tok = tiny_processor.tokenizer
    for i, ex in enumerate(mixed_batch):
        labelled = [t for t in batch["labels"][i].tolist() if t != IGNORE_INDEX]
        target = ex["completion"][0]["content"][0]["text"]
        assert tok.decode(labelled) == target + "<|im_end|>\n"
        # the labelled tokens are the last real tokens of the row
        n = int(batch["attention_mask"][i].sum())
        assert batch["input_ids"][i, n - len(labelled) : n].tolist() == labelled
        assert batch["labels"][i, n:].eq(IGNORE_INDEX).all()


def test_vision_placeholders_match_the_grids(tiny_processor, mixed_batch) -> None:
    batch = VisionSFTCollator(tiny_processor, video_fps=2.0)([dict(ex) for ex in mixed_batch])
    tok = tiny_processor.tokenizer
    ids = batch["input_ids"]
    image_tokens = int((ids == tok.convert_tokens_to_ids("<|image_pad|>")).sum())
    video_tokens = int((ids == tok.convert_tokens_to_ids("<|video_pad|>")).sum())
    # 1 single image + 8 views; 1 video of 4 frames; every placeholder covers a 2x2 merge of patches
    assert batch["image_grid_thw"].shape[0] == 9 and batch["video_grid_thw"].shape[0] == 1
    assert image_tokens == int(batch["image_grid_thw"].prod(-1).sum()) // 4
    assert video_tokens == int(batch["video_grid_thw"].prod(-1).sum()) // 4
    assert batch["video_grid_thw"][0, 0].item() == 2  # 4 frames, temporal patch 2
    assert batch["second_per_grid_ts"].tolist() == [1.0]  # temporal patch 2 / 2 fps
    assert batch["mm_token_type_ids"].shape == ids.shape


def test_tiny_model_trains_on_a_collated_batch(tiny_model_dir: Path, tiny_processor, mixed_batch) -> None:
    import torch
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(str(tiny_model_dir), local_files_only=True)
    batch = VisionSFTCollator(tiny_processor, video_fps=2.0)([dict(ex) for ex in mixed_batch])
    loss = model(**batch).loss
    assert math.isfinite(loss.item())
    loss.backward()
    vision_grad = model.model.visual.patch_embed.proj.weight.grad
    assert (
        vision_grad is not None and torch.count_nonzero(vision_grad) > 0
    )  # gradients reach the vision tower


def test_full_sequence_loss_never_targets_vision_tokens(tiny_processor, mixed_batch) -> None:
    batch = VisionSFTCollator(tiny_processor, completion_only_loss=False)(
        [dict(ex) for ex in mixed_batch[:1]]
    )
    tok = tiny_processor.tokenizer
    labels, ids = batch["labels"][0], batch["input_ids"][0]
    for token in ("<|image_pad|>", "<|vision_start|>", "<|vision_end|>"):
        assert labels[ids == tok.convert_tokens_to_ids(token)].eq(IGNORE_INDEX).all()
    assert (labels != IGNORE_INDEX).sum() > 20  # prompt text is a target too


def test_prompt_longer_than_max_length_is_an_error(tiny_processor, mixed_batch) -> None:
    with pytest.raises(TrainError, match="over max_length 16; raise max_length"):
        VisionSFTCollator(tiny_processor, max_length=16)([dict(mixed_batch[0])])


def test_grid_sized_loading_feeds_the_model_the_same_grid(handmade_build: Path, tiny_processor) -> None:
    import torch

    from ladderdata.train.recipe import PixelBudget

    budget = PixelBudget(min_pixels=784, max_pixels=3136)
    build = BuildInput.open(handmade_build)
    examples = data.stage2_examples(build, build.spatial_rows())
    plain, fitted = data.to_dataset(examples), data.to_dataset(examples, budget)
    # 160x120 -> 56x28 and 200x150 -> 56x28 (smart_resize under 56*56 pixels), already at load time
    assert {img.size for ex in fitted for img in ex["images"]} == {(56, 28)}
    assert {img.size for ex in plain for img in ex["images"]} == {(160, 120), (200, 150)}
    assert tiny_processor.image_processor.size["shortest_edge"] == budget.min_pixels  # the smoke budget
    collate = VisionSFTCollator(tiny_processor)
    for i in range(len(examples)):
        a, b = collate([plain[i]]), collate([fitted[i]])
        assert torch.equal(a["input_ids"], b["input_ids"])
        for key in ("image_grid_thw", "video_grid_thw"):
            if key in a:
                assert torch.equal(a[key], b[key])
