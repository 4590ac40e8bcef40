"""The adapters' raw-layout methods (`Source.raw_files`, `checksum`, `color_path`, `color_jpeg`,
`color_candidates`) on the real files of the procedural sample (ScanNet layout)."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from ladderdata.errors import SourceError
from ladderdata.sample.generate import read_truth
from ladderdata.sources import SampleSource, ScanNetSource
from ladderdata.sources.base import RawFile, Source
from tests.fixtures.sample import SAMPLE_FRAMES


@pytest.fixture
def sample_copy(sample_root, tmp_path) -> Path:
    """A private copy of the shared sample (tests below edit and move its files)."""
    return Path(shutil.copytree(sample_root, tmp_path / "raw", symlinks=True))


def _names(raws: list[RawFile]) -> dict[str, bool]:
    return {r.name: r.hashed for r in raws}


def test_raw_files_list_the_scan_and_its_export(sample_root, sample_scan_ids):
    scan = sample_scan_ids[0]
    raws = SampleSource(sample_root).raw_files(scan)
    names = _names(raws)
    scan_files = [f"{scan}.txt", f"{scan}_vh_clean_2.ply", f"{scan}_vh_clean_2.0.010000.segs.json"]
    assert [r.name for r in raws[:4]] == [*scan_files, f"{scan}.aggregation.json"]
    assert all(names[n] for n in scan_files)
    # every exported frame: pose content hashed, colour and depth by size only
    for sub, hashed in (("pose", True), ("color", False), ("depth", False)):
        frames = sorted(n for n in names if n.startswith(f"{sub}/"))
        assert len(frames) == SAMPLE_FRAMES
        assert {names[n] for n in frames} == {hashed}
    assert names["intrinsic/intrinsic_color.txt"] is True
    assert names[f"videos/{scan}.mp4"] is False
    for raw in raws:
        assert raw.path.is_file()
        assert raw.path.as_posix().endswith(raw.name.removeprefix("videos/"))
    assert not any("truth" in r.path.parts for r in raws)  # the generator's ground truth is no input


def test_checksum_follows_content_and_not_the_root(sample_copy, sample_scan_ids, tmp_path):
    scan = sample_scan_ids[0]
    before = ScanNetSource(sample_copy).checksum(scan)
    assert len(before) == 64 and before == SampleSource(sample_copy).checksum(scan)
    assert before != ScanNetSource(sample_copy).checksum(sample_scan_ids[1])
    moved = Path(shutil.move(sample_copy, tmp_path / "elsewhere"))
    assert ScanNetSource(moved).checksum(scan) == before

    pose = moved / "export" / scan / "pose" / "10.txt"
    pose.write_text(pose.read_text().replace("0", "1", 1))
    after_pose = ScanNetSource(moved).checksum(scan)
    assert after_pose != before
    # a colour frame enters by size only: a longer file changes the checksum
    color = moved / "export" / scan / "color" / "10.jpg"
    color.write_bytes(color.read_bytes() + b"\0")
    assert ScanNetSource(moved).checksum(scan) != after_pose


def test_color_path_and_bytes_of_every_exported_frame(sample_root, sample_scan_ids):
    src = SampleSource(sample_root)
    for scan in sample_scan_ids:
        truth = read_truth(sample_root, scan)
        lost = set(truth["invalid_pose_frames"])
        assert lost  # frames with a lost pose are not in the scene, yet their images are exported
        for index in (truth["frame_indices"][0], min(lost)):
            path = src.color_path(scan, index)
            assert path == sample_root / "export" / scan / "color" / f"{index}.jpg"
            data = src.color_jpeg(scan, index)
            assert hashlib.sha256(data).digest() == hashlib.sha256(path.read_bytes()).digest()
            with Image.open(io.BytesIO(data)) as img:
                assert img.format == "JPEG" and img.size == (1296, 968)  # ScanNet's colour resolution


def test_color_path_matches_the_frame_records(sample_root, sample_scan_ids):
    src = SampleSource(sample_root)
    scan = sample_scan_ids[1]
    scene = src.load(scan)
    for frame in scene.frames:
        assert src.color_path(scan, frame.frame_index) == sample_root / frame.color_path


def test_a_missing_colour_frame_is_a_source_error_naming_the_file(sample_root, sample_scan_ids):
    src = ScanNetSource(sample_root)
    scan = sample_scan_ids[0]
    with pytest.raises(SourceError, match=rf"{scan}/color/99999\.jpg: colour image is missing"):
        src.color_jpeg(scan, 99999)


def test_in_place_export_is_found_by_every_method(sample_copy, sample_scan_ids):
    scan = sample_scan_ids[0]
    before = ScanNetSource(sample_copy).checksum(scan)
    for sub in ("color", "depth", "pose", "intrinsic"):
        shutil.move(sample_copy / "export" / scan / sub, sample_copy / "scans" / scan / sub)
    src = ScanNetSource(sample_copy)
    assert src.color_path(scan, 0) == sample_copy / "scans" / scan / "color" / "0.jpg"
    assert src.color_jpeg(scan, 0) == (sample_copy / "scans" / scan / "color" / "0.jpg").read_bytes()
    assert src.checksum(scan) == before  # same files, same names: the export's place is no content
    assert sum(1 for r in src.raw_files(scan) if r.name.startswith("pose/")) == SAMPLE_FRAMES


def test_color_candidates_put_the_recorded_path_first_then_other_export_places(
    sample_copy, sample_scan_ids, tmp_path
):
    scan = sample_scan_ids[0]
    recorded = f"export/{scan}/color/20.jpg"
    src = ScanNetSource(sample_copy)
    found = src.color_candidates(scan, 20, recorded)
    assert found[0] == sample_copy / "export" / scan / "color" / "20.jpg"
    assert sample_copy / "scans" / scan / "color" / "20.jpg" in found
    assert sample_copy / scan / "color" / "20.jpg" in found  # the export root passed as the root
    # a raw copy that keeps the export in place still has the frame among the candidates
    shutil.move(sample_copy / "export" / scan, sample_copy / "scans" / f"{scan}-export")
    (sample_copy / "scans" / f"{scan}-export" / "color").rename(sample_copy / "scans" / scan / "color")
    existing = [p for p in ScanNetSource(sample_copy).color_candidates(scan, 20, recorded) if p.is_file()]
    assert existing == [sample_copy / "scans" / scan / "color" / "20.jpg"]
    # an absolute recorded path (an export outside the root) is tried last
    outside = str(tmp_path / "elsewhere" / scan / "color" / "20.jpg")
    found = src.color_candidates(scan, 20, outside)
    assert found[-1] == Path(outside) and found[0] == sample_copy / "scans" / scan / "color" / "20.jpg"


class _ContainerSource(Source):
    """A source that keeps colour inside one file per scan (frames at fixed offsets), as a `.sens`
    or video source does: no colour files, so only `color_jpeg` gives the bytes."""

    name = "container"

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def scan_ids(self) -> list[str]:
        return ["scan0"]

    def load(self, scan_id: str):  # noqa: ANN201 - not needed here
        raise NotImplementedError

    def raw_files(self, scan_id: str) -> list[RawFile]:
        return [RawFile(self.root / f"{scan_id}.bin", f"{scan_id}.bin")]

    def color_jpeg(self, scan_id: str, frame_index: int) -> bytes:
        blob = (self.root / f"{scan_id}.bin").read_bytes()
        return blob[frame_index * 4 : frame_index * 4 + 4]


def test_base_defaults_for_a_container_source(tmp_path):
    (tmp_path / "scan0.bin").write_bytes(b"AAAABBBBCCCC")
    src = _ContainerSource(tmp_path)
    assert src.color_path("scan0", 1) is None
    assert src.color_jpeg("scan0", 1) == b"BBBB"
    assert src.color_candidates("scan0", 1, "") == []
    assert src.color_candidates("scan0", 1, "scan0.bin") == [tmp_path / "scan0.bin"]
    before = src.checksum("scan0")
    (tmp_path / "scan0.bin").write_bytes(b"AAAABBBBCCCD")
    assert src.checksum("scan0") != before


def test_the_base_color_jpeg_refuses_a_source_without_colour(tmp_path):
    class NoColour(_ContainerSource):
        color_jpeg = Source.color_jpeg

    with pytest.raises(SourceError, match="no colour file and does not implement color_jpeg"):
        NoColour(tmp_path).color_jpeg("scan0", 0)
