"""Trainer fixtures: a tiny Qwen2.5-VL model and a hand-made build, each made once per session.

Both are shared by every xdist worker through a file lock under the session's base temp folder and must
be treated as read-only (copy before modifying).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.train.handmade import HELDOUT_SCANS, make_build

REPO = Path(__file__).resolve().parents[2]
SMOKE_RECIPE = REPO / "manifests" / "train" / "cpu-smoke.yaml"

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"


def source_key(*modules: str) -> str:
    """Short hash of the files that define a cached fixture, so a code change rebuilds it."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update((REPO / module).read_bytes())
    return digest.hexdigest()[:12]


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / "ladderdata-train"
    shared.mkdir(parents=True, exist_ok=True)
    out = shared / name
    done = shared / f"{name}.done"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            if out.exists():
                shutil.rmtree(out)
            make(out)
            done.write_text("ok\n", encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny Qwen2.5-VL (model + tokenizer + processor) saved to disk."""
    from ladderdata.train.tiny_model import save_tiny_model

    key = source_key("ladderdata/train/tiny_model.py", "ladderdata/prompts.py")
    return shared_dir(tmp_path_factory, f"tiny-qwen2.5-vl-{key}", lambda out: save_tiny_model(out, seed=0))


@pytest.fixture(scope="session")
def handmade_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made build of tests/train/handmade.py (3 scans, every family, cold-start rows)."""
    key = source_key("tests/train/handmade.py", "tests/fixtures/handmade.py")
    return shared_dir(tmp_path_factory, f"handmade-build-{key}", lambda out: make_build(out))


@pytest.fixture(scope="session")
def tiny_processor(tiny_model_dir: Path):
    """The tiny model's processor with the CPU-smoke pixel budget."""
    from ladderdata.train.model_io import load_processor
    from ladderdata.train.recipe import load_recipe

    return load_processor(tiny_model_dir, load_recipe(SMOKE_RECIPE).pixels)


def write_recipe(
    path: Path, scans_file: Path, heldout: tuple[str, ...] = HELDOUT_SCANS, **stage_overrides: dict
) -> Path:
    """The CPU smoke recipe with a held-out scan list (default: the hand-made build's) and overrides."""
    data = yaml.safe_load(SMOKE_RECIPE.read_text(encoding="utf-8"))
    scans_file.write_text("\n".join(heldout) + "\n", encoding="utf-8")
    data["heldout"] = {"scans_file": str(scans_file)}
    for stage, values in stage_overrides.items():
        data[stage].update(values)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
