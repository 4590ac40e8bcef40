"""A tiny, randomly initialised model of the Qwen2.5-VL architecture, built offline.

For tests and the CPU smoke run: the real model class (`Qwen2_5_VLForConditionalGeneration`) with a
few small layers, the real Qwen2.5-VL processor classes (image and video processors constructed from
their configs), and a byte-level BPE tokenizer trained on the fly with `tokenizers` on the prompt text,
carrying Qwen's special tokens (<|im_start|>, <|im_end|>, <|vision_start|>, <|image_pad|>,
<|video_pad|>, <|vision_end|>, ...) and a ChatML chat template with vision placeholders.

    python -m ladderdata.train.tiny_model models/tiny-qwen2.5-vl
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ladderdata import prompts

SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}"
    "{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
"""ChatML as Qwen2.5-VL renders it (default system turn, one placeholder per image or video)."""


def _corpus() -> list[str]:
    """Text the tokenizer's merges are learnt from: the stage prompts, answers and reasoning tags."""
    texts = [
        prompts.grounding_prompt("From the camera's perspective, is the chair to the table's left?"),
        prompts.direct_prompt(
            "Which object is closest to the sofa?", ["A. lamp", "B. desk", "C. bed", "D. tv"]
        ),
        prompts.direct_prompt("What is the length of the longest side of the bed in centimeters?", None),
        prompts.think_prompt("How many chairs are in the room?", None),
        prompts.think_prompt("Which is closer?", ["A. left", "B. right", "C. front", "D. back"]),
        '```json\n[\n    {\n        "bbox_2d": [12, 40, 180, 236],\n        "label": "chair"\n    }\n]\n```',
        "<think>let me think about the distance between them</think><answer>B</answer>",
        "<think>the room is about five by four metres</think><answer>20.5</answer>",
        "0 1 2 3 4 5 6 7 8 9 10 42 3.1 193.1 1.35 A B C D",
    ]
    return texts * 4


def build_tokenizer():
    """A byte-level BPE tokenizer with Qwen's special tokens, trained deterministically."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=640,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(_corpus(), trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
        padding_side="right",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_processor(tokenizer, min_pixels: int = 28 * 28 * 4, max_pixels: int = 28 * 28 * 16):
    """Qwen2.5-VL processor from the image/video processor configs and the tokenizer."""
    from transformers import Qwen2_5_VLProcessor
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    image_processor = Qwen2VLImageProcessor(min_pixels=min_pixels, max_pixels=max_pixels)
    video_processor = Qwen2VLVideoProcessor(
        min_pixels=min_pixels, max_pixels=max_pixels, cap_pixels_per_frame=False
    )
    return Qwen2_5_VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=CHAT_TEMPLATE,
    )


def build_model(tokenizer, seed: int = 0, hidden_size: int = 64, layers: int = 2):
    """A randomly initialised Qwen2_5_VLForConditionalGeneration with a small text and vision stack."""
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    heads = 4
    head_dim = hidden_size // heads
    # Multimodal RoPE splits head_dim/2 frequencies over (time, height, width).
    half = head_dim // 2
    mrope = [half - 2 * (half // 3), half // 3, half // 3]
    config = Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": hidden_size,
            "intermediate_size": hidden_size * 2,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "num_key_value_heads": 2,
            "max_position_embeddings": 8192,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": mrope},
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": hidden_size,
            "fullatt_block_indexes": [1],
            "window_size": 56,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    return model


def save_tiny_model(out: str | Path, seed: int = 0) -> Path:
    """Write model, tokenizer and processor to `out` (loadable with from_pretrained, offline)."""
    from ladderdata.train.model_io import go_offline

    go_offline()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer()
    processor = build_processor(tokenizer)
    model = build_model(tokenizer, seed=seed)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m ladderdata.train.tiny_model OUT [--seed N]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write the model to")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    path = save_tiny_model(args.out, seed=args.seed)
    print(f"tiny Qwen2.5-VL model written to {path}")


if __name__ == "__main__":
    main()
