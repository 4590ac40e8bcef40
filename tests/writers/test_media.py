"""Media: copy writes the raw bytes; reference writes only meta/media.json; changed raw files fail."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from ladderdata.errors import OutputError
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.media import UndecodableImage, media_entry, media_entry_from_bytes, write_media


def _jpeg(shade: int) -> bytes:
    """A small real JPEG (media entries decode every image before hashing it)."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (shade, 255 - shade, 40)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


BLOBS = {10: _jpeg(10), 20: _jpeg(200)}


def _source(tmp_path: Path) -> tuple[Path, dict]:
    root = tmp_path / "raw"
    color = root / "export" / "scene0001_00" / "color"
    color.mkdir(parents=True)
    entries = {}
    for idx, data in BLOBS.items():
        (color / f"{idx}.jpg").write_bytes(data)
        entries[f"scene0001_00/{idx}.jpg"] = media_entry(
            scan_id="scene0001_00",
            frame_index=idx,
            color_path=f"export/scene0001_00/color/{idx}.jpg",
            source="s",
            source_root=root,
            licensed=False,
        )
    return root, entries


def test_entry_fields(tmp_path: Path) -> None:
    root, entries = _source(tmp_path)
    e = entries["scene0001_00/10.jpg"]
    data = BLOBS[10]
    assert e.raw == "export/scene0001_00/color/10.jpg"
    assert (e.sha256, e.bytes, e.frame_index, e.licensed) == (
        hashlib.sha256(data).hexdigest(),
        len(data),
        10,
        False,
    )
    # an absolute colour path inside the root is stored relative to it
    absolute = media_entry(
        scan_id="scene0001_00",
        frame_index=10,
        color_path=root / "export/scene0001_00/color/10.jpg",
        source="s",
        source_root=root,
        licensed=True,
    )
    assert absolute.raw == e.raw


def test_copy_writes_raw_bytes_and_manifest(tmp_path: Path) -> None:
    root, entries = _source(tmp_path)
    layout = BuildLayout(tmp_path / "build")
    summary = write_media(layout, "copy", entries, {"s": root})
    assert summary == {
        "policy": "copy",
        "images": 2,
        "bytes": sum(e.bytes for e in entries.values()),
        "copied": 2,
        "reused": 0,
    }
    assert layout.image("scene0001_00/20.jpg").read_bytes() == BLOBS[20]
    doc = json.loads(layout.media_json.read_text())
    assert doc["media_policy"] == "copy"
    assert doc["images"]["scene0001_00/10.jpg"] == {
        "scan_id": "scene0001_00",
        "frame_index": 10,
        "source": "s",
        "licensed": False,
        "raw": "export/scene0001_00/color/10.jpg",
        "sha256": entries["scene0001_00/10.jpg"].sha256,
        "bytes": entries["scene0001_00/10.jpg"].bytes,
    }
    # a second run reuses identical files and prunes images no row uses any more
    stale = layout.image("scene0009_00/0.jpg")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    again = write_media(layout, "copy", {"scene0001_00/10.jpg": entries["scene0001_00/10.jpg"]}, {"s": root})
    assert (again["copied"], again["reused"]) == (0, 1)
    assert sorted(p.relative_to(layout.media_root).as_posix() for p in layout.media_root.rglob("*.jpg")) == [
        "scene0001_00/10.jpg"
    ]


def test_reference_writes_no_images(tmp_path: Path) -> None:
    root, entries = _source(tmp_path)
    layout = BuildLayout(tmp_path / "build")
    write_media(layout, "reference", entries, {"s": root})
    assert not layout.media_root.exists()
    assert json.loads(layout.media_json.read_text())["media_policy"] == "reference"


def test_changed_raw_file_is_refused(tmp_path: Path) -> None:
    root, entries = _source(tmp_path)
    (root / "export/scene0001_00/color/10.jpg").write_bytes(b"edited")
    with pytest.raises(OutputError, match="image changed during the build"):
        write_media(BuildLayout(tmp_path / "build"), "copy", entries, {"s": root})


def test_an_image_cut_after_its_header_is_refused_before_hashing(tmp_path: Path) -> None:
    path = tmp_path / "raw" / "export" / "scene0001_00" / "color" / "10.jpg"
    path.parent.mkdir(parents=True)
    data = BLOBS[10]
    path.write_bytes(data[: len(data) - 40])  # the header (and so the size) still reads
    with pytest.raises(UndecodableImage, match=r"10\.jpg: colour image does not decode completely"):
        media_entry(
            scan_id="scene0001_00",
            frame_index=10,
            color_path=path,
            source="s",
            source_root=tmp_path / "raw",
            licensed=False,
        )


def test_an_image_without_a_raw_file_is_copied_from_the_reader(tmp_path: Path) -> None:
    """A source that keeps colour in a container records `raw` empty; copy asks its adapter's reader."""
    data = BLOBS[20]
    entry = media_entry_from_bytes(
        scan_id="scene0001_00", frame_index=20, data=data, raw="", source="s", licensed=False, where="pack"
    )
    asked: list[tuple[str, int]] = []

    def read(e):  # noqa: ANN001, ANN202
        asked.append((e.scan_id, e.frame_index))
        return data

    layout = BuildLayout(tmp_path / "build")
    write_media(layout, "copy", {"scene0001_00/20.jpg": entry}, {"s": tmp_path}, read_unfiled=read)
    assert layout.image("scene0001_00/20.jpg").read_bytes() == data and asked == [("scene0001_00", 20)]
    layout.image("scene0001_00/20.jpg").unlink()
    with pytest.raises(OutputError, match="s scan scene0001_00 frame 20: image changed during the build"):
        write_media(
            layout, "copy", {"scene0001_00/20.jpg": entry}, {"s": tmp_path}, read_unfiled=lambda e: BLOBS[10]
        )
