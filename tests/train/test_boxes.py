"""Stage-1 box rescaling to the Qwen2.5-VL resized grid (hand-computed, and checked against the processor)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ladderdata.train.boxes import rescale_box, resized_size


@pytest.mark.parametrize(
    ("size", "min_pixels", "max_pixels", "expected"),
    [
        # 1296x968 over 128*28*28: beta = sqrt(1296*968/100352) = 3.536 -> 13 x 9 patches of 28
        ((1296, 968), 16 * 28 * 28, 128 * 28 * 28, (364, 252)),
        # 160x120 into one 56x56 budget: beta = 2.474 -> floor(2.31)=2 by floor(1.73)=1 patches
        ((160, 120), 56 * 56, 56 * 56, (56, 28)),
        # 56x56 below min 112*112: beta = 2 -> ceil to 4 x 4 patches
        ((56, 56), 112 * 112, 128 * 28 * 28, (112, 112)),
        # already a multiple of 28 inside the budget: unchanged
        ((280, 196), 16 * 28 * 28, 128 * 28 * 28, (280, 196)),
    ],
)
def test_resized_size(size, min_pixels, max_pixels, expected) -> None:
    assert resized_size(size[0], size[1], min_pixels, max_pixels) == expected


def test_rescale_published_example_boxes() -> None:
    # reference/spatialladder-26k.md grounding row, 1296x968 -> 364x252
    src, dst = (1296, 968), (364, 252)
    # x * 364/1296, y * 252/968, rounded: 1048 -> 294.35, 82 -> 21.35, 1296 -> 364, 773 -> 201.24
    assert rescale_box([1048, 82, 1296, 773], src, dst) == [294, 21, 364, 201]
    # 81 -> 22.75, 536 -> 139.54, 736 -> 206.72, 781 -> 203.32
    assert rescale_box([81, 536, 736, 781], src, dst) == [23, 140, 207, 203]


def test_rescale_clips_to_the_resized_image() -> None:
    assert rescale_box([0, 0, 1300, 970], (1296, 968), (364, 252)) == [0, 0, 364, 252]


def test_resize_matches_what_the_qwen_processor_feeds_the_model() -> None:
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor

    processor = Qwen2VLImageProcessor(min_pixels=16 * 28 * 28, max_pixels=128 * 28 * 28)
    image = Image.fromarray(np.zeros((968, 1296, 3), dtype=np.uint8))
    grid = processor(images=[image], return_tensors="pt")["image_grid_thw"][0].tolist()
    # grid is (t, h, w) in 14-pixel patches
    assert (grid[2] * 14, grid[1] * 14) == resized_size(1296, 968, 16 * 28 * 28, 128 * 28 * 28) == (364, 252)
