"""Prompt text of every training stage, as the upstream SpatialLadder trainer words it.

Source: reference/spatialladder-26k.md, "What the upstream trainer does", and the public upstream
scripts (ZJU-REAL/SpatialLadder, `VLM-R1/src/open-r1-multimodal/src/open_r1/`). Two deliberate
differences, both documented in the README "Training" section:
- stage 2 puts a newline between the question and "Options:" (upstream concatenates them);
- the stage-1 target is JSON encoded once (upstream's JSONL path encodes the indented JSON twice).

Both the trainer (`train.data`) and the cold-start rows of a build (`generators.coldstart_text`) use this
wording, so it sits in the lowest layer and imports nothing.
"""

from __future__ import annotations

SYSTEM_MESSAGE = "You are a helpful assistant"
"""System turn of the SFT stages (upstream passes it explicitly, without a final period)."""

GROUNDING_INSTRUCTION = (
    "Please carefully observe the image first to identify the object(s) referred to in the question. "
    "Note that each object type appears only once in the image. "
    "Please provide the 2D bounding box coordinates and labels of the related objects in JSON format."
)
MCQ_DIRECT = "Please answer with the option's letter from the given choices directly."
NUMERIC_DIRECT = "Please answer the question using a numerical value (e.g., 42 or 3.1) directly."

THINK_PREAMBLE = (
    "Please Think about this question as if you were a human pondering deeply. "
    "Engage in an internal dialogue using expressions such as 'let me think', 'wait', 'Hmm', 'oh, I see', "
    "'let's break it down', etc, or other natural language thought expressions "
    "It's encouraged to include self-reflection or verification in the reasoning process. \n"
)
THINK_MCQ = (
    "Please provide your detailed reasoning between the <think> </think> tags, "
    "and then answer the question with the option's letter from the given choices (e.g., A, B, etc.) "
    "within the <answer> </answer> tags."
)
THINK_NUMERIC = (
    "Please provide your detailed reasoning between the <think> </think> tags, "
    "and then answer the question with a numerical value (e.g., 42 or 3.1) within the <answer> </answer> tags."
)


def with_options(question: str, options: list[str] | None) -> str:
    """The question followed by an `Options:` block (one `A. text` per line) when it has options."""
    if not options:
        return question
    return question + "\nOptions:\n" + "\n".join(options)


def grounding_prompt(question: str) -> str:
    """Stage 1: ask for the boxes and labels of the objects the question names."""
    return f"Question: {question}\n{GROUNDING_INSTRUCTION}"


def direct_prompt(question: str, options: list[str] | None) -> str:
    """Stage 2 / direct evaluation: answer with a letter or a number, nothing else."""
    suffix = MCQ_DIRECT if options else NUMERIC_DIRECT
    return f"Question: {with_options(question, options)}\n{suffix}"


def think_prompt(question: str, options: list[str] | None) -> str:
    """Stage 3 / reasoning evaluation: reason in <think>, answer in <answer>."""
    suffix = THINK_MCQ if options else THINK_NUMERIC
    return f"Question: {with_options(question, options)} \n{THINK_PREAMBLE}{suffix}"
