"""`materialize` asks the source adapter where a raw copy keeps each frame's colour (Source.color_candidates)
and, for a source without colour files, for the bytes themselves (Source.color_jpeg)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from ladderdata.errors import SourceError
from ladderdata.hub.materialize import materialize
from ladderdata.sources import SOURCES
from ladderdata.sources.base import RawFile, Source
from tests.hub.handmade import SCANS, make_build


class ZipFramesSource(Source):
    """A source that keeps each scan's colour frames inside one archive `<root>/<scan>.zip` (as a `.sens`
    or video source keeps them inside one file): no colour file of its own per frame."""

    name = "zipframes"

    def __init__(self, root: str | Path, export_root: str | Path | None = None, **_: object) -> None:
        super().__init__()
        self.root = Path(root)

    def scan_ids(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.zip"))

    def load(self, scan_id: str):  # noqa: ANN201 - materialize never loads scans
        raise NotImplementedError

    def raw_files(self, scan_id: str) -> list[RawFile]:
        return [RawFile(self.root / f"{scan_id}.zip", f"{scan_id}.zip")]

    def color_jpeg(self, scan_id: str, frame_index: int) -> bytes:
        path = self.root / f"{scan_id}.zip"
        try:
            with zipfile.ZipFile(path) as zf:
                return zf.read(f"{frame_index}.jpg")
        except (FileNotFoundError, KeyError):
            raise SourceError.at(path, f"no frame {frame_index}", "re-export the scan") from None


def _pack(build_images: dict[str, Path], out: Path, *, skip: str | None = None) -> Path:
    """Zip the hand-made build's raw JPEGs per scan into `out/<scan>.zip` (leaving `skip` out)."""
    out.mkdir(parents=True, exist_ok=True)
    for rel, path in sorted(build_images.items()):
        scan, name = rel.split("/")
        if scan == skip:
            continue
        with zipfile.ZipFile(out / f"{scan}.zip", "a") as zf:
            zf.writestr(name, path.read_bytes())
    return out


@pytest.fixture
def zip_build(tmp_path, monkeypatch):
    monkeypatch.setitem(SOURCES, "zipframes", ZipFramesSource)
    return make_build(
        tmp_path / "build", tmp_path / "raw", source="zipframes", licensed=True, media="reference"
    )


def test_a_source_without_colour_files_gives_the_bytes(zip_build, tmp_path):
    packs = _pack(zip_build.images, tmp_path / "packs")
    result = materialize(zip_build.root, [str(packs)], report=lambda _: None)
    assert result.ok and result.written == len(zip_build.images) == 5
    for rel, raw in zip_build.images.items():
        assert (zip_build.root / "images" / rel).read_bytes() == raw.read_bytes()


def test_a_source_without_colour_files_reports_missing_scans_and_wrong_bytes(zip_build, tmp_path):
    packs = _pack(zip_build.images, tmp_path / "packs", skip="scene0002_00")
    with zipfile.ZipFile(packs / "scene0002_00.zip", "w") as zf:  # the scan's frames, but other bytes
        for frame in SCANS["scene0002_00"]:
            zf.writestr(f"{frame}.jpg", b"not the recorded image")
    result = materialize(zip_build.root, [str(packs)], report=lambda _: None)
    assert not result.ok and result.written == 3
    assert sorted(m.relpath for m in result.mismatches) == ["scene0002_00/0.jpg", "scene0002_00/10.jpg"]
    assert not (zip_build.root / "images" / "scene0002_00").exists()
    (packs / "scene0002_00.zip").unlink()
    again = materialize(zip_build.root, [str(packs)], report=lambda _: None)
    assert again.present == 3 and [(m.scan_id, m.frames) for m in again.missing] == [("scene0002_00", 2)]


def test_a_source_kind_without_an_adapter_finds_only_the_recorded_path(tmp_path):
    build = make_build(
        tmp_path / "build", tmp_path / "raw", source="otherkind", licensed=True, media="reference"
    )
    raw = tmp_path / "raw"
    moved = tmp_path / "moved"
    (moved / "scans").mkdir(parents=True)
    for scan in SCANS:
        shutil.copytree(raw / "export" / scan, moved / "scans" / scan)
    # the ScanNet layouts are the ScanNet adapter's knowledge: an unknown kind does not guess them
    lost = materialize(build.root, [str(moved)], report=lambda _: None)
    assert lost.written == 0 and len(lost.missing) == 2
    assert lost.missing[0].expected == moved / "export" / "scene0001_00" / "color" / "0.jpg"
    found = materialize(build.root, [str(raw)], report=lambda _: None)
    assert found.ok and found.written == 5
