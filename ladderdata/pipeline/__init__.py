"""The build pipeline: plan scans, per-scan work on an executor, one deterministic finalize.

`run_build(config, BuildOptions(out=...))` is what `ladderdata build` calls; see `run.py` for the
flow, `plan.py` for the planned scans, `scan_work.py` for the per-scan function, `state.py` for resume
and the done markers, `finalize.py` for the validators and writers and `stats.py` for meta/stats.json.
"""

from __future__ import annotations

from ladderdata.pipeline.run import BuildOptions, BuildSummary, plan_scans, run_build

__all__ = ["BuildOptions", "BuildSummary", "plan_scans", "run_build"]
