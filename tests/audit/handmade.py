"""The audit tests' hand-made builds: many scans, every family, and deliberately skewed variants.

Only the rows are stated here; `tests.fixtures.handmade.write_handmade_build` writes them in the
published layout. Each scan's first image has a coloured rectangle where each grounding box is, so the
gallery's drawn boxes can be told from the source pixels.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tests.fixtures.handmade import HandmadeRows, Image, provenance, write_handmade_build

IMAGE_W, IMAGE_H = 160, 120
DIRECTIONS = ["left", "right", "front", "back"]
OBJECTS = ["chair", "table", "lamp", "sofa", "bed", "desk", "sink", "door"]
LETTERS = "ABCD"


def _provenance(
    family: str, scan: str, frames: list[int], i: int, linked: str | None = None
) -> dict[str, Any]:
    extra = {"linked_sample_id": linked} if family == "localization" else {}
    return provenance(
        family,
        scan,
        frames,
        f"{family}-{scan}-{i}",
        template_id=f"{family}/t{i % 2}",
        generator_version="test",
        reference=json.dumps({"i": i}),
        **extra,
    )


def _image(boxes: list[list[int]], shade: int) -> Image:
    colours = [(60 + 60 * k, 200 - 50 * k, 90) for k in range(len(boxes))]
    return Image(
        (IMAGE_W, IMAGE_H), shade=shade, boxes=tuple((*b, c) for b, c in zip(boxes, colours, strict=True))
    )


def make_build(
    root: Path,
    *,
    scans: int = 24,
    variant: str = "balanced",
    media: str = "copy",
    seed: int = 0,
    direction_per_scan: int = 1,
) -> Path:
    """Write a build. Variants: `balanced`; `one_letter` (every MCQ answer is A); `one_value` (every
    object count is 2); `one_scan` (every row from one scan); `blind_text` (relative-direction answer
    letter is a function of the object named in the question, letters still uniform)."""
    rng = random.Random(seed)
    content = HandmadeRows()
    grounding = content.rows["localization"]
    spatial = content.rows
    qid = 0
    counter = {"dir": 0, "rd": 0, "ao": 0, "count": 0}
    for s in range(scans):
        scan = "scene0000_00" if variant == "one_scan" else f"scene{s:04d}_00"
        frames = [0, 10, 20, 30]
        paths = [f"{scan}/{f}.jpg" for f in frames]
        box_a = [10 + s % 5, 20, 70, 90]
        box_b = [90, 30 + s % 7, 150, 110]
        for k, p in enumerate(paths):
            content.images[p] = _image([box_a, box_b] if k == 0 else [box_b], 40 + 5 * k)
        # single image: relative direction (+ its grounding row) and object size
        for _ in range(direction_per_scan):
            n = counter["dir"]
            counter["dir"] += 1
            # the object names are drawn independently of the (cycled) letter, so no text predicts it
            obj, ref = rng.choice(OBJECTS[:4]), rng.choice(OBJECTS[4:])
            letter = "A" if variant == "one_letter" else LETTERS[n % 4]
            if variant == "blind_text":  # cycle the objects so the letters stay uniform
                obj = OBJECTS[n % 4]
                letter = LETTERS[n % 4]
            question = (
                f"From the camera's perspective, is the {obj} to the {ref}'s left, right, front, or back?"
            )
            sid = f"single_image-{scan}-dir{n}"
            spatial["single_image"].append(
                {
                    "question_id": qid,
                    "question": question,
                    "options": [f"{lt}. {d}" for lt, d in zip(LETTERS, DIRECTIONS, strict=True)],
                    "answer": letter,
                    "image": [paths[0]],
                    "question_type": "relative direction",
                    "data_type": "single_image",
                    **_provenance("single_image", scan, [0], n),
                    "sample_id": sid,
                }
            )
            grounding.append(
                {
                    "question_id": qid,
                    "question": question,
                    "answer": [{"bbox_2d": box_a, "label": obj}, {"bbox_2d": box_b, "label": ref}],
                    "image": [paths[0]],
                    "data_type": "single_image",
                    **_provenance("localization", scan, [0], n, linked=sid),
                }
            )
            qid += 1
        spatial["single_image"].append(
            {
                "question_id": qid,
                "question": f"What is the length of the longest dimension of the {OBJECTS[s % 8]} "
                "(in centimeters)?",
                "options": None,
                "answer": str(rng.randint(40, 220)),
                "image": [paths[0]],
                "question_type": "object size",
                "data_type": "single_image",
                **_provenance("single_image", scan, [0], s),
            }
        )
        qid += 1
    for s in range(scans):
        scan = "scene0000_00" if variant == "one_scan" else f"scene{s:04d}_00"
        paths = [f"{scan}/{f}.jpg" for f in (0, 10, 20, 30)]
        n = counter["count"]
        counter["count"] += 1
        count = "2" if variant == "one_value" else str(2 + n % 6)
        spatial["multi_view"].append(
            {
                "question_id": qid,
                "question": f"How many {OBJECTS[s % 8]}(s) are in this room?",
                "options": None,
                "answer": count,
                "image": paths,
                "question_type": "object count",
                "data_type": "multi_view",
                **_provenance("multi_view", scan, [0, 10, 20, 30], s),
            }
        )
        qid += 1
        n = counter["rd"]
        counter["rd"] += 1
        cands = rng.sample(OBJECTS[:7], 4)
        spatial["multi_view"].append(
            {
                "question_id": qid,
                "question": f"Measuring from the closest point of each object, which of these objects "
                f"({', '.join(cands)}) is the closest to the door?",
                "options": [f"{lt}. {c}" for lt, c in zip(LETTERS, cands, strict=True)],
                "answer": "A" if variant == "one_letter" else LETTERS[n % 4],
                "image": paths,
                "question_type": "relative distance",
                "data_type": "multi_view",
                **_provenance("multi_view", scan, [0, 10, 20, 30], s),
            }
        )
        qid += 1
    for s in range(scans):
        scan = "scene0000_00" if variant == "one_scan" else f"scene{s:04d}_00"
        paths = [f"{scan}/{f}.jpg" for f in (0, 10, 20, 30)]
        spatial["video"].append(
            {
                "question_id": qid,
                "question": "What is the size of this room (in square meters)?",
                "options": None,
                "answer": f"{rng.uniform(8, 60):.1f}",
                "image": paths,
                "question_type": "room size",
                "data_type": "video",
                **_provenance("video", scan, [0, 10, 20, 30], s),
            }
        )
        qid += 1
        n = counter["ao"]
        counter["ao"] += 1
        order = OBJECTS[:4]
        opts = [", ".join(order[k:] + order[:k]) for k in range(4)]
        spatial["video"].append(
            {
                "question_id": qid,
                "question": "What will be the first-time appearance order of the following "
                f"categories in the video: {', '.join(sorted(order))}?",
                "options": [f"{lt}. {o}" for lt, o in zip(LETTERS, opts, strict=True)],
                "answer": "A" if variant == "one_letter" else LETTERS[n % 4],
                "image": paths,
                "question_type": "appearance order",
                "data_type": "video",
                **_provenance("video", scan, [0, 10, 20, 30], s),
            }
        )
        qid += 1

    config = {
        "name": f"handmade-{variant}",
        "seed": seed,
        "families": {
            "localization": {
                "enabled": True,
                "quotas": {"localization": scans * direction_per_scan},
                "per_scan_cap": None,
            },
            "single_image": {
                "enabled": True,
                "quotas": {
                    "relative direction": scans * direction_per_scan,
                    "object size": scans,
                    "absolute distance": 5,
                },
                "per_scan_cap": None,
            },
            "multi_view": {
                "enabled": True,
                "quotas": {"object count": scans, "relative distance": scans},
                "per_scan_cap": None,
            },
            "video": {
                "enabled": True,
                "quotas": {"room size": scans, "appearance order": scans},
                "per_scan_cap": None,
            },
        },
        "balance": {"max_numeric_value_share": 0.2, "letter_tolerance": 0.03},
    }
    return write_handmade_build(Path(root), content, media=media, config=config).root
