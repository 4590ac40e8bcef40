"""Generation speed: CPU milliseconds per emitted sample, per family, with the per-scan caps lifted.

Runs each family's generator (`GENERATORS[family](settings).generate(scene, seed)`, what `ladderdata
generate` times) over cached scene records, so no raw file is decoded. The caps are lifted the way
`ladderdata generate --settings` does it: a generation block with `max_per_scan_per_type: 1000` (and no
per-type overrides), every other setting as the manifest gives it. Time is process CPU time
(`time.process_time`), best of `repeats` passes over every scene, so another process on a shared machine
slows a figure down less than it would wall time.

Beside it, in the same process and the same run, a fixed reference workload (`reference_workload`):
rounds of pure-Python dict/str/float work plus small numpy calls, the mix generation code runs. A
family's CPU milliseconds per sample divided by the CPU milliseconds of one reference round give
"reference rounds per sample", which stay comparable across machines where the milliseconds do not.

`python -m bench.generation --scenes DIR [--seed S] [--repeats N] [--manifest M]` prints one JSON object
(DIR: a build directory, whose `scenes/` is read, or a folder of scene-record JSON files).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

LIFTED_CAP = 1000
"""`max_per_scan_per_type` of an uncapped run (as the uncapped `ladderdata generate` test uses)."""
REFERENCE_ROUNDS = 2000
"""Rounds of `reference_workload` per timing (about 0.15 s of CPU on a 2020s x86 core)."""


def reference_workload(rounds: int = REFERENCE_ROUNDS) -> float:
    """A fixed CPU workload shaped like generation: per round, a few small numpy reductions over a
    100-point array, a dict of formatted strings, a sort and a JSON dump. Returns a checksum (so no
    step can be optimised away)."""
    rng = np.random.default_rng(0)
    points = rng.random((100, 3))
    total = 0.0
    for i in range(rounds):
        shifted = points + i * 1e-3
        d = np.sqrt(np.einsum("ij,ij->i", shifted, shifted))
        total += float(d.min()) + float(np.argmax(d))
        words = {f"object_{k}": f"{k * 0.37:.2f} m" for k in range(20)}
        ordered = sorted(words.items(), key=lambda kv: kv[1], reverse=bool(i & 1))
        total += len(json.dumps(ordered, separators=(",", ":")))
    return total


def reference_round_ms(repeats: int = 3) -> float:
    """CPU milliseconds of one round of `reference_workload` (best of `repeats` timings)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        reference_workload()
        best = min(best, time.process_time() - start)
    return best * 1000.0 / REFERENCE_ROUNDS


def lifted_settings(generation: dict[str, Any] | None = None):
    """GenerationSettings of `generation` (default: the defaults) with the per-scan caps lifted."""
    from ladderdata.generators.settings import GenerationSettings

    data = dict(generation or {})
    data["max_per_scan_per_type"] = LIFTED_CAP
    data["max_per_scan_overrides"] = {}
    return GenerationSettings.model_validate(data)


def load_scenes(scenes: Path) -> list:
    """Scene records of a build directory (its `scenes/`) or of a folder of scene-record JSON files."""
    from ladderdata.records import SceneRecord
    from ladderdata.writers.layout import BuildLayout

    folder = BuildLayout(scenes).scenes_dir
    if not folder.is_dir():
        folder = scenes
    files = sorted(folder.glob("*.json"))
    if not files:
        raise SystemExit(f"{folder}: no scene records (*.json); build first or pass a scenes folder")
    return [SceneRecord.model_validate_json(p.read_bytes()) for p in files]


def measure_generation(
    scenes: list, settings, *, seed: int = 0, repeats: int = 2, families: list[str] | None = None
) -> dict[str, Any]:
    """Per family: samples emitted over all scenes and CPU ms per sample (best of `repeats` passes)."""
    from ladderdata.generators import GENERATORS

    out: dict[str, Any] = {}
    for family in families or list(GENERATORS):
        best = float("inf")
        emitted = 0
        for _ in range(repeats):
            gen = GENERATORS[family](settings)  # fresh: no state carried between passes
            count = 0
            start = time.process_time()
            for scene in scenes:
                count += len(gen.generate(scene, seed))
            best = min(best, time.process_time() - start)
            emitted = count
        out[family] = {
            "samples": emitted,
            "cpu_s": best,
            "ms_per_sample": best * 1000.0 / emitted if emitted else None,
        }
    total_s = sum(v["cpu_s"] for v in out.values())
    total_n = sum(v["samples"] for v in out.values())
    out["all"] = {"samples": total_n, "cpu_s": total_s, "ms_per_sample": total_s * 1000.0 / total_n}
    return out


def generation_row(
    scenes_dir: Path, generation: dict[str, Any] | None, *, seed: int = 0, repeats: int = 2
) -> dict[str, Any]:
    """The bench's generation row: per-family figures, the reference workload and their ratios."""
    scenes = load_scenes(scenes_dir)
    settings = lifted_settings(generation)
    ref_before = reference_round_ms()
    families = measure_generation(scenes, settings, seed=seed, repeats=repeats)
    ref = min(ref_before, reference_round_ms())  # before and after: the least-disturbed figure
    for fig in families.values():
        ms = fig["ms_per_sample"]
        fig["ref_rounds_per_sample"] = None if ms is None else ms / ref
    return {
        "scenes": len(scenes),
        "seed": seed,
        "cap": LIFTED_CAP,
        "reference_round_ms": ref,
        "reference": "bench.generation.reference_workload (one round)",
        "families": families,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=Path, required=True, help="build directory or scene-record folder")
    parser.add_argument("--manifest", type=Path, help="take its generation block (default: the defaults)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    generation = None
    if args.manifest:
        from ladderdata.config import load_manifest

        generation = load_manifest(args.manifest).generation.model_dump(mode="json")
    row = generation_row(args.scenes, generation, seed=args.seed, repeats=args.repeats)
    print(json.dumps(row, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
