"""`ladderdata sample`: generate the bundled procedural sample in exact ScanNet layout.

The sample (furnished rooms, rendered RGB-D frames, poses, mesh, segments, aggregation, videos and the
generator's ground truth) is written to a staging folder and renamed into place, so `--out` holds either
the previous sample or the new one. Running it again with the same options is a no-op unless `--force`.
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path

import typer

from ladderdata.sample import SENS_OPTION_HELP


class Layout(StrEnum):
    """`--layout` values: the dataset layout the sample is written in."""

    scannet = "scannet"
    scannetpp = "scannetpp"
    arkitscenes = "arkitscenes"


def sample(
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="DIR",
        help="sample root to write (default $LADDERDATA_SAMPLE_ROOT, else raw_sources/sample in the checkout)",
    ),
    scans: int | None = typer.Option(
        None,
        "--scans",
        metavar="N",
        help="number of scans (rooms) to generate (default $LADDERDATA_SAMPLE_SCANS, else 3)",
    ),
    seed: int = typer.Option(
        0, "--seed", metavar="SEED", help="random seed; the same seed gives byte-identical files"
    ),
    frames: int | None = typer.Option(
        None,
        "--frames",
        metavar="N",
        help="exported frames per scan; every 10th sensor frame is exported (default $LADDERDATA_SAMPLE_FRAMES, else 150)",
    ),
    force: bool = typer.Option(False, "--force", help="regenerate even when an identical sample exists"),
    sens: bool = typer.Option(
        False,
        "--sens",
        help=SENS_OPTION_HELP,
    ),
    layout: Layout = typer.Option(
        "scannet",
        "--layout",
        help="dataset layout to write the same rooms in (scannetpp, arkitscenes: default --out raw_sources/sample-<layout>)",
    ),
) -> None:
    """Write the procedural sample (ScanNet layout, or another dataset's; rendered with open3d) to --out."""
    from rich.console import Console

    from ladderdata.progress import render_progress

    # imported here so `ladderdata --help` does not load the generator's dependencies
    from ladderdata.sample.generate import (
        SampleSpec,
        default_sample_root,
        default_sample_size,
        generate_sample,
        sample_matches,
    )

    default_scans, default_frames = default_sample_size()
    scans = default_scans if scans is None else scans
    frames = default_frames if frames is None else frames
    spec = SampleSpec(scans, frames, seed, sens)
    spec.validate()
    layout = Layout(layout)
    if sens and layout != Layout.scannet:
        from ladderdata.errors import ConfigError

        raise ConfigError(
            f"--sens writes ScanNet's sensor stream; drop it or use --layout scannet (got {layout.value})"
        )
    if layout != Layout.scannet:
        _other_layout(layout.value, out, spec, force)
        return
    root = (out if out is not None else default_sample_root()).absolute()
    console = Console()
    if not force and sample_matches(root, spec):
        console.print(f"sample is up to date: {root} (use --force to regenerate)")
        return

    start = time.perf_counter()
    generate_sample(
        root, scans=scans, frames=frames, seed=seed, progress=render_progress(scans, frames), sens=sens
    )
    _summary(console, root, time.perf_counter() - start)


def _other_layout(layout: str, out: Path | None, spec, force: bool) -> None:
    """`sample --layout L` for a layout other than ScanNet's (ladderdata.sample.layouts)."""
    from rich.console import Console

    from ladderdata.progress import render_progress
    from ladderdata.sample.layouts import default_layout_root, generate_layout
    from ladderdata.sample.layouts.common import layout_matches

    root = (out if out is not None else default_layout_root(layout)).absolute()
    console = Console()
    if not force and layout_matches(root, layout, spec):
        console.print(f"sample is up to date: {root} (use --force to regenerate)")
        return
    start = time.perf_counter()
    generate_layout(
        root,
        layout,
        scans=spec.scans,
        frames=spec.frames,
        seed=spec.seed,
        progress=render_progress(spec.scans, spec.frames),
    )
    marker = json.loads((root / "truth" / "sample.json").read_text(encoding="utf-8"))
    console.print(
        f"wrote {root} in {time.perf_counter() - start:.1f} s ({layout} layout, scans "
        f"{', '.join(marker['scan_ids'])} = {', '.join(marker['scannet_scan_ids'])}, seed {spec.seed})"
    )


def _summary(console, root: Path, elapsed: float) -> None:
    from rich.table import Table

    from ladderdata.sample.generate import read_truth

    marker = json.loads((root / "truth" / "sample.json").read_text(encoding="utf-8"))
    table = Table(title="ladderdata sample", show_header=True, header_style="bold")
    for col in ("scan", "room", "objects", "categories", "frames", "lost-tracking poses"):
        table.add_column(col, justify="left" if col in ("scan", "room") else "right")
    for scan_id in marker["scan_ids"]:
        truth = read_truth(root, scan_id)
        objects = [o for o in truth["objects"] if o["kind"] == "object"]
        table.add_row(
            scan_id,
            truth["scene_type"],
            str(len(objects)),
            str(len({o["label"] for o in objects})),
            str(len(truth["frame_indices"])),
            str(len(truth["invalid_pose_frames"])),
        )
    console.print(table)
    console.print(f"wrote {root} in {elapsed:.1f} s (seed {marker['seed']})")


def register(app: typer.Typer) -> None:
    """Add the `sample` command to the app."""
    app.command("sample")(sample)
