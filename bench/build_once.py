"""One benchmark build in this process: `run_build` (what `ladderdata build` calls) on a manifest.

`python -m bench.build_once --manifest M --out DIR --workers N --executor local|ray [--seed S]
[--overwrite] --json OUT.json` writes the stage timings (plan / scans / finalize; for Ray the runtime
start-up is timed on its own, before the build), the samples generated before validation, the
rows written and the writer's peak buffered rows. Progress output is off (NullReporter), as
`ladderdata build --quiet`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ladderdata.config import apply_overrides, load_manifest
from ladderdata.executors import EXECUTORS
from ladderdata.pipeline import BuildOptions, run_build
from ladderdata.pipeline.progress import NullReporter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--executor", choices=sorted(EXECUTORS), default="local")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    config = apply_overrides(load_manifest(args.manifest), seed=args.seed)
    executor = EXECUTORS[args.executor](workers=args.workers)
    startup = None
    if hasattr(executor, "start"):  # Ray: time the runtime start-up on its own
        t0 = time.perf_counter()
        executor.start()
        startup = time.perf_counter() - t0
    options = BuildOptions(
        out=args.out, workers=args.workers, overwrite=args.overwrite, allow_short=True, executor=args.executor
    )
    try:
        summary = run_build(config, options, reporter=NullReporter(), executor=executor)
    finally:
        executor.close()  # run_build closes it too; this covers a build with nothing left to run
    stats = summary.stats
    run = dict(getattr(summary.result, "run", {}) or {})  # facts about this run (not in meta/)
    generated = sum(sum(per.values()) for per in stats["generation"]["emitted"].values())
    result = {
        "seconds_in_process": time.perf_counter() - start,
        "stages": summary.seconds,
        "executor_startup": startup,
        "scans": stats["scans"]["generated"],
        "scans_skipped": stats["scans"]["skipped"],
        "scene_cache_reused": run.get("scene_cache_reused", stats["scans"].get("scene_cache_reused")),
        "samples_generated": generated,
        "rows_written": stats["rows"]["grounding"] + stats["rows"]["spatial"],
        "max_buffered_rows": summary.result.max_buffered_rows,
        "run": run,
    }
    args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
