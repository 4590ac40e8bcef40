"""Load a Qwen2.5-VL-style model and its processor from a local folder, offline.

Nothing is downloaded at run time: the Hub is switched offline before transformers is imported and
every load uses `local_files_only`. The processor gets the recipe's pixel budgets, which are also the
budgets the stage-1 box rescaling assumes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ladderdata.errors import TrainError
from ladderdata.train.recipe import PixelBudget, Recipe


def go_offline() -> None:
    """Forbid Hub access for this process (set before transformers/huggingface_hub are imported)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def quiet_transformers() -> None:
    """No per-file progress bars when loading/saving weights (the trainer logs progress itself)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def check_model_dir(path: str | Path) -> Path:
    """A local model folder with a config.json, or a TrainError saying how to get one."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise TrainError.at(
            path,
            "no local model here (config.json missing); nothing is downloaded at run time",
            "download once, e.g. `hf download Qwen/Qwen2.5-VL-3B-Instruct --local-dir "
            "models/Qwen2.5-VL-3B-Instruct`, or build a test model with `python -m ladderdata.train.tiny_model DIR`",
        )
    return path


def load_processor(path: str | Path, pixels: PixelBudget) -> Any:
    """The model's processor with the recipe's image and video pixel budgets applied."""
    path = check_model_dir(path)
    go_offline()
    from transformers import AutoProcessor

    quiet_transformers()
    try:
        processor = AutoProcessor.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as err:
        raise TrainError.at(
            path, f"cannot load the processor ({err})", "the folder needs the processor files"
        ) from err
    if not hasattr(processor, "image_processor") or not hasattr(processor, "tokenizer"):
        raise TrainError.at(path, "the processor has no image processor", "use a Qwen2.5-VL model folder")
    processor.image_processor.size = {"shortest_edge": pixels.min_pixels, "longest_edge": pixels.max_pixels}
    video = getattr(processor, "video_processor", None)
    if video is not None:
        video.size = {"shortest_edge": pixels.video_min, "longest_edge": pixels.video_max}
        # The explicit per-frame budget above is the cap; opt out of transformers' extra heuristic.
        if hasattr(video, "cap_pixels_per_frame"):
            video.cap_pixels_per_frame = False
    tokenizer = processor.tokenizer
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return processor


def torch_dtype(name: str) -> Any:
    """torch dtype from a recipe name."""
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def weights_dtype(recipe: Recipe) -> str:
    """The recipe's weights dtype; `auto` is bfloat16 on a CUDA GPU that supports it (upstream trains
    in bf16), else float32 (CPU runs, older GPUs)."""
    if recipe.model_dtype != "auto":
        return recipe.model_dtype
    import torch

    gpu = not use_cpu(recipe) and torch.cuda.is_available()
    return "bfloat16" if gpu and torch.cuda.is_bf16_supported() else "float32"


def attention_implementation(recipe: Recipe) -> str:
    """The recipe's attention kernel; `auto` is flash_attention_2 on a CUDA GPU when the flash-attn
    package is installed and the weights are half precision (what upstream uses), else sdpa."""
    if recipe.attn_implementation != "auto":
        return recipe.attn_implementation
    import importlib.util

    import torch

    gpu = not use_cpu(recipe) and torch.cuda.is_available()
    half = weights_dtype(recipe) in ("bfloat16", "float16")
    return "flash_attention_2" if gpu and half and importlib.util.find_spec("flash_attn") else "sdpa"


def load_model(path: str | Path, recipe: Recipe) -> Any:
    """The vision-language model in the recipe's weights dtype."""
    path = check_model_dir(path)
    go_offline()
    from transformers import AutoModelForImageTextToText

    quiet_transformers()
    try:
        model = AutoModelForImageTextToText.from_pretrained(
            str(path),
            dtype=torch_dtype(weights_dtype(recipe)),
            attn_implementation=attention_implementation(recipe),
            local_files_only=True,
        )
    except (OSError, ValueError) as err:
        raise TrainError.at(
            path, f"cannot load the model ({err})", "check the folder's config and weights"
        ) from err
    return model


def use_cpu(recipe: Recipe) -> bool:
    """True when training must run on the CPU (recipe says so, or no accelerator is present)."""
    import torch

    return recipe.device == "cpu" or not torch.cuda.is_available()


def apply_threads(recipe: Recipe) -> None:
    """Set torch's CPU thread count when the recipe pins one (CPU runs only)."""
    if recipe.cpu_threads is not None and use_cpu(recipe):
        import torch

        torch.set_num_threads(recipe.cpu_threads)


def precision_flags(recipe: Recipe) -> dict[str, bool]:
    """bf16/fp16 flags for TrainingArguments."""
    return {"bf16": recipe.precision == "bf16", "fp16": recipe.precision == "fp16"}
