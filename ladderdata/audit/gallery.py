"""Gallery of sampled rows per question type, with localization boxes drawn onto image copies.

Boxes come from grounding rows: a grounding row and the single-image row it grounds share
`question_id` and image, so a spatial row shows the boxes of the grounding row with its id and image.
Pixels are never modified in place: each shown image is read with OpenCV, boxes and labels are drawn on
the copy, the copy is shrunk to a thumbnail and written into the report's images folder. When the
pixels are absent (`--media reference` builds, JSONL without its image tree) the item keeps the
published path so the report can show it instead.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.audit.load import AuditInput
from ladderdata.audit.tables import TYPE_ORDER, answer_label, canonical_order, is_mcq_row
from ladderdata.writers.reader import LOCALIZATION

MAX_IMAGES_PER_ITEM = 8
THUMB_WIDTH = 480
# BGR colours (OpenCV), distinct for the first few boxes of a row
BOX_COLOURS = [(40, 40, 230), (230, 120, 30), (40, 180, 40), (200, 40, 200), (30, 200, 220), (120, 60, 20)]


@dataclass
class GalleryBox:
    """One drawn box: label and [x1, y1, x2, y2] in the original image's pixels."""

    label: str
    bbox_2d: list[int]


@dataclass
class GalleryImage:
    """One image of a gallery item: the published path and the drawn copy (None when absent)."""

    path: str
    copy: str | None = None  # path relative to the HTML file's folder
    width: int | None = None  # original size
    height: int | None = None
    note: str = ""


@dataclass
class GalleryItem:
    """One sampled row as the report shows it."""

    question_type: str
    family: str
    data_type: str
    question_id: Any
    scene_id: str
    question: str
    options: list[str] | None
    answer: str
    answer_label: str | None
    boxes: list[GalleryBox]
    images: list[GalleryImage]
    image_count: int
    extra: dict[str, Any] = field(default_factory=dict)


def sample_rows(rows: list[dict[str, Any]], per_type: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """`per_type` rows of each question type, chosen with a seeded RNG from a canonical order."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_type[r["question_type"]].append(r)
    out = {}
    for qt in canonical_order(by_type, TYPE_ORDER):
        group = sorted(by_type[qt], key=lambda r: (str(r.get("question_id")), r["question"], r["image"]))
        rng = random.Random(f"{seed}:{qt}")
        picked = rng.sample(range(len(group)), k=min(per_type, len(group)))
        out[qt] = [group[i] for i in sorted(picked)]
    return out


def _spread(n: int, k: int) -> list[int]:
    """k indices spread evenly over range(n) (first and last included)."""
    if n <= k:
        return list(range(n))
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def draw_boxes(image, boxes: list[GalleryBox]):
    """Draw labelled rectangles onto a copy of a BGR image (OpenCV) and return the copy."""
    import cv2

    out = image.copy()
    h, w = out.shape[:2]
    thickness = max(2, round(w / 300))
    scale = max(0.5, w / 1000)
    for i, box in enumerate(boxes):
        colour = BOX_COLOURS[i % len(BOX_COLOURS)]
        x1, y1, x2, y2 = (int(v) for v in box.bbox_2d)
        cv2.rectangle(out, (x1, y1), (max(x1, x2 - 1), max(y1, y2 - 1)), colour, thickness)
        (tw, th), base = cv2.getTextSize(box.label, cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, thickness // 2))
        ty = y1 - 4 if y1 - th - base - 4 >= 0 else min(h - 1, y1 + th + base + 4)
        cv2.rectangle(out, (x1, ty - th - base), (min(w - 1, x1 + tw + 4), ty + base // 2), colour, -1)
        cv2.putText(
            out,
            box.label,
            (x1 + 2, ty - base // 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (255, 255, 255),
            max(1, thickness // 2),
            cv2.LINE_AA,
        )
    return out


def _render(src: Path, boxes: list[GalleryBox], dest: Path) -> tuple[int, int] | None:
    import cv2

    image = cv2.imread(str(src), cv2.IMREAD_COLOR)
    if image is None:
        return None
    h, w = image.shape[:2]
    drawn = draw_boxes(image, boxes) if boxes else image
    if w > THUMB_WIDTH:  # boxes are drawn at full resolution first, so they stay exact
        drawn = cv2.resize(drawn, (THUMB_WIDTH, round(h * THUMB_WIDTH / w)), interpolation=cv2.INTER_AREA)
    dest.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        return None
    from ladderdata.io import write_bytes_atomic

    write_bytes_atomic(dest, buf.tobytes())
    return w, h


def build_gallery(
    data: AuditInput, images_dir: Path, html_dir: Path, *, per_type: int = 4, seed: int = 0
) -> list[GalleryItem]:
    """Sample rows per question type and draw their images into `images_dir` (paths relative to html_dir)."""
    boxes_by_key: dict[tuple[str, str], list[GalleryBox]] = {}
    for g in data.grounding:
        key = (str(g["question_id"]), g["image"][0] if g["image"] else "")
        boxes_by_key[key] = [
            GalleryBox(str(a.get("label", "")), [int(v) for v in a["bbox_2d"]]) for a in g["answer"]
        ]
    items = []
    for qt, picked in sample_rows(data.rows, per_type, seed).items():
        for idx, row in enumerate(picked):
            paths = row["image"]
            shown = _spread(len(paths), MAX_IMAGES_PER_ITEM)
            if qt == LOCALIZATION:
                row_boxes = boxes_by_key.get((str(row["question_id"]), paths[0] if paths else ""), [])
                answer = ", ".join(f"{b.label} {b.bbox_2d}" for b in row_boxes)
            else:
                row_boxes = (
                    boxes_by_key.get((str(row["question_id"]), paths[0]), []) if len(paths) == 1 else []
                )
                answer = row["answer"]
            images = []
            for k in shown:
                rel = paths[k]
                img = GalleryImage(path=rel)
                src = data.resolve_image(rel)
                if src is None:
                    img.note = (
                        "pixels absent (reference media): run `ladderdata materialize`"
                        if data.kind == "build"
                        else "pixels absent beside the JSONL"
                    )
                else:
                    dest = images_dir / f"{_slug(qt)}-{idx}-{k}.jpg"
                    size = _render(src, row_boxes, dest)
                    if size is None:
                        img.note = f"unreadable image {src}"
                    else:
                        img.copy = dest.relative_to(html_dir).as_posix()
                        img.width, img.height = size
                images.append(img)
            items.append(
                GalleryItem(
                    question_type=qt,
                    family=row["family"],
                    data_type=row["data_type"],
                    question_id=row.get("question_id"),
                    scene_id=row["scene_id"],
                    question=row["question"],
                    options=row.get("options") if qt != LOCALIZATION else None,
                    answer=answer,
                    answer_label=answer_label(row) if qt != LOCALIZATION and is_mcq_row(row) else None,
                    boxes=row_boxes,
                    images=images,
                    image_count=len(paths),
                )
            )
    return items
