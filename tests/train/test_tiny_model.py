"""The offline tiny Qwen2.5-VL used by the trainer tests and the CPU smoke run."""

from __future__ import annotations

import json
from pathlib import Path

from ladderdata.train.tiny_model import SPECIAL_TOKENS


def test_saved_folder_loads_offline_as_qwen2_5_vl(tiny_model_dir: Path) -> None:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    config = json.loads((tiny_model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "qwen2_5_vl"
    processor = AutoProcessor.from_pretrained(str(tiny_model_dir), local_files_only=True)
    model = AutoModelForImageTextToText.from_pretrained(str(tiny_model_dir), local_files_only=True)
    assert type(processor).__name__ == "Qwen2_5_VLProcessor"
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    tok = processor.tokenizer
    ids = [tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS]
    assert len(set(ids)) == len(SPECIAL_TOKENS) and tok.unk_token_id not in ids
    assert model.config.image_token_id == tok.convert_tokens_to_ids("<|image_pad|>")
    assert model.config.video_token_id == tok.convert_tokens_to_ids("<|video_pad|>")
    assert model.config.vision_start_token_id == tok.convert_tokens_to_ids("<|vision_start|>")
    assert tok.eos_token == "<|im_end|>"
    assert (
        tok.decode(tok("Question: 3.1 <answer>B</answer>")["input_ids"]) == "Question: 3.1 <answer>B</answer>"
    )


def test_chat_template_renders_chatml_with_vision_placeholders(tiny_processor) -> None:
    messages = [
        {"role": "user", "content": [{"type": "image"}, {"type": "video"}, {"type": "text", "text": "Q?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A"}]},
    ]
    assert tiny_processor.apply_chat_template(messages, tokenize=False) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>"
        "<|vision_start|><|video_pad|><|vision_end|>Q?<|im_end|>\n"
        "<|im_start|>assistant\nA<|im_end|>\n"
    )


def test_tokenizer_and_weights_are_reproducible(tmp_path: Path, tiny_model_dir: Path) -> None:
    from ladderdata.train.tiny_model import save_tiny_model

    again = save_tiny_model(tmp_path / "again", seed=0)
    for name in ("tokenizer.json", "model.safetensors", "config.json"):
        assert (again / name).read_bytes() == (tiny_model_dir / name).read_bytes(), name
