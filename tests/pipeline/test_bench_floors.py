"""The bench's output floor (bench/floor.py --preview) makes exactly the frames the build's preview embeds.

The floor is only a fair bound if it does the work the build must do: for every image of the preview
shard, the floor's input (the raw colour file named by the build's media entries) shrunk by the same
code gives the very bytes the shard holds. Speed itself is never asserted (bench/ measures it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from bench.floor import images_by_scan, preview_sources
from bench.run import preview_paths
from ladderdata.writers.preview import shrink_frame
from ladderdata.writers.reader import BuildReader
from tests.fixtures.build import REPO


def test_output_floor_makes_the_previews_frames(
    sample_build: Path, sample_build_manifest: dict, tmp_path: Path
) -> None:
    root = Path(sample_build_manifest["sources"][0]["root"])
    reader = BuildReader(sample_build)
    scans = sorted(p.stem for p in (sample_build / "scenes").glob("*.json"))
    media = {rel: entry for scan in scans for rel, entry in reader.scan_media(scan).items()}
    shown = preview_paths(sample_build)
    assert shown, "the test build has a preview"
    raws = preview_sources(media, shown)
    assert len(raws) == len(shown)  # one raw file per distinct image shown

    embedded = {}
    for row in pq.read_table(sample_build / "data" / "preview").column("images").to_pylist():
        embedded.update({image["path"]: image["bytes"] for image in row})
    assert set(embedded) == set(shown)
    for rel in shown:
        assert shrink_frame(root / media[rel].raw) == embedded[rel], rel

    (tmp_path / "images.json").write_text(json.dumps(images_by_scan(media.values())))
    (tmp_path / "preview.json").write_text(json.dumps(raws))
    proc = subprocess.run(
        [sys.executable, "-m", "bench.floor", "--root", str(root), "--stride", "10", "--verify-colour"]
        + ["--images", str(tmp_path / "images.json"), "--preview", str(tmp_path / "preview.json"), *scans],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["preview_frames"] == len(shown)
    assert got["color_images"] == len(media)
