"""Sources own their raw layout: no module outside `ladderdata/sources/` names a raw file of a dataset.

The pipeline, the hub and the trainer ask the source adapter (`Source.raw_files`, `checksum`,
`color_path`, `color_jpeg`, `color_candidates`) instead, so a new source kind plugs in without touching
them. The patterns are the file and folder names of ScanNet's raw layout and its SensReader export
(reference/scannet-format.md); the published layout (`images/<scan>/<frame>.jpg`) is not raw.
"""

from __future__ import annotations

import re
from pathlib import Path

import ladderdata

PACKAGE = Path(ladderdata.__file__).resolve().parent

RAW_PATTERNS = {
    "ScanNet mesh/segments name": r"_vh_clean",
    "ScanNet aggregation file": r"\.aggregation\.json",
    "ScanNet segments file": r"\.segs\.json",
    "ScanNet sensor stream": r"\.sens\b",
    "SensReader intrinsics file": r"intrinsic_(?:color|depth)|extrinsic_(?:color|depth)",
    "SensReader export folder": r"\b(?:export|color|depth|pose|intrinsic)/",
    "ScanNet scans folder": r"\bscans/",
    "raw folder joined onto a path": r'/ "(?:scans|export|color|depth|pose|intrinsic|videos)"',
    "frame file built from an index": r'/ f"\{[^"{}]*\}\.(?:jpg|png|txt)"',
}

OWNERS = ("sources", "sample")
"""`sources/` reads the raw layouts; `sample/` is the procedural generator that writes a ScanNet-layout
dataset (it is a producer of that raw format, not a consumer of it)."""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in OWNERS)


def raw_names(text: str) -> list[str]:
    """`<what>: <matched text>` for every raw-layout name in `text`."""
    return [f"{what}: {m.group(0)!r}" for what, pat in RAW_PATTERNS.items() for m in re.finditer(pat, text)]


def test_the_patterns_catch_what_the_pipeline_used_to_name():
    leaked = '''
        f"{scan_id}_vh_clean_2.ply", f"{scan_id}.aggregation.json", export / "pose"
        color_path = color_dir / f"{index}.jpg"
        for base in (root / "scans", root / "export", root):
        """Look in `<root>/export/<scan>/color/<i>.jpg`."""
    '''
    found = raw_names(leaked)
    assert len(found) >= 7, found
    assert raw_names('return f"{scan_id}/{int(frame_index)}.jpg"  # images/<scan>/<frame>.jpg') == []


def test_no_module_outside_sources_names_a_raw_file():
    modules = _modules()
    assert len(modules) > 50  # the whole package was read, not an empty folder
    leaks = [
        f"{path.relative_to(PACKAGE)}:{n}: {hit}"
        for path in modules
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for hit in raw_names(line)
    ]
    assert leaks == [], "raw layout named outside ladderdata/sources/ (ask the adapter):\n" + "\n".join(leaks)
