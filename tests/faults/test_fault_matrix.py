"""The fault matrix: one damaged input per case, a real `ladderdata build` subprocess, and what it cost.

A bad frame or object costs that frame or object only (counted with its reason in meta/stats.json, the
card and the summary), a whole-scan fault costs the scan (or stops the build under `on_error: raise`),
and `--strict` stops at the first fault of any kind. Each case prints its row of the closing note's
table (`pytest -s -k matrix`): case | exit code | message | what was lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ladderdata.writers.layout import BuildLayout
from tests.faults import inject
from tests.faults.inject import SCAN, Loss
from tests.fixtures.build import build_manifest_data
from tests.pipeline.helpers import manifest_file, run_cli


@dataclass(frozen=True)
class Case:
    """One row of the matrix."""

    name: str
    inject: Callable[[Path, int], Loss]
    frame: str = "kept"
    """Which frame the injector damages: `kept` (a frame the clean build keeps) or `shipped` (one whose
    image the clean build publishes)."""
    strict: bool = False
    on_error: str = "skip"
    exit: int = 0
    message: str = ""
    """Expected in stderr (failing cases) or in the summary on stdout (passing ones)."""
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("missing colour JPEG", inject.missing_color, message="dropped frames"),
    Case("truncated colour JPEG", inject.truncated_color, frame="shipped", message="color_undecodable"),
    Case("missing depth PNG", inject.missing_depth, message="bad_depth 1"),
    Case("truncated depth PNG", inject.truncated_depth, message="bad_depth 1"),
    Case("8-bit depth PNG", inject.depth_8bit, message="bad_depth 1"),
    Case("unreadable pose file", inject.garbage_pose, message="bad_pose_file 1"),
    Case("non-orthonormal pose", inject.non_orthonormal_pose, message="pose_not_orthonormal 1"),
    Case("half the pose files missing", inject.missing_half_poses, message="missing_pose"),
    Case("single-vertex object", inject.single_vertex_object, message="dropped objects"),
    Case("every pose -inf (lost tracking)", inject.all_poses_inf, message="non-finite pose"),
    Case("truncated mesh PLY", inject.corrupt_ply, message="_vh_clean_2.ply"),
    Case(
        "on_error raise, missing depth PNG",
        inject.missing_depth,
        on_error="raise",
        message="bad_depth 1",
    ),
    Case(
        "on_error raise, truncated mesh PLY",
        inject.corrupt_ply,
        on_error="raise",
        exit=2,
        message="_vh_clean_2.ply",
    ),
    Case(
        "--strict, missing depth PNG",
        inject.missing_depth,
        strict=True,
        exit=2,
        message="depth image is missing",
    ),
    Case(
        "--strict, truncated colour JPEG",
        inject.truncated_color,
        frame="shipped",
        strict=True,
        exit=2,
        message="does not decode completely",
    ),
]

CONSOLE_NOISE = ("Traceback", "RuntimeWarning", "libpng", "Premature end")


def _scene(build: Path) -> dict[str, Any]:
    return json.loads((build / "scenes" / f"{SCAN}.json").read_text())


def _lost(reference: Path, build: Path, stats: dict[str, Any] | None) -> str:
    """What the build lost against the clean one, in words (the table's last column)."""
    if stats is None:
        return "nothing written (build stopped)"
    if stats["scans"]["skipped"]:
        return f"{stats['scans']['skipped']} scan ({SCAN})"
    ref, got = _scene(reference)["stats"], _scene(build)["stats"]
    frames = ref["frames_kept"] - got["frames_kept"]
    objects = ref["objects_kept"] - got["objects_kept"]
    extra = got.get("objects_skipped_degenerate", 0) - ref.get("objects_skipped_degenerate", 0)
    return f"{frames} frame(s), {objects + extra} object(s)"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_matrix(case: Case, sample_root: Path, sample_build: Path, tmp_path: Path) -> None:
    root = inject.copy_sample(sample_root, tmp_path / "raw")
    frame = (
        inject.shipped_frame(sample_build) if case.frame == "shipped" else inject.kept_frames(sample_build)[3]
    )
    loss = case.inject(root, frame)
    data = build_manifest_data(root)
    data["sources"][0]["on_error"] = case.on_error
    out = tmp_path / "out"
    args = ["build", "-m", manifest_file(tmp_path, data), "--out", out, "--allow-short"]
    proc = run_cli(*args, *(["--strict"] if case.strict else []))
    for noise in CONSOLE_NOISE:
        assert noise not in proc.stderr + proc.stdout, proc.stderr
    stats = json.loads((out / "meta" / "stats.json").read_text()) if proc.returncode == 0 else None
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    output = proc.stdout + proc.stderr
    message = errors[0] if errors else next((ln for ln in output.splitlines() if case.message in ln), "")
    print(
        f"| {case.name} | {proc.returncode} | {' '.join(message.split())} | {_lost(sample_build, out, stats)} |"
    )
    assert proc.returncode == case.exit, proc.stderr
    assert case.message in message, (proc.stdout, proc.stderr)
    if case.exit:
        assert len(errors) == 1 and proc.stderr.strip().endswith(errors[0]), proc.stderr  # one line
        assert not (out / "meta").exists()
        return

    ref = _scene(sample_build)["stats"]
    if loss.unit == "scans":
        assert stats["scans"]["skipped"] == 1 and stats["scans"]["generated"] == 1
        assert any(r.startswith(loss.reason) for r in stats["faults"]["scans"]), stats["faults"]
        marker = json.loads(BuildLayout(out).scan_done_marker(SCAN).read_text())
        assert marker["status"] == "skipped"
    else:
        assert stats["scans"]["skipped"] == 0
        got = _scene(out)["stats"]
        clean = json.loads((sample_build / "meta" / "stats.json").read_text())["faults"]
        assert (
            stats["faults"][loss.unit][loss.reason] == clean.get(loss.unit, {}).get(loss.reason, 0) + loss.n
        )
        # nothing but the bad frame or object was lost
        if loss.unit == "frames":
            assert got["frames_kept"] == ref["frames_kept"] - loss.n
            assert got["objects_kept"] == ref["objects_kept"]
        else:
            assert got["frames_kept"] == ref["frames_kept"]
            assert got["objects_kept"] == ref["objects_kept"]
            assert got["objects_skipped_degenerate"] == ref.get("objects_skipped_degenerate", 0) + loss.n
        card = (out / "README.md").read_text()
        assert f"| {loss.unit} | {loss.reason} |" in card
    # whatever was shipped decodes and matches its checksum
    assert run_cli("verify", out).returncode == 0
    for path in (out / "images").rglob("*.jpg"):
        with Image.open(path) as img:
            img.load()
    if case.frame == "shipped":
        media = json.loads((out / "meta" / "media.json").read_text())["images"]
        assert f"{SCAN}/{frame}.jpg" not in media
