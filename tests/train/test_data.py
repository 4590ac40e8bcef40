"""Build rows -> stage examples: prompts, targets, media handling and the train/held-out split."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ladderdata.errors import TrainError
from ladderdata.train import data
from ladderdata.train.build_rows import BuildInput
from ladderdata.train.recipe import PixelBudget, load_recipe
from ladderdata.train.stages import stage_examples
from tests.train.conftest import write_recipe

QUESTION = "From the camera's perspective, is the chair to the table's left, right, front, or back?"
STAGE1_PROMPT = (
    f"Question: {QUESTION}\n"
    "Please carefully observe the image first to identify the object(s) referred to in the question. "
    "Note that each object type appears only once in the image. "
    "Please provide the 2D bounding box coordinates and labels of the related objects in JSON format."
)
SMOKE = PixelBudget(min_pixels=3136, max_pixels=3136)
PAPER = PixelBudget()


def _text(message: dict) -> str:
    return next(part["text"] for part in message["content"] if part["type"] == "text")


def _kinds(message: dict) -> list[str]:
    return [part["type"] for part in message["content"]]


def test_stage1_prompt_and_target_rescaled_to_the_model_grid(handmade_build: Path) -> None:
    build = BuildInput.open(handmade_build)
    rows = build.grounding_rows()
    first = data.stage1_examples(build, rows[:1], SMOKE)[0]
    system, user = first["prompt"]
    assert _text(system) == "You are a helpful assistant"
    assert _kinds(user) == ["image", "text"] and _text(user) == STAGE1_PROMPT
    # scene0101_00 images are 160x120 -> 56x28 under a 56*56 budget; x * 0.35, y * 0.2333
    # chair [0, 0, 80, 60] -> [0, 0, 28, 14]; table [40, 40, 160, 120] -> [14, 9, 56, 28]
    expected = (
        "```json\n[\n"
        '    {\n        "bbox_2d": [\n            0,\n            0,\n            28,\n            14\n        ],\n'
        '        "label": "chair"\n    },\n'
        '    {\n        "bbox_2d": [\n            14,\n            9,\n            56,\n            28\n        ],\n'
        '        "label": "table"\n    }\n'
        "]\n```"
    )
    assert first["completion"][0]["content"][0]["text"] == expected
    assert json.loads(first["answer"])[1]["bbox_2d"] == [14, 9, 56, 28]
    assert first["images"] == [str((handmade_build / "images" / "scene0101_00" / "0.jpg").resolve())]


def test_stage1_uses_each_image_size_and_the_pixel_budget(handmade_build: Path) -> None:
    build = BuildInput.open(handmade_build)
    row = next(r for r in build.grounding_rows() if r["scene_id"] == "scene0102_00")
    example = data.stage1_examples(build, [row], PAPER)[0]
    # 200x150 lies inside [16*28*28, 128*28*28] -> rounded to 196x140; x * 0.98, y * 0.9333
    # chair [0, 0, 100, 75] -> [0, 0, 98, 70]; table [50, 50, 200, 150] -> [49, 47, 196, 140]
    assert [e["bbox_2d"] for e in json.loads(example["answer"])] == [[0, 0, 98, 70], [49, 47, 196, 140]]


def test_stage2_direct_prompts_and_video_as_a_frame_list(handmade_build: Path) -> None:
    build = BuildInput.open(handmade_build)
    rows = build.spatial_rows()
    examples = {e["data_type"] + ":" + e["question_type"]: e for e in data.stage2_examples(build, rows)}
    mcq = examples["single_image:relative direction"]
    assert _text(mcq["prompt"][1]) == (
        f"Question: {QUESTION}\nOptions:\nA. left\nB. right\nC. front\nD. back\n"
        "Please answer with the option's letter from the given choices directly."
    )
    assert mcq["completion"][0]["content"][0]["text"] in {"A", "B"} and mcq["metric"] == "mcq"
    count = examples["multi_view:object count"]
    assert _text(count["prompt"][1]) == (
        "Question: How many chair(s) are in this room?\n"
        "Please answer the question using a numerical value (e.g., 42 or 3.1) directly."
    )
    assert _kinds(count["prompt"][1]) == ["image"] * 8 + ["text"] and len(count["images"]) == 8
    assert count["metric"] == "mra"
    video = examples["video:appearance order"]
    assert _kinds(video["prompt"][1]) == ["video", "text"]
    assert video["images"] == [] and len(video["videos"]) == 1 and len(video["videos"][0]) == 4
    assert video["videos"][0][0].endswith("80.jpg") and video["videos"][0][-1].endswith("110.jpg")


def test_grpo_prompts_think_format_and_video_as_video(handmade_build: Path) -> None:
    build = BuildInput.open(handmade_build)
    rows = [r for r in build.spatial_rows() if r["data_type"] == "video"][:1]
    example = data.grpo_examples(build, rows)[0]
    assert len(example["prompt"]) == 1 and example["prompt"][0]["role"] == "user"
    # one frame-list video, as stage 2 and upstream feed it (not 4 separate images)
    assert _kinds(example["prompt"][0]) == ["video", "text"] and example["images"] == []
    assert len(example["videos"]) == 1 and len(example["videos"][0]) == 4
    text = _text(example["prompt"][0])
    assert text.startswith("Question: Which of the following categories appears first")
    assert "\nOptions:\nA. chair\nB. table\nC. sofa\nD. lamp \n" in text
    assert text.endswith(
        "answer the question with the option's letter from the given choices (e.g., A, B, etc.) "
        "within the <answer> </answer> tags."
    )
    assert "completion" not in example


def test_coldstart_rows_are_used_verbatim(handmade_build: Path) -> None:
    build = BuildInput.open(handmade_build)
    rows = build.coldstart_rows()
    example = data.coldstart_examples(build, rows[:1])[0]
    assert _text(example["prompt"][1]) == rows[0]["prompt"]
    assert example["completion"][0]["content"][0]["text"] == (
        "<think>The chair is about 1 metres from the table.</think><answer>1.0</answer>"
    )


def test_stage_examples_train_on_the_train_split_only(handmade_build: Path, tmp_path: Path) -> None:
    recipe = load_recipe(write_recipe(tmp_path / "r.yaml", tmp_path / "heldout.txt"))
    build = BuildInput.open(handmade_build)
    # stage 3 of the smoke recipe takes the multiple-choice rows only: 3 of the 4 per train scan
    for stage, count in (("1", 4), ("2", 8), ("cold_start", 2), ("3", 6)):
        examples = stage_examples(stage, build, recipe)
        assert len(examples) == count, stage
        assert {e["scene_id"] for e in examples} == {"scene0101_00", "scene0102_00"}


def test_jsonl_exports_read_like_the_shards(handmade_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "upstream"
    shutil.copytree(handmade_build, copy)
    shutil.rmtree(copy / "data")  # only spld_*.jsonl + images/ left, as upstream ships them
    shards, jsonl = BuildInput.open(handmade_build), BuildInput.open(copy)
    keys = ("question_id", "question", "options", "answer", "image", "question_type", "data_type", "scene_id")
    assert [{k: r.get(k) for k in keys} for r in jsonl.spatial_rows()] == [
        {k: r.get(k) for k in keys} for r in shards.spatial_rows()
    ]
    assert [r["answer"] for r in jsonl.grounding_rows()] == [r["answer"] for r in shards.grounding_rows()]
    assert {r["scene_id"] for r in jsonl.grounding_rows()} == {"scene0101_00", "scene0102_00", "scene0103_00"}


def test_missing_media_is_one_clear_error(handmade_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(handmade_build, copy)
    (copy / "images" / "scene0102_00" / "0.jpg").unlink()
    build = BuildInput.open(copy)
    with pytest.raises(TrainError) as err:
        data.stage1_examples(build, build.grounding_rows(), SMOKE)
    message = str(err.value)
    assert "scene0102_00/0.jpg: media file missing (1 of 6" in message
    assert "ladderdata materialize" in message and "\n" not in message


def test_media_root_override(handmade_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(handmade_build, copy)
    (copy / "images").rename(tmp_path / "media")
    build = BuildInput.open(copy, media_root=tmp_path / "media")
    examples = data.stage2_examples(build, build.spatial_rows())
    assert examples[0]["images"][0].startswith(str((tmp_path / "media").resolve()))


def test_missing_build_and_bad_jsonl(tmp_path: Path) -> None:
    with pytest.raises(TrainError, match="build folder not found"):
        BuildInput.open(tmp_path / "nope")
    (tmp_path / "spld_spatial_data.jsonl").write_text('{"question": "x"}\n{broken\n', encoding="utf-8")
    with pytest.raises(TrainError, match=r"spld_spatial_data.jsonl:2: invalid JSON"):
        BuildInput.open(tmp_path).spatial_rows()
    assert BuildInput.open(tmp_path).grounding_rows() == []
    assert BuildInput.open(tmp_path).coldstart_rows() == []


def test_to_dataset_decodes_media(handmade_build: Path) -> None:
    build = BuildInput.open(handmade_build)
    ds = data.to_dataset(data.stage2_examples(build, build.spatial_rows()))
    video = next(ex for ex in ds if ex["data_type"] == "video")
    assert [frame.size for frame in video["videos"][0]] == [(160, 120)] * 4
    single = next(ex for ex in ds if ex["data_type"] == "single_image")
    assert single["images"][0].size == (160, 120)
