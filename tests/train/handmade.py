"""The trainer tests' hand-made build (written by `tests.fixtures.handmade.write_handmade_build`).

Three scans; per scan: 2 localization rows (+ their 2 single-image rows), 1 multi-view row (8 views),
1 video row (4 frames) and 1 cold-start row; images are small JPEGs under images/<scan>/<frame>.jpg.
Image sizes differ per scan so the stage-1 box rescaling is exercised on more than one resolution.
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.handmade import HandmadeRows, Image, provenance, write_handmade_build

SCANS = ("scene0101_00", "scene0102_00", "scene0103_00")
HELDOUT_SCANS = ("scene0103_00",)
IMAGE_SIZES = {"scene0101_00": (160, 120), "scene0102_00": (200, 150), "scene0103_00": (160, 120)}
MCQ_OPTIONS = ["A. left", "B. right", "C. front", "D. back"]


def _provenance(n: int, family: str, scan: str, frames: list[int]) -> dict:
    return provenance(family, scan, frames, f"hand{n:04d}")


def make_build(root: Path, with_coldstart: bool = True) -> Path:
    """Write the build under `root` and return it."""
    content = HandmadeRows()
    rows, coldstart = content.rows, content.coldstart
    qid = 0
    for s, scan in enumerate(SCANS):
        w, h = IMAGE_SIZES[scan]
        frames = [10 * i for i in range(12)]
        for i, frame in enumerate(frames):
            content.images[f"{scan}/{frame}.jpg"] = Image((w, h), seed=100 * s + i)
        for k, frame in enumerate(frames[:2]):
            qid += 1
            image = [f"{scan}/{frame}.jpg"]
            question = (
                "From the camera's perspective, is the chair to the table's left, right, front, or back?"
            )
            single = {
                "question_id": qid,
                "question": question,
                "options": MCQ_OPTIONS,
                "answer": "AB"[k],
                "image": image,
                "question_type": "relative direction",
                "data_type": "single_image",
                **_provenance(qid, "single_image", scan, [frame]),
            }
            loc = {
                "question_id": qid,
                "question": question,
                "answer": [
                    {"bbox_2d": [0, 0, w // 2, h // 2], "label": "chair"},
                    {"bbox_2d": [w // 4, h // 3, w, h], "label": "table"},
                ],
                "image": image,
                "data_type": "single_image",
                **_provenance(1000 + qid, "localization", scan, [frame]),
                "linked_sample_id": single["sample_id"],
            }
            rows["single_image"].append(single)
            rows["localization"].append(loc)
        qid += 1
        rows["multi_view"].append(
            {
                "question_id": qid,
                "question": "How many chair(s) are in this room?",
                "options": None,
                "answer": str(2 + s),
                "image": [f"{scan}/{f}.jpg" for f in frames[2:10]],
                "question_type": "object count",
                "data_type": "multi_view",
                **_provenance(qid, "multi_view", scan, frames[2:10]),
            }
        )
        qid += 1
        rows["video"].append(
            {
                "question_id": qid,
                "question": "Which of the following categories appears first in the video: chair, table, sofa, lamp?",
                "options": ["A. chair", "B. table", "C. sofa", "D. lamp"],
                "answer": "CDA"[s],
                "image": [f"{scan}/{f}.jpg" for f in frames[8:12]],
                "question_type": "appearance order",
                "data_type": "video",
                **_provenance(qid, "video", scan, frames[8:12]),
            }
        )
        coldstart.append(
            {
                "question_id": 5000 + s,
                "prompt": "Question: How far is the chair from the table (in metres)?\nThink, then answer.",
                "solution": f"<think>The chair is about {s + 1} metres from the table.</think><answer>{s + 1}.0</answer>",
                "image": [f"{scan}/{frames[0]}.jpg"],
                "data_type": "single_image",
            }
        )

    if not with_coldstart:
        coldstart.clear()
    return write_handmade_build(root, content).root
