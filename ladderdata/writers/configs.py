"""The dataset configs a build publishes: one `ConfigSpec` per config, declared once here.

The card's YAML `configs` and `dataset_info`, and `meta/info.json`, list the configs whose shards exist
in the build (`data/<folder>/*.parquet`), so adding a config is one entry below: its features are read
from its first shard's schema when the card is written. `spatial` is the default config, so
`load_dataset(build_dir)` needs no config name. `grounding` keeps the upstream SpatialLadder name for
the localization rows; there is no second `localization` config holding the same files (one name per
config; the family is still `localization` in the `data_type` column and in `data/localization/`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderdata.writers.layout import COLDSTART_CONFIG, PREVIEW_DIR, BuildLayout


@dataclass(frozen=True)
class ConfigSpec:
    """One published config: its name, the `data/` folders it loads, and what it holds."""

    name: str
    folders: tuple[str, ...]
    description: str
    default: bool = False


CONFIG_SPECS: tuple[ConfigSpec, ...] = (
    ConfigSpec(
        "grounding", ("localization",), "2D boxes and labels of the objects a question names (stage 1)"
    ),
    ConfigSpec(
        "spatial",
        ("single_image", "multi_view", "video"),
        "single-image, multi-view and video spatial QA (stages 2 and 3)",
        default=True,
    ),
    ConfigSpec("single_image", ("single_image",), "the single-image rows of `spatial`"),
    ConfigSpec("multi_view", ("multi_view",), "the multi-view rows of `spatial`"),
    ConfigSpec("video", ("video",), "the video rows of `spatial`"),
    ConfigSpec(
        COLDSTART_CONFIG,
        (COLDSTART_CONFIG,),
        "cold-start rows: a reasoning trace and answer per spatial row, in the GRPO prompt wording",
    ),
    ConfigSpec(
        "preview",
        (PREVIEW_DIR,),
        "a few hundred rows of every type with their frames embedded as images, for the Hub's viewer",
    ),
)


def present_configs(layout: BuildLayout) -> list[tuple[ConfigSpec, list[str]]]:
    """(spec, shard globs) of every config with at least one shard in the build, in CONFIG_SPECS order."""
    out = []
    for spec in CONFIG_SPECS:
        folders = [f for f in spec.folders if any(layout.family_dir(f).glob("*.parquet"))]
        if folders:
            out.append((spec, [layout.shard_glob(f) for f in folders]))
    return out


def config_entries(layout: BuildLayout) -> list[dict[str, Any]]:
    """The card's YAML `configs` list (the format `datasets` reads): name, data files, default flag."""
    entries = []
    for spec, globs in present_configs(layout):
        entry: dict[str, Any] = {
            "config_name": spec.name,
            "data_files": [{"split": "train", "path": globs if len(globs) > 1 else globs[0]}],
        }
        if spec.default:
            entry["default"] = True
        entries.append(entry)
    return entries
