"""The hub tests' hand-made build: two scans in a raw ScanNet export tree, three families, a card.

The rows are stated here and written by `tests.fixtures.handmade.write_handmade_build`: the raw tree
`<raw>/export/<scan>/color/<i>.jpg` (small seeded JPEGs), Parquet shards, the README.md card with YAML
`configs`, JSONL exports and meta/*.json, images/<scan>/<i>.jpg copied byte for byte from the raw tree
(media copy) or absent (media reference), plus the working state and scratch files a real build
leaves behind (which push must skip).
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.handmade import HandmadeBuild, HandmadeRows, Image, provenance, write_handmade_build

SCANS = {"scene0001_00": (0, 10, 20), "scene0002_00": (0, 10)}

CARD = """---
pretty_name: hand-made ladderdata build
license: other
configs:
- config_name: grounding
  data_files:
  - split: train
    path: data/localization/*.parquet
- config_name: spatial
  data_files:
  - split: train
    path:
    - data/single_image/*.parquet
    - data/multi_view/*.parquet
- config_name: single_image
  data_files: data/single_image/*.parquet
---

# Hand-made build

Test fixture.
"""


def _images() -> dict[str, Image]:
    return {
        f"{scan}/{frame}.jpg": Image((32, 24), seed=1000 * s + frame)
        for s, (scan, frames) in enumerate(sorted(SCANS.items()))
        for frame in frames
    }


def _rows(images: list[str]) -> HandmadeRows:
    def grounding(qid: int, label: str, box: list[int], image: str) -> dict:
        scan = image.split("/")[0]
        return {
            "question_id": qid,
            "question": f"Locate the {label}.",
            "answer": [{"bbox_2d": box, "label": label}],
            "image": [image],
            "data_type": "single_image",
            **provenance("localization", scan, [0], f"g{qid}", linked_sample_id=f"s{qid}"),
        }

    def spatial(qid: int, pair: list[str], data_type: str) -> list[dict]:
        scan = pair[0].split("/")[0]
        common = {"data_type": data_type, **provenance(data_type, scan, [0], f"s{qid}")}
        return [
            {
                "question_id": qid,
                "question": "How many chairs?",
                "options": None,
                "answer": "2",
                "image": [pair[0]],
                "question_type": "object count",
                **common,
            },
            {
                "question_id": qid + 1,
                "question": "Which is closer to the door?",
                "options": ["A. chair", "B. table"],
                "answer": "A",
                "image": list(pair),
                "question_type": "relative distance",
                **common,
                "sample_id": f"s{qid + 1}",
            },
        ]

    return HandmadeRows(
        rows={
            "localization": [
                grounding(1, "chair", [1, 2, 10, 12], images[0]),
                grounding(2, "table", [3, 4, 20, 22], images[1]),
            ],
            "single_image": spatial(1, images[:2], "single_image"),
            "multi_view": spatial(3, images[2:4], "multi_view"),
        },
        images=_images(),
    )


def make_build(
    root: Path,
    raw: Path,
    *,
    source: str = "sample",
    licensed: bool = False,
    media: str = "copy",
    scratch: bool = True,
) -> HandmadeBuild:
    """Write a complete small build at `root` from the raw tree at `raw` (created if missing)."""
    return write_handmade_build(
        root,
        _rows(sorted(_images())),
        raw=raw,
        source=source,
        licensed=licensed,
        media=media,
        card=CARD,
        scratch=scratch,
    )


PUBLISHED = sorted(
    [
        "README.md",
        "data/localization/train-00000.parquet",
        "data/multi_view/train-00000.parquet",
        "data/single_image/train-00000.parquet",
        "meta/checksums.json",
        "meta/info.json",
        "meta/manifest.json",
        "meta/media.json",
        "meta/stats.json",
        "spld_grounding_data.jsonl",
        "spld_spatial_data.jsonl",
    ]
    + [f"images/{scan}/{f}.jpg" for scan, frames in SCANS.items() for f in frames]
)
"""What a media-copy hand-made build publishes (written out by hand, not computed by the code under test)."""
