"""Map pixel boxes from the original image to the grid Qwen2.5-VL actually sees.

Qwen2.5-VL resizes every image with `smart_resize` (sides multiples of patch_size * merge_size = 28,
area within [min_pixels, max_pixels], aspect kept) and predicts absolute coordinates in that resized
image, so stage-1 targets must be expressed there. We call transformers' own `smart_resize`, so the
targets follow exactly the resize the processor applies. Example: 1296x968 with max_pixels 128*28*28
becomes 364x252.
"""

from __future__ import annotations

from collections.abc import Sequence

PATCH_FACTOR = 28
"""patch_size (14) x spatial merge size (2) of Qwen2.5-VL."""


def resized_size(
    width: int, height: int, min_pixels: int, max_pixels: int, factor: int = PATCH_FACTOR
) -> tuple[int, int]:
    """(width, height) of an image after the Qwen2.5-VL resize."""
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    new_h, new_w = smart_resize(height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
    return new_w, new_h


def rescale_box(box: Sequence[int], src_size: tuple[int, int], dst_size: tuple[int, int]) -> list[int]:
    """Scale an integer [x1, y1, x2, y2] box from src (w, h) to dst (w, h), rounded and clipped.

    Clipping keeps the build's convention (x2/y2 may equal the image side), so a box touching the image
    edge still touches it after scaling.
    """
    sx = dst_size[0] / src_size[0]
    sy = dst_size[1] / src_size[1]
    x1, y1, x2, y2 = box
    out = [round(x1 * sx), round(y1 * sy), round(x2 * sx), round(y2 * sy)]
    limits = (dst_size[0], dst_size[1], dst_size[0], dst_size[1])
    return [max(0, min(int(v), lim)) for v, lim in zip(out, limits, strict=True)]
