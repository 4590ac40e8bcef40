"""Cold-start rows of a real build: upstream format, traces that derive their answers, the config.

The sample build (`sample_build`, manifest `coldstart: {rows: 40}`) writes `spld_coldstart_data.jsonl`
and `data/coldstart/`. Every trace is read back by `validators.traces`, which re-derives the answer
from the trace text alone; any row whose derived answer differs from its `<answer>` block or from the
spatial row it explains fails the test. Hand-made traces check the validator itself can fail.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from ladderdata.prompts import think_prompt
from ladderdata.validators.traces import (
    ANSWER_MISMATCH,
    HIDDEN_DATA,
    INCONSISTENT,
    ROW_MISMATCH,
    check_trace,
    rederive,
)

COLDSTART_KEYS = ["question_id", "prompt", "solution", "image", "data_type"]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def coldstart(sample_build: Path) -> list[dict]:
    return _jsonl(sample_build / "spld_coldstart_data.jsonl")


@pytest.fixture(scope="module")
def spatial(sample_build: Path) -> dict[int, dict]:
    return {row["question_id"]: row for row in _jsonl(sample_build / "spld_spatial_data.jsonl")}


def test_rows_have_the_upstream_keys_and_match_their_spatial_rows(
    coldstart: list[dict], spatial: dict[int, dict], sample_build: Path
) -> None:
    assert len(coldstart) > 0
    stats = json.loads((sample_build / "meta" / "stats.json").read_text(encoding="utf-8"))
    assert stats["coldstart"]["rows"] == len(coldstart) and stats["coldstart"]["dropped"] == {}
    ids = [row["question_id"] for row in coldstart]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for row in coldstart:
        assert list(row) == COLDSTART_KEYS  # exactly the upstream keys, in the upstream order
        source = spatial[row["question_id"]]
        assert row["image"] == source["image"] and row["data_type"] == source["data_type"]
        # the GRPO think/answer prompt of the same question and options
        assert row["prompt"] == think_prompt(source["question"], source["options"])
        assert re.fullmatch(r"<think>[^<>]+</think><answer>[^<>]+</answer>", row["solution"])


def test_every_trace_rederives_its_answer(coldstart: list[dict], spatial: dict[int, dict]) -> None:
    for row in coldstart:
        source = spatial[row["question_id"]]
        derived = rederive(row["prompt"], row["solution"], source["question_type"], source["data_type"])
        if source["options"]:
            assert derived == source["answer"], row
        else:
            assert float(derived) == float(source["answer"]), row
        assert (
            check_trace(
                row["prompt"], row["solution"], source["question_type"], source["data_type"], source["answer"]
            )
            is None
        )


def test_mix_spreads_over_families_and_question_types(
    coldstart: list[dict], spatial: dict[int, dict]
) -> None:
    types = Counter(
        (spatial[r["question_id"]]["data_type"], spatial[r["question_id"]]["question_type"])
        for r in coldstart
    )
    available = Counter((r["data_type"], r["question_type"]) for r in spatial.values())
    # round-robin over a family's types: every available type is represented
    assert set(types) == set(available)
    assert len({r["data_type"] for r in coldstart}) == 3


def test_coldstart_config_loads_with_datasets(sample_build: Path, coldstart: list[dict]) -> None:
    import datasets
    import yaml

    card = (sample_build / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---")[1])
    assert "coldstart" in [c["config_name"] for c in front["configs"]]
    ds = datasets.load_dataset(str(sample_build), "coldstart", split="train")
    assert ds.num_rows == len(coldstart)
    assert ds.column_names[:5] == COLDSTART_KEYS
    assert ds[0]["solution"] == coldstart[0]["solution"]


def test_trainer_reads_the_build_coldstart_file(sample_build: Path, coldstart: list[dict]) -> None:
    from ladderdata.train.build_rows import BuildInput

    rows = BuildInput.open(sample_build).coldstart_rows()
    assert [r["question_id"] for r in rows] == [r["question_id"] for r in coldstart]


# --- the validator can fail ---------------------------------------------------------------------------

PROMPT = think_prompt(
    "Measuring from the closest point of each object, which of these objects (lamp, desk, coffee table) "
    "is the closest to the sofa?",
    ["A. lamp", "B. desk", "C. coffee table"],
)
TRACE = (
    "<think>Let me think. The sofa is in view 2. The lamp is about 2.10 m from the sofa; "
    "the desk is about 0.95 m from the sofa; the coffee table is about 1.40 m from the sofa. "
    "The desk is the nearest.</think><answer>{}</answer>"
)


def test_validator_rederives_the_closest_option() -> None:
    # hand-computed: 0.95 < 1.40 < 2.10, so the desk, option B
    assert rederive(PROMPT, TRACE.format("B"), "relative distance", "multi_view") == "B"
    assert check_trace(PROMPT, TRACE.format("B"), "relative distance", "multi_view", "B") is None
    assert check_trace(PROMPT, TRACE.format("C"), "relative distance", "multi_view") == ANSWER_MISMATCH
    assert check_trace(PROMPT, TRACE.format("B"), "relative distance", "multi_view", "C") == ROW_MISMATCH


def test_validator_catches_wrong_numbers_counts_and_hidden_data() -> None:
    size = think_prompt("What is the length of the longest dimension of the bed (in centimeters)?", None)
    ok = "<think>Its height is about 60 cm; length is about 205 cm; width is about 160 cm.</think><answer>205</answer>"
    assert check_trace(size, ok, "object size", "video") is None
    assert (
        check_trace(size, ok.replace("<answer>205", "<answer>160"), "object size", "video") == ANSWER_MISMATCH
    )
    cited = ok.replace("Its height", "The ground truth height")
    assert check_trace(size, cited, "object size", "video") == HIDDEN_DATA
    count = think_prompt("How many chair(s) are in this room?", None)
    listed = "<think>The first chair: view 1. The second chair: view 4. That makes {} in total.</think><answer>{}</answer>"
    assert check_trace(count, listed.format(2, 2), "object count", "multi_view") is None
    assert check_trace(count, listed.format(3, 3), "object count", "multi_view") == INCONSISTENT
    # allocentric direction: 30 degrees to the right of ahead is front-right in the hard variant
    direction = think_prompt(
        "If I am standing by the bed and facing the door, is the lamp to my front-left, front-right, "
        "back-left, or back-right?",
        ["A. front-left", "B. front-right", "C. back-left", "D. back-right"],
    )
    turn = "<think>I turn about 30 degrees to my right.</think><answer>{}</answer>"
    assert check_trace(direction, turn.format("B"), "relative direction", "video") is None
    assert check_trace(direction, turn.format("A"), "relative direction", "video") == ANSWER_MISMATCH
